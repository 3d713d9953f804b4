"""Checks for lesson 07 (overfitting): choose_degree, early_stopping_epoch."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LinearRegression
from sklearn.metrics import mean_squared_error
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures

from mlcourse.check._core import call, fail, is_number, passed, register


def _poly_errors(x_train, y_train, x_eval, y_eval, degrees):
    errors = []
    for degree in degrees:
        model = make_pipeline(PolynomialFeatures(degree), LinearRegression()).fit(x_train.reshape(-1, 1), y_train)
        errors.append(mean_squared_error(y_eval, model.predict(x_eval.reshape(-1, 1))))
    return errors


def _squared_errors(x_train, y_train, x_eval, y_eval, degrees):
    """Per-point squared errors on the evaluation points, for each degree fitted on the training points."""
    errors = {}
    for degree in degrees:
        model = make_pipeline(PolynomialFeatures(degree), LinearRegression()).fit(x_train.reshape(-1, 1), y_train)
        errors[degree] = (y_eval - model.predict(x_eval.reshape(-1, 1))) ** 2
    return errors


def _smallest_within_one_se(squared, degrees, paired: bool = True):
    """The smallest degree whose mean extra squared error over the best is at most its standard error."""
    best = min(degrees, key=lambda d: squared[d].mean())
    for degree in sorted(degrees):
        extra = squared[degree] - squared[best]
        if paired:
            se = extra.std(ddof=1) / np.sqrt(len(extra))
        else:
            se = np.hypot(*(squared[d].std(ddof=1) / np.sqrt(len(extra)) for d in (degree, best)))
        if extra.mean() <= se:
            return degree
    return best


def _degree_reference(x_train, y_train, x_val, y_val, degrees):
    return _smallest_within_one_se(_squared_errors(x_train, y_train, x_val, y_val, degrees), degrees)


def _degree_polyfit(x_train, y_train, x_val, y_val, degrees):
    squared = {d: (np.polyval(np.polyfit(x_train, y_train, d), x_val) - y_val) ** 2 for d in degrees}
    best = min(squared, key=lambda d: squared[d].mean())
    ok = [d for d in degrees
          if (squared[d] - squared[best]).mean() <= (squared[d] - squared[best]).std(ddof=1) / np.sqrt(len(x_val))]
    return min(ok)


def _degree_lowest_error(x_train, y_train, x_val, y_val, degrees):
    """Returns the degree with the lowest validation error, though a simpler degree is within noise of it."""
    squared = _squared_errors(x_train, y_train, x_val, y_val, degrees)
    return min(degrees, key=lambda d: squared[d].mean())


def _degree_unpaired_se(x_train, y_train, x_val, y_val, degrees):
    """Combines the two degrees' own standard errors instead of pairing them point by point: far too wide a margin."""
    return _smallest_within_one_se(_squared_errors(x_train, y_train, x_val, y_val, degrees), degrees, paired=False)


def _degree_classic_one_se(x_train, y_train, x_val, y_val, degrees):
    """The textbook unpaired one-SE rule: accepts a degree whose mean error is at most the best's mean plus the
    standard error of the best's own squared errors, ignoring that both were measured on the same points."""
    squared = _squared_errors(x_train, y_train, x_val, y_val, degrees)
    best = min(degrees, key=lambda d: squared[d].mean())
    margin = squared[best].std(ddof=1) / np.sqrt(len(x_val))
    return min(d for d in degrees if squared[d].mean() <= squared[best].mean() + margin)


def _degree_first_in_list(x_train, y_train, x_val, y_val, degrees):
    """Returns the first degree *in the list's order* within one standard error, not the smallest."""
    squared = _squared_errors(x_train, y_train, x_val, y_val, degrees)
    best = min(degrees, key=lambda d: squared[d].mean())
    for degree in degrees:
        extra = squared[degree] - squared[best]
        if extra.mean() <= extra.std(ddof=1) / np.sqrt(len(extra)):
            return degree
    return best


def _degree_by_training_error(x_train, y_train, x_val, y_val, degrees):
    """Picks the degree with the lowest *training* error: always the most flexible model."""
    squared = _squared_errors(x_train, y_train, x_train, y_train, degrees)
    return min(degrees, key=lambda d: squared[d].mean())


def _degree_returns_position(x_train, y_train, x_val, y_val, degrees):
    """Returns the position of the degree in the list instead of the degree itself."""
    return list(degrees).index(_degree_reference(x_train, y_train, x_val, y_val, degrees))


def _degree_cases():
    """Seeded noisy curves (seed chosen so that the lowest error, an unpaired margin, the textbook unpaired one-SE
    rule, a margin from the candidate's own standard error, absolute instead of squared errors and the list's order
    each give a wrong answer somewhere, and every decision clears its margin by at least a tenth of a standard error);
    the last case lists its degrees out of order."""
    rng = np.random.default_rng(392)
    cases = []
    for n, n_val, degrees in ((20, 60, list(range(1, 13))), (30, 100, [1, 3, 5, 7, 9, 11, 13]),
                              (15, 60, [2, 4, 6, 8, 10]), (25, 80, [7, 3, 9, 1, 5])):
        x = rng.uniform(-1, 1, n + n_val)
        y = np.sin(2.5 * x) + rng.normal(0, 0.25, n + n_val)
        cases.append((x[:n], y[:n], x[n:], y[n:], degrees))
    return cases


@register(reference=_degree_reference, also_right=[_degree_polyfit],
          mistakes=[_degree_lowest_error, _degree_unpaired_se, _degree_classic_one_se, _degree_first_in_list, _degree_by_training_error,
                    _degree_returns_position])
def choose_degree(fn) -> None:
    """Exercise 7.1: ``fn(x_train, y_train, x_val, y_val, degrees)`` returns the smallest degree within one paired
    standard error of the degree with the lowest validation error."""
    cases = _degree_cases()
    for x_train, y_train, x_val, y_val, degrees in cases:
        label = f"choose_degree(<{len(x_train)} training points>, <{len(x_val)} validation points>, degrees={degrees})"
        got = call(fn, x_train.copy(), y_train.copy(), x_val.copy(), y_val.copy(), list(degrees), label=label)
        expected = _degree_reference(x_train, y_train, x_val, y_val, degrees)
        if not is_number(got) or not float(got).is_integer():
            fail(f"{label} returned {got!r} ({type(got).__name__}); expected one degree from the list, a single "
                 f"whole number, here {expected}. Hint: return the degree itself, not the errors or the fitted model.")
        if got == expected:
            continue
        arguments = (x_train, y_train, x_val, y_val, degrees)
        if got == _degree_by_training_error(*arguments):
            hint = "that is the best degree on the *training* data, which always favours the most flexible model"
        elif got not in degrees or got == list(degrees).index(expected):
            hint = "return the degree itself, one of the degrees in the list, not its position"
        elif got == _degree_first_in_list(*arguments):
            hint = "the degrees come in any order: take the *smallest* degree within one standard error, not the first listed"
        elif got == _degree_lowest_error(*arguments):
            hint = (f"{got} has the lowest validation error, but the smaller degree {expected} is within one standard "
                    "error of it: ship the smallest degree within noise of the best")
        elif got in (_degree_unpaired_se(*arguments), _degree_classic_one_se(*arguments)):
            hint = ("both degrees were scored on the same validation points, so pair them: the margin is the standard "
                    "error of the per-point differences from the best, not one made of the errors' own standard "
                    "errors (the best's alone, or both combined), which is far too wide")
        else:
            hint = ("fit each degree on the training points; on the validation points, take each degree's per-point "
                    "squared errors minus the best degree's; accept the degree when their mean is at most their "
                    "standard error; return the smallest accepted degree")
        fail(f"{label} returned {got!r}; expected {expected}. Hint: {hint}.")
    passed("choose_degree", f"the smallest degree within one paired standard error of the best, on all {len(cases)} "
                            "cases (one with the degrees out of order)")


def _stopping_reference(val_losses, patience, min_delta):
    best, best_epoch, waited = float("inf"), 0, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best - min_delta:
            best, best_epoch, waited = loss, epoch, 0
        else:
            waited += 1
            if waited >= patience:
                break
    return best_epoch


def _stopping_by_slices(val_losses, patience, min_delta):
    best_epoch = 0
    for epoch in range(1, len(val_losses)):
        if val_losses[epoch] < val_losses[best_epoch] - min_delta:
            best_epoch = epoch
        elif epoch - best_epoch >= patience:
            break
    return best_epoch


def _stopping_looks_ahead(val_losses, patience, min_delta):
    """Returns the best epoch of the whole list: it peeks at epochs after the stop."""
    return int(np.argmin(val_losses))


def _stopping_returns_stop_epoch(val_losses, patience, min_delta):
    """Returns the epoch where training stopped instead of the best epoch, whose weights to keep."""
    best, waited = float("inf"), 0
    for epoch, loss in enumerate(val_losses):
        best, waited = (loss, 0) if loss < best - min_delta else (best, waited + 1)
        if waited >= patience:
            return epoch
    return len(val_losses) - 1


def _stopping_off_by_one(val_losses, patience, min_delta):
    """Stops one epoch too late (waits patience + 1 epochs without improvement)."""
    return _stopping_reference(val_losses, patience + 1, min_delta)


def _stopping_tie_improves(val_losses, patience, min_delta):
    """Counts a gain of exactly min_delta (with min_delta 0: an equal loss) as an improvement (`<=`)."""
    best, best_epoch, waited = float("inf"), 0, 0
    for epoch, loss in enumerate(val_losses):
        if loss <= best - min_delta:
            best, best_epoch, waited = loss, epoch, 0
        else:
            waited += 1
            if waited >= patience:
                break
    return best_epoch


def _stopping_ignores_min_delta(val_losses, patience, min_delta):
    """Counts every lower loss as an improvement, however small the gain."""
    return _stopping_reference(val_losses, patience, 0.0)


def _stopping_small_gain_moves_best(val_losses, patience, min_delta):
    """A gain below min_delta does not reset the patience, but still lowers the best loss that later epochs must beat."""
    best, best_epoch, waited = float("inf"), 0, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best - min_delta:
            best, best_epoch, waited = loss, epoch, 0
        else:
            best = min(best, loss)
            waited += 1
            if waited >= patience:
                break
    return best_epoch


def _stopping_relative_min_delta(val_losses, patience, min_delta):
    """Reads min_delta as a fraction of the best loss (`loss < best * (1 - min_delta)`), not as an absolute gain."""
    best, best_epoch, waited = float("inf"), 0, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best * (1 - min_delta):
            best, best_epoch, waited = loss, epoch, 0
        else:
            waited += 1
            if waited >= patience:
                break
    return best_epoch


def _stopping_never_resets(val_losses, patience, min_delta):
    """Never resets the patience counter after an improvement: counts all epochs without one, not those in a row."""
    best, best_epoch, waited = float("inf"), 0, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best - min_delta:
            best, best_epoch = loss, epoch
        else:
            waited += 1
            if waited >= patience:
                break
    return best_epoch


def _stopping_against_previous(val_losses, patience, min_delta):
    """Measures improvement against the previous epoch instead of the best so far."""
    previous, best, best_epoch, waited = float("inf"), float("inf"), 0, 0
    for epoch, loss in enumerate(val_losses):
        if loss < previous - min_delta:
            waited = 0
            if loss < best:
                best, best_epoch = loss, epoch
        else:
            waited += 1
            if waited >= patience:
                break
        previous = loss
    return best_epoch


STOPPING_CASES = [  # (losses, patience, min_delta); every gain is clear of min_delta or exact in binary floats
    ([5.0, 4.0, 3.0, 2.0, 1.0], 2, 0.0),
    ([5.0, 3.0, 3.5, 3.6, 3.7, 2.5, 3.8, 3.9, 4.0, 4.1, 1.0], 3, 0.0),  # stop at epoch 4: 2.5 and 1.0 come too late
    ([5.0, 3.0, 3.5, 2.9, 3.6, 3.8, 0.5], 2, 0.0),
    ([5.0, 3.0, 3.1, 2.0, 2.5], 1, 0.0),
    ([1.0], 3, 0.0),
    ([5.0, 3.0, 3.0, 3.0, 2.0], 2, 0.0),
    ([4.0, 2.0, 3.0, 2.0, 2.5, 2.6], 3, 0.0),
    ([5.0, 4.0, 4.5, 3.0, 3.5, 2.0], 2, 0.0),  # the patience counter must restart after each improvement
    ([5.0, 3.0, 4.0, 3.5, 3.2, 3.1, 1.0], 2, 0.0),  # improvement is against the best, not the previous epoch
    ([5.0, 4.0, 3.95, 3.92, 3.0], 2, 0.1),  # gains of 0.05 and 0.08 do not count; training stops before 3.0
    ([5.0, 4.0, 3.5, 3.0, 2.5, 2.0], 1, 0.5),  # gains of exactly min_delta are not improvements; min_delta is absolute
    ([5.0, 4.0, 3.95, 3.88, 3.0], 2, 0.1),  # 3.95 does not count nor move the best; 3.88 beats 4.0 by more than 0.1
    ([5.0, 4.0, 3.8, 3.7, 3.6, 3.5], 4, 0.25),  # only 3.7 beats the best (4.0) by more than 0.25
]


@register(reference=_stopping_reference, also_right=[_stopping_by_slices],
          mistakes=[_stopping_looks_ahead, _stopping_returns_stop_epoch, _stopping_off_by_one, _stopping_tie_improves,
                    _stopping_ignores_min_delta, _stopping_small_gain_moves_best, _stopping_relative_min_delta,
                    _stopping_never_resets, _stopping_against_previous])
def early_stopping_epoch(fn) -> None:
    """Exercise 7.2: ``fn(val_losses, patience, min_delta)`` returns the index of the epoch whose weights to keep."""
    for losses, patience, min_delta in STOPPING_CASES:
        label = f"early_stopping_epoch({losses}, patience={patience}, min_delta={min_delta})"
        got = call(fn, list(losses), patience, min_delta, label=label)
        arguments = (losses, patience, min_delta)
        expected = _stopping_reference(*arguments)
        if not is_number(got) or not float(got).is_integer():
            fail(f"{label} returned {got!r} ({type(got).__name__}); expected the index of one epoch, a whole number, "
                 f"here {expected}. Hint: return the position of the best epoch in the list, not its loss.")
        if got == expected:
            continue
        if got == _stopping_tie_improves(*arguments):
            hint = ("an improvement must beat the best by *more than* min_delta: a gain of exactly min_delta "
                    "(or, with min_delta 0, an equal loss) does not count")
        elif got == _stopping_ignores_min_delta(*arguments):
            hint = f"a loss lower than the best by {min_delta} or less is not an improvement"
        elif got == _stopping_small_gain_moves_best(*arguments):
            hint = "a gain too small to count must not change the best loss either; later epochs are compared with the real best"
        elif got == _stopping_relative_min_delta(*arguments):
            hint = (f"min_delta is an absolute gain in loss: a loss improves when it is below the best minus {min_delta}, "
                    "not below the best times (1 - min_delta)")
        elif got == _stopping_never_resets(*arguments):
            hint = "the patience counts epochs *in a row* without improvement: restart it at each improvement"
        elif got == _stopping_against_previous(*arguments):
            hint = "compare each loss with the best loss so far, not with the previous epoch's"
        elif got == _stopping_off_by_one(*arguments):
            hint = (f"training stops one epoch too late: stop as soon as the count of epochs in a row without "
                    f"improvement reaches patience ({patience}), not when it exceeds it")
        elif got == int(np.argmin(losses)):
            hint = "that is the best epoch of the whole list, but training stops earlier and never sees the later epochs"
        elif got == _stopping_returns_stop_epoch(*arguments):
            hint = "that is where training stopped; return the best epoch before it, whose weights you keep"
        else:
            hint = (f"stop as soon as {patience} epochs in a row bring no improvement of more than {min_delta} over "
                    "the best so far, and return the index of that best epoch")
        fail(f"{label} returned {got!r}; expected {expected}. Hint: {hint}.")
    passed("early_stopping_epoch", f"right on all {len(STOPPING_CASES)} loss curves (improvement after the stop, "
                                   "patience 1, ties, min_delta, patience restarting after each improvement)")
