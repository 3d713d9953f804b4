"""Checks for lesson 04 (tensors and autograd): autograd_gradient, train_linear_torch."""

from __future__ import annotations

from unittest import mock

import numpy as np
import torch
from torch import nn

from mlcourse import linear
from mlcourse.check._core import call, diagnose, expect_close, fail, passed, register
from mlcourse.reproducible import seed_everything


def _autograd_reference(X, y, w, b):
    X, y = torch.as_tensor(X, dtype=torch.float64), torch.as_tensor(y, dtype=torch.float64)
    w = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    loss = ((X @ w + b - y) ** 2).mean()
    loss.backward()
    return w.grad.numpy(), b.grad.item()


def _autograd_grad_function(X, y, w, b):
    params = [torch.tensor(np.asarray(w, dtype=float), requires_grad=True), torch.tensor(float(b), requires_grad=True)]
    loss = torch.nn.functional.mse_loss(torch.tensor(X) @ params[0] + params[1], torch.tensor(y))
    dw, db = torch.autograd.grad(loss, params)
    return dw.numpy(), float(db)


def _autograd_by_hand(X, y, w, b):
    """Returns the right numbers from the hand-derived formula, without autograd."""
    return linear.mse_gradient(X, y, w, b)


def _autograd_sum_loss(X, y, w, b):
    """Sums the squared errors instead of averaging, so the gradient is n times too large."""
    X, y = torch.as_tensor(X), torch.as_tensor(y)
    w, b = torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True)
    ((X @ w + b - y) ** 2).sum().backward()
    return w.grad.numpy(), b.grad.item()


def _autograd_as_tensors(X, y, w, b):
    """Returns torch tensors instead of numpy values."""
    X, y = torch.as_tensor(X), torch.as_tensor(y)
    w, b = torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True)
    ((X @ w + b - y) ** 2).mean().backward()
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


@register(reference=_autograd_reference, also_right=[_autograd_grad_function],
          mistakes=[_autograd_by_hand, _autograd_sum_loss, _autograd_as_tensors])
def autograd_gradient(fn) -> None:
    """Exercise 4.1: ``fn(X, y, w, b)`` returns the MSE gradient ``(dw, db)`` as numpy, via autograd."""
    rng = np.random.default_rng(7)
    cases = [(rng.normal(size=(n, d)), rng.normal(size=n), rng.normal(size=d), float(rng.normal())) for n, d in ((6, 3), (1, 1), (15, 2))]
    for X, y, w, b in cases:
        label = f"autograd_gradient(X of shape {X.shape}, y, w, b)"
        with _AutogradSpy() as spy:
            got = call(fn, X.copy(), y.copy(), w.copy(), b, label=label)
        if not spy.calls:
            fail(f"{label} gave its answer without autograd; expected the gradient that loss.backward() computes. Hint: make w and b tensors with requires_grad=True, "
                 "compute the loss with torch, call loss.backward(), and read w.grad and b.grad.")
        if not isinstance(got, tuple) or len(got) != 2:
            fail(f"{label} returned {type(got).__name__}; expected a pair (dw, db)")
        if isinstance(got[0], torch.Tensor) or isinstance(got[1], torch.Tensor):
            fail(f"{label} returned torch tensors; expected numpy. Hint: w.grad.numpy() and b.grad.item().")
        dw, db = linear.mse_gradient(X, y, w, b)
        hint = diagnose(got[0], {f"this is {len(X)} times too large: take the *mean* of the squared errors": dw * len(X)},
                        "loss = ((X @ w + b - y) ** 2).mean(), then loss.backward()")
        expect_close(got[0], dw, f"{label}: dw", hint)
        expect_close(got[1], db, f"{label}: db", hint)
    passed("autograd_gradient", f"autograd matches the analytic gradient of lesson 03 on all {len(cases)} cases")


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


def _train_cases():
    rng = np.random.default_rng(8)
    cases = []
    for n, d in ((200, 3), (120, 1)):
        X = rng.normal(size=(n, d)).astype(np.float32)
        y = (X @ rng.normal(0, 2, d) + 1.5 + rng.normal(0, 0.1, n)).astype(np.float32)
        cases.append(dict(X=X, y=y, lr=0.05, epochs=30, batch_size=16, seed=0))
    return cases


@register(reference=_train_reference, also_right=[_train_data_loader],
          mistakes=[_train_no_zero_grad, _train_one_epoch, _train_weight_matrix])
def train_linear_torch(fn) -> None:
    """Exercise 4.2: ``fn(X, y, lr, epochs, batch_size, seed)`` trains nn.Linear with SGD and returns ``(w, b)``."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        cases = _train_cases()
        for case in cases:
            X, y = case["X"], case["y"]
            label = f"train_linear_torch(X of shape {X.shape}, y, lr=0.05, epochs=30, batch_size=16, seed=0)"
            got = call(fn, **case, label=label)
            if not isinstance(got, tuple) or len(got) != 2:
                fail(f"{label} returned {type(got).__name__}; expected a pair (w, b)")
            w, b = linear.fit_least_squares(X, y)
            hint = ("model.weight has shape (1, d); return it flattened: model.weight.detach().numpy().ravel()"
                    if np.shape(got[0]) == (1, X.shape[1]) else
                    "each step: optimizer.zero_grad(), loss.backward(), optimizer.step(); loop over all epochs and all mini-batches")
            expect_close(got[0], w, f"{label}: w (compared with the closed form)", hint, rtol=0, atol=0.05)
            expect_close(got[1], b, f"{label}: b (compared with the closed form)", hint, rtol=0, atol=0.05)
    finally:
        torch.set_num_threads(threads)
    passed("train_linear_torch", f"lands within 0.05 of the closed-form solution on all {len(cases)} data sets")
