"""Checks for lesson 07 (overfitting): choose_degree, early_stopping_epoch."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LinearRegression
from sklearn.metrics import mean_squared_error
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures

from mlcourse.check._core import call, fail, passed, register


def _poly_errors(x_train, y_train, x_eval, y_eval, degrees):
    errors = []
    for degree in degrees:
        model = make_pipeline(PolynomialFeatures(degree), LinearRegression()).fit(x_train.reshape(-1, 1), y_train)
        errors.append(mean_squared_error(y_eval, model.predict(x_eval.reshape(-1, 1))))
    return errors


def _degree_reference(x_train, y_train, x_val, y_val, degrees):
    return degrees[int(np.argmin(_poly_errors(x_train, y_train, x_val, y_val, degrees)))]


def _degree_polyfit(x_train, y_train, x_val, y_val, degrees):
    errors = {d: np.mean((np.polyval(np.polyfit(x_train, y_train, d), x_val) - y_val) ** 2) for d in degrees}
    return min(errors, key=errors.get)


def _degree_by_training_error(x_train, y_train, x_val, y_val, degrees):
    """Picks the degree with the lowest *training* error: always the most flexible model."""
    return degrees[int(np.argmin(_poly_errors(x_train, y_train, x_train, y_train, degrees)))]


def _degree_returns_position(x_train, y_train, x_val, y_val, degrees):
    """Returns the position of the best degree in the list instead of the degree itself."""
    return int(np.argmin(_poly_errors(x_train, y_train, x_val, y_val, degrees)))


def _degree_cases():
    """Seeded noisy sine curves; the last case lists its degrees out of order."""
    rng = np.random.default_rng(13)
    cases = []
    for n, degrees in ((20, list(range(1, 13))), (30, [1, 3, 5, 7, 9, 11, 13]), (15, [2, 4, 6, 8, 10]),
                       (25, [7, 3, 9, 1, 5])):
        x = rng.uniform(-1, 1, 2 * n)
        y = np.sin(3 * x) + rng.normal(0, 0.2, 2 * n)
        cases.append((x[:n], y[:n], x[n:], y[n:], degrees))
    return cases


def _is_number(value) -> bool:
    """A single real number (a bool is not one)."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


@register(reference=_degree_reference, also_right=[_degree_polyfit],
          mistakes=[_degree_by_training_error, _degree_returns_position])
def choose_degree(fn) -> None:
    """Exercise 7.1: ``fn(x_train, y_train, x_val, y_val, degrees)`` returns the degree with the lowest validation error."""
    cases = _degree_cases()
    for x_train, y_train, x_val, y_val, degrees in cases:
        label = f"choose_degree(<{len(x_train)} training points>, <{len(x_val)} validation points>, degrees={degrees})"
        got = call(fn, x_train.copy(), y_train.copy(), x_val.copy(), y_val.copy(), list(degrees), label=label)
        expected = _degree_reference(x_train, y_train, x_val, y_val, degrees)
        if not _is_number(got) or not float(got).is_integer():
            fail(f"{label} returned {got!r} ({type(got).__name__}); expected one degree from the list, a single "
                 f"whole number, here {expected}. Hint: return the degree itself, not the errors or the fitted model.")
        if got == expected:
            continue
        if got == _degree_by_training_error(x_train, y_train, x_val, y_val, degrees):
            hint = "that is the best degree on the *training* data, which always favours the most flexible model"
        elif got not in degrees or got == list(degrees).index(expected):
            hint = "return the degree itself, one of the degrees in the list, not its position"
        else:
            hint = "fit each degree on the training points, compute the MSE on the validation points, return the degree with the lowest"
        fail(f"{label} returned {got!r}; expected {expected}. Hint: {hint}.")
    passed("choose_degree", f"picked by validation error on all {len(cases)} cases (one with the degrees out of order)")


def _stopping_reference(val_losses, patience):
    best, best_epoch, waited = float("inf"), 0, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best:
            best, best_epoch, waited = loss, epoch, 0
        else:
            waited += 1
            if waited >= patience:
                break
    return best_epoch


def _stopping_by_slices(val_losses, patience):
    best_epoch = 0
    for epoch in range(1, len(val_losses)):
        if val_losses[epoch] < min(val_losses[: epoch]):
            best_epoch = epoch
        elif epoch - best_epoch >= patience:
            break
    return best_epoch


def _stopping_looks_ahead(val_losses, patience):
    """Returns the best epoch of the whole list: it peeks at epochs after the stop."""
    return int(np.argmin(val_losses))


def _stopping_returns_stop_epoch(val_losses, patience):
    """Returns the epoch where training stopped instead of the best epoch, whose weights to keep."""
    best, waited = float("inf"), 0
    for epoch, loss in enumerate(val_losses):
        best, waited = (loss, 0) if loss < best else (best, waited + 1)
        if waited >= patience:
            return epoch
    return len(val_losses) - 1


def _stopping_off_by_one(val_losses, patience):
    """Stops one epoch too late (waits patience + 1 epochs without improvement)."""
    return _stopping_reference(val_losses, patience + 1)


def _stopping_tie_improves(val_losses, patience):
    """Counts a loss equal to the best as an improvement (`<=`): a plateau resets the patience and moves the kept epoch."""
    best, best_epoch, waited = float("inf"), 0, 0
    for epoch, loss in enumerate(val_losses):
        if loss <= best:
            best, best_epoch, waited = loss, epoch, 0
        else:
            waited += 1
            if waited >= patience:
                break
    return best_epoch


@register(reference=_stopping_reference, also_right=[_stopping_by_slices],
          mistakes=[_stopping_looks_ahead, _stopping_returns_stop_epoch, _stopping_off_by_one, _stopping_tie_improves])
def early_stopping_epoch(fn) -> None:
    """Exercise 7.2: ``fn(val_losses, patience)`` returns the index of the epoch whose weights to keep."""
    cases = [
        ([5.0, 4.0, 3.0, 2.0, 1.0], 2),
        ([5.0, 3.0, 3.5, 3.6, 3.7, 1.0], 3),
        ([5.0, 3.0, 3.5, 2.9, 3.6, 3.8, 0.5], 2),
        ([5.0, 3.0, 3.1, 2.0, 2.5], 1),
        ([1.0], 3),
        ([5.0, 3.0, 3.0, 3.0, 2.0], 2),
        ([4.0, 2.0, 3.0, 2.0, 2.5, 2.6], 3),
    ]
    for losses, patience in cases:
        label = f"early_stopping_epoch({losses}, patience={patience})"
        got = call(fn, list(losses), patience, label=label)
        expected = _stopping_reference(losses, patience)
        if not _is_number(got) or not float(got).is_integer():
            fail(f"{label} returned {got!r} ({type(got).__name__}); expected the index of one epoch, a whole number, "
                 f"here {expected}. Hint: return the position of the best epoch in the list, not its loss.")
        if got == expected:
            continue
        if got == _stopping_tie_improves(losses, patience):
            hint = ("a loss equal to the best so far is not an improvement: keep the earlier epoch, "
                    "and keep counting the patience")
        elif got == int(np.argmin(losses)):
            hint = "that is the best epoch of the whole list, but training stops earlier and never sees the later epochs"
        elif got == _stopping_returns_stop_epoch(losses, patience):
            hint = "that is where training stopped; return the best epoch before it, whose weights you keep"
        else:
            hint = (f"stop as soon as {patience} epochs in a row bring no improvement over the best so far, "
                    "and return the index of that best epoch")
        fail(f"{label} returned {got!r}; expected {expected}. Hint: {hint}.")
    passed("early_stopping_epoch", f"right on all {len(cases)} loss curves (improvement after the stop, patience 1, ties)")
