"""Checks for lesson 01 (problem definition): baseline_score, find_leaky_feature, go_no_go."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.feature_selection import mutual_info_regression
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import cross_val_score
from sklearn.tree import DecisionTreeRegressor

from mlcourse.check._core import call, describe, diagnose, fail, passed, register


def _one_number(got: Any, label: str, expected: str, hint: str) -> float:
    """The learner's answer as one finite float, or a failure that says what came back instead."""
    if isinstance(got, np.ndarray) and got.ndim == 0 and np.issubdtype(got.dtype, np.number):
        got = got.item()
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, float, np.integer, np.floating)):
        fail(f"{label} returned {describe(got)}; expected {expected}. Hint: {hint}.")
    if not np.isfinite(float(got)):
        fail(f"{label} returned {float(got)}; expected {expected}, a finite number. Hint: {hint}.")
    return float(got)


# --- Exercise 1.1: baseline_score -------------------------------------------------------------


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


def _baseline_by_hand(y_train, y_test, task):
    y_test = np.asarray(y_test)
    if task == "regression":
        constant = np.mean(y_train)
        return 1 - np.sum((y_test - constant) ** 2) / np.sum((y_test - y_test.mean()) ** 2)
    values, counts = np.unique(y_train, return_counts=True)
    return float(np.mean(y_test == values[np.argmax(counts)]))


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


@register(reference=_baseline_reference, also_right=[_baseline_dummy, _baseline_by_hand],
          mistakes=[_baseline_fit_on_test, _baseline_median, _baseline_train_share])
def baseline_score(fn) -> None:
    """Exercise 1.1: ``fn(y_train, y_test, task)``: test score of the best constant learned from train."""
    cases = _baseline_cases()
    for y_train, y_test, task in cases:
        label = f"baseline_score(y_train ({len(y_train)} values), y_test ({len(y_test)} values), {task!r})"
        got = call(fn, y_train.copy(), y_test.copy(), task, label=label)
        got = _one_number(got, label, "one score (a float: R² for regression, accuracy for classification)",
                          "return the score itself, e.g. the float that r2_score or accuracy_score gives")
        expected = _baseline_reference(y_train, y_test, task)
        leak_or_swap = (
            "R² 0.0 is what a constant scores when it is learned from y_test (its mean), and also what "
            "r2_score returns when its arguments are swapped: learn the constant from y_train only, and pass "
            "the true values first, r2_score(y_test, predictions)" if task == "regression" else
            "this is the score of the most frequent class of y_test: learn the constant from y_train only, "
            "then score it on y_test")
        hint = diagnose(got, {
            leak_or_swap: _baseline_fit_on_test(y_train, y_test, task),
            "the median is not the best constant for squared error (R²); the mean is": _baseline_median(y_train, y_test, task),
            "this is the majority class's share in y_train; score its prediction on y_test instead":
                _baseline_train_share(y_train, y_test, task),
        }, "which single value, predicted for every row, scores best? For R² (squared error) it is the mean "
           "of y_train; for accuracy, the most frequent class of y_train. Then score that prediction on y_test")
        if not np.isclose(got, expected, atol=1e-9):
            fail(f"{label} returned {got:.4f}; expected {expected:.4f}. Hint: {hint}.")
    passed("baseline_score", f"right on all {len(cases)} cases (skewed targets, string classes, one training label)")


# --- Exercise 1.2: find_leaky_feature ---------------------------------------------------------


def _leak_reference(X, y):
    tree = DecisionTreeRegressor(max_depth=4, random_state=0)
    scores = {column: cross_val_score(tree, X[[column]], y, cv=3).mean() for column in X.columns}
    return max(scores, key=scores.get)


def _leak_mutual_information(X, y):
    return X.columns[np.argmax(mutual_info_regression(X, y, random_state=0))]


def _leak_rank_correlation(X, y):
    return X.corrwith(y, method="spearman").abs().idxmax()


def _leak_highest_variance(X, y):
    """Picks the column with the largest variance."""
    return X.var().idxmax()


def _leak_highest_correlation(X, y):
    """Picks the column with the largest absolute linear correlation, missing a curved leak."""
    return X.corrwith(y).abs().idxmax()


def _leak_scored_on_training_rows(X, y):
    """Scores a full-depth tree on the rows it was fit on: any column of distinct values scores R² = 1."""
    scores = {column: DecisionTreeRegressor(random_state=0).fit(X[[column]], y).score(X[[column]], y) for column in X.columns}
    return max(scores, key=scores.get)


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


def _not_a_column_name(got: Any, X: pd.DataFrame) -> str:
    """Why an answer that is not one of X's column names is wrong, in the learner's terms."""
    if isinstance(got, (pd.Series, pd.DataFrame)):
        return f"returned {describe(got)} (the column's values?), not a column's name"
    if isinstance(got, (int, np.integer)) and not isinstance(got, (bool, np.bool_)) and 0 <= got < X.shape[1]:
        return f"returned the number {got} (a position?), not a column's name: that would be X.columns[{got}]"
    return f"returned {describe(got)}, which is not one of X's column names"


@register(reference=_leak_reference, also_right=[_leak_mutual_information, _leak_rank_correlation],
          mistakes=[_leak_highest_variance, _leak_highest_correlation, _leak_scored_on_training_rows])
def find_leaky_feature(fn) -> None:
    """Exercise 1.2: ``fn(X, y)`` names the column that leaks the target."""
    cases = _leak_cases()
    for X, y, leak in cases:
        label = f"find_leaky_feature(X with columns {list(X.columns)}, y)"
        got = call(fn, X.copy(), y.copy(), label=label)
        if not isinstance(got, str) or got not in X.columns:
            fail(f"{label} {_not_a_column_name(got, X)}; expected the name {leak!r}, a string. "
                 "Hint: return the name of the one column that predicts y too well.")
        if got == leak:
            continue
        if got == X.var().idxmax():
            hint = "a large spread says nothing about the target; score how well each column *predicts* y"
        elif got == X.corrwith(y).abs().idxmax():
            hint = ("correlation only sees straight-line relations; a leak can be curved. "
                    "Score each column alone with something that sees curves (a small model, cross-validated, "
                    "or a rank-based measure)")
        elif got == _leak_scored_on_training_rows(X, y):
            hint = ("a column was scored on the rows its model was fit on: a flexible model memorises any column "
                    "of distinct values. Score each column on rows its model did not see (cross-validation)")
        else:
            hint = "for each column, measure how well that column alone predicts y, and keep the best one"
        fail(f"{label} returned {got!r}; expected {leak!r}. Hint: {hint}.")
    passed("find_leaky_feature", f"found the leak in all {len(cases)} tables (near copy, curved, negated)")


# --- Exercise 1.3: go_no_go -------------------------------------------------------------------


def _improvements(model_scores, baseline_scores, higher_is_better):
    """Per-fold gain of the model over the baseline, positive when the model is better."""
    model, baseline = np.asarray(model_scores, dtype=float), np.asarray(baseline_scores, dtype=float)
    return model - baseline if higher_is_better else baseline - model


def _go_reference(model_scores, baseline_scores, margin, higher_is_better=True):
    # The improvement must clear the margin even after taking off its fold-to-fold spread.
    gain = _improvements(model_scores, baseline_scores, higher_is_better)
    return bool(gain.mean() - gain.std() >= margin)


def _go_worst_fold(model_scores, baseline_scores, margin, higher_is_better=True):
    sign = 1 if higher_is_better else -1
    return min(sign * (m - b) for m, b in zip(model_scores, baseline_scores, strict=True)) >= margin


def _go_standard_error(model_scores, baseline_scores, margin, higher_is_better=True):
    gain = _improvements(model_scores, baseline_scores, higher_is_better)
    return bool(gain.mean() - 2 * gain.std(ddof=1) / np.sqrt(len(gain)) >= margin)


def _go_unpaired(model_scores, baseline_scores, margin, higher_is_better=True):
    model, baseline = np.asarray(model_scores), np.asarray(baseline_scores)
    if higher_is_better:
        return bool((model.mean() - model.std()) - (baseline.mean() + baseline.std()) >= margin)
    return bool((baseline.mean() - baseline.std()) - (model.mean() + model.std()) >= margin)


def _go_compare_means(model_scores, baseline_scores, margin, higher_is_better=True):
    """Compares the mean scores only: a gain smaller than the fold-to-fold noise passes as a go."""
    return bool(_improvements(model_scores, baseline_scores, higher_is_better).mean() >= margin)


def _go_against_zero(model_scores, baseline_scores, margin, higher_is_better=True):
    """Asks whether the model's score clears the margin, ignoring the baseline: a model that barely beats a strong baseline passes."""
    model = np.asarray(model_scores, dtype=float)
    return bool(model.mean() - model.std() >= margin) if higher_is_better else bool(model.mean() + model.std() <= margin)


def _go_ignores_margin(model_scores, baseline_scores, margin, higher_is_better=True):
    """Asks only whether the model beats the baseline beyond noise, not by the margin the user story needs."""
    gain = _improvements(model_scores, baseline_scores, higher_is_better)
    return bool(gain.mean() - gain.std() > 0)


def _go_loss_as_score(model_scores, baseline_scores, margin, higher_is_better=True):
    """Ignores `higher_is_better`: for a loss such as MAE, a model *worse* than the baseline looks better."""
    return _go_reference(model_scores, baseline_scores, margin, True)


def _go_t_test(model_scores, baseline_scores, margin, higher_is_better=True):
    from scipy.stats import ttest_1samp

    gain = _improvements(model_scores, baseline_scores, higher_is_better)
    return bool(ttest_1samp(gain, margin, alternative="greater").pvalue < 0.05)


def _go_noise_against_zero(model_scores, baseline_scores, margin, higher_is_better=True):
    """Tests the noise against zero, not against the margin (mean gain >= margin and > 2 std): a gain clearly above zero but not clearly above the margin passes."""
    gain = _improvements(model_scores, baseline_scores, higher_is_better)
    return bool(gain.mean() >= margin and gain.mean() > 2 * gain.std())


def _go_cases():
    """(model, baseline, margin, higher_is_better, right decision, what a wrong decision misses)."""
    a = np.array
    return [
        (a([0.90, 0.92, 0.89, 0.93, 0.91]), a([0.62, 0.63, 0.61, 0.64, 0.62]), 0.10, True, True,
         ("accuracy 0.91 against the baseline's 0.62: the model wins by about 0.28 in every fold, far more than "
          "the margin 0.10, so this is a go")),
        (a([0.84, 0.85, 0.83, 0.86, 0.84]), a([0.80, 0.82, 0.79, 0.81, 0.80]), 0.05, True, False,
         ("the model scores 0.84, but always predicting the majority class already scores 0.80: the gain over "
          "the baseline (0.04) is below the margin 0.05. Compare the *gain over the baseline* with the margin, "
          "not the score itself, and not just 'better than the baseline'")),
        (a([0.36, 0.06, 0.41, 0.12, 0.30]), a([0.01, -0.02, 0.00, -0.01, 0.02]), 0.20, True, False,
         ("the mean gain (0.25) clears the margin 0.20, but the folds disagree: one fold gains only 0.08. A mean "
          "that beats the bar by less than the fold-to-fold spread is no evidence; take the spread into account "
          "(e.g. the worst fold, or the mean gain minus its standard deviation)")),
        (a([45.0, 47.0, 44.0, 48.0, 46.0]), a([64.0, 67.0, 62.0, 66.0, 65.0]), 5.0, False, True,
         ("these are MAEs, a loss (higher_is_better=False): the model's 46 is *better* than the baseline's 65, "
          "a gain of about 19 per fold, well above the margin 5")),
        (a([70.0, 72.0, 71.0, 69.0, 73.0]), a([60.0, 61.0, 62.0, 60.0, 61.0]), 5.0, False, False,
         ("these are MAEs, a loss (higher_is_better=False): the model's 71 is *worse* than the baseline's 61; "
          "for a loss the gain is baseline minus model")),
        (a([0.83, 0.80, 0.84, 0.79, 0.82]), a([0.60] * 5), 0.20, True, False,
         ("the gain (0.19 to 0.24, mean 0.216) is clearly above zero, but the margin is 0.20 and the mean clears it "
          "by only 0.016, less than the folds' spread (about 0.02); one fold gains less than the margin. Ask "
          "whether the gain is clearly above the *margin*, not whether it is clearly above zero")),
        (a([44.0, 64.0, 40.0, 68.0, 48.0, 58.0, 42.0, 66.0, 50.0, 60.0]), a([60.0] * 10), 5.0, False, False,
         ("the mean MAE gain (6) clears the margin 5, but over these 10 folds it ranges from -8 to 20: the "
          "spread (about 10) dwarfs the 1 by which the mean clears the bar. Take the fold-to-fold spread into "
          "account, not the means alone")),
    ]


@register(reference=_go_reference, also_right=[_go_worst_fold, _go_standard_error, _go_unpaired, _go_t_test],
          mistakes=[_go_compare_means, _go_against_zero, _go_ignores_margin, _go_loss_as_score,
                    _go_noise_against_zero])
def go_no_go(fn) -> None:
    """Exercise 1.3: ``fn(model_scores, baseline_scores, margin, higher_is_better)`` is True for go."""
    cases = _go_cases()
    for model, baseline, margin, higher_is_better, right, why in cases:
        label = (f"go_no_go(model_scores={model.tolist()}, baseline_scores={baseline.tolist()}, "
                 f"margin={margin}, higher_is_better={higher_is_better})")
        got = call(fn, model.copy(), baseline.copy(), margin, higher_is_better, label=label)
        if not isinstance(got, (bool, np.bool_)):
            fail(f"{label} returned {describe(got)}; expected True (go) or False (no-go). "
                 "Hint: return the decision itself, a bool.")
        if bool(got) != right:
            fail(f"{label} returned {bool(got)}; expected {right} ({'go' if right else 'no-go'}). Hint: {why}.")
    passed("go_no_go", f"right on all {len(cases)} decisions (noise, a strong baseline, losses, a gain clear of zero but not of the margin)")
