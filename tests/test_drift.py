"""Drift scores: zero for the same sample, large for a shifted one, finite for degenerate ones."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from mlcourse import drift


def test_psi_of_a_sample_against_itself_is_zero_and_grows_with_the_shift():
    rng = np.random.default_rng(0)
    reference = rng.normal(size=4000)
    assert drift.psi(reference, reference) == 0.0
    scores = [drift.psi(reference, rng.normal(shift, 1.0, 4000)) for shift in (0.0, 0.25, 0.5, 1.0)]
    assert scores[0] < 0.02 and scores == sorted(scores) and scores[-1] > 0.25


def test_psi_matches_the_formula_on_a_hand_made_case():
    expected = np.repeat([1.0, 2.0, 3.0, 4.0], 25)  # quartile edges 1.75, 2.5, 3.25: 25 % in each bin
    actual = np.repeat([1.0, 2.0, 3.0, 4.0], [10, 20, 30, 40])
    shares = np.array([0.1, 0.2, 0.3, 0.4])
    assert np.isclose(drift.psi(expected, actual, bins=4), np.sum((shares - 0.25) * np.log(shares / 0.25)))


def test_a_constant_reference_and_values_outside_its_range_give_a_finite_score():
    assert np.isfinite(drift.psi(np.full(100, 5.0), np.full(100, 9.0)))
    assert drift.psi(np.full(100, 5.0), np.full(100, 9.0)) > 1  # everything moved to the other side
    assert drift.psi(np.full(100, 5.0), np.full(100, 1.0)) > 1  # and to the side below
    assert drift.psi(np.full(100, 5.0), np.full(100, 5.0)) == 0.0


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=200), st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=200),
       st.integers(1, 20))
def test_psi_is_finite_and_never_negative(expected, actual, bins):
    score = drift.psi(expected, actual, bins)
    assert np.isfinite(score) and score >= -1e-12


def test_windows_find_a_shift_that_starts_at_a_known_row():
    rng = np.random.default_rng(1)
    reference = pd.DataFrame({"mass": rng.normal(4200, 800, 2000), "flipper": rng.normal(200, 14, 2000)})
    traffic = pd.DataFrame({"mass": rng.normal(4200, 800, 3000), "flipper": rng.normal(200, 14, 3000)})
    traffic.loc[2000:, "mass"] *= 1.15  # from row 2000 on, a scale that reads 15 % heavy
    scores = drift.over_windows(reference, traffic, ["mass", "flipper"], window=500)
    mass = scores[scores.feature == "mass"].set_index("start")
    assert (mass.loc[:1500, "psi"] < 0.1).all() and (mass.loc[2000:, "psi"] > 0.25).all()
    assert (mass.loc[2000:, "ks_p"] < 1e-6).all()
    assert (scores[scores.feature == "flipper"]["psi"] < 0.1).all()  # the feature that did not move


def test_retraining_is_triggered_by_drift_before_labels_and_by_accuracy_after():
    assert drift.retrain_reasons({"mass": 0.02, "flipper": 0.04}, None, 0.82) == []
    early = drift.retrain_reasons({"mass": 0.02, "flipper": 0.61}, None, 0.82)
    assert early == ["flipper has drifted (PSI 0.61 > 0.25)"]
    late = drift.retrain_reasons({"mass": 0.02, "flipper": 0.61}, 0.72, 0.82)
    assert len(late) == 2 and "accuracy on labelled traffic is 0.720" in late[1]
    assert drift.retrain_reasons({}, 0.80, 0.82) == []  # within the allowed drop
