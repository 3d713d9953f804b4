"""Measure and compare models the way a deployment sees them (lesson 08).

Accuracy is one column of the trade-off; training time, size in memory or on
disk, and the time to answer a single request are the others. Here they are
measured, not guessed. The small CNN is wrapped in scikit-learn's
``fit``/``predict``/``score`` interface so that one function measures every model.

The module also redraws scikit-learn's "choosing the right estimator" map (the
course draws it; no image is downloaded) and holds the small deep networks the
lesson uses to show vanishing and exploding gradients.
"""

from __future__ import annotations

import io
import math
import pickle
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from torch import nn

if TYPE_CHECKING:  # pandas is imported where a table is made, not with the module
    import pandas as pd


# ------------------------------------------------------------------ measuring
def serialized_size(model) -> int:
    """Bytes of the fitted model serialized in memory (only measured, never loaded back).

    This stands for "inference memory": what the learned parameters take. The
    memory of a running server is larger (the runtime, the activations), and
    is not counted here.
    """
    if isinstance(model, TinyCNN):
        buffer = io.BytesIO()
        torch.save(model.network_.state_dict(), buffer)
        return buffer.getbuffer().nbytes
    return len(pickle.dumps(model))


def single_latency_ms(model, X, repeats: int = 50, max_seconds: float = 0.2) -> float:
    """Median time to predict one sample, as a request to a server would.

    Up to ``repeats`` requests, but stop once ``max_seconds`` have been spent
    (at least five requests): a slow model's median needs fewer calls to settle.
    """
    timings: list[float] = []
    for row in np.asarray(X)[:repeats]:
        started = time.perf_counter()
        model.predict(row.reshape(1, -1))
        timings.append(time.perf_counter() - started)
        if len(timings) >= 5 and sum(timings) > max_seconds:
            break
    return 1000 * float(np.median(timings))


def throughput(model, X, repeats: int = 3) -> float:
    """Samples per second when predicting a whole batch at once."""
    best = min(_timed(model.predict, X) for _ in range(repeats))
    return len(X) / best


def trade_off_table(models: dict, X_fit, y_fit, X_val, y_val, progress=None) -> tuple[pd.DataFrame, dict]:
    """Fit every model and measure the columns of the trade-off table on the validation rows.

    Returns the table (one row per model: ``val_accuracy``, ``val_se``,
    ``train_seconds`` for ``fit`` alone, ``size_bytes``, ``latency_ms`` of one
    request and ``throughput_per_s`` on the whole batch) and, per model, which
    validation images it got right (a boolean array): comparing two models
    image by image gives the *paired* standard error of their gap.
    ``progress`` wraps the loop over models (e.g. ``tqdm``).
    """
    import pandas as pd

    rows, correct = {}, {}
    for name in (progress or iter)(list(models)):
        model = models[name]
        started = time.perf_counter()
        model.fit(X_fit, y_fit)
        train_seconds = time.perf_counter() - started
        correct[name] = np.asarray(model.predict(X_val)) == np.asarray(y_val)
        accuracy = float(correct[name].mean())
        rows[name] = {
            "val_accuracy": accuracy,
            "val_se": math.sqrt(accuracy * (1 - accuracy) / len(correct[name])),
            "train_seconds": train_seconds,
            "size_bytes": serialized_size(model),
            "latency_ms": single_latency_ms(model, X_val),
            "throughput_per_s": throughput(model, X_val),
        }
    return pd.DataFrame(rows).T, correct


def paired_gap(correct_a: np.ndarray, correct_b: np.ndarray) -> tuple[float, float]:
    """Accuracy of A minus accuracy of B on the same images, and the standard error of that gap.

    The images both models get right (or both wrong) add no noise to the gap,
    so this is smaller than combining the two accuracies' standard errors.
    """
    difference = np.asarray(correct_a, dtype=float) - np.asarray(correct_b, dtype=float)
    return float(difference.mean()), float(difference.std(ddof=1) / math.sqrt(len(difference)))


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


# ------------------------------------------------ the scikit-learn estimator map
# scikit-learn's "Choosing the right estimator" flow chart
# (https://scikit-learn.org/stable/machine_learning_map.html), redrawn node by
# node. node -> (label, kind, x, y); kind is "start", "question", "estimator"
# or "outcome". Edges: (from, to, how): "yes", "no", "not working" or "".
MAP_NODES: dict[str, tuple[str, str, float, float]] = {
    "start": ("START", "start", 8.0, 9.6),
    "samples": (">50\nsamples?", "question", 8.0, 8.3),
    "more_data": ("get\nmore data", "outcome", 9.8, 9.6),
    "category": ("predicting a\ncategory?", "question", 8.0, 6.8),
    "labeled": ("do you have\nlabeled data?", "question", 6.3, 6.8),
    # classification
    "cls_100k": ("<100K\nsamples?", "question", 5.0, 8.3),
    "sgd_cls": ("SGD\nClassifier", "estimator", 5.0, 9.6),
    "kernel_cls": ("Kernel\nApproximation", "estimator", 3.1, 9.6),
    "linear_svc": ("Linear\nSVC", "estimator", 3.5, 8.3),
    "text": ("text\ndata?", "question", 2.1, 8.3),
    "naive_bayes": ("Naive\nBayes", "estimator", 0.7, 9.3),
    "kneighbors": ("KNeighbors\nClassifier", "estimator", 2.4, 7.0),
    "svc_ensemble": ("SVC or\nEnsemble\nClassifiers", "estimator", 0.5, 7.0),
    # clustering
    "n_known": ("number of\ncategories\nknown?", "question", 5.0, 5.2),
    "clu_10k_known": ("<10K\nsamples?", "question", 3.4, 5.2),
    "kmeans": ("KMeans", "estimator", 2.1, 5.2),
    "spectral_gmm": ("Spectral\nClustering\nor GMM", "estimator", 0.5, 5.2),
    "minibatch": ("MiniBatch\nKMeans", "estimator", 3.4, 3.9),
    "clu_10k_unknown": ("<10K\nsamples?", "question", 5.0, 3.0),
    "meanshift": ("MeanShift\nor VBGMM", "estimator", 3.3, 2.3),
    "luck_clustering": ("tough\nluck", "outcome", 5.0, 1.6),
    # regression
    "quantity": ("predicting a\nquantity?", "question", 8.0, 4.8),
    "reg_100k": ("<100K\nsamples?", "question", 9.8, 6.3),
    "sgd_reg": ("SGD\nRegressor", "estimator", 9.8, 7.8),
    "few_features": ("few features\nshould be\nimportant?", "question", 11.7, 6.3),
    "lasso": ("Lasso or\nElasticNet", "estimator", 11.7, 7.9),
    "ridge_svr": ("RidgeRegression or\nSVR(kernel='linear')", "estimator", 14.0, 6.3),
    "svr_ensemble": ("SVR(kernel='rbf') or\nEnsemble\nRegressors", "estimator", 14.0, 7.9),
    # dimensionality reduction
    "looking": ("just\nlooking?", "question", 8.0, 3.1),
    "pca": ("Randomized\nPCA", "estimator", 9.8, 3.1),
    "dim_10k": ("<10K\nsamples?", "question", 11.7, 3.1),
    "isomap": ("Isomap or\nSpectral\nEmbedding", "estimator", 14.0, 3.1),
    "lle": ("LLE", "estimator", 14.0, 1.6),
    "kernel_dim": ("Kernel\nApproximation", "estimator", 11.7, 1.6),
    "structure": ("predicting\nstructure?", "question", 8.0, 1.6),
    "luck_structure": ("tough\nluck", "outcome", 8.0, 0.4),
}
MAP_EDGES: list[tuple[str, str, str]] = [
    ("start", "samples", ""), ("samples", "more_data", "no"), ("samples", "category", "yes"),
    ("category", "labeled", "yes"), ("category", "quantity", "no"),
    ("labeled", "cls_100k", "yes"), ("labeled", "n_known", "no"),
    ("cls_100k", "sgd_cls", "no"), ("sgd_cls", "kernel_cls", "not working"),
    ("cls_100k", "linear_svc", "yes"), ("linear_svc", "text", "not working"),
    ("text", "naive_bayes", "yes"), ("text", "kneighbors", "no"),
    ("kneighbors", "svc_ensemble", "not working"),
    ("n_known", "clu_10k_known", "yes"), ("clu_10k_known", "kmeans", "yes"),
    ("kmeans", "spectral_gmm", "not working"), ("clu_10k_known", "minibatch", "no"),
    ("n_known", "clu_10k_unknown", "no"), ("clu_10k_unknown", "meanshift", "yes"),
    ("clu_10k_unknown", "luck_clustering", "no"),
    ("quantity", "reg_100k", "yes"), ("quantity", "looking", "no"),
    ("reg_100k", "sgd_reg", "no"), ("reg_100k", "few_features", "yes"),
    ("few_features", "lasso", "yes"), ("few_features", "ridge_svr", "no"),
    ("ridge_svr", "svr_ensemble", "not working"),
    ("looking", "pca", "yes"), ("pca", "dim_10k", "not working"),
    ("dim_10k", "isomap", "yes"), ("isomap", "lle", "not working"), ("dim_10k", "kernel_dim", "no"),
    ("looking", "structure", "no"), ("structure", "luck_structure", ""),
]
MAP_REGIONS = {  # name -> (x0, y0, x1, y1, colour, label at the top or the bottom)
    "classification": (-0.2, 6.3, 5.8, 10.2, "#fde2e2", "top"),
    "clustering": (-0.2, 1.1, 5.8, 5.9, "#efe2fb", "bottom"),
    "regression": (8.95, 5.6, 15.3, 9.0, "#dcebfb", "top"),
    "dimensionality reduction": (8.95, 0.9, 15.3, 3.9, "#fbfbd9", "bottom"),
}
# Okabe-Ito colours, as in mlcourse/matplotlibrc (no red/green pair); each arrow also says YES, NO or NOT WORKING
_EDGE_COLOURS = {"yes": "#0072B2", "no": "#D55E00", "not working": "#E69F00", "": "#666666"}
_EDGE_STYLES = {"yes": "-", "no": "-", "not working": "--", "": "-"}
_NODE_STYLE = {
    "start": dict(boxstyle="round,pad=0.4", fc="#ffe6cc", ec="#ff9933"),
    "question": dict(boxstyle="ellipse,pad=0.25", fc="#cce5ff", ec="#3399ff"),
    "estimator": dict(boxstyle="round,pad=0.35", fc="#ccffe6", ec="#00aa55"),
    "outcome": dict(boxstyle="round,pad=0.35", fc="#eeeeee", ec="#888888"),
}


def plot_estimator_map(path: Sequence[str] = (), ax=None):
    """Draw scikit-learn's estimator map; the nodes in ``path`` (in order) are drawn bold.

    Returns the matplotlib Axes. ``path`` names nodes of :data:`MAP_NODES`,
    e.g. the route a task takes from ``"start"`` to the estimators it suggests.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    unknown = [name for name in path if name not in MAP_NODES]
    if unknown:
        raise ValueError(f"not nodes of the map: {unknown}; the nodes are {sorted(MAP_NODES)}")
    if ax is None:
        _, ax = plt.subplots(figsize=(15, 8.5))
    for name, (x0, y0, x1, y1, colour, where) in MAP_REGIONS.items():
        ax.add_patch(FancyBboxPatch((x0, y0), x1 - x0, y1 - y0, boxstyle="round,pad=0.05", fc=colour, ec="#bbbbbb", zorder=0))
        ax.text(x0 + 0.15, y1 - 0.15 if where == "top" else y0 + 0.15, name, fontsize=12, fontweight="bold",
                color="#555555", va="top" if where == "top" else "bottom")
    on_path = set(path)
    texts = {}
    for name, (label, kind, x, y) in MAP_NODES.items():
        style = dict(_NODE_STYLE[kind], lw=3 if name in on_path else 1.2)
        texts[name] = ax.text(x, y, label, ha="center", va="center", fontsize=7.5, bbox=style, zorder=3,
                              fontweight="bold" if name in on_path else "normal")
    steps = set(zip(path[:-1], path[1:], strict=True))
    for source, target, how in MAP_EDGES:
        bold = (source, target) in steps
        ax.annotate("", xy=(0.5, 0.5), xycoords=texts[target], xytext=(0.5, 0.5), textcoords=texts[source],
                    arrowprops=dict(arrowstyle="-|>", color=_EDGE_COLOURS[how], lw=3 if bold else 1.3,
                                    ls=_EDGE_STYLES[how], shrinkA=2, shrinkB=2,
                                    patchA=texts[source].get_bbox_patch(), patchB=texts[target].get_bbox_patch()),
                    zorder=2)
        if how:
            (_, _, x0, y0), (_, _, x1, y1) = MAP_NODES[source], MAP_NODES[target]
            ax.text((x0 + x1) / 2, (y0 + y1) / 2, how.upper().replace(" ", "\n"), fontsize=6.5, linespacing=0.9, ha="center", va="center",
                    color=_EDGE_COLOURS[how], fontweight="bold", zorder=4,
                    bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.8))
    ax.set_xlim(-0.4, 15.5)
    ax.set_ylim(0, 10.3)
    ax.axis("off")
    return ax


# ------------------------------------------------ training progress: gradients
def deep_mlp(activation: type[nn.Module], depth: int = 10, width: int = 64, n_in: int = 64, n_out: int = 10,
             init_gain: float | None = None, seed: int = 0) -> nn.Sequential:
    """A deliberately deep, narrow MLP: ``depth`` hidden layers of ``width`` units.

    ``init_gain=None`` keeps PyTorch's default initialization; a number draws
    each weight from N(0, (init_gain / sqrt(fan_in))²) with zero biases
    (``sqrt(2)`` is He/Kaiming initialization for ReLU). Depth makes the
    backward pass a long product of per-layer factors, which is what lets
    gradients vanish or explode.
    """
    torch.manual_seed(seed)
    layers, fan_in = [], n_in
    for _ in range(depth):
        linear = nn.Linear(fan_in, width)
        if init_gain is not None:
            nn.init.normal_(linear.weight, 0.0, init_gain / math.sqrt(fan_in))
            nn.init.zeros_(linear.bias)
        layers += [linear, activation()]
        fan_in = width
    layers.append(nn.Linear(fan_in, n_out))
    return nn.Sequential(*layers)


def layer_gradient_norms(network: nn.Sequential, X: torch.Tensor, y: torch.Tensor) -> list[float]:
    """Norm of the loss gradient for each linear layer's weights, from input to output, after one backward pass."""
    network.zero_grad()
    nn.functional.cross_entropy(network(X), y).backward()
    return [layer.weight.grad.norm().item() for layer in network if isinstance(layer, nn.Linear)]


def train_progress(network: nn.Module, X: torch.Tensor, y: torch.Tensor, X_val: torch.Tensor, y_val: torch.Tensor,
                   epochs: int = 12, lr: float = 0.03, batch_size: int = 64, seed: int = 0) -> dict[str, list[float]]:
    """Train with plain SGD (momentum 0.9) and record, per epoch, the training loss, validation accuracy and
    the training seconds so far (evaluation not included).

    Plain SGD on purpose: adaptive optimizers such as Adam rescale each
    gradient and partly hide a vanishing one.
    """
    optimizer = torch.optim.SGD(network.parameters(), lr=lr, momentum=0.9)
    generator = torch.Generator().manual_seed(seed)
    history: dict[str, list[float]] = {"training loss": [], "validation accuracy": [], "seconds": []}
    seconds = 0.0
    for _ in range(epochs):
        started = time.perf_counter()
        for batch in torch.randperm(len(X), generator=generator).split(batch_size):
            optimizer.zero_grad()
            nn.functional.cross_entropy(network(X[batch]), y[batch]).backward()
            optimizer.step()
        seconds += time.perf_counter() - started  # training only: the monitoring below is not timed
        history["seconds"].append(seconds)
        with torch.no_grad():
            history["training loss"].append(nn.functional.cross_entropy(network(X), y).item())
            history["validation accuracy"].append((network(X_val).argmax(dim=1) == y_val).float().mean().item())
    return history
