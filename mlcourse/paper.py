"""The models and training recipe of "Scaling down deep learning" (Greydanus, 2020), for MNIST-1D.

Lesson 09 recreates the paper's table with these, lesson 10 tunes the MLP, and
lesson 11 reuses the CNN as a backbone. The models follow the reference code
(``greydanus/mnist1d``, ``notebooks/models.py``). The recipe: Adam, learning
rate 1e-2, batches of 100, no weight decay. Where this module departs from the
reference code, it says so (lesson 09 lists the departures): the reference
``train.py`` runs 8,000 steps and cycles through the training set in order;
``train`` here draws random batches and the lessons run fewer steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

# Test accuracy reported in the paper, in percent: (normal order, positions shuffled).
PUBLISHED = {"logistic regression": (32, 32), "MLP": (68, 68), "CNN": (94, 56), "GRU": (91, 57)}


def logistic() -> nn.Module:
    """Logistic regression: one linear layer, 40 inputs to 10 classes (410 parameters)."""
    return nn.Linear(40, 10)


ACTIVATIONS = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid}


class MLP(nn.Module):
    """The paper's MLP: two hidden layers of 100, the second one added to the first (15,210 parameters).

    As in the reference code's ``MLPBase``: ``h = act(linear1(x))``, then
    ``h = h + act(linear2(h))`` (a residual, or skip, connection), then
    ``linear3(h)``. A plain stack of the same layers has the same parameter
    count, so only the forward pass tells the two apart.

    ``activation`` and ``dropout`` (applied after each hidden activation) are
    lesson 10's hyperparameters; the defaults, ReLU and no dropout, are the paper's.
    """

    def __init__(self, activation: str = "relu", dropout: float = 0.0):
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, not {activation!r}")
        self.linear1 = nn.Linear(40, 100)
        self.linear2 = nn.Linear(100, 100)
        self.linear3 = nn.Linear(100, 10)
        self.activation = ACTIVATIONS[activation]()
        self.dropout = nn.Dropout(dropout) if dropout else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.dropout(self.activation(self.linear1(x)))
        h = h + self.dropout(self.activation(self.linear2(h)))
        return self.linear3(h)


def mlp(activation: str = "relu", dropout: float = 0.0) -> MLP:
    """The paper's MLP (see :class:`MLP`); lesson 10 searches its activation and dropout.

    Examples
    --------
    >>> parameters(mlp()), parameters(mlp("sigmoid", 0.5))
    (15210, 15210)
    """
    return MLP(activation, dropout)


class CNN(nn.Module):
    """Three 1-D convolutions with ReLU, then a linear head (5,210 parameters with 10 classes).

    The layers are grouped as ``backbone`` (the convolutions) and ``head`` (the
    classifier), the names lesson 11 uses to load and freeze parts of it.
    """

    def __init__(self, classes: int = 10):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv1d(1, 25, kernel_size=5, stride=2, padding=1), nn.ReLU(),
            nn.Conv1d(25, 25, kernel_size=3, stride=2, padding=1), nn.ReLU(),
            nn.Conv1d(25, 25, kernel_size=3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(),
        )
        self.head = nn.Linear(125, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.backbone(x.unsqueeze(1)))


def parameters(model: nn.Module) -> int:
    """The number of trainable numbers in ``model`` (what the paper's parameter counts count)."""
    return sum(p.numel() for p in model.parameters())


def accuracy(model: nn.Module, x, y) -> float:
    """Share of ``x`` classified as ``y``, without tracking gradients."""
    model.eval()
    with torch.no_grad():
        predicted = model(torch.as_tensor(x, dtype=torch.float32)).argmax(dim=1).numpy()
    model.train()
    return float(np.mean(predicted == np.asarray(y)))


@dataclass
class History:
    steps: list[int] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)


def train(model: nn.Module, x, y, steps: int, seed: int = 0, lr: float = 1e-2, batch_size: int = 100,
          eval_on=None, eval_every: int = 250, parameters_to_train=None, on_eval=None) -> History:
    """Train with Adam on random batches; record accuracy on ``eval_on`` = (x, y) every ``eval_every`` steps.

    Each batch is drawn at random, with replacement, from the whole training
    set. The paper's reference code does not: it walks through the training set
    in order, batch after batch, and starts again at the end. Lesson 09 lists
    this among the known departures of its reproduction; it is kept because the
    backbone lesson 11 loads (``data/``, with its SHA-256) was trained this way.

    Seeds torch (weights and batches) so the same call gives the same model.
    ``on_eval(step, accuracy)``, if given, is called at each evaluation (a
    pruner uses it to stop a hopeless run).
    """
    torch.manual_seed(seed)
    x, y = torch.as_tensor(x, dtype=torch.float32), torch.as_tensor(y)
    optimizer = torch.optim.Adam(parameters_to_train or model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    history = History()
    for step in range(1, steps + 1):
        batch = torch.randint(0, len(x), (min(batch_size, len(x)),), generator=generator)
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x[batch]), y[batch]).backward()
        optimizer.step()
        if eval_on is not None and (step % eval_every == 0 or step == steps):
            history.steps.append(step)
            history.accuracy.append(accuracy(model, *eval_on))
            if on_eval is not None:
                on_eval(step, history.accuracy[-1])
    return history


def seeded(make, seed: int) -> nn.Module:
    """A fresh model whose initial weights depend only on ``seed``."""
    torch.manual_seed(seed)
    return make()


def shuffle_positions(*arrays: np.ndarray, seed: int) -> list[np.ndarray]:
    """Each array with its columns (positions) reordered by one seeded permutation, the same for all.

    The paper's shuffled-positions experiment: no information is lost, since
    every signal, training and test alike, is reordered the same way, but
    neighbouring positions are no longer neighbours.
    """
    order = np.random.default_rng(seed).permutation(np.shape(arrays[0])[1])
    return [np.asarray(a)[:, order] for a in arrays]
