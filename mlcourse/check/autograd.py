"""Checks for lesson 04 (tensors and autograd): autograd_gradient, train_linear_torch."""

from __future__ import annotations

import inspect
from unittest import mock

import numpy as np
import torch
from torch import nn

from mlcourse import linear
from mlcourse.check._core import as_array, call, diagnose, expect_close, fail, is_number, passed, register
from mlcourse.reproducible import seed_everything


def _numpy(value):
    """A torch tensor as a numpy value (detached from the graph); anything else unchanged.

    Answers may come back as tensors or as numpy; both are fine, so the checks compare numbers.
    """
    return value.detach().cpu().numpy() if isinstance(value, torch.Tensor) else value


def _bias_hint(b, name: str = "b") -> str | None:
    """The hint for an intercept (or its gradient) that came back as a one-element array instead of a number."""
    return f"return {name} as a number: `.item()`" if np.shape(b) == (1,) else None


def _autograd_reference(X, y, w, b):
    X, y = torch.as_tensor(X, dtype=torch.float64), torch.as_tensor(y, dtype=torch.float64)
    w = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    loss = (X @ w + b - y).abs().mean()
    loss.backward()
    return w.grad.numpy(), b.grad.item()


def _autograd_grad_function(X, y, w, b):
    params = [torch.tensor(np.asarray(w, dtype=float), requires_grad=True), torch.tensor(float(b), requires_grad=True)]
    loss = torch.nn.functional.l1_loss(torch.tensor(X) @ params[0] + params[1], torch.tensor(y))
    dw, db = torch.autograd.grad(loss, params)
    return dw.numpy(), float(db)


def _autograd_backward_function(X, y, w, b):
    w, b = torch.tensor(w, requires_grad=True), torch.tensor(float(b), dtype=torch.float64, requires_grad=True)
    torch.autograd.backward(torch.mean(torch.abs(torch.from_numpy(X) @ w + b - torch.from_numpy(y))))
    return w.grad.numpy(), b.grad.item()


def _autograd_float32(X, y, w, b):
    X, y = torch.tensor(X, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)
    w = torch.tensor(w, dtype=torch.float32).requires_grad_()
    b = torch.tensor([b], dtype=torch.float32, requires_grad=True)
    torch.mean(torch.abs(X @ w + b - y)).backward()
    return w.grad.numpy().astype(float), float(b.grad[0])


def _autograd_as_tensors(X, y, w, b):
    X, y = torch.as_tensor(X), torch.as_tensor(y)
    w, b = torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True)
    (X @ w + b - y).abs().mean().backward()
    return w.grad, b.grad


def _mae_gradient(X, y, w, b):
    """The gradient of mean(|X w + b - y|) by hand: each residual contributes its sign."""
    sign = np.sign(X @ w + b - y)
    return X.T @ sign / len(X), float(sign.mean())


def _autograd_by_hand(X, y, w, b):
    """Returns the right numbers from the hand-derived formula (signs of the residuals), without autograd."""
    return _mae_gradient(X, y, w, b)


def _autograd_squared_error(X, y, w, b):
    """Differentiates the lesson's squared error instead of the absolute error the exercise asks for."""
    X, y = torch.as_tensor(X), torch.as_tensor(y)
    w, b = torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True)
    ((X @ w + b - y) ** 2).mean().backward()
    return w.grad.numpy(), b.grad.item()


def _autograd_sum_loss(X, y, w, b):
    """Sums the absolute errors instead of averaging, so the gradient is n times too large."""
    X, y = torch.as_tensor(X), torch.as_tensor(y)
    w, b = torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True)
    (X @ w + b - y).abs().sum().backward()
    return w.grad.numpy(), b.grad.item()


def _autograd_bias_array(X, y, w, b):
    """Makes b a one-element tensor and returns its gradient as an array of shape (1,), not a number."""
    X, y = torch.as_tensor(X), torch.as_tensor(y)
    w, b = torch.tensor(w, requires_grad=True), torch.tensor([b], requires_grad=True)
    (X @ w + b - y).abs().mean().backward()
    return w.grad.numpy(), b.grad.numpy()


class _AutogradSpy:
    """Counts calls into autograd (``Tensor.backward``, ``torch.autograd.backward`` and ``.grad``) while a learner's function runs.

    Tensor.backward and both public functions end in ``torch.autograd._engine_run_backward``; it is
    watched too, so that a function imported by name before the check (``from torch.autograd import
    grad``) still counts.
    """

    NAMES = ("backward", "grad", "_engine_run_backward")

    def __enter__(self):
        self.calls = 0

        def count(original):
            def wrapper(*args, **kwargs):
                self.calls += 1
                return original(*args, **kwargs)
            return wrapper

        self._patches = [mock.patch.object(torch.Tensor, "backward", count(torch.Tensor.backward))]
        self._patches += [mock.patch.object(torch.autograd, name, count(getattr(torch.autograd, name)))
                          for name in self.NAMES if hasattr(torch.autograd, name)]
        for patch in self._patches:
            patch.start()
        return self

    def __exit__(self, *exc):
        for patch in self._patches:
            patch.stop()


@register(reference=_autograd_reference,
          also_right=[_autograd_grad_function, _autograd_backward_function, _autograd_float32, _autograd_as_tensors],
          mistakes=[_autograd_by_hand, _autograd_squared_error, _autograd_sum_loss, _autograd_bias_array])
def autograd_gradient(fn) -> None:
    """Exercise 4.1: ``fn(X, y, w, b)`` returns the gradient ``(dw, db)`` of the mean absolute error, via autograd."""
    rng = np.random.default_rng(7)
    cases = [(rng.normal(size=(n, d)), rng.normal(size=n), rng.normal(size=d), float(rng.normal())) for n, d in ((6, 3), (1, 1), (15, 2))]
    for X, y, w, b in cases:
        label = f"autograd_gradient(X of shape {X.shape}, y, w, b)"
        with _AutogradSpy() as spy:
            got = call(fn, X.copy(), y.copy(), w.copy(), b, label=label)
        if not isinstance(got, tuple) or len(got) != 2:
            fail(f"{label} returned {type(got).__name__}; expected a pair (dw, db)")
        got = tuple(_numpy(part) for part in got)
        if not spy.calls:
            fail(f"{label} gave its answer without autograd; expected the gradient that loss.backward() computes. "
                 "Hint: make w and b tensors with requires_grad=True, compute the loss with torch operations, call "
                 "loss.backward(), and read w.grad and b.grad.")
        dw, db = _mae_gradient(X, y, w, b)
        mse_dw, mse_db = linear.mse_gradient(X, y, w, b)
        for name, part, expected, squared in (("dw", got[0], dw, mse_dw), ("db", got[1], db, mse_db)):
            hint = (name == "db" and _bias_hint(part, "db")) or diagnose(part, {
                f"this is {len(X)} times too large: take the *mean* of the absolute errors, not their sum": expected * len(X),
                "this is the gradient of the *squared* error; the loss here is the mean of the absolute errors, "
                "|X @ w + b - y|": squared,
            }, "loss = (X @ w + b - y).abs().mean() with w and b tensors that require grad, then loss.backward()")
            expect_close(part, expected, f"{label}: {name}", hint, rtol=1e-5, atol=1e-7)
    passed("autograd_gradient", f"autograd's gradient of the mean absolute error is right on all {len(cases)} cases")


# Exercise 4.2's decision: the learner's defaults for lr and epochs, on the lesson's diabetes data.
DIABETES_BATCH, DIABETES_EPOCH_BUDGET, DIABETES_TOLERANCE = 32, 100, 10.0


def _diabetes():
    """The lesson's data: the ten inputs standardized, as float32, and the closed-form weights."""
    from sklearn.datasets import load_diabetes

    data = load_diabetes()
    X = ((data.data - data.data.mean(axis=0)) / data.data.std(axis=0)).astype(np.float32)
    y = data.target.astype(np.float32)
    return X, y, data.feature_names, *linear.fit_least_squares(X.astype(float), y.astype(float))


def _loop(X, y, lr, epochs, batch_size, batches):
    """nn.Linear + SGD on the MSE over ``batches(n)`` each epoch; the caller seeds torch for the start."""
    X, y = torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y, dtype=torch.float32)
    model = nn.Linear(X.shape[1], 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(epochs):
        for batch in batches(len(X)):
            optimizer.zero_grad()
            nn.functional.mse_loss(model(X[batch]).squeeze(1), y[batch]).backward()
            optimizer.step()
    return model.weight.detach().numpy().ravel(), float(model.bias.item())


def _train_reference(X, y, batch_size, seed, lr=0.1, epochs=100):
    rng = seed_everything(seed)
    return _loop(X, y, lr, epochs, batch_size, lambda n: linear.minibatches(n, batch_size, rng))


def _train_data_loader(X, y, batch_size, seed, lr=0.12, epochs=80):
    torch.manual_seed(seed)
    data = torch.utils.data.TensorDataset(torch.tensor(X, dtype=torch.float32), torch.tensor(y, dtype=torch.float32).unsqueeze(1))
    loader = torch.utils.data.DataLoader(data, batch_size=batch_size, shuffle=True)
    model, loss_fn = nn.Linear(X.shape[1], 1), nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(epochs):
        for xb, yb in loader:
            optimizer.zero_grad()
            loss_fn(model(xb), yb).backward()
            optimizer.step()
    return model.weight.detach()[0], model.bias.detach()[0]  # tensors: the check accepts them


def _train_generator(X, y, batch_size, seed, lr=0.08, epochs=100):
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    return _loop(X, y, lr, epochs, batch_size, lambda n: torch.randperm(n, generator=generator).split(batch_size))


def _train_no_zero_grad(X, y, batch_size, seed, lr=0.1, epochs=100):
    """Forgets `optimizer.zero_grad()`, so gradients pile up across steps."""
    rng = seed_everything(seed)
    X, y = torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y, dtype=torch.float32)
    model = nn.Linear(X.shape[1], 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(epochs):
        for batch in linear.minibatches(len(X), batch_size, rng):
            nn.functional.mse_loss(model(X[batch]).squeeze(1), y[batch]).backward()
            optimizer.step()
    return model.weight.detach().numpy().ravel(), float(model.bias.item())


def _train_no_squeeze(X, y, batch_size, seed, lr=0.1, epochs=100):
    """Compares the model's output of shape (B, 1) with a target of shape (B,): the loss broadcasts them to (B, B)."""
    rng = seed_everything(seed)
    X, y = torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y, dtype=torch.float32)
    model = nn.Linear(X.shape[1], 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(epochs):
        for batch in linear.minibatches(len(X), batch_size, rng):
            optimizer.zero_grad()
            ((model(X[batch]) - y[batch]) ** 2).mean().backward()
            optimizer.step()
    return model.weight.detach().numpy().ravel(), float(model.bias.item())


def _train_one_epoch(X, y, batch_size, seed, lr=0.1, epochs=100):
    """Trains for one epoch only."""
    return _train_reference(X, y, batch_size, seed, lr, 1)


def _train_weight_matrix(X, y, batch_size, seed, lr=0.1, epochs=100):
    """Returns `model.weight` as a (1, d) matrix instead of a (d,) vector."""
    w, b = _train_reference(X, y, batch_size, seed, lr, epochs)
    return w.reshape(1, -1), b


def _train_bias_array(X, y, batch_size, seed, lr=0.1, epochs=100):
    """Returns `model.bias` as an array of shape (1,) instead of a number."""
    w, b = _train_reference(X, y, batch_size, seed, lr, epochs)
    return w, np.array([b])


def _train_ignores_seed(X, y, batch_size, seed, lr=0.1, epochs=100):
    """Ignores `seed` (start and shuffle come from torch's global state), so two runs with one seed differ."""
    return _loop(X, y, lr, epochs, batch_size, lambda n: torch.randperm(n).split(batch_size))


def _train_unseeded_start(X, y, batch_size, seed, lr=0.1, epochs=100):
    """Seeds only the shuffle: the starting weights come from torch's global state, so a short run does not repeat."""
    generator = torch.Generator().manual_seed(seed)
    return _loop(X, y, lr, epochs, batch_size, lambda n: torch.randperm(n, generator=generator).split(batch_size))


def _train_fixed_seed(X, y, batch_size, seed, lr=0.1, epochs=100):
    """Seeds with a fixed number instead of `seed`, so every seed gives the same run."""
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    return _loop(X, y, lr, epochs, batch_size, lambda n: torch.randperm(n, generator=generator).split(batch_size))


def _train_no_shuffle(X, y, batch_size, seed, lr=0.1, epochs=100):
    """Never shuffles: batches are the rows in stored order, so the seed changes only the start, which training forgets."""
    torch.manual_seed(seed)
    return _loop(X, y, lr, epochs, batch_size, lambda n: torch.arange(n).split(batch_size))


def _train_shuffles_once(X, y, batch_size, seed, lr=0.1, epochs=100):
    """Shuffles once, before the epoch loop, and reuses that order: the same batches come back every epoch."""
    torch.manual_seed(seed)
    order = torch.randperm(len(X), generator=torch.Generator().manual_seed(seed))
    return _loop(X, y, lr, epochs, batch_size, lambda n: order.split(batch_size))


def _train_rng_in_loop(X, y, batch_size, seed, lr=0.1, epochs=100):
    """Creates `np.random.default_rng(seed)` inside the epoch loop: every epoch draws the same shuffle."""
    torch.manual_seed(seed)
    return _loop(X, y, lr, epochs, batch_size, lambda n: linear.minibatches(n, batch_size, np.random.default_rng(seed)))


def _train_lesson_rate(X, y, batch_size, seed, lr=0.02, epochs=100):
    """Keeps the lesson's rate, 0.02: in 100 epochs the flattest direction keeps most of its error (s1 far off)."""
    return _train_reference(X, y, batch_size, seed, lr, epochs)


def _train_at_the_edge(X, y, batch_size, seed, lr=0.25, epochs=100):
    """Takes lesson 03's edge itself, 2/λmax ≈ 0.25, as the rate: the mini-batches bounce far from the closed form."""
    return _train_reference(X, y, batch_size, seed, lr, epochs)


def _train_over_budget(X, y, batch_size, seed, lr=0.02, epochs=500):
    """Keeps the lesson's rate and buys accuracy with 500 epochs, five times the budget."""
    return _train_reference(X, y, batch_size, seed, lr, epochs)


def _train_cases():
    rng = np.random.default_rng(8)
    cases = []
    for n, d in ((200, 3), (120, 1)):
        X = rng.normal(size=(n, d)).astype(np.float32)
        y = (X @ rng.normal(0, 2, d) + 1.5 + rng.normal(0, 0.1, n)).astype(np.float32)
        cases.append(dict(X=X, y=y, lr=0.05, epochs=30, batch_size=16, seed=0))
    return cases


def _label(case) -> str:
    return (f"train_linear_torch(X of shape {case['X'].shape}, y, batch_size={case['batch_size']}, seed={case['seed']}"
            + "".join(f", {key}={case[key]}" for key in ("lr", "epochs") if key in case) + ")")


def _trained(fn, case, label=None):
    """Run the learner's loop on one case; return ``(label, w, b)`` as numpy, or fail saying what came back."""
    label = label or _label(case)
    got = call(fn, **case, label=label)
    if not isinstance(got, tuple) or len(got) != 2:
        fail(f"{label} returned {type(got).__name__}; expected a pair (w, b)")
    return label, _numpy(got[0]), _numpy(got[1])


def _flat(w, b, label):
    """The weights and the bias of an answer already checked against the closed form, as one vector."""
    return np.append(as_array(w, f"{label}: w").ravel(), as_array(b, f"{label}: b"))


def _fit_hint(X, y, w, b, w_closed) -> str:
    """What a miss most likely means, from the shapes and sizes that came back."""
    if np.shape(w) == (1, X.shape[1]):
        return "model.weight has shape (1, d); return it flattened: model.weight.detach().numpy().ravel()"
    if bias_hint := _bias_hint(b):
        return bias_hint
    try:
        w_, b_ = np.asarray(w, dtype=float).ravel(), np.asarray(b, dtype=float)
    except (TypeError, ValueError):
        w_, b_ = np.zeros(0), np.zeros(0)
    if w_.shape == (X.shape[1],) and b_.shape == () and np.linalg.norm(w_) < 0.25 * np.linalg.norm(w_closed):
        return ("the weights shrank towards 0, as if every prediction were compared with every target: "
                "the model's output has shape (batch, 1) and the target (batch,), so the loss broadcasts them to "
                "(batch, batch). Squeeze the output to (batch,) first")
    return "each step: optimizer.zero_grad(), loss.backward(), optimizer.step(); loop over all epochs and all mini-batches"


def _chosen(fn) -> dict:
    """The defaults the learner gave ``lr`` and ``epochs``, where the signature has such parameters."""
    try:
        parameters = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return {}
    return {name: parameters[name].default for name in ("lr", "epochs") if name in parameters}


def _decision_hint(lr, epochs, per_epoch: int, flattest: float, edge: float) -> str:
    """Why a choice of lr and epochs misses on the diabetes data, in lesson 03's terms."""
    if lr is None:
        return ("the rate sets how fast the flattest direction shrinks (1 − lr·λmin per update) and how much the "
                "mini-batches jitter; it must stay below the edge 2/λmax")
    if lr >= edge:
        return (f"lr = {lr} is at or above the edge 2/λmax = {edge:.3f}: full-batch descent diverges there, and "
                "mini-batches jitter most near it. Take a rate well below the edge")
    if epochs is not None and (left := (1 - lr * flattest) ** (epochs * per_epoch)) > 0.2:
        return (f"too slow along the flattest direction (λmin = {flattest:.4f}): {epochs} epochs of {per_epoch} updates "
                f"at lr = {lr} leave (1 − lr·λmin)^updates = {left:.2f} of its error. Raise lr (staying below the edge "
                f"2/λmax = {edge:.3f}) or epochs (up to {DIABETES_EPOCH_BUDGET})")
    return (f"lr = {lr} is {lr / edge:.0%} of the edge 2/λmax = {edge:.3f}: each mini-batch pulls its own way, by more "
            "the larger the rate, and near the edge some batches bend more sharply than the whole data set. Try a "
            "smaller rate with more epochs")


def _check_decision(fn) -> str:
    """Run the learner's loop on the diabetes data with their own lr and epochs; fail unless it lands close."""
    chosen = _chosen(fn)
    for name, value in chosen.items():
        if not is_number(value):
            given = "no default" if value is inspect.Parameter.empty else f"the default {value!r}"
            fail(f"train_linear_torch has {given} for {name}; expected a number, your choice for the diabetes data. "
                 "Hint: replace the `...` in `lr=..., epochs=...` with the values you chose.")
    lr, epochs = chosen.get("lr"), chosen.get("epochs")
    if epochs is not None and epochs > DIABETES_EPOCH_BUDGET:
        fail(f"train_linear_torch's default epochs is {epochs}; expected at most {DIABETES_EPOCH_BUDGET}. Hint: a larger "
             "rate moves faster along the flattest direction; lesson 03 says how large it may be.")
    X, y, names, w_closed, b_closed = _diabetes()
    label = f"train_linear_torch(X_diabetes, y_diabetes, batch_size={DIABETES_BATCH}, seed=0)"
    label += f" with your lr={lr}, epochs={epochs}" if chosen else ""
    _, w, b = _trained(fn, dict(X=X, y=y, batch_size=DIABETES_BATCH, seed=0), label)
    for name, part, expected in (("w", w, w_closed), ("b", b, b_closed)):
        if as_array(part, f"{label}: {name}").shape != np.shape(expected):
            fail(f"{label}: {name} has shape {np.shape(part)}; expected {np.shape(expected)}. "
                 f"Hint: {_fit_hint(X, y, w, b, w_closed)}.")
    errors = np.abs(np.append(as_array(w, label) - w_closed, as_array(b, label) - b_closed))
    if np.isfinite(errors).all() and errors.max() <= DIABETES_TOLERANCE:
        return f"on the diabetes data every weight lands within {errors.max():.1f} of the closed form"
    if np.isfinite(errors).all():
        worst = int(errors.argmax())
        got = (f"the worst weight, {[*names, 'b'][worst]}, is {errors[worst]:.1f} off "
               f"(closed form {np.append(w_closed, b_closed)[worst]:+.1f})")
    else:
        got = "some weights came back as inf or NaN: descent diverged"
    bends = linear.curvatures(X.astype(float))
    hint = _decision_hint(lr, epochs, -(-len(y) // DIABETES_BATCH), bends.min(), 2 / bends.max())
    fail(f"{label}: {got}; expected every weight within {DIABETES_TOLERANCE:g} of the closed form. Hint: {hint}.")


SEED_SPREAD = 1e-4  # right answers differ by 3e-3 or more between seeds here; batches in stored order by < 1e-6
EPOCH_MOVE = 1e-5  # one more epoch moves right answers by 6e-4 or more here; batches that repeat every epoch by 0


@register(reference=_train_reference, also_right=[_train_data_loader, _train_generator],
          mistakes=[_train_no_zero_grad, _train_no_squeeze, _train_one_epoch, _train_weight_matrix, _train_bias_array,
                    _train_ignores_seed, _train_unseeded_start, _train_fixed_seed, _train_no_shuffle,
                    _train_shuffles_once, _train_rng_in_loop, _train_lesson_rate, _train_at_the_edge, _train_over_budget])
def train_linear_torch(fn) -> None:
    """Exercise 4.2: ``fn(X, y, batch_size, seed, lr=..., epochs=...)`` trains nn.Linear with SGD and returns ``(w, b)``."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        cases, results = _train_cases(), []
        for case in cases:
            X, y = case["X"], case["y"]
            label, w, b = _trained(fn, case)
            w_closed, b_closed = linear.fit_least_squares(X, y)
            hint = _fit_hint(X, y, w, b, w_closed)
            expect_close(w, w_closed, f"{label}: w (compared with the closed form)", hint, rtol=0, atol=0.05)
            expect_close(b, b_closed, f"{label}: b (compared with the closed form)", hint, rtol=0, atol=0.05)
            results.append(_flat(w, b, label))
        case, first, label = cases[0], results[0], _label(cases[0])
        short = {**case, "epochs": 1}
        one, again = (_flat(*_trained(fn, short)[1:], _label(short)) for _ in range(2))
        if one.shape != again.shape or not np.allclose(one, again, rtol=0, atol=1e-6):
            fail(f"{_label(short)} gave different weights when called twice; expected exactly the same run. Hint: take "
                 "every random choice from `seed`: the starting weights (torch.manual_seed(seed) before making the "
                 "model) and the shuffling (a generator seeded with it), not the global state or the clock.")
        other_case = {**case, "seed": 1}
        other = _flat(*_trained(fn, other_case)[1:], _label(other_case))
        spread = np.abs(other - first).max() if other.shape == first.shape else np.inf
        if spread < SEED_SPREAD:
            fail(f"{label} and the same call with seed=1 gave the same weights (they differ by at most {spread:.1e}); expected "
                 "different runs, since the seed decides which rows share a mini-batch. Hint: shuffle the rows "
                 "every epoch with a generator seeded from `seed`; a fixed seed, or batches in the stored order, "
                 "make every seed the same run.")
        longer = {**case, "epochs": case["epochs"] + 1}
        more = _flat(*_trained(fn, longer)[1:], _label(longer))
        moved = np.abs(more - first).max() if more.shape == first.shape else np.inf
        if moved < EPOCH_MOVE:
            fail(f"{_label(longer)} ended where epochs={case['epochs']} did (the weights moved by at most {moved:.1e}); "
                 "expected one more epoch of fresh mini-batches to move them. Hint: your batches repeat every epoch: "
                 "shuffle anew at the start of every epoch, from one generator made once from `seed` (not re-created "
                 "or re-seeded inside the loop).")
        decision = _check_decision(fn)
    finally:
        torch.set_num_threads(threads)
    passed("train_linear_torch", f"lands within 0.05 of the closed form on {len(cases)} small data sets, repeats itself "
                                 f"for a seed, changes with it and with every epoch; {decision}")
