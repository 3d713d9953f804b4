"""Transfer learning for lesson 11: reuse a pretrained network's weights, train only what you choose.

TF-Slim's ``train_image_classifier.py`` has two flags for this, and PyTorch
needs only a few lines for each:

- ``--checkpoint_exclude_scopes``: load every tensor of the checkpoint except
  those under these scopes (here: name prefixes) -> :func:`load_pretrained`;
- ``--trainable_scopes``: train only the variables under these scopes, freeze
  the rest -> :func:`freeze`.

The backbone the lesson starts from is pretrained by :func:`pretrain_backbone`,
deterministically, and stored in ``data/`` (``mlcourse data`` rewrites it).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from mlcourse import paper

SOURCE_CLASSES = (0, 1, 2, 3, 4)
BACKBONE_FILE = "mnist1d_cnn_digits0-4.pt"
PRETRAIN_STEPS, PRETRAIN_SEED = 2000, 0


def _under(name: str, prefixes) -> bool:
    return any(name == prefix or name.startswith(prefix.rstrip(".") + ".") for prefix in prefixes)


def load_pretrained(model: nn.Module, path, exclude=()) -> list[str]:
    """Copy the checkpoint's tensors into ``model``, except those under the ``exclude`` prefixes.

    The file is read with ``weights_only=True``: tensors only, no code. Nothing
    is skipped silently, because a skipped tensor leaves the model with random
    weights while the run goes on as if it were pretrained. Before anything is
    copied, three problems are looked for and reported together, each naming
    the tensors concerned:

    - a kept tensor the model has no place for ("not in the model": a
      ``module.`` prefix from a wrapped model, a renamed layer, a typo);
    - a tensor of the model that is neither excluded nor in the checkpoint
      ("not in the checkpoint"; TF-Slim refuses these too unless
      ``--ignore_missing_vars`` is given);
    - a tensor whose shape differs from the model's.

    Returns the names of the tensors loaded.
    """
    checkpoint = torch.load(path, weights_only=True)
    own = model.state_dict()
    wanted = {name: tensor for name, tensor in checkpoint.items() if not _under(name, exclude)}
    unknown = sorted(set(wanted) - set(own))
    absent = sorted(name for name in own if name not in wanted and not _under(name, exclude))
    mismatched = [f"{name} {tuple(tensor.shape)} vs {tuple(own[name].shape)}"
                  for name, tensor in wanted.items() if name in own and tensor.shape != own[name].shape]
    problems = [f"{what}: {', '.join(names)}" for what, names in (
        ("not in the model", unknown), ("not in the checkpoint", absent),
        ("shapes differ (checkpoint vs model)", mismatched)) if names]
    if problems:
        raise ValueError(f"cannot load {Path(path).name}: " + "; ".join(problems)
                         + ". To leave tensors out on purpose, add their prefixes to exclude.")
    model.load_state_dict(wanted, strict=False)  # strict=False only because the excluded tensors are absent
    return sorted(wanted)


def freeze(model: nn.Module, trainable=()) -> int:
    """Let only parameters under the ``trainable`` prefixes learn; return how many numbers that is."""
    count = 0
    for name, parameter in model.named_parameters():
        parameter.requires_grad = _under(name, trainable)
        count += parameter.numel() if parameter.requires_grad else 0
    return count


def classes_subset(x, y, classes, per_class: int | None = None, seed: int = 0):
    """The rows of the given classes (at most ``per_class`` of each), labels renumbered 0..k-1."""
    rng = np.random.default_rng(seed)
    rows = []
    for label in classes:
        found = np.flatnonzero(np.asarray(y) == label)
        rows.append(found if per_class is None else rng.choice(found, per_class, replace=False))
    rows = np.concatenate(rows)
    remap = {label: new for new, label in enumerate(classes)}
    return np.asarray(x)[rows], np.array([remap[label] for label in np.asarray(y)[rows]])


def pretrain_backbone(arrays) -> paper.CNN:
    """The paper's CNN trained on digits 0-4 of MNIST-1D's training set (the "source task")."""
    x, y = classes_subset(arrays["x"], arrays["y"], SOURCE_CLASSES)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # same weights on every machine
    try:
        model = paper.seeded(lambda: paper.CNN(classes=len(SOURCE_CLASSES)), PRETRAIN_SEED)
        paper.train(model, x, y, PRETRAIN_STEPS, seed=PRETRAIN_SEED)
    finally:
        torch.set_num_threads(threads)
    return model


def write_backbone(arrays, target: Path) -> Path:
    torch.save(pretrain_backbone(arrays).state_dict(), target)
    return target
