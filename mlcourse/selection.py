"""Measure models the way a deployment sees them (lesson 08).

Accuracy is one column of the trade-off; training time, size in memory or on
disk, and the time to answer a single request are the others. Here they are
measured, not guessed. The small CNN is wrapped in scikit-learn's
``fit``/``predict``/``score`` interface so that one function measures every model.
"""

from __future__ import annotations

import io
import pickle
import time

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from torch import nn


def serialized_size(model) -> int:
    """Bytes of the fitted model serialized in memory (only measured, never loaded back)."""
    if isinstance(model, TinyCNN):
        buffer = io.BytesIO()
        torch.save(model.network_.state_dict(), buffer)
        return buffer.getbuffer().nbytes
    return len(pickle.dumps(model))


def single_latency_ms(model, X, repeats: int = 50) -> float:
    """Median time to predict one sample, as a request to a server would."""
    timings = []
    for row in np.asarray(X)[:repeats]:
        started = time.perf_counter()
        model.predict(row.reshape(1, -1))
        timings.append(time.perf_counter() - started)
    return 1000 * float(np.median(timings))


def measure_model(model, X_train, y_train, X_test, y_test) -> dict[str, float]:
    """Fit ``model`` and return its accuracy, training seconds, size in bytes and single-sample latency.

    Fit and prediction are timed separately; accuracy is on the test set.
    """
    started = time.perf_counter()
    model.fit(X_train, y_train)
    train_seconds = time.perf_counter() - started
    return {
        "accuracy": float(model.score(X_test, y_test)),
        "train_seconds": train_seconds,
        "size_bytes": serialized_size(model),
        "latency_ms": single_latency_ms(model, X_test),
    }


def throughput(model, X, repeats: int = 3) -> float:
    """Samples per second when predicting a whole batch at once."""
    best = min(_timed(model.predict, X) for _ in range(repeats))
    return len(X) / best


def _timed(function, *args) -> float:
    started = time.perf_counter()
    function(*args)
    return time.perf_counter() - started


class TinyCNN(ClassifierMixin, BaseEstimator):
    """A two-layer convolutional network for 8x8 digit images, with scikit-learn's interface."""

    def __init__(self, epochs: int = 15, lr: float = 0.01, batch_size: int = 64, seed: int = 0):
        self.epochs, self.lr, self.batch_size, self.seed = epochs, lr, batch_size, seed

    @staticmethod
    def _images(X) -> torch.Tensor:
        return torch.as_tensor(np.asarray(X, dtype=np.float32) / 16.0).reshape(-1, 1, 8, 8)

    def fit(self, X, y):
        torch.manual_seed(self.seed)
        self.classes_, targets = np.unique(y, return_inverse=True)
        self.network_ = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(32 * 2 * 2, len(self.classes_)),
        )
        images, targets = self._images(X), torch.as_tensor(targets)
        optimizer = torch.optim.Adam(self.network_.parameters(), lr=self.lr)
        generator = torch.Generator().manual_seed(self.seed)
        for _ in range(self.epochs):
            for batch in torch.randperm(len(images), generator=generator).split(self.batch_size):
                optimizer.zero_grad()
                nn.functional.cross_entropy(self.network_(images[batch]), targets[batch]).backward()
                optimizer.step()
        return self

    def predict(self, X):
        with torch.no_grad():
            return self.classes_[self.network_(self._images(X)).argmax(dim=1).numpy()]
