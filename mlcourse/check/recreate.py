"""Checks for lesson 09 (recreate results): build_cnn, shuffle_features, summarize_runs."""

from __future__ import annotations

import numpy as np
import torch
from scipy import stats
from torch import nn

from mlcourse import data, paper
from mlcourse.check._core import call, expect_close, fail, passed, register

CHECK_STEPS, MIN_ACCURACY = 800, 0.8


def _cnn_sequential():
    return nn.Sequential(
        nn.Unflatten(1, (1, 40)),
        nn.Conv1d(1, 25, 5, 2, 1), nn.ReLU(), nn.Conv1d(25, 25, 3, 2, 1), nn.ReLU(),
        nn.Conv1d(25, 25, 3, 2, 1), nn.ReLU(), nn.Flatten(), nn.Linear(125, 10),
    )


def _cnn_no_activations():
    """Leaves out the ReLUs: the right number of parameters, but the stack is one linear map."""
    return nn.Sequential(
        nn.Unflatten(1, (1, 40)), nn.Conv1d(1, 25, 5, 2, 1), nn.Conv1d(25, 25, 3, 2, 1), nn.Conv1d(25, 25, 3, 2, 1),
        nn.Flatten(), nn.Linear(125, 10),
    )


def _cnn_wrong_kernels():
    """Uses kernel size 3 in every layer, which changes the architecture (and its parameter count)."""
    return nn.Sequential(
        nn.Unflatten(1, (1, 40)), nn.Conv1d(1, 25, 3, 2, 1), nn.ReLU(), nn.Conv1d(25, 25, 3, 2, 1), nn.ReLU(),
        nn.Conv1d(25, 25, 3, 2, 1), nn.ReLU(), nn.Flatten(), nn.Linear(125, 10),
    )


def _cnn_no_channel():
    """Feeds the (batch, 40) signals to Conv1d without adding the channel dimension."""
    return nn.Sequential(nn.Conv1d(1, 25, 5, 2, 1), nn.ReLU(), nn.Flatten(), nn.LazyLinear(10))


@register(reference=paper.CNN, also_right=[_cnn_sequential], mistakes=[_cnn_no_activations, _cnn_wrong_kernels, _cnn_no_channel])
def build_cnn(fn) -> None:
    """Exercise 9.1: ``fn()`` returns the paper's CNN as an ``nn.Module``: (batch, 40) in, (batch, 10) logits out."""
    torch.manual_seed(0)
    model = call(fn, label="build_cnn()")
    if not isinstance(model, nn.Module):
        fail(f"build_cnn() returned {type(model).__name__}; expected a torch nn.Module")
    for batch in (1, 7):
        try:
            out = model(torch.zeros(batch, 40))
        except Exception as error:
            fail(f"build_cnn(): a batch of shape ({batch}, 40) raised {type(error).__name__}: {error}; expected logits of "
                 f"shape ({batch}, 10). Hint: Conv1d wants (batch, channels, length): add the channel with x.unsqueeze(1).")
        if tuple(out.shape) != (batch, 10):
            fail(f"build_cnn(): input ({batch}, 40) gave output {tuple(out.shape)}; expected ({batch}, 10). "
                 "Hint: add the channel dimension first (x.unsqueeze(1)), so Conv1d sees (batch, 1, 40).")
    count = paper.parameters(model)
    if count != paper.parameters(paper.CNN()):
        fail(f"build_cnn(): {count:,} parameters; expected {paper.parameters(paper.CNN()):,}. Hint: kernels 5, 3, 3; "
             "stride 2 and padding 1 each; 25 channels; a Linear(125, 10) head.")
    d = data.load_mnist1d()
    paper.train(model, d["x"], d["y"], steps=CHECK_STEPS, seed=0)
    score = paper.accuracy(model, d["x_test"], d["y_test"])
    if score < MIN_ACCURACY:
        fail(f"build_cnn(): {score:.0%} test accuracy after {CHECK_STEPS} training steps; expected at least {MIN_ACCURACY:.0%}. "
             "Hint: put a ReLU after each convolution; without it the stack is one linear map, no better than logistic regression.")
    passed("build_cnn", f"{count:,} parameters, right shapes, {score:.0%} test accuracy after {CHECK_STEPS} steps")


def _shuffle_reference(X, seed):
    return np.asarray(X)[:, np.random.default_rng(seed).permutation(np.shape(X)[1])]


def _shuffle_take(X, seed):
    order = list(range(X.shape[1]))
    np.random.default_rng(seed).shuffle(order)
    return np.take(X, order, axis=1)


def _shuffle_each_row(X, seed):
    """Shuffles each row with its own permutation, destroying the signals instead of moving positions consistently."""
    return np.random.default_rng(seed).permuted(X, axis=1)


def _shuffle_rows(X, seed):
    """Shuffles the order of the rows (samples) instead of the positions within them."""
    return X[np.random.default_rng(seed).permutation(len(X))]


def _shuffle_unseeded(X, seed):
    """Draws the permutation from numpy's global generator, ignoring the seed."""
    return X[:, np.random.permutation(X.shape[1])]


@register(reference=_shuffle_reference, also_right=[_shuffle_take],
          mistakes=[_shuffle_each_row, _shuffle_rows, _shuffle_unseeded])
def shuffle_features(fn) -> None:
    """Exercise 9.2: ``fn(X, seed)`` applies one seeded permutation of the positions to every row of X."""
    X = np.random.default_rng(14).normal(size=(30, 40))
    label = "shuffle_features(X of shape (30, 40), seed=0)"
    got = np.asarray(call(fn, X.copy(), 0, label=label))
    if got.shape != X.shape:
        fail(f"{label} returned shape {got.shape}; expected {X.shape}.")
    sources = [[j for j in range(40) if np.array_equal(got[:, k], X[:, j])] for k in range(40)]
    if not all(sources):
        rows_moved = sorted(map(tuple, got)) == sorted(map(tuple, X))
        hint = ("the rows (samples) moved, not the positions within them" if rows_moved
                else "use one permutation of the 40 positions for all rows: X[:, permutation]")
        fail(f"{label}: output columns are not the input columns reordered; expected every row moved by the same "
             f"permutation. Hint: {hint}.")
    if [s[0] for s in sources] == list(range(40)):
        fail(f"{label} left the positions in order; expected them shuffled. Hint: rng.permutation(40).")
    again = np.asarray(fn(X.copy(), 0))
    if not np.array_equal(again, got):
        fail(f"{label}: two calls with the same seed differ; expected the same permutation. "
             "Hint: draw it from np.random.default_rng(seed), not from np.random.")
    if np.array_equal(np.asarray(fn(X.copy(), 1)), got):
        fail(f"{label}: seeds 0 and 1 give the same permutation; expected different ones. Hint: use the seed.")
    passed("shuffle_features", "one seeded permutation of the positions, the same for every row")


def _summary_reference(accuracies):
    values = np.asarray(accuracies, dtype=float)
    mean, std = values.mean(), values.std(ddof=1)
    half = stats.t.ppf(0.975, len(values) - 1) * std / np.sqrt(len(values))
    return float(mean), float(std), float(mean - half), float(mean + half)


def _summary_scipy(accuracies):
    mean, sem = np.mean(accuracies), stats.sem(accuracies)
    low, high = stats.t.interval(0.95, len(accuracies) - 1, loc=mean, scale=sem)
    return mean, np.std(accuracies, ddof=1), low, high


def _summary_population_std(accuracies):
    """Uses the population standard deviation (ddof=0), which underestimates the spread of a few seeds."""
    values = np.asarray(accuracies, dtype=float)
    std = values.std()
    half = stats.t.ppf(0.975, len(values) - 1) * std / np.sqrt(len(values))
    return values.mean(), std, values.mean() - half, values.mean() + half


def _summary_z_interval(accuracies):
    """Uses 1.96 (the normal distribution) instead of Student's t, too narrow for a handful of seeds."""
    values = np.asarray(accuracies, dtype=float)
    std = values.std(ddof=1)
    return values.mean(), std, values.mean() - 1.96 * std / np.sqrt(len(values)), values.mean() + 1.96 * std / np.sqrt(len(values))


def _summary_std_not_sem(accuracies):
    """Builds the interval from the standard deviation, not the standard error (std / sqrt(n))."""
    values = np.asarray(accuracies, dtype=float)
    mean, std = values.mean(), values.std(ddof=1)
    half = stats.t.ppf(0.975, len(values) - 1) * std
    return mean, std, mean - half, mean + half


@register(reference=_summary_reference, also_right=[_summary_scipy],
          mistakes=[_summary_population_std, _summary_z_interval, _summary_std_not_sem])
def summarize_runs(fn) -> None:
    """Exercise 9.3: ``fn(accuracies)`` returns ``(mean, std, ci95_low, ci95_high)`` over seeds."""
    cases = [[0.91, 0.93, 0.92], [0.65, 0.70], [0.88, 0.94, 0.90, 0.93, 0.89], [0.5, 0.52, 0.49, 0.55]]
    for accuracies in cases:
        label = f"summarize_runs({accuracies})"
        got = call(fn, list(accuracies), label=label)
        if not isinstance(got, tuple) or len(got) != 4:
            fail(f"{label} returned {type(got).__name__}; expected four numbers (mean, std, ci95_low, ci95_high)")
        expected = _summary_reference(accuracies)
        names = ("mean", "std", "ci95_low", "ci95_high")
        hints = {"std": "use the sample standard deviation, np.std(values, ddof=1)",
                 "ci95_low": "mean ± t * std / sqrt(n), with t = scipy.stats.t.ppf(0.975, n - 1): for few seeds t is "
                             "much larger than 1.96", "ci95_high": ""}
        hints["ci95_high"] = hints["ci95_low"]
        for name, value, want in zip(names, got, expected):
            expect_close(value, want, f"{label}: {name}", hints.get(name, "the mean of the accuracies"), rtol=1e-6)
    passed("summarize_runs", f"mean, sample std and a t-interval right for all {len(cases)} sets of seeds (two seeds too)")
