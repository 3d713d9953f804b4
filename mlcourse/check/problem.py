"""Checks for lesson 01 (problem definition): baseline_score, find_leaky_feature."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.feature_selection import mutual_info_regression
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import cross_val_score
from sklearn.tree import DecisionTreeRegressor

from mlcourse.check._core import call, diagnose, fail, passed, register


def _baseline_reference(y_train, y_test, task):
    y_train, y_test = pd.Series(y_train), pd.Series(y_test)
    if task == "regression":
        return r2_score(y_test, np.full(len(y_test), y_train.mean()))
    return accuracy_score(y_test, np.repeat(y_train.mode()[0], len(y_test)))


def _baseline_dummy(y_train, y_test, task):
    dummy = DummyRegressor(strategy="mean") if task == "regression" else DummyClassifier(strategy="most_frequent")
    features = np.zeros((len(y_train), 1))
    dummy.fit(features, y_train)
    return dummy.score(np.zeros((len(y_test), 1)), y_test)


def _baseline_fit_on_test(y_train, y_test, task):
    """Learns the constant from `y_test` (a leak), not from `y_train`."""
    return _baseline_reference(y_test, y_test, task)


def _baseline_median(y_train, y_test, task):
    """Uses the median for regression; the mean is the best constant for squared error."""
    if task == "regression":
        return r2_score(y_test, np.full(len(y_test), np.median(y_train)))
    return _baseline_reference(y_train, y_test, task)


def _baseline_train_share(y_train, y_test, task):
    """Returns the majority class's share in `y_train` instead of scoring it on `y_test`."""
    if task == "regression":
        return _baseline_reference(y_train, y_test, task)
    return pd.Series(y_train).value_counts(normalize=True).iloc[0]


def _baseline_cases():
    rng = np.random.default_rng(9)
    skewed = rng.exponential(50, 120)
    return [
        (skewed[:90], skewed[90:] + 15, "regression"),
        (rng.normal(150, 40, 60), rng.normal(140, 40, 25), "regression"),
        (np.array([0] * 30 + [1] * 20 + [2] * 10), np.array([0] * 5 + [1] * 9 + [2] * 6), "classification"),
        (np.array(["benign"] * 40 + ["malignant"] * 25), np.array(["benign"] * 12 + ["malignant"] * 10), "classification"),
        (np.array([1]), np.array([0, 1, 1]), "classification"),
    ]


@register(reference=_baseline_reference, also_right=[_baseline_dummy],
          mistakes=[_baseline_fit_on_test, _baseline_median, _baseline_train_share])
def baseline_score(fn) -> None:
    """Exercise 1.1: ``fn(y_train, y_test, task)``: test score of the best constant learned from train."""
    cases = _baseline_cases()
    for y_train, y_test, task in cases:
        label = f"baseline_score(y_train ({len(y_train)} values), y_test ({len(y_test)} values), {task!r})"
        got = call(fn, y_train.copy(), y_test.copy(), task, label=label)
        expected = _baseline_reference(y_train, y_test, task)
        if np.ndim(got) != 0:
            fail(f"{label} returned shape {np.shape(got)}; expected one score")
        hint = diagnose(got, {
            "the constant was learned from y_test: learn it from y_train only, then score it on y_test":
                _baseline_fit_on_test(y_train, y_test, task),
            "the median is not the best constant for squared error (R²); the mean is": _baseline_median(y_train, y_test, task),
            "this is the majority class's share in y_train; score its prediction on y_test instead":
                _baseline_train_share(y_train, y_test, task),
        }, "regression: predict mean(y_train) for every test row, score with R²; "
           "classification: predict the most frequent class of y_train, score with accuracy")
        if not np.isclose(float(got), expected, atol=1e-9):
            fail(f"{label} returned {float(got):.4f}; expected {expected:.4f}. Hint: {hint}.")
    passed("baseline_score", f"right on all {len(cases)} cases (skewed targets, string classes, one training label)")


def _leak_reference(X, y):
    tree = DecisionTreeRegressor(max_depth=4, random_state=0)
    scores = {column: cross_val_score(tree, X[[column]], y, cv=3).mean() for column in X.columns}
    return max(scores, key=scores.get)


def _leak_mutual_information(X, y):
    return X.columns[np.argmax(mutual_info_regression(X, y, random_state=0))]


def _leak_highest_variance(X, y):
    """Picks the column with the largest variance."""
    return X.var().idxmax()


def _leak_highest_correlation(X, y):
    """Picks the column with the largest absolute linear correlation, missing a curved leak."""
    return X.corrwith(y).abs().idxmax()


def _leak_cases():
    """Tables with one planted leak among honest features and a huge-variance distractor."""
    rng = np.random.default_rng(10)
    n = 300
    cases = []
    for leak_name, make_leak, position in (
        ("hba1c_at_followup", lambda z: z + rng.normal(0, 0.05, n), 1),
        ("followup_cost", lambda z: np.exp(3 * z) + rng.normal(0, 0.01, n), 4),
        ("days_to_next_visit", lambda z: -40 * z + rng.normal(0, 2, n), 0),
    ):
        z = rng.normal(size=n)
        X = pd.DataFrame({
            "age": 50 + 10 * (0.6 * z + 0.8 * rng.normal(size=n)),
            "bmi": 26 + 4 * rng.normal(size=n),
            "blood_pressure": 90 + 12 * (0.3 * z + rng.normal(size=n)),
            "record_number": rng.integers(0, 10**6, n).astype(float),
        })
        X.insert(position, leak_name, make_leak(z))
        cases.append((X, pd.Series(150 + 70 * z, name="progression"), leak_name))
    return cases


@register(reference=_leak_reference, also_right=[_leak_mutual_information],
          mistakes=[_leak_highest_variance, _leak_highest_correlation])
def find_leaky_feature(fn) -> None:
    """Exercise 1.2: ``fn(X, y)`` names the column that leaks the target."""
    cases = _leak_cases()
    for X, y, leak in cases:
        label = f"find_leaky_feature(X with columns {list(X.columns)}, y)"
        got = call(fn, X.copy(), y.copy(), label=label)
        if got == leak:
            continue
        if got not in X.columns:
            fail(f"{label} returned {got!r}, which is not a column name; expected {leak!r}.")
        if got == X.var().idxmax():
            hint = "a large spread says nothing about the target; score how well each column *predicts* y"
        elif got == X.corrwith(y).abs().idxmax():
            hint = ("correlation only sees straight-line relations; a leak can be curved. "
                    "Score each column alone with a small model (e.g. a decision tree, cross-validated)")
        else:
            hint = "for each column, fit a small model on that column alone and keep the one that predicts y best"
        fail(f"{label} returned {got!r}; expected {leak!r}. Hint: {hint}.")
    passed("find_leaky_feature", f"found the leak in all {len(cases)} tables (near copy, curved, negated)")
