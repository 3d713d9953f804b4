"""Checks for lesson 09 (recreate results): build_cnn, shuffle_features, summarize_runs."""

from __future__ import annotations

import numpy as np
import torch
from scipy import stats
from torch import nn

from mlcourse import paper
from mlcourse.check._core import call, expect_close, fail, passed, register

# Conv1d settings of the paper's CNN, layer by layer, and the length each layer's output has for a signal of 40.
CONVOLUTIONS = [
    {"in_channels": 1, "out_channels": 25, "kernel_size": (5,), "stride": (2,), "padding": (1,)},
    {"in_channels": 25, "out_channels": 25, "kernel_size": (3,), "stride": (2,), "padding": (1,)},
    {"in_channels": 25, "out_channels": 25, "kernel_size": (3,), "stride": (2,), "padding": (1,)},
]
LENGTHS = [19, 10, 5]


def _cnn_sequential():
    return nn.Sequential(
        nn.Unflatten(1, (1, 40)),
        nn.Conv1d(1, 25, 5, 2, 1), nn.ReLU(), nn.Conv1d(25, 25, 3, 2, 1), nn.ReLU(),
        nn.Conv1d(25, 25, 3, 2, 1), nn.ReLU(), nn.Flatten(), nn.Linear(125, 10),
    )


class _CnnHeadFirst(nn.Module):
    """Declares the head before the convolutions and applies ReLU as a function, as the reference code does."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(125, 10)
        self.conv1, self.conv2, self.conv3 = nn.Conv1d(1, 25, 5, 2, 1), nn.Conv1d(25, 25, 3, 2, 1), nn.Conv1d(25, 25, 3, 2, 1)

    def forward(self, x):
        h = self.conv1(x.view(-1, 1, x.shape[-1])).relu()
        h = self.conv3(self.conv2(h).relu()).relu()
        return self.linear(h.view(h.shape[0], -1))


def _cnn_no_activations():
    """Leaves out the ReLUs: the right number of parameters, but the stack is one linear map."""
    return nn.Sequential(
        nn.Unflatten(1, (1, 40)), nn.Conv1d(1, 25, 5, 2, 1), nn.Conv1d(25, 25, 3, 2, 1), nn.Conv1d(25, 25, 3, 2, 1),
        nn.Flatten(), nn.Linear(125, 10),
    )


def _cnn_no_last_relu():
    """Leaves out the ReLU after the third convolution: same parameters and shapes, a different function."""
    return nn.Sequential(
        nn.Unflatten(1, (1, 40)), nn.Conv1d(1, 25, 5, 2, 1), nn.ReLU(), nn.Conv1d(25, 25, 3, 2, 1), nn.ReLU(),
        nn.Conv1d(25, 25, 3, 2, 1), nn.Flatten(), nn.Linear(125, 10),
    )


def _cnn_no_padding():
    """Uses padding 0 in the first convolution: lengths 18, 9, 5 instead of 19, 10, 5, so the count and the 125 features hide it."""
    return nn.Sequential(
        nn.Unflatten(1, (1, 40)), nn.Conv1d(1, 25, 5, 2, 0), nn.ReLU(), nn.Conv1d(25, 25, 3, 2, 1), nn.ReLU(),
        nn.Conv1d(25, 25, 3, 2, 1), nn.ReLU(), nn.Flatten(), nn.Linear(125, 10),
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


def _copy_weights(source: nn.Module, target: nn.Module) -> bool:
    """Give ``target`` the weights of ``source``, matching tensors by shape, in the order each model declares them.

    The paper's CNN has two tensors of each ambiguous shape (the second and third
    convolutions); declaration order tells them apart. False if the shapes differ.
    """
    theirs, ours = list(source.parameters()), list(target.parameters())
    if sorted(tuple(p.shape) for p in theirs) != sorted(tuple(p.shape) for p in ours):
        return False
    with torch.no_grad():
        for shape in {tuple(p.shape) for p in theirs}:
            for s, t in zip([p for p in theirs if tuple(p.shape) == shape], [p for p in ours if tuple(p.shape) == shape], strict=True):
                t.copy_(s)
    return True


def _conv_outputs(model: nn.Module, x: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
    """The output of each Conv1d (recorded by forward hooks) and the model's output, for input ``x``."""
    recorded = []
    hooks = [m.register_forward_hook(lambda _m, _i, out: recorded.append(out.detach().clone()))
             for m in model.modules() if isinstance(m, nn.Conv1d)]
    try:
        with torch.no_grad():
            out = model(x)
    finally:
        for hook in hooks:
            hook.remove()
    return recorded, out


@register(reference=paper.CNN, also_right=[_cnn_sequential, _CnnHeadFirst],
          mistakes=[_cnn_no_activations, _cnn_no_last_relu, _cnn_no_padding, _cnn_wrong_kernels, _cnn_no_channel])
def build_cnn(fn) -> None:
    """Exercise 9.1: ``fn()`` returns the paper's CNN as an ``nn.Module``: (batch, 40) in, (batch, 10) logits out.

    Beyond shapes and the parameter count, which a wrong padding or a missing
    ReLU leave unchanged, the check reads each convolution's settings, and gives
    the model the reference CNN's weights to compare every layer's output on the
    same signals.
    """
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
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != (batch, 10):
            got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            fail(f"build_cnn(): input ({batch}, 40) gave output {got}; expected ({batch}, 10). "
                 "Hint: add the channel dimension first (x.unsqueeze(1)), so Conv1d sees (batch, 1, 40).")
    count = paper.parameters(model)
    if count != paper.parameters(paper.CNN()):
        fail(f"build_cnn(): {count:,} parameters; expected {paper.parameters(paper.CNN()):,}. Hint: kernels 5, 3, 3; "
             "stride 2 and padding 1 each; 25 channels; a Linear(125, 10) head.")
    convolutions = [m for m in model.modules() if isinstance(m, nn.Conv1d)]
    if len(convolutions) != 3:
        fail(f"build_cnn(): {len(convolutions)} Conv1d layers; expected 3. Hint: three nn.Conv1d layers, then the head.")
    for number, (conv, want) in enumerate(zip(convolutions, CONVOLUTIONS, strict=True), start=1):
        got = {key: getattr(conv, key) for key in want}
        if got != want:
            wrong = ", ".join(f"{key}={got[key]} (expected {want[key]})" for key in want if got[key] != want[key])
            fail(f"build_cnn(): convolution {number} has {wrong}. Hint: the paper's layers are Conv1d(1, 25, 5, stride=2, "
                 "padding=1), then twice Conv1d(25, 25, 3, stride=2, padding=1); padding changes each layer's length "
                 "but not the parameter count.")
    reference = paper.seeded(paper.CNN, 7)
    if not _copy_weights(reference, model):
        fail("build_cnn(): its parameter tensors do not have the paper's shapes; expected conv weights (25, 1, 5), "
             "(25, 25, 3) twice, biases of 25, and a head of (10, 125). Hint: a Linear(125, 10) head on the flattened convolutions.")
    x = torch.randn(16, 40, generator=torch.Generator().manual_seed(0))
    ours, logits = _conv_outputs(model, x)
    theirs, expected = _conv_outputs(reference, x)
    lengths = [tuple(o.shape[1:]) for o in ours]
    if lengths != [(25, n) for n in LENGTHS]:
        fail(f"build_cnn(): the convolutions output (channels, length) {lengths}; expected {[(25, n) for n in LENGTHS]}. "
             "Hint: stride 2 and padding 1 in every layer, applied to the signal in order.")
    for number, (a, b) in enumerate(zip(ours, theirs, strict=True), start=1):
        if not torch.allclose(a, b, atol=1e-5):
            fail(f"build_cnn(): with the paper's weights loaded, convolution {number}'s output differs from the reference's; "
                 f"expected the same numbers. Hint: a ReLU after convolution {number - 1} (each convolution's output goes "
                 "through a ReLU before the next layer).")
    if not torch.allclose(logits, expected, atol=1e-5):
        fail("build_cnn(): every convolution matches the reference, but the logits do not; expected the same logits. "
             "Hint: a ReLU after the third convolution too, then flatten (channels first, as nn.Flatten does) into the Linear(125, 10).")
    passed("build_cnn", f"{count:,} parameters, the paper's layer settings, and the reference's outputs at every layer "
                        "when given its weights")


def _shuffle_reference(X_train, X_test, seed):
    order = np.random.default_rng(seed).permutation(np.shape(X_train)[1])
    return np.asarray(X_train)[:, order], np.asarray(X_test)[:, order]


def _shuffle_take(X_train, X_test, seed):
    order = list(range(X_train.shape[1]))
    np.random.default_rng(seed).shuffle(order)
    return [np.take(X, order, axis=1) for X in (X_train, X_test)]


def _shuffle_each_row(X_train, X_test, seed):
    """Shuffles each row with its own permutation, destroying the signals instead of moving positions consistently."""
    rng = np.random.default_rng(seed)
    return rng.permuted(X_train, axis=1), rng.permuted(X_test, axis=1)


def _shuffle_rows(X_train, X_test, seed):
    """Shuffles the order of the rows (samples) instead of the positions within them."""
    rng = np.random.default_rng(seed)
    return X_train[rng.permutation(len(X_train))], X_test[rng.permutation(len(X_test))]


def _shuffle_train_and_test_differently(X_train, X_test, seed):
    """Draws a second permutation for the test set, so the model is tested on an order it never trained on."""
    rng = np.random.default_rng(seed)
    return X_train[:, rng.permutation(X_train.shape[1])], X_test[:, rng.permutation(X_test.shape[1])]


def _shuffle_unseeded(X_train, X_test, seed):
    """Draws the permutation from numpy's global generator, ignoring the seed."""
    order = np.random.permutation(X_train.shape[1])
    return X_train[:, order], X_test[:, order]


def _columns_order(got: np.ndarray, X: np.ndarray) -> list[int] | None:
    """Which input column each output column is, or None if some output column is not an input column."""
    sources = [[j for j in range(X.shape[1]) if np.array_equal(got[:, k], X[:, j])] for k in range(got.shape[1])]
    return [s[0] for s in sources] if all(sources) else None


@register(reference=_shuffle_reference, also_right=[_shuffle_take],
          mistakes=[_shuffle_each_row, _shuffle_rows, _shuffle_train_and_test_differently, _shuffle_unseeded])
def shuffle_features(fn) -> None:
    """Exercise 9.2: ``fn(X_train, X_test, seed)`` reorders the positions of both sets by one seeded permutation."""
    rng = np.random.default_rng(14)
    X_train, X_test = rng.normal(size=(30, 40)), rng.normal(size=(12, 40))
    label = "shuffle_features(X_train (30, 40), X_test (12, 40), seed=0)"

    def shuffled(seed):
        got = call(fn, X_train.copy(), X_test.copy(), seed, label=label)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            what = f"a {type(got).__name__} of length {len(got)}" if isinstance(got, (tuple, list)) else type(got).__name__
            fail(f"{label} returned {what}; expected two arrays, (X_train shuffled, X_test shuffled).")
        arrays = []
        for name, part, X in zip(("X_train", "X_test"), got, (X_train, X_test), strict=True):
            array = np.asarray(part) if isinstance(part, np.ndarray) else None
            if array is None:
                try:
                    array = np.asarray(part, dtype=float)
                except (TypeError, ValueError):
                    fail(f"{label}: the shuffled {name} is a {type(part).__name__}; expected an array of shape {X.shape}.")
            if array.shape != X.shape:
                fail(f"{label}: the shuffled {name} has shape {array.shape}; expected {X.shape}, the same rows and positions.")
            arrays.append(array)
        return arrays

    got_train, got_test = shuffled(0)
    orders = []
    for name, got, X in (("X_train", got_train, X_train), ("X_test", got_test, X_test)):
        order = _columns_order(got, X)
        if order is None:
            rows_moved = sorted(map(tuple, got)) == sorted(map(tuple, X))
            hint = ("the rows (samples) moved, not the positions within them" if rows_moved
                    else "use one permutation of the 40 positions for all rows: X[:, order]")
            fail(f"{label}: the columns of the shuffled {name} are not its input columns reordered; expected every row "
                 f"moved by the same permutation. Hint: {hint}.")
        orders.append(order)
    if orders[0] == list(range(40)):
        fail(f"{label} left the positions in order; expected them shuffled. Hint: a seeded permutation of the 40 positions.")
    if orders[0] != orders[1]:
        fail(f"{label}: the training and test positions were reordered differently; expected one permutation for both. "
             "Hint: draw the order once and apply it to both sets; a model trained on one order and tested on another "
             "sees noise.")
    again = shuffled(0)
    if not (np.array_equal(again[0], got_train) and np.array_equal(again[1], got_test)):
        fail(f"{label}: two calls with the same seed differ; expected the same permutation. "
             "Hint: draw it from np.random.default_rng(seed), not from np.random.")
    if np.array_equal(shuffled(1)[0], got_train):
        fail(f"{label}: seeds 0 and 1 give the same permutation; expected different ones. Hint: use the seed.")
    passed("shuffle_features", "one seeded permutation of the positions, the same for every row of training and test")


def _summary_reference(accuracies):
    values = np.asarray(accuracies, dtype=float)
    mean, std = values.mean(), values.std(ddof=1)
    half = stats.t.ppf(0.975, len(values) - 1) * std / np.sqrt(len(values))
    return float(mean), float(std), float(mean - half), float(mean + half)


def _summary_scipy(accuracies):
    mean, sem = np.mean(accuracies), stats.sem(accuracies)
    low, high = stats.t.interval(0.95, len(accuracies) - 1, loc=mean, scale=sem)
    return mean, np.std(accuracies, ddof=1), low, high


def _summary_as_array(accuracies):
    values = np.array(accuracies)
    sem = values.std(ddof=1) / len(values) ** 0.5
    t = stats.t.ppf(0.975, df=len(values) - 1)
    return np.array([values.mean(), values.std(ddof=1), values.mean() - t * sem, values.mean() + t * sem])


def _summary_as_list(accuracies):
    return list(_summary_scipy(accuracies))


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


@register(reference=_summary_reference, also_right=[_summary_scipy, _summary_as_array, _summary_as_list],
          mistakes=[_summary_population_std, _summary_z_interval, _summary_std_not_sem])
def summarize_runs(fn) -> None:
    """Exercise 9.3: ``fn(accuracies)`` returns ``(mean, std, ci95_low, ci95_high)`` over seeds."""
    cases = [[0.91, 0.93, 0.92], [0.65, 0.70], [0.88, 0.94, 0.90, 0.93, 0.89], [0.5, 0.52, 0.49, 0.55]]
    for accuracies in cases:
        label = f"summarize_runs({accuracies})"
        got = call(fn, list(accuracies), label=label)
        is_sequence = isinstance(got, (tuple, list)) or (isinstance(got, np.ndarray) and got.ndim == 1)
        if not is_sequence or len(got) != 4:
            shape = f" of length {len(got)}" if is_sequence else ""
            fail(f"{label} returned {type(got).__name__}{shape}; expected four numbers (mean, std, ci95_low, ci95_high), "
                 "as a tuple, list or 1-D array")
        expected = _summary_reference(accuracies)
        names = ("mean", "std", "ci95_low", "ci95_high")
        hints = {"std": "use the sample standard deviation, np.std(values, ddof=1)",
                 "ci95_low": "mean ± t * std / sqrt(n), with t = scipy.stats.t.ppf(0.975, n - 1): for few seeds t is "
                             "much larger than 1.96", "ci95_high": ""}
        hints["ci95_high"] = hints["ci95_low"]
        for name, value, want in zip(names, got, expected, strict=True):
            expect_close(value, want, f"{label}: {name}", hints.get(name, "the mean of the accuracies"), rtol=1e-6)
    passed("summarize_runs", f"mean, sample std and a t-interval right for all {len(cases)} sets of seeds (two seeds too)")
