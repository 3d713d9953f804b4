"""Checks for lesson 02 (linear regression): predict, mse, fit_least_squares."""

from __future__ import annotations

from typing import Any

import numpy as np

from mlcourse import linear
from mlcourse.check._core import (
    NOT_NUMBERS,
    as_array,
    call,
    describe,
    diagnose,
    expect_close,
    fail,
    passed,
    register,
)


def _wanted(expected: np.ndarray, finite: bool = False) -> str:
    """What the check expected, in words: one number, or an array of a shape."""
    if expected.ndim == 0:
        return "one finite number" if finite else "one number"
    return f"an array of shape {expected.shape}" + (" of finite numbers" if finite else "")


def _expect_numbers(got: Any, expected: Any, label: str, hint: str, rtol: float = 1e-6, atol: float = 1e-8) -> None:
    """Fail unless ``got`` is numbers of ``expected``'s shape and values; a wrong type or shape is named as it came back."""
    array = as_array(got, label)  # refuses None, text, booleans and dicts by name
    expected = np.asarray(expected, dtype=float)
    if array.shape != expected.shape:
        fail(f"{label} returned {describe(got)}; expected {_wanted(expected)}. Hint: {hint}.")
    if not np.all(np.isfinite(array)):
        fail(f"{label} returned {describe(got)}, which is not finite; expected {_wanted(expected, finite=True)}. "
             f"Hint: {hint}.")
    expect_close(got, expected, label, hint, rtol=rtol, atol=atol)


def _part_of_pair(value: Any, name: str, expected: Any, label: str, shape_hint: str, hint: str) -> None:
    """Check one half of a returned (w, b) pair, naming that half when it is of the wrong type or shape.

    ``shape_hint`` answers a wrong type or shape, ``hint`` wrong values.
    """
    expected = np.asarray(expected, dtype=float)
    wanted = f"{name} to be {_wanted(expected)}"
    if isinstance(value, NOT_NUMBERS) or (isinstance(value, (list, tuple)) and any(isinstance(v, NOT_NUMBERS) for v in value)):
        fail(f"{label} returned {name} = {describe(value)}; expected {wanted}. Hint: {shape_hint}.")
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        fail(f"{label} returned {name} = {describe(value)}, which is not numbers; expected {wanted}. Hint: {shape_hint}.")
    if array.shape != expected.shape:
        fail(f"{label} returned {name} = {describe(value)}; expected {wanted}. Hint: {shape_hint}.")
    if not np.all(np.isfinite(array)):
        fail(f"{label} returned {name} = {describe(value)}, which is not finite; expected {name} to be "
             f"{_wanted(expected, finite=True)}. Hint: {hint}.")
    expect_close(array, expected, f"{label}: {name}", hint, rtol=1e-5, atol=1e-6)


def _predict_cases():
    rng = np.random.default_rng(2)
    shapes = [(5, 3), (1, 3), (6, 1), (4, 2)]
    return [(rng.normal(size=(n, d)), rng.normal(size=d), float(rng.normal(3, 1))) for n, d in shapes]


def _predict_loop(X, w, b):
    return np.array([sum(x_j * w_j for x_j, w_j in zip(row, w, strict=True)) + b for row in X])


def _predict_no_intercept(X, w, b):
    """Forgets the intercept: `X @ w`."""
    return X @ w


def _predict_elementwise(X, w, b):
    """`X * w + b`: multiplies element by element instead of summing over features."""
    return X * w + b


@register(reference=linear.predict, also_right=[_predict_loop], mistakes=[_predict_no_intercept, _predict_elementwise])
def predict(fn) -> None:
    """Exercise 2.1: ``fn(X, w, b)`` returns X @ w + b, one prediction per row of X."""
    cases = _predict_cases()
    for X, w, b in cases:
        label = f"predict(X of shape {X.shape}, w of shape {w.shape}, b={b:.2f})"
        got = call(fn, X.copy(), w.copy(), b, label=label)
        hint = diagnose(got, {
            "the intercept b is missing: add it to every prediction": X @ w,
            "X * w multiplies element by element; each prediction is a *sum* over features (use X @ w)": X * w + b,
        }, "y_hat[i] = w[0]*X[i, 0] + ... + w[d-1]*X[i, d-1] + b; in numpy, X @ w + b")
        _expect_numbers(got, linear.predict(X, w, b), label, hint)
    passed("predict", f"right on all {len(cases)} cases (one sample, one feature)")


def _mse_loop(y_true, y_pred):
    return sum((t - p) ** 2 for t, p in zip(y_true, y_pred, strict=True)) / len(y_true)


def _mse_sum(y_true, y_pred):
    """Sums the squared errors instead of averaging them."""
    return float(np.sum((y_true - y_pred) ** 2))


def _mse_root(y_true, y_pred):
    """Takes the square root (RMSE)."""
    return float(np.sqrt(np.mean((y_true - y_pred) ** 2)))


def _mse_unsquared(y_true, y_pred):
    """Averages absolute differences (MAE) instead of squared ones."""
    return float(np.mean(np.abs(y_true - y_pred)))


@register(reference=linear.mse, also_right=[_mse_loop], mistakes=[_mse_sum, _mse_root, _mse_unsquared])
def mse(fn) -> None:
    """Exercise 2.2: ``fn(y_true, y_pred)`` returns the mean of the squared differences."""
    rng = np.random.default_rng(3)
    cases = [(np.array([2.0]), np.array([5.0]))]
    cases += [(rng.normal(0, 3, n), rng.normal(0, 3, n)) for n in (4, 9)]
    cases += [(b, a) for a, b in cases[1:]]  # the order of the arguments must not matter
    for y_true, y_pred in cases:
        label = f"mse({np.round(y_true, 2).tolist()}, {np.round(y_pred, 2).tolist()})"
        got = call(fn, y_true.copy(), y_pred.copy(), label=label)
        errors = y_true - y_pred
        hint = diagnose(got, {
            "this is the *sum* of squared errors; divide by the number of samples (the mean)": np.sum(errors**2),
            "this is the *root* mean squared error (RMSE); leave out the square root": np.sqrt(np.mean(errors**2)),
            "the differences are not squared (this is the mean absolute error)": np.mean(np.abs(errors)),
        }, "mse = mean((y_true - y_pred) ** 2), one number averaged over all samples")
        _expect_numbers(got, linear.mse(y_true, y_pred), label, hint)
    passed("mse", f"right on all {len(cases)} cases (one sample; either argument order)")


def _least_squares_sklearn(X, y):
    from sklearn.linear_model import LinearRegression

    model = LinearRegression().fit(X, y)
    return model.coef_, model.intercept_


def _least_squares_normal_equations(X, y):
    design = np.hstack([X, np.ones((len(X), 1))])
    coef = np.linalg.solve(design.T @ design, design.T @ y)
    return coef[:-1], coef[-1]


def _least_squares_centred(X, y):
    """Centre, solve for w without an intercept, then put the means back into b."""
    x_mean, y_mean = X.mean(axis=0), y.mean()
    w, *_ = np.linalg.lstsq(X - x_mean, y - y_mean, rcond=None)
    return w, float(y_mean - x_mean @ w)


def _least_squares_pseudo_inverse(X, y):
    coef = np.linalg.pinv(np.column_stack([X, np.ones(len(X))])) @ y
    return coef[:-1], float(coef[-1])


def _least_squares_intercept_is_mean_y(X, y):
    """Fits w on centred inputs, then takes b = mean(y), forgetting that b must undo the centring."""
    w, _ = _least_squares_centred(X, y)
    return w, float(y.mean())


def _least_squares_no_intercept(X, y):
    """Solves without a column of ones, so there is no intercept."""
    w, *_ = np.linalg.lstsq(X, y, rcond=None)
    return w, 0.0


def _least_squares_one_feature_at_a_time(X, y):
    """Fits each weight on its own feature, ignoring correlations between features."""
    w = np.array([np.cov(X[:, j], y)[0, 1] / np.var(X[:, j], ddof=1) for j in range(X.shape[1])])
    return w, float(np.mean(y - X @ w))


def _least_squares_intercept_in_w(X, y):
    """Returns the intercept inside `w` (d + 1 weights)."""
    design = np.hstack([X, np.ones((len(X), 1))])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    return coef, 0.0


def _least_squares_cases():
    rng = np.random.default_rng(4)
    cases = []
    for n, d in ((40, 3), (25, 1), (60, 2)):
        X = rng.normal(size=(n, d)) + 2
        if d > 1:
            X[:, 1] += 0.8 * X[:, 0]  # correlated features: fitting one at a time goes wrong
        w, b = rng.normal(0, 2, d), float(rng.normal(5, 1))
        cases.append((X, X @ w + b + rng.normal(0, 0.3, n)))
    return cases


@register(
    reference=linear.fit_least_squares,
    also_right=[_least_squares_sklearn, _least_squares_normal_equations, _least_squares_centred,
                _least_squares_pseudo_inverse],
    mistakes=[_least_squares_no_intercept, _least_squares_one_feature_at_a_time, _least_squares_intercept_in_w,
              _least_squares_intercept_is_mean_y],
)
def fit_least_squares(fn) -> None:
    """Exercise 2.3: ``fn(X, y)`` returns ``(w, b)`` minimising the squared error, intercept included."""
    cases = _least_squares_cases()
    for X, y in cases:
        label = f"fit_least_squares(X of shape {X.shape}, y)"
        got = call(fn, X.copy(), y.copy(), label=label)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            fail(f"{label} returned {describe(got)}; expected a pair (w, b): w of shape ({X.shape[1]},), b a number. "
                 "Hint: end with `return w, b`, the weights and the intercept as two values.")
        w, b = linear.fit_least_squares(X, y)
        in_w = not isinstance(got[0], NOT_NUMBERS) and np.size(got[0]) == X.shape[1] + 1
        w_shape_hint = ("w should hold one weight per feature; keep the intercept apart as b" if in_w else
                        "w holds one weight per input (column of X), as a numpy array; b is the intercept")
        hint = diagnose(
            got[0], {
                "w is fitted without an intercept: add a column of ones to X": _least_squares_no_intercept(X, y)[0],
                "each weight was fitted on its own feature; correlated features need all weights solved together":
                    _least_squares_one_feature_at_a_time(X, y)[0],
            }, "append a column of ones to X, solve with np.linalg.lstsq, then split into w (all but the last) and b (the last)")
        _part_of_pair(got[0], "w", w, label, w_shape_hint, hint)
        b_hint = diagnose(got[1], {
            "b is mean(y), the intercept only for centred inputs; these inputs have means "
            f"{np.round(X.mean(axis=0), 2).tolist()}, so b = mean(y) - mean(X) @ w": y.mean(),
        }, "the intercept is the weight of the column of ones (the last entry of the solution)")
        _part_of_pair(got[1], "b", b, label, "b is the intercept, one number (a float)", b_hint)
    passed("fit_least_squares", f"matches the least-squares solution on all {len(cases)} data sets (one feature, correlated features)")
