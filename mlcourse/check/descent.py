"""Checks for lesson 03 (gradient descent): mse_gradient, gradient_descent, minibatches."""

from __future__ import annotations

import numpy as np

from mlcourse import linear
from mlcourse.check._core import as_array, call, diagnose, expect_close, fail, passed, register


def _finite_difference_gradient(X, y, w, b, eps=1e-6):
    """Central differences of the MSE: the gradient by its definition, no calculus needed."""
    loss = lambda w_, b_: linear.mse(y, linear.predict(X, w_, b_))  # noqa: E731
    dw = np.array([(loss(w + eps * e, b) - loss(w - eps * e, b)) / (2 * eps) for e in np.eye(len(w))])
    return dw, (loss(w, b + eps) - loss(w, b - eps)) / (2 * eps)


def _gradient_loops(X, y, w, b):
    n, d = X.shape
    dw, db = np.zeros(d), 0.0
    for i in range(n):
        error = sum(X[i, j] * w[j] for j in range(d)) + b - y[i]
        dw += 2 * error * X[i] / n
        db += 2 * error / n
    return dw, db


def _gradient_without_two(X, y, w, b):
    """Drops the factor 2 of the derivative of a square."""
    r = X @ w + b - y
    return X.T @ r / len(X), r.mean()


def _gradient_summed(X, y, w, b):
    """Sums over samples instead of averaging (n times too large)."""
    r = X @ w + b - y
    return 2 * X.T @ r, 2 * r.sum()


def _gradient_wrong_sign(X, y, w, b):
    """Uses the residual y - prediction, flipping the sign."""
    r = y - (X @ w + b)
    return 2 * X.T @ r / len(X), 2 * r.mean()


def _gradient_cases():
    rng = np.random.default_rng(5)
    return [(rng.normal(size=(n, d)), rng.normal(size=n) * 3, rng.normal(size=d), float(rng.normal()))
            for n, d in ((8, 3), (1, 2), (6, 1), (20, 4))]


@register(reference=linear.mse_gradient, also_right=[_gradient_loops],
          mistakes=[_gradient_without_two, _gradient_summed, _gradient_wrong_sign])
def mse_gradient(fn) -> None:
    """Exercise 3.1: ``fn(X, y, w, b)`` returns ``(dw, db)``, checked against finite differences."""
    cases = _gradient_cases()
    for X, y, w, b in cases:
        label = f"mse_gradient(X of shape {X.shape}, y, w, b)"
        got = call(fn, X.copy(), y.copy(), w.copy(), b, label=label)
        if not isinstance(got, tuple) or len(got) != 2:
            fail(f"{label} returned {type(got).__name__}; expected a pair (dw, db)")
        dw, db = _finite_difference_gradient(X, y, w, b)
        n = len(X)
        for name, part, expected in (("dw", got[0], dw), ("db", got[1], db)):
            hint = diagnose(part, {
                "values are half the right ones: d/dw of a square brings down a factor 2": expected / 2,
                f"values are {n} times too large: the loss is a *mean*, so divide by the number of samples": expected * n,
                "the sign is flipped: the residual is prediction minus target (X @ w + b - y)": -expected,
            }, "dw = 2/n * X.T @ (X @ w + b - y) and db = 2/n * sum(X @ w + b - y)")
            expect_close(part, expected, f"{label}: {name}", hint, rtol=1e-4, atol=1e-6)
    passed("mse_gradient", f"matches finite differences on all {len(cases)} cases (one sample, one feature)")


def _descent_loops(X, y, lr, steps, w0=None, b0=0.0):
    w = np.zeros(X.shape[1]) if w0 is None else np.array(w0, dtype=float)
    b, losses = b0, []
    for _ in range(steps):
        residual = X @ w + b - y
        losses.append(float(np.mean(residual**2)))
        w = w - lr * 2 * X.T @ residual / len(y)
        b = b - lr * 2 * residual.mean()
    return w, b, losses


def _descent_uphill(X, y, lr, steps, w0=None, b0=0.0):
    """Steps *with* the gradient (`w += lr * dw`): the loss grows."""
    w, b, losses = _descent_loops(X, y, -lr, steps, w0, b0)
    return w, b, losses


def _descent_loss_after_update(X, y, lr, steps, w0=None, b0=0.0):
    """Records the loss after each update instead of before."""
    w, b, _ = _descent_loops(X, y, lr, steps, w0, b0)
    losses = [_descent_loops(X, y, lr, t + 1, w0, b0)[2][-1] for t in range(1, steps + 1)]
    return w, b, losses


def _descent_ignores_start(X, y, lr, steps, w0=None, b0=0.0):
    """Ignores `w0` and `b0` and always starts from zeros."""
    return _descent_loops(X, y, lr, steps)


def _descent_cases():
    rng = np.random.default_rng(6)
    X = rng.normal(size=(30, 2))
    y = X @ np.array([1.5, -2.0]) + 0.5 + rng.normal(0, 0.1, 30)
    return [
        dict(X=X, y=y, lr=0.1, steps=40),
        dict(X=X[:, :1], y=y, lr=0.05, steps=25, w0=np.array([3.0]), b0=-1.0),
        dict(X=X, y=y, lr=1.2, steps=12),  # too large: the loss must grow
    ]


@register(reference=linear.gradient_descent, also_right=[_descent_loops],
          mistakes=[_descent_uphill, _descent_loss_after_update, _descent_ignores_start])
def gradient_descent(fn) -> None:
    """Exercise 3.2: ``fn(X, y, lr, steps, w0=None, b0=0.0)`` returns ``(w, b, losses)``."""
    cases = _descent_cases()
    for case in cases:
        label = f"gradient_descent(X of shape {case['X'].shape}, y, lr={case['lr']}, steps={case['steps']}" + (
            ", w0, b0)" if "w0" in case else ")")
        got = call(fn, **{k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in case.items()}, label=label)
        if not isinstance(got, tuple) or len(got) != 3:
            fail(f"{label} returned {type(got).__name__}; expected a triple (w, b, losses)")
        w, b, losses = linear.gradient_descent(**case)
        got_losses = as_array(got[2], f"{label}: losses")
        if got_losses.ndim != 1:
            fail(f"{label}: losses is {type(got[2]).__name__} of shape {got_losses.shape}; expected a list of numbers, "
                 "one per step. Hint: append one float, the MSE, to a list at every step.")
        if len(got_losses) != case["steps"]:
            fail(f"{label}: losses has {len(got_losses)} entries; expected one per step ({case['steps']}). "
                 "Hint: append the loss once at every step, before updating w and b.")
        hint = diagnose(got[2], {
            "the loss grows: step *against* the gradient (w = w - lr * dw)": _descent_uphill(**case)[2],
            "you record the loss *after* each update; record it before, so losses[0] is the loss at the start":
                _descent_loss_after_update(**case)[2],
            "start from w0 and b0 when they are given (zeros only when w0 is None)": _descent_ignores_start(**case)[2],
        }, "at each step: record mse at the current w, b; compute (dw, db); then w -= lr * dw and b -= lr * db")
        expect_close(got[2], losses, f"{label}: losses", hint, rtol=1e-6)
        expect_close(got[0], w, f"{label}: w", hint, rtol=1e-6)
        expect_close(got[1], b, f"{label}: b", hint, rtol=1e-6)
    passed("gradient_descent", f"same path as the reference on all {len(cases)} cases (a start point; a diverging rate)")


def _batches_shuffle(n, batch_size, rng):
    indices = np.arange(n)
    rng.shuffle(indices)
    return [indices[i : i + batch_size] for i in range(0, n, batch_size)]


def _batches_small_first(n, batch_size, rng):
    order = list(rng.permutation(n))
    small = n % batch_size
    cuts = ([order[:small]] if small else []) + [order[i : i + batch_size] for i in range(small, n, batch_size)]
    return iter(cuts)


def _batches_drop_last(n, batch_size, rng):
    """Drops the last, smaller batch."""
    order = rng.permutation(n)
    return [order[i : i + batch_size] for i in range(0, n - batch_size + 1, batch_size)]


def _batches_in_order(n, batch_size, rng):
    """Does not shuffle: batches come in index order."""
    return [np.arange(i, min(i + batch_size, n)) for i in range(0, n, batch_size)]


def _batches_runs_in_shuffled_order(n, batch_size, rng):
    """Shuffles only the order of fixed runs of neighbouring indices: on sorted data each batch holds one class."""
    runs = [np.arange(i, min(i + batch_size, n)) for i in range(0, n, batch_size)]
    return [runs[i] for i in rng.permutation(len(runs))]


def _batches_shuffled_inside_runs(n, batch_size, rng):
    """Shuffles only inside fixed runs of neighbouring indices: looks random, but the same rows always share a batch."""
    return [rng.permutation(np.arange(i, min(i + batch_size, n))) for i in range(0, n, batch_size)]


def _batches_fixed_members(n, batch_size, rng):
    """Fixes the batches' members with a constant seed; `rng` only reorders them, so every seed groups the same rows."""
    order = np.random.default_rng(0).permutation(n)
    runs = [order[i : i + batch_size] for i in range(0, n, batch_size)]
    return [runs[i] for i in rng.permutation(len(runs))]


def _batches_with_replacement(n, batch_size, rng):
    """Samples indices with replacement, so some repeat and some are missing."""
    picks = rng.integers(0, n, size=n)
    return [picks[i : i + batch_size] for i in range(0, n, batch_size)]


def _batches_global_random(n, batch_size, rng):
    """Shuffles with `np.random` instead of the `rng` given, so runs cannot be repeated."""
    order = np.random.permutation(n)
    return [order[i : i + batch_size] for i in range(0, n, batch_size)]


def _one_epoch(fn, n, batch_size, seed, label):
    """The batches ``fn`` yields for one epoch as 1-D integer arrays, or a failure that says what came back."""
    got = call(fn, n, batch_size, np.random.default_rng(seed), label=label)
    if got is None or isinstance(got, (str, bytes, dict)) or hasattr(got, "columns") or not hasattr(got, "__iter__"):
        fail(f"{label} returned {type(got).__name__}; expected a generator (or list) of index arrays, one per batch. "
             "Hint: `yield` one array of indices per batch.")
    batches = []
    for batch in call(lambda: list(got), label=label):
        try:
            array = np.asarray(batch)
        except (TypeError, ValueError):
            array = np.asarray(None)
        if array.ndim != 1 or array.size == 0 or not np.issubdtype(array.dtype, np.integer):
            fail(f"{label} yielded a batch of type {type(batch).__name__} (shape {array.shape}, dtype {array.dtype}); "
                 "expected a non-empty 1-D array of integer indices. Hint: yield slices of a shuffled np.arange(n).")
        batches.append(array)
    return batches


def _is_run(batch):
    """True when a batch holds neighbouring indices only (in any order), like 7, 5, 6."""
    return len(np.unique(batch)) == len(batch) and batch.max() - batch.min() + 1 == len(batch)


@register(reference=linear.minibatches, also_right=[_batches_shuffle, _batches_small_first],
          mistakes=[_batches_drop_last, _batches_in_order, _batches_with_replacement, _batches_global_random,
                    _batches_runs_in_shuffled_order, _batches_shuffled_inside_runs, _batches_fixed_members])
def minibatches(fn) -> None:
    """Exercise 3.3: ``fn(n, batch_size, rng)`` yields shuffled index arrays covering 0..n-1 once."""
    cases = [(10, 3), (8, 4), (5, 10), (1, 1), (50, 7)]
    for n, size in cases:
        label = f"minibatches(n={n}, batch_size={size}, rng)"
        batches = _one_epoch(fn, n, size, 0, label)
        sizes = [len(batch) for batch in batches]
        expected_sizes = [size] * (n // size) + ([n % size] if n % size else [])
        if sorted(sizes) != sorted(expected_sizes):
            hint = "keep the last, smaller batch" if sum(sizes) < n else "each batch holds batch_size indices"
            fail(f"{label} gave batches of sizes {sizes}; expected {expected_sizes}. Hint: {hint}.")
        seen = np.sort(np.concatenate(batches))
        if not np.array_equal(seen, np.arange(n)):
            fail(f"{label} does not cover every index exactly once (got {seen.tolist()}); expected each of 0..{n - 1} once. "
                 "Hint: shuffle the indices 0..n-1 (rng.permutation(n)) and cut them into batches; don't sample.")
        if n >= 10 and np.array_equal(np.concatenate(batches), np.arange(n)):
            fail(f"{label} returned the indices in order; expected them shuffled. Hint: shuffle them with rng, so each epoch sees a new order.")
        if n >= 10 and all(_is_run(batch) for batch in batches):
            fail(f"{label}: every batch holds neighbouring indices (for example {sorted(batches[0].tolist())}); expected "
                 "random members in each batch, since data files are often sorted (by class, by date). Hint: shuffle "
                 "all n indices first, then cut the shuffled order into batches, so which rows share a batch changes.")
        again = _one_epoch(fn, n, size, 0, label)
        if len(again) != len(batches) or not all(np.array_equal(a, b) for a, b in zip(batches, again, strict=True)):
            fail(f"{label} gave different batches for the same seed; expected the same batches every time. "
                 "Hint: draw the shuffle from the rng argument, not from np.random, so a run can be repeated.")
    other = _one_epoch(fn, 50, 7, 1, "minibatches(n=50, batch_size=7, rng) with another seed")
    if {frozenset(b.tolist()) for b in other} == {frozenset(b.tolist()) for b in batches}:
        fail("minibatches put the same indices together in one batch for two different seeds (only the order of the "
             "batches changed); expected the seed to decide which rows share a batch. Hint: shuffle all indices with "
             "the rng you are given, then cut; don't fix the batches in advance.")
    if np.array_equal(np.concatenate(other), np.concatenate(batches)):
        fail("minibatches gave the same order for two different seeds; expected a different order. Hint: shuffle with the rng you are given.")
    passed("minibatches", f"every index once per epoch, random batches drawn by rng, last batch kept, on all {len(cases)} cases")
