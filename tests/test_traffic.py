"""The simulated traffic: repeatable, drifted from a known hour on, labelled days later."""

from __future__ import annotations

import numpy as np

from mlcourse import serving, traffic, train


def test_the_stream_is_seeded_ordered_and_drifts_only_the_flipper_length_from_the_drift_day():
    stream = traffic.simulate(days=10, per_hour=20, drift_day=6, drift_factor=1.05)
    assert stream.equals(traffic.simulate(days=10, per_hour=20, drift_day=6, drift_factor=1.05))
    assert stream["hour"].is_monotonic_increasing and len(stream) == 10 * 24 * 20
    before, after = stream[stream.hour < 6 * 24], stream[stream.hour >= 6 * 24]
    assert 1.035 < after.flipper_length_mm.mean() / before.flipper_length_mm.mean() < 1.065
    assert abs(after.body_mass_g.mean() / before.body_mass_g.mean() - 1) < 0.03


def test_labels_arrive_after_their_delay_and_the_drift_costs_accuracy_once_they_do():
    stream = traffic.simulate(days=14, per_hour=30, drift_day=8, label_delay_days=3)
    assert len(traffic.known_by(stream, 3 * 24)) == 0  # nothing is labelled before the first delay is over
    model = serving.load_model(serving.ensure_model())
    predicted = model.predict(stream[train.FEATURES].to_numpy())
    at_day_10 = traffic.daily_accuracy(stream, predicted, hour=10 * 24)
    assert at_day_10["day"].max() == 6  # days 7 to 9 are not labelled yet: the drift (day 8) cannot show
    at_the_end = traffic.daily_accuracy(stream, predicted, hour=17 * 24)
    before = at_the_end[at_the_end.day < 8]["accuracy"].mean()
    after = at_the_end[at_the_end.day >= 8]["accuracy"].mean()
    assert after < before - 0.03, (before, after)
    assert np.isclose(at_the_end["labelled"].sum(), len(stream))
