"""Linear regression by hand: the course's reference for lessons 02 to 04.

Lessons use these functions in their demos, and the checks compare your
answers with them. In practice, ``sklearn.linear_model.LinearRegression``
and ``SGDRegressor`` (or a PyTorch training loop) do this work.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import numpy as np


def predict(X: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    """y_hat = X @ w + b for X of shape (n, d) and w of shape (d,)."""
    return np.asarray(X) @ np.asarray(w) + b


def mse(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Mean squared error: the average of the squared differences."""
    return float(np.mean((np.asarray(y_true) - np.asarray(y_pred)) ** 2))


def fit_least_squares(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Closed-form least squares with an intercept: append a column of ones, solve."""
    X = np.asarray(X, dtype=float)
    design = np.column_stack([X, np.ones(len(X))])
    coef, *_ = np.linalg.lstsq(design, np.asarray(y, dtype=float), rcond=None)
    return coef[:-1], float(coef[-1])


def mse_gradient(X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float) -> tuple[np.ndarray, float]:
    """Gradient of the MSE with respect to w and b: (2/n) X^T r and (2/n) sum(r), r = X w + b - y."""
    X = np.asarray(X, dtype=float)
    residual = predict(X, w, b) - np.asarray(y, dtype=float)
    return 2 * X.T @ residual / len(X), float(2 * residual.mean())


def curvatures(X: np.ndarray) -> np.ndarray:
    """How sharply the MSE bowl bends along each of its axes, smallest first.

    These are the eigenvalues of the loss's Hessian with respect to (w, b),
    ``2/n Dᵀ D`` with ``D = [X, 1]``; they do not depend on ``y``. They decide
    how gradient descent behaves: a fixed learning rate diverges above
    ``2 / curvatures(X).max()``, and the ratio ``max / min`` (the *condition
    number*) is roughly how many steps the flattest direction needs.

    Example: one standardized input bends the same way along w and b.

    >>> curvatures([[-1.0], [1.0]])
    array([2., 2.])
    """
    X = np.asarray(X, dtype=float)
    design = np.column_stack([X, np.ones(len(X))])
    return np.linalg.eigvalsh(2 * design.T @ design / len(X))


class Descent(NamedTuple):
    w: np.ndarray
    b: float
    losses: list[float]


def gradient_descent(X, y, lr: float, steps: int, w0=None, b0: float = 0.0) -> Descent:
    """Full-batch gradient descent; ``losses[t]`` is the MSE *before* update t."""
    X = np.asarray(X, dtype=float)
    w = np.zeros(X.shape[1]) if w0 is None else np.array(w0, dtype=float)
    b, losses = float(b0), []
    for _ in range(steps):
        losses.append(mse(y, predict(X, w, b)))
        dw, db = mse_gradient(X, y, w, b)
        w, b = w - lr * dw, b - lr * db
    return Descent(w, b, losses)


def minibatches(n: int, batch_size: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """Shuffled index batches covering 0..n-1 exactly once; the last one may be smaller."""
    order = rng.permutation(n)
    for start in range(0, n, batch_size):
        yield order[start : start + batch_size]
