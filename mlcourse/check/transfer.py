"""Checks for lesson 11 (transfer learning): load_pretrained, freeze."""

from __future__ import annotations

import tempfile
from pathlib import Path
from unittest import mock

import torch

from mlcourse import paper, transfer
from mlcourse.check._core import call, fail, not_written, passed, register


def _excluded(name, exclude):
    return any(name.startswith(prefix) for prefix in exclude)


def _load_by_copying(model, path, exclude):
    checkpoint = torch.load(path, weights_only=True, map_location="cpu")
    kept = {name: value for name, value in checkpoint.items() if not _excluded(name, exclude)}
    own = model.state_dict()
    stray = [name for name in kept if name not in own] + [name for name in own if name not in kept and not _excluded(name, exclude)]
    if stray:
        raise KeyError(f"checkpoint and model disagree on: {stray}")
    with torch.no_grad():
        for name, value in kept.items():
            if value.shape != own[name].shape:
                raise ValueError(f"{name}: checkpoint {tuple(value.shape)}, model {tuple(own[name].shape)}")
            own[name].copy_(value)
    return list(kept)


def _load_reading_the_report(model, path, exclude):
    checkpoint = torch.load(path, weights_only=True)
    kept = {name: value for name, value in checkpoint.items() if not _excluded(name, exclude)}
    report = model.load_state_dict(kept, strict=False)  # loads first, then complains: still loud
    missing = [name for name in report.missing_keys if not _excluded(name, exclude)]
    if report.unexpected_keys or missing:
        raise RuntimeError(f"unexpected: {report.unexpected_keys}; missing: {missing}")
    return sorted(kept)


def _load_returning_keys_view(model, path, exclude):
    checkpoint = torch.load(path, weights_only=True)
    kept = {name: value for name, value in checkpoint.items() if not _excluded(name, exclude)}
    own = model.state_dict()
    stray = (kept.keys() - own.keys()) | {name for name in own.keys() - kept.keys() if not _excluded(name, exclude)}
    if stray:
        raise KeyError(f"checkpoint and model disagree on: {sorted(stray)}")
    model.load_state_dict(kept, strict=False)  # a shape that does not fit raises here, naming the tensor
    return kept.keys()  # a keys view, not a list: any iterable of names will do


def _load_ignoring_exclude(model, path, exclude):
    """Loads every tensor, ignoring ``exclude``: the old head overwrites (or clashes with) the new one."""
    model.load_state_dict(torch.load(path, weights_only=True))
    return list(model.state_dict())


def _load_unsafely(model, path, exclude):
    """Reads the checkpoint with ``weights_only=False``, which can run code hidden in the file."""
    checkpoint = torch.load(path, weights_only=False)
    wanted = {k: v for k, v in checkpoint.items() if not _excluded(k, exclude)}
    model.load_state_dict(wanted, strict=False)
    return list(wanted)


def _load_strict(model, path, exclude):
    """Filters the checkpoint, then loads with ``strict=True``, which fails on the missing head."""
    checkpoint = torch.load(path, weights_only=True)
    wanted = {k: v for k, v in checkpoint.items() if not _excluded(k, exclude)}
    model.load_state_dict(wanted)
    return list(wanted)


def _load_reports_all_names(model, path, exclude):
    """Loads correctly but returns every name in the checkpoint, excluded ones included."""
    transfer.load_pretrained(model, path, exclude)
    return list(torch.load(path, weights_only=True))


def _load_skips_unknown_keys(model, path, exclude):
    """Loads with ``strict=False`` and ignores its report: tensors that match nothing (a ``module.`` prefix) are dropped yet reported loaded."""
    checkpoint = torch.load(path, weights_only=True)
    kept = {k: v for k, v in checkpoint.items() if not _excluded(k, exclude)}
    model.load_state_dict(kept, strict=False)
    return list(kept)


def _load_ignores_missing_keys(model, path, exclude):
    """Refuses unknown checkpoint tensors but not missing ones: model tensors absent from the file stay random, silently."""
    checkpoint = torch.load(path, weights_only=True)
    kept = {k: v for k, v in checkpoint.items() if not _excluded(k, exclude)}
    report = model.load_state_dict(kept, strict=False)
    if report.unexpected_keys:
        raise KeyError(f"not in the model: {report.unexpected_keys}")
    return list(kept)


def _snapshot(model):
    return {name: value.clone() for name, value in model.state_dict().items()}


def _names(got, label: str) -> set[str]:
    """The learner's returned names as a set, or a failure saying what came back instead.

    Any iterable of strings will do (a list, a set, ``kept.keys()``, a generator),
    but not a single string or a dict, whose iteration would hide the mistake.
    """
    shown = f"{type(got).__name__} {repr(got)[:80]}"
    names = None
    if not isinstance(got, (str, bytes, dict)):
        try:
            names = list(got)
        except TypeError:
            names = None
    if names is None or not all(isinstance(name, str) for name in names):
        fail(f"{label} returned {shown}; expected the names of the tensors it loaded, such as "
             "['backbone.0.bias', ...] (a list, a set or a dict's .keys(); not a dict or one string). "
             "Hint: return the names you kept.")
    return set(names)


def _must_refuse(fn, model, path, exclude, described: str, culprits: list[str], spy) -> None:
    """Loading ``path`` must raise an error that names at least one of ``culprits``."""
    label = f"load_pretrained(<CNN>, <{described}>, exclude={exclude})"
    with mock.patch.object(torch, "load", spy):
        try:
            got = fn(model, path, exclude)
        except NotImplementedError as error:
            raise not_written(label, error) from error
        except Exception as error:
            if not any(name in str(error) for name in culprits):
                fail(f"{label} raised {type(error).__name__}: {str(error)[:200]}; expected the message to name the "
                     f"tensors concerned (such as {culprits[0]}). Hint: say which names do not match.")
            return
    fail(f"{label} returned {str(got)[:120]} without an error; expected an error naming {', '.join(culprits[:2])}. "
         "A tensor skipped silently leaves random weights in a model that passes for pretrained. Hint: "
         "load_state_dict(..., strict=False) returns missing_keys and unexpected_keys; look at both.")


@register(reference=transfer.load_pretrained,
          also_right=[_load_by_copying, _load_reading_the_report, _load_returning_keys_view],
          mistakes=[_load_ignoring_exclude, _load_unsafely, _load_strict, _load_reports_all_names,
                    _load_skips_unknown_keys, _load_ignores_missing_keys])
def load_pretrained(fn) -> None:
    """Exercise 11.1: ``fn(model, path, exclude)`` loads all tensors but those under ``exclude``; returns their names."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "source.pt"
        source = paper.seeded(lambda: paper.CNN(classes=5), 1)
        state = source.state_dict()
        torch.save(state, path)
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
                         "tensors. Hint: keep only the names that start with none of the prefixes; the excluded "
                         "ones are the only tensors allowed to be absent.")
            if False in calls:
                fail(f"{label} read the file with weights_only=False; expected weights_only=True, which loads tensors "
                     "and refuses to run code hidden in a file. Hint: torch.load(path, weights_only=True).")
            expected = {n for n in state if not any(n == p or n.startswith(p + ".") for p in exclude)}
            after = target.state_dict()
            for name, value in after.items():
                should = state[name] if name in expected else before[name]
                if not torch.equal(value, should):
                    fail(f"{label}: {name} {'was not loaded' if name in expected else 'was overwritten'}; expected "
                         f"{'the checkpoint' if name in expected else 'its own'} values. Hint: a tensor is excluded "
                         "when its name starts with one of the prefixes.")
            names = _names(names, label)
            if names != expected:
                fail(f"{label} returned {sorted(names)}; expected the names it loaded: {sorted(expected)}. "
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

        # Checkpoints that do not fit by name: strict=False would skip their tensors without a word.
        wrapped = {f"module.{name}": value for name, value in state.items()}  # saved from nn.DataParallel / DDP
        deeper = state | {"backbone.6.weight": torch.zeros(25, 25, 3), "backbone.6.bias": torch.zeros(25)}
        shallower = {name: value for name, value in state.items() if not name.startswith("backbone.4.")}
        for checkpoint, described, culprits in (
            (wrapped, "checkpoint saved from a wrapped model: every name starts with 'module.'",
             sorted(wrapped) + sorted(state)),
            (deeper, "checkpoint with an extra layer backbone.6 the model does not have",
             ["backbone.6.weight", "backbone.6.bias"]),
            (shallower, "checkpoint without backbone.4", ["backbone.4.weight", "backbone.4.bias"]),
        ):
            odd = Path(folder) / "odd.pt"
            torch.save(checkpoint, odd)
            _must_refuse(fn, paper.seeded(lambda: paper.CNN(classes=5), 2), odd, ["head"], described, culprits, spy)
    passed("load_pretrained", "loads all but the excluded prefixes, safely, and refuses, by name, any tensor that "
                              "does not fit: wrong shape, no place in the model, or missing from the checkpoint")


def _is_whole_number(value) -> bool:
    """An int, or a one-element numpy/torch value holding one (bools and arrays of several values are not)."""
    if isinstance(value, bool) or not hasattr(value, "__int__") or getattr(value, "ndim", 0) != 0:
        return False
    try:
        return float(value) == int(value)
    except (TypeError, ValueError, OverflowError):
        return False


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
        if not _is_whole_number(count) or int(count) != size:
            fail(f"{label} returned {type(count).__name__} {repr(count)[:80]}; expected the whole number {size}, the "
                 "number of trainable parameters. Hint: add up p.numel() of the parameters that keep requires_grad.")
        before = _snapshot(model)
        optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
        torch.nn.functional.cross_entropy(model(torch.randn(8, 40)), torch.randint(0, 10, (8,))).backward()
        optimizer.step()
        changed = {n for n, v in model.state_dict().items() if not torch.equal(v, before[n])}
        if changed != expected:
            fail(f"{label}: after one optimizer step, {sorted(changed)} changed; expected only {sorted(expected)}.")
        model.zero_grad()
    passed("freeze", "only the trainable prefixes learn, the count is right, and a second call re-opens frozen layers")
