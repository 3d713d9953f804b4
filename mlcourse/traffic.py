"""Simulated production traffic for lesson 14: requests by the hour, a drift at a known time, labels days later.

Real traffic is what a monitoring lesson needs and cannot ship, so this
module makes some, seeded: penguins drawn (with a little measurement noise)
from the course's table, ``per_hour`` requests an hour for ``days`` days.
From ``drift_day`` on, the field stations use a new measuring board that
reads ``drift_column`` (flipper length) ``drift_factor`` times too long: a
calibration change, the kind of drift nobody announces, and one that moves a
feature this model leans on. The true species of each request becomes known
``label_delay_days`` later, when the field sheets come back: until then,
accuracy cannot be measured, and drift scores are the only early warning.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mlcourse.train import FEATURES, TARGET, load_table

NOISE = {"bill_depth_mm": 0.3, "flipper_length_mm": 2.0, "body_mass_g": 60.0}  # measurement noise (1 sd)


def simulate(days: int = 14, per_hour: int = 30, drift_day: float = 8.0, drift_column: str = "flipper_length_mm",
             drift_factor: float = 1.05, label_delay_days: float = 3.0, seed: int = 14) -> pd.DataFrame:
    """One row per request, in time order: ``hour``, the features, ``species`` (the truth) and ``labelled_at``.

    Examples
    --------
    >>> stream = simulate(days=2, per_hour=5, drift_day=1)
    >>> len(stream), stream["hour"].is_monotonic_increasing
    (240, True)
    """
    rng = np.random.default_rng(seed)
    table = load_table()[0]
    n = days * 24 * per_hour
    picked = table.iloc[rng.integers(0, len(table), n)].reset_index(drop=True)
    stream = pd.DataFrame({"hour": np.sort(rng.uniform(0, days * 24, n))})
    for column in FEATURES:
        stream[column] = picked[column].to_numpy(float) + rng.normal(0, NOISE[column], n)
    drifted = stream["hour"] >= drift_day * 24
    stream.loc[drifted, drift_column] *= drift_factor
    stream[TARGET] = picked[TARGET].to_numpy()
    stream["labelled_at"] = stream["hour"] + label_delay_days * 24
    return stream


def known_by(stream: pd.DataFrame, hour: float) -> pd.DataFrame:
    """The requests whose labels have come back by ``hour``: all that accuracy can be measured on then."""
    return stream[stream["labelled_at"] <= hour]


def daily_accuracy(stream: pd.DataFrame, predicted, hour: float) -> pd.DataFrame:
    """Accuracy per day of request, on what is labelled by ``hour`` (a day with no labels yet has none)."""
    frame = stream.assign(correct=np.asarray(predicted) == stream[TARGET].to_numpy(), day=stream["hour"] // 24)
    known = frame[frame["labelled_at"] <= hour]
    return known.groupby("day")["correct"].agg(accuracy="mean", labelled="size").reset_index()
