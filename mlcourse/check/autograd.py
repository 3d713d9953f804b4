"""Checks for lesson 04 (tensors and autograd): autograd_gradient, train_linear_torch."""

from __future__ import annotations

from unittest import mock

import numpy as np
import torch
from torch import nn

from mlcourse import linear
from mlcourse.check._core import as_array, call, diagnose, expect_close, fail, passed, register
from mlcourse.reproducible import seed_everything


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


def _autograd_float32(X, y, w, b):
    X, y = torch.tensor(X, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)
    w = torch.tensor(w, dtype=torch.float32).requires_grad_()
    b = torch.tensor([b], dtype=torch.float32, requires_grad=True)
    torch.mean(torch.abs(X @ w + b - y)).backward()
    return w.grad.numpy().astype(float), float(b.grad[0])


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


def _autograd_as_tensors(X, y, w, b):
    """Returns torch tensors instead of numpy values."""
    X, y = torch.as_tensor(X), torch.as_tensor(y)
    w, b = torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True)
    (X @ w + b - y).abs().mean().backward()
    return w.grad, b.grad


class _AutogradSpy:
    """Counts calls of Tensor.backward and torch.autograd.grad while a learner's function runs."""

    def __enter__(self):
        self.calls = 0
        backward, grad = torch.Tensor.backward, torch.autograd.grad

        def count(original):
            def wrapper(*args, **kwargs):
                self.calls += 1
                return original(*args, **kwargs)
            return wrapper

        self._patches = [mock.patch.object(torch.Tensor, "backward", count(backward)),
                         mock.patch.object(torch.autograd, "grad", count(grad))]
        for patch in self._patches:
            patch.start()
        return self

    def __exit__(self, *exc):
        for patch in self._patches:
            patch.stop()


@register(reference=_autograd_reference, also_right=[_autograd_grad_function, _autograd_float32],
          mistakes=[_autograd_by_hand, _autograd_squared_error, _autograd_sum_loss, _autograd_as_tensors])
def autograd_gradient(fn) -> None:
    """Exercise 4.1: ``fn(X, y, w, b)`` returns the gradient ``(dw, db)`` of the mean absolute error, as numpy, via autograd."""
    rng = np.random.default_rng(7)
    cases = [(rng.normal(size=(n, d)), rng.normal(size=n), rng.normal(size=d), float(rng.normal())) for n, d in ((6, 3), (1, 1), (15, 2))]
    for X, y, w, b in cases:
        label = f"autograd_gradient(X of shape {X.shape}, y, w, b)"
        with _AutogradSpy() as spy:
            got = call(fn, X.copy(), y.copy(), w.copy(), b, label=label)
        if not isinstance(got, tuple) or len(got) != 2:
            fail(f"{label} returned {type(got).__name__}; expected a pair (dw, db)")
        if isinstance(got[0], torch.Tensor) or isinstance(got[1], torch.Tensor):
            fail(f"{label} returned torch tensors; expected numpy. Hint: w.grad.numpy() and b.grad.item().")
        if not spy.calls:
            fail(f"{label} gave its answer without autograd; expected the gradient that loss.backward() computes. "
                 "Hint: make w and b tensors with requires_grad=True, compute the loss with torch operations, call "
                 "loss.backward(), and read w.grad and b.grad.")
        dw, db = _mae_gradient(X, y, w, b)
        mse_dw, mse_db = linear.mse_gradient(X, y, w, b)
        for name, part, expected, squared in (("dw", got[0], dw, mse_dw), ("db", got[1], db, mse_db)):
            hint = diagnose(part, {
                f"this is {len(X)} times too large: take the *mean* of the absolute errors, not their sum": expected * len(X),
                "this is the gradient of the *squared* error; the loss here is the mean of the absolute errors, "
                "|X @ w + b - y|": squared,
            }, "loss = (X @ w + b - y).abs().mean() with w and b tensors that require grad, then loss.backward()")
            expect_close(part, expected, f"{label}: {name}", hint, rtol=1e-5, atol=1e-7)
    passed("autograd_gradient", f"autograd's gradient of the mean absolute error is right on all {len(cases)} cases")


def _train_reference(X, y, lr, epochs, batch_size, seed):
    rng = seed_everything(seed)
    X, y = torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y, dtype=torch.float32)
    model = nn.Linear(X.shape[1], 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(epochs):
        for batch in linear.minibatches(len(X), batch_size, rng):
            optimizer.zero_grad()
            loss = nn.functional.mse_loss(model(X[batch]).squeeze(1), y[batch])
            loss.backward()
            optimizer.step()
    return model.weight.detach().numpy().ravel(), float(model.bias.item())


def _train_data_loader(X, y, lr, epochs, batch_size, seed):
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
    return model.weight.detach().numpy()[0], model.bias.item()


def _train_no_zero_grad(X, y, lr, epochs, batch_size, seed):
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


def _train_one_epoch(X, y, lr, epochs, batch_size, seed):
    """Trains for one epoch only."""
    return _train_reference(X, y, lr, 1, batch_size, seed)


def _train_weight_matrix(X, y, lr, epochs, batch_size, seed):
    """Returns `model.weight` as a (1, d) matrix instead of a (d,) vector."""
    w, b = _train_reference(X, y, lr, epochs, batch_size, seed)
    return w.reshape(1, -1), b


def _train_loop(X, y, lr, epochs, batch_size, order):
    """nn.Linear + SGD over the batches that ``order(n)`` gives each epoch (torch's global seed sets the start)."""
    X, y = torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y, dtype=torch.float32)
    model = nn.Linear(X.shape[1], 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(epochs):
        for batch in order(len(X)).split(batch_size):
            optimizer.zero_grad()
            nn.functional.mse_loss(model(X[batch]).squeeze(1), y[batch]).backward()
            optimizer.step()
    return model.weight.detach().numpy().ravel(), float(model.bias.item())


def _train_ignores_seed(X, y, lr, epochs, batch_size, seed):
    """Ignores `seed` (start and shuffle come from torch's global state), so two runs with one seed differ."""
    return _train_loop(X, y, lr, epochs, batch_size, torch.randperm)


def _train_fixed_seed(X, y, lr, epochs, batch_size, seed):
    """Seeds with a fixed number instead of `seed`, so every seed gives the same run."""
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    return _train_loop(X, y, lr, epochs, batch_size, lambda n: torch.randperm(n, generator=generator))


def _train_no_shuffle(X, y, lr, epochs, batch_size, seed):
    """Never shuffles: batches are the rows in stored order, so the seed changes only the start, which training forgets."""
    torch.manual_seed(seed)
    return _train_loop(X, y, lr, epochs, batch_size, torch.arange)


def _train_cases():
    rng = np.random.default_rng(8)
    cases = []
    for n, d in ((200, 3), (120, 1)):
        X = rng.normal(size=(n, d)).astype(np.float32)
        y = (X @ rng.normal(0, 2, d) + 1.5 + rng.normal(0, 0.1, n)).astype(np.float32)
        cases.append(dict(X=X, y=y, lr=0.05, epochs=30, batch_size=16, seed=0))
    return cases


def _trained(fn, case, label):
    """Run the learner's loop on one case and return ``(w, b)``, or fail saying what came back."""
    got = call(fn, **case, label=label)
    if not isinstance(got, tuple) or len(got) != 2:
        fail(f"{label} returned {type(got).__name__}; expected a pair (w, b)")
    return got


def _flat(got, label):
    """The weights and the bias of an answer already checked against the closed form, as one vector."""
    return np.append(as_array(got[0], f"{label}: w").ravel(), as_array(got[1], f"{label}: b"))


SEED_SPREAD = 1e-4  # right answers differ by 3e-3 or more between seeds here; batches in stored order by < 1e-6


@register(reference=_train_reference, also_right=[_train_data_loader],
          mistakes=[_train_no_zero_grad, _train_one_epoch, _train_weight_matrix, _train_ignores_seed,
                    _train_fixed_seed, _train_no_shuffle])
def train_linear_torch(fn) -> None:
    """Exercise 4.2: ``fn(X, y, lr, epochs, batch_size, seed)`` trains nn.Linear with SGD and returns ``(w, b)``."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        cases = _train_cases()
        for case in cases:
            X, y = case["X"], case["y"]
            label = f"train_linear_torch(X of shape {X.shape}, y, lr=0.05, epochs=30, batch_size=16, seed=0)"
            got = _trained(fn, case, label)
            w, b = linear.fit_least_squares(X, y)
            hint = ("model.weight has shape (1, d); return it flattened: model.weight.detach().numpy().ravel()"
                    if np.shape(got[0]) == (1, X.shape[1]) else
                    "each step: optimizer.zero_grad(), loss.backward(), optimizer.step(); loop over all epochs and all mini-batches")
            expect_close(got[0], w, f"{label}: w (compared with the closed form)", hint, rtol=0, atol=0.05)
            expect_close(got[1], b, f"{label}: b (compared with the closed form)", hint, rtol=0, atol=0.05)
            first, again = _flat(got, label), _flat(_trained(fn, case, label), label)
            if first.shape != again.shape or not np.allclose(first, again, rtol=0, atol=1e-6):
                fail(f"{label} gave different weights when called twice with the same seed; expected exactly the same "
                     "run. Hint: take every random choice from `seed`: torch.manual_seed(seed) before making the model, "
                     "and a generator seeded with it for the shuffling, not the global state or the clock.")
            other_label = label.replace("seed=0", "seed=1")
            other = _flat(_trained(fn, {**case, "seed": 1}, other_label), other_label)
            spread = np.abs(other - first).max() if other.shape == first.shape else np.inf
            if spread < SEED_SPREAD:
                fail(f"{label} and the same call with seed=1 gave the same weights (they differ by at most {spread:.1e}); expected "
                     "different runs, since the seed decides which rows share a mini-batch. Hint: shuffle the rows "
                     "every epoch with a generator seeded from `seed`; a fixed seed, or batches in the stored order, "
                     "make every seed the same run.")
    finally:
        torch.set_num_threads(threads)
    passed("train_linear_torch", f"lands within 0.05 of the closed form on all {len(cases)} data sets, "
                                 "repeats itself for a seed and changes with it")
