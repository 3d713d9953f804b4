"""The models and training recipe of "Scaling down deep learning" (Greydanus, 2020), for MNIST-1D.

Lesson 09 recreates the paper's table with these; lesson 11 reuses the CNN as
a backbone. The recipe, from the paper's reference code: Adam, learning rate
1e-2, batches of 100, no weight decay (the paper trains 6000 steps; the
lessons train fewer, and say so).
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


def mlp() -> nn.Module:
    """Two hidden layers of 100 with ReLU (15,210 parameters)."""
    return nn.Sequential(nn.Linear(40, 100), nn.ReLU(), nn.Linear(100, 100), nn.ReLU(), nn.Linear(100, 10))


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
    """Train with Adam on random batches, as the paper does; record accuracy on ``eval_on`` = (x, y).

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
