"""Checks for lesson 11 (transfer learning): load_pretrained, freeze."""

from __future__ import annotations

import tempfile
from pathlib import Path
from unittest import mock

import torch

from mlcourse import paper, transfer
from mlcourse.check._core import call, fail, not_written, passed, register


def _load_by_copying(model, path, exclude):
    checkpoint = torch.load(path, weights_only=True, map_location="cpu")
    loaded = []
    with torch.no_grad():
        for name, value in model.state_dict().items():
            if name in checkpoint and not any(name.startswith(prefix) for prefix in exclude):
                if checkpoint[name].shape != value.shape:
                    raise ValueError(f"{name}: checkpoint {tuple(checkpoint[name].shape)}, model {tuple(value.shape)}")
                value.copy_(checkpoint[name])
                loaded.append(name)
    return loaded


def _load_ignoring_exclude(model, path, exclude):
    """Loads every tensor, ignoring ``exclude``: the old head overwrites (or clashes with) the new one."""
    model.load_state_dict(torch.load(path, weights_only=True))
    return list(model.state_dict())


def _load_unsafely(model, path, exclude):
    """Reads the checkpoint with ``weights_only=False``, which can run code hidden in the file."""
    checkpoint = torch.load(path, weights_only=False)
    wanted = {k: v for k, v in checkpoint.items() if not any(k.startswith(p) for p in exclude)}
    model.load_state_dict(wanted, strict=False)
    return list(wanted)


def _load_strict(model, path, exclude):
    """Filters the checkpoint, then loads with ``strict=True``, which fails on the missing head."""
    checkpoint = torch.load(path, weights_only=True)
    wanted = {k: v for k, v in checkpoint.items() if not any(k.startswith(p) for p in exclude)}
    model.load_state_dict(wanted)
    return list(wanted)


def _load_reports_all_names(model, path, exclude):
    """Loads correctly but returns every name in the checkpoint, excluded ones included."""
    transfer.load_pretrained(model, path, exclude)
    return list(torch.load(path, weights_only=True))


def _snapshot(model):
    return {name: value.clone() for name, value in model.state_dict().items()}


@register(reference=transfer.load_pretrained, also_right=[_load_by_copying],
          mistakes=[_load_ignoring_exclude, _load_unsafely, _load_strict, _load_reports_all_names])
def load_pretrained(fn) -> None:
    """Exercise 11.1: ``fn(model, path, exclude)`` loads all tensors but those under ``exclude``; returns their names."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "source.pt"
        source = paper.seeded(lambda: paper.CNN(classes=5), 1)
        torch.save(source.state_dict(), path)
        real_load, calls = torch.load, []

        def spy(*args, **kwargs):
            calls.append(kwargs.get("weights_only"))
            return real_load(*args, **kwargs)

        for exclude in (["head"], ["head", "backbone.0"]):
            label = f"load_pretrained(<CNN with 10 classes>, <checkpoint with 5 classes>, exclude={exclude})"
            target = paper.seeded(lambda: paper.CNN(classes=10), 2)
            before = _snapshot(target)
            with mock.patch.object(torch, "load", spy):
                try:
                    names = fn(target, path, exclude)
                except NotImplementedError as error:
                    raise not_written(label, error) from error
                except Exception as error:
                    fail(f"{label} raised {type(error).__name__}: {str(error)[:160]}; expected it to load the other "
                         "tensors. Hint: keep only the names that start with none of the prefixes, then "
                         "model.load_state_dict(kept, strict=False).")
            if False in calls:
                fail(f"{label} read the file with weights_only=False; expected weights_only=True, which loads tensors "
                     "and refuses to run code hidden in a file. Hint: torch.load(path, weights_only=True).")
            expected = {n for n in source.state_dict() if not any(n == p or n.startswith(p + ".") for p in exclude)}
            after = target.state_dict()
            for name, value in after.items():
                should = source.state_dict()[name] if name in expected else before[name]
                if not torch.equal(value, should):
                    fail(f"{label}: {name} {'was not loaded' if name in expected else 'was overwritten'}; expected "
                         f"{'the checkpoint' if name in expected else 'its own'} values. Hint: a tensor is excluded "
                         "when its name starts with one of the prefixes.")
            if set(names or []) != expected:
                fail(f"{label} returned {sorted(names or [])}; expected the names it loaded: {sorted(expected)}. "
                     "Hint: return the kept names, not the checkpoint's.")
        target = paper.CNN(classes=10)
        try:
            with mock.patch.object(torch, "load", spy):
                fn(target, path, [])
        except NotImplementedError as error:
            raise not_written("load_pretrained(model, path, [])", error) from error
        except Exception as error:
            if "head.weight" not in str(error):
                fail(f"loading a 5-class head into a 10-class model raised {type(error).__name__}: {error}; expected the "
                     "message to name the tensor that does not fit (head.weight). Hint: compare shapes before loading.")
        else:
            fail("loading a 5-class head into a 10-class model with exclude=[] gave no error; expected one naming "
                 "head.weight. Hint: check that each tensor's shape matches the model's.")
    passed("load_pretrained", "loads all but the excluded prefixes, safely, and names any tensor whose shape does not fit")


def _freeze_by_modules(model, trainable):
    model.requires_grad_(False)
    for name, module in model.named_modules():
        if name and any(name == p or name.startswith(p + ".") for p in trainable):
            module.requires_grad_(True)
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def _freeze_inverted(model, trainable):
    """Freezes the parameters under ``trainable`` and trains all the others."""
    count = 0
    for name, parameter in model.named_parameters():
        parameter.requires_grad = not any(name.startswith(p) for p in trainable)
        count += parameter.numel() * parameter.requires_grad
    return count


def _freeze_counts_all(model, trainable):
    """Freezes correctly but returns the total number of parameters."""
    transfer.freeze(model, trainable)
    return sum(p.numel() for p in model.parameters())


def _freeze_never_unfreezes(model, trainable):
    """Only ever switches requires_grad off, so a second call cannot make a frozen layer trainable again."""
    for name, parameter in model.named_parameters():
        if not any(name.startswith(p) for p in trainable):
            parameter.requires_grad = False
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


@register(reference=transfer.freeze, also_right=[_freeze_by_modules],
          mistakes=[_freeze_inverted, _freeze_counts_all, _freeze_never_unfreezes])
def freeze(fn) -> None:
    """Exercise 11.2: ``fn(model, trainable)`` leaves only parameters under ``trainable`` trainable; returns their count."""
    model = paper.seeded(lambda: paper.CNN(classes=10), 3)
    for trainable in (["head"], ["backbone.4", "head"], ["backbone"]):
        label = f"freeze(<CNN>, trainable={trainable})"
        count = call(fn, model, trainable, label=label)
        expected = {n for n, _ in model.named_parameters() if any(n == p or n.startswith(p + ".") for p in trainable)}
        learning = {n for n, p in model.named_parameters() if p.requires_grad}
        if learning != expected:
            fail(f"{label}: parameters left trainable: {sorted(learning)}; expected {sorted(expected)}. Hint: set "
                 "requires_grad = True for names under a trainable prefix and False for all others, every time.")
        size = sum(p.numel() for n, p in model.named_parameters() if n in expected)
        if count != size:
            fail(f"{label} returned {count}; expected {size}, the number of trainable parameters. "
                 "Hint: add up p.numel() of the parameters that keep requires_grad.")
        before = _snapshot(model)
        optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
        torch.nn.functional.cross_entropy(model(torch.randn(8, 40)), torch.randint(0, 10, (8,))).backward()
        optimizer.step()
        changed = {n for n, v in model.state_dict().items() if not torch.equal(v, before[n])}
        if changed != expected:
            fail(f"{label}: after one optimizer step, {sorted(changed)} changed; expected only {sorted(expected)}.")
        model.zero_grad()
    passed("freeze", "only the trainable prefixes learn, the count is right, and a second call re-opens frozen layers")
