"""Checks for lesson 15: each process's share of the loss in data-parallel training, and the ring all-reduce cost model."""

from __future__ import annotations

import functools
import math

import numpy as np

from mlcourse import scaling
from mlcourse.check._core import call, describe, diagnose, fail, is_number, passed, register

# --------------------------------------------------------------------------------------------
# 15.1 local_loss
# --------------------------------------------------------------------------------------------


def _loss_reference(predictions, targets, batch_rows, world):
    from mlcourse.distributed import local_loss

    return local_loss(predictions, targets, batch_rows, world)


def _loss_weighted_mean(predictions, targets, batch_rows, world):
    import torch

    if len(predictions) == 0:
        return (predictions * 0).sum()  # no rows: nothing to add, but still part of the graph
    share = len(predictions) / batch_rows  # this shard's part of the batch
    return torch.nn.functional.mse_loss(predictions, targets) * share * world


def _loss_shard_mean(predictions, targets, batch_rows, world):
    """Each shard's own mean squared error: right only when every shard has the same number of rows, NaN for an empty one."""
    import torch

    return torch.nn.functional.mse_loss(predictions, targets)


def _loss_plain_sum(predictions, targets, batch_rows, world):
    """The shard's sum of squared errors, unscaled: the step is as many times too large as the batch has rows per process."""
    return ((predictions - targets) ** 2).sum()


def _loss_forgets_the_average(predictions, targets, batch_rows, world):
    """Divides by the batch only: DDP then divides by the number of processes again, and the step is that many times too small."""
    return ((predictions - targets) ** 2).sum() / batch_rows


def _loss_divides_by_world(predictions, targets, batch_rows, world):
    """Each shard's mean divided by the number of processes: wrong twice, by the averaging and by unequal shards."""
    import torch

    return torch.nn.functional.mse_loss(predictions, targets) / world


def _loss_as_float(predictions, targets, batch_rows, world):
    """Returns the loss as a Python float (.item()): autograd has nothing to differentiate."""
    return float((((predictions - targets) ** 2).sum() * world / batch_rows).item())


LOSS_CASES = [  # (what, rows in the batch, the processes' shards as row positions)
    ("an even batch: 12 rows on 3 processes", 12, [list(range(r, 12, 3)) for r in range(3)]),
    ("an even batch: 12 rows on 2 processes", 12, [list(range(0, 12, 2)), list(range(1, 12, 2))]),
    ("an uneven batch: 10 rows on 3 processes (4, 3 and 3 rows)", 10, [list(range(r, 10, 3)) for r in range(3)]),
    ("the last batch of an epoch: 5 rows on 4 processes", 5, [list(range(r, 5, 4)) for r in range(4)]),
    ("unequal shards: 9 rows split 6 and 3", 9, [list(range(6)), list(range(6, 9))]),
    ("a process with no rows: 2 rows on 3 processes", 2, [[0], [1], []]),
]


def _gradient(model, loss) -> np.ndarray:
    import torch

    model.zero_grad()
    loss.backward()
    return torch.cat([(torch.zeros_like(p) if p.grad is None else p.grad).flatten()
                      for p in model.parameters()]).numpy().copy()


def _problem(rows: int):
    import torch

    generator = torch.Generator().manual_seed(rows)
    x = torch.randn(rows, 4, generator=generator, dtype=torch.float64)
    y = torch.randn(rows, 1, generator=generator, dtype=torch.float64)
    torch.manual_seed(15)
    model = torch.nn.Linear(4, 1).to(torch.float64)
    return x, y, model


def _averaged_with(loss, model, x, y, shards, batch_rows) -> np.ndarray:
    """The gradient averaged over the shards' processes with this loss (in numpy, no all-reduce needed)."""
    return np.mean([_gradient(model, loss(model(x[shard]), y[shard], batch_rows, len(shards)))
                    for shard in shards], axis=0)


def _rank_gradient(fn, label, model, x, y, shard, batch_rows, world) -> np.ndarray:
    import torch

    loss = call(fn, model(x[shard]), y[shard], batch_rows, world, label=label)
    if not isinstance(loss, torch.Tensor):
        fail(f"{label} returned {describe(loss)}; expected a torch tensor that autograd can differentiate. Hint: "
             "return the loss tensor itself; .item(), float() or a numpy value cut it off from the model's weights.")
    if loss.numel() != 1:
        fail(f"{label} returned a tensor of shape {tuple(loss.shape)}; expected one number (a 0-d tensor). "
             "Hint: add the squared errors up with .sum() before scaling.")
    if not loss.requires_grad:
        fail(f"{label} returned a tensor with no gradient to follow; expected the loss computed from `predictions`. "
             "Hint: do not .detach() it or build it from .item() values.")
    if loss.grad_fn is None:
        fail(f"{label} returned a tensor for a shard of {len(shard)} rows that is not computed from `predictions`; "
             "expected a loss built from them, even with no rows. Hint: ((predictions - targets) ** 2).sum() is 0 "
             "for an empty shard and keeps the graph, so every process takes part in the all-reduce.")
    if not torch.isfinite(loss).all():
        fail(f"{label} returned {float(loss.reshape(()))} for a shard of {len(shard)} rows; expected a finite loss. "
             "Hint: the mean of no rows is NaN (0 / 0): add the squared errors up (a sum of nothing is 0), then scale.")
    return _gradient(model, loss.reshape(()))


@register(reference=_loss_reference, also_right=[_loss_weighted_mean],
          mistakes=[_loss_shard_mean, _loss_plain_sum, _loss_forgets_the_average, _loss_divides_by_world,
                    _loss_as_float])
def local_loss(fn) -> None:
    """Exercise 15.1: each process's loss, so that DDP's averaged gradient is the whole batch's."""
    import torch

    from mlcourse.distributed import allreduce_mean

    label = "local_loss(predictions, targets, batch_rows, world)"
    for name, batch_rows, shards in LOSS_CASES:
        world = len(shards)
        x, y, model = _problem(batch_rows)
        gradients = [_rank_gradient(fn, label, model, x, y, shard, batch_rows, world) for shard in shards]
        averaged = allreduce_mean([torch.from_numpy(g) for g in gradients])[0].numpy()  # what DDP does, with gloo
        full = _gradient(model, torch.nn.functional.mse_loss(model(x), y))  # one process, the whole batch
        if np.allclose(averaged, full, rtol=1e-9, atol=1e-12):
            continue
        # what the averaged gradient would be with a typical mistake
        mistaken = functools.partial(_averaged_with, model=model, x=x, y=y, shards=shards, batch_rows=batch_rows)

        hint = diagnose(averaged, {
            "a shard's own mean counts every shard alike, whatever its size: sum the shard's squared errors "
            "and divide by the whole batch's rows (batch_rows), not the shard's": mistaken(_loss_shard_mean),
            f"DDP divides the summed gradients by the {world} processes: scale your sum by world / batch_rows, "
            "not 1 / batch_rows": mistaken(_loss_forgets_the_average),
            "a plain sum makes the step batch_rows / world times too large: scale it by world / batch_rows":
                mistaken(_loss_plain_sum),
            "half the gradient: the mean squared error has no ½ in front (some texts halve the square to tidy "
            "its derivative; this loss must match torch's mse_loss)": full / 2,
        }, "sum the shard's squared errors and scale by world / batch_rows, so that the average over processes "
           "is the whole batch's mean")
        fail(f"{label} on {name}: the gradient averaged over the processes is {np.round(averaged, 4).tolist()}; "
             f"expected the whole batch's {np.round(full, 4).tolist()}. Hint: {hint}.")
    passed("local_loss", "shards of any size, an empty one too, average to the whole batch's gradient (through gloo)")


# --------------------------------------------------------------------------------------------
# 15.2 step_seconds
# --------------------------------------------------------------------------------------------

_step_reference = scaling.step_seconds  # the course's own cost model


def _step_by_phases(machines, compute_s, gradient_bytes, bandwidth, latency):
    if machines == 1:
        return compute_s
    chunk = gradient_bytes / machines
    reduce_scatter = (machines - 1) * (latency + chunk / bandwidth)
    all_gather = (machines - 1) * (latency + chunk / bandwidth)
    return compute_s / machines + reduce_scatter + all_gather


def _step_one_pass(machines, compute_s, gradient_bytes, bandwidth, latency):
    """Counts one pass round the ring: a reduce-scatter alone leaves each machine with only its piece of the sum."""
    hops = machines - 1
    return compute_s / machines + hops * latency + hops / machines * gradient_bytes / bandwidth


def _step_whole_gradient_per_hop(machines, compute_s, gradient_bytes, bandwidth, latency):
    """Sends the whole gradient at every hop: that is a naive relay; the ring sends a 1/N piece each time."""
    hops = 2 * (machines - 1)
    return compute_s / machines + hops * (latency + gradient_bytes / bandwidth)


def _step_latency_once(machines, compute_s, gradient_bytes, bandwidth, latency):
    """Pays the latency once per step: the ring's 2(N-1) messages each wait for it, so it grows with N."""
    if machines == 1:
        return compute_s
    return compute_s / machines + latency + 2 * (machines - 1) / machines * gradient_bytes / bandwidth


def _step_communicates_alone(machines, compute_s, gradient_bytes, bandwidth, latency):
    """Charges an all-reduce on one machine too: with nobody to talk to there is nothing to send."""
    hops = 2 * max(machines - 1, 1)
    return compute_s / machines + hops * latency + hops / machines * gradient_bytes / bandwidth


def _step_compute_not_shared(machines, compute_s, gradient_bytes, bandwidth, latency):
    """Keeps the whole batch's compute on every machine: with the global batch fixed, each does 1/N of it."""
    return compute_s + scaling.ring_allreduce_seconds(machines, gradient_bytes, bandwidth, latency)


def _scalar(value):
    """A 0-d numpy array or a one-number tensor as a float; anything else as it is."""
    if getattr(value, "shape", None) in ((), (1,)) and hasattr(value, "item"):
        try:
            return float(value.item())
        except (TypeError, ValueError):
            return value
    return value


STEP_CASES = [  # (what, machines, compute_s, gradient_bytes, bandwidth bytes/s, latency s)
    ("one machine", 1, 0.080, 44e6, 1.25e9, 50e-6),
    ("two machines", 2, 0.080, 44e6, 1.25e9, 50e-6),
    ("8 machines on 10 Gb/s Ethernet", 8, 0.080, 44e6, 1.25e9, 50e-6),
    ("64 machines on 10 Gb/s Ethernet", 64, 0.080, 44e6, 1.25e9, 50e-6),
    ("64 machines on a 100 Gb/s network", 64, 0.080, 44e6, 12.5e9, 5e-6),
    ("1000 machines, a tiny model", 1000, 0.010, 4e3, 1.25e9, 50e-6),
]


@register(reference=_step_reference, also_right=[_step_by_phases],
          mistakes=[_step_one_pass, _step_whole_gradient_per_hop, _step_latency_once, _step_communicates_alone,
                    _step_compute_not_shared])
def step_seconds(fn) -> None:
    """Exercise 15.2: seconds per step of data-parallel training on N machines, by the ring all-reduce model."""
    label = "step_seconds(machines, compute_s, gradient_bytes, bandwidth, latency)"
    for name, machines, compute_s, gradient_bytes, bandwidth, latency in STEP_CASES:
        args = (machines, compute_s, gradient_bytes, bandwidth, latency)
        got = _scalar(call(fn, *args, label=label))
        if not is_number(got):
            fail(f"{label} for {name} returned {describe(got)}; expected a number of seconds. "
                 "Hint: return compute_s / machines plus the all-reduce's seconds, as a float.")
        want = _step_reference(*args)
        if math.isclose(got, want, rel_tol=1e-6):  # float32 answers are right too
            continue
        hints = {  # a mistake that gives the right value in this case says nothing about it
            "that is 1,000 times too much: return seconds, not milliseconds": want * 1000,
            "with one machine there is nobody to send to: the all-reduce costs nothing": _step_communicates_alone(*args),
            "with the global batch fixed, each machine computes 1/N of it: compute_s / machines":
                _step_compute_not_shared(*args),
            "a ring all-reduce goes round twice, a reduce-scatter then an all-gather: 2 (N - 1) hops, not N - 1":
                _step_one_pass(*args),
            "each hop sends a 1/N piece of the gradient, not all of it: 2 (N - 1) / N × gradient_bytes / bandwidth":
                _step_whole_gradient_per_hop(*args),
            "each of the 2 (N - 1) messages waits for the latency: 2 (N - 1) × latency":
                _step_latency_once(*args),
            "bandwidth is in bytes per second, like gradient_bytes: do not convert to bits": (
                compute_s / machines + (0 if machines == 1 else 2 * (machines - 1) * latency
                                        + 2 * (machines - 1) / machines * gradient_bytes * 8 / bandwidth)),
        }
        telling = {text: value for text, value in hints.items() if not math.isclose(value, want, rel_tol=1e-6)}
        hint = diagnose(got, telling, "compute_s / machines + 2 (N - 1) × latency + 2 (N - 1) / N × gradient_bytes "
                                      "/ bandwidth, with no all-reduce on one machine")
        fail(f"{label} for {name} gave {got * 1e3:.3f} ms; expected {want * 1e3:.3f} ms. Hint: {hint}.")
    passed("step_seconds", "compute shared out plus 2(N-1) latencies and 2(N-1)/N of the gradient per machine")


# --------------------------------------------------------------------------------------------
# 15.3 batch_for_speedup
# --------------------------------------------------------------------------------------------

def _batch_reference(machines, speedup, seconds_per_row, gradient_bytes, bandwidth, latency):
    if speedup >= machines:
        return None  # the speed-up tends to N as the batch grows, and never reaches it
    allreduce = scaling.ring_allreduce_seconds(machines, gradient_bytes, bandwidth, latency)
    # speedup = B c / (B c / N + allreduce)  <=>  B = speedup × allreduce / (c (1 - speedup / N))
    return max(1, math.ceil(speedup * allreduce / (seconds_per_row * (1 - speedup / machines)) - 1e-9))


def _speedup_of(rows, machines, seconds_per_row, gradient_bytes, bandwidth, latency) -> float:
    """The speed-up a global batch of ``rows`` rows gets on ``machines``, by the course's model."""
    return float(scaling.speedup(machines, rows * seconds_per_row, gradient_bytes, bandwidth, latency)[0])


def _batch_by_doubling(machines, speedup, seconds_per_row, gradient_bytes, bandwidth, latency):
    if speedup >= machines:
        return None

    def fast_enough(rows):
        return _speedup_of(rows, machines, seconds_per_row, gradient_bytes, bandwidth, latency) >= speedup

    high = 1
    while not fast_enough(high):
        high *= 2
    low = high // 2  # not fast enough (or 0)
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if fast_enough(middle) else (middle, high)
    return high


def _batch_ignores_latency(machines, speedup, seconds_per_row, gradient_bytes, bandwidth, latency):
    """Leaves the latency out of the all-reduce: on many machines its 2(N-1) messages are a large share of the cost."""
    return _batch_reference(machines, speedup, seconds_per_row, gradient_bytes, bandwidth, 0.0)


def _batch_per_machine(machines, speedup, seconds_per_row, gradient_bytes, bandwidth, latency):
    """Gives the rows each machine gets, not the global batch: N times too small."""
    rows = _batch_reference(machines, speedup, seconds_per_row, gradient_bytes, bandwidth, latency)
    return None if rows is None else max(1, math.ceil(rows / machines))


def _batch_never_impossible(machines, speedup, seconds_per_row, gradient_bytes, bandwidth, latency):
    """Solves the formula whatever the target: at N times or more it gives a negative or endless batch, not None."""
    allreduce = scaling.ring_allreduce_seconds(machines, gradient_bytes, bandwidth, latency)
    denominator = seconds_per_row * (1 - speedup / machines)
    return math.ceil(speedup * allreduce / denominator) if denominator else 10**12


def _batch_rounds_down(machines, speedup, seconds_per_row, gradient_bytes, bandwidth, latency):
    """Rounds the batch down: it falls a fraction of a row short, and the target is just missed."""
    if speedup >= machines:
        return None
    allreduce = scaling.ring_allreduce_seconds(machines, gradient_bytes, bandwidth, latency)
    return max(1, math.floor(speedup * allreduce / (seconds_per_row * (1 - speedup / machines))))


SPEEDUP_CASES = [  # (what, machines, target speed-up, seconds per row on one machine, gradient bytes, bandwidth, latency)
    ("6× on 8 machines over 10 Gb/s Ethernet", 8, 6.0, 36e-6, 4.4e6, 1.25e9, 50e-6),
    ("2× on 4 machines over 10 Gb/s Ethernet", 4, 2.0, 36e-6, 4.4e6, 1.25e9, 50e-6),
    ("40× on 64 machines over a 100 Gb/s network", 64, 40.0, 36e-6, 4.4e6, 12.5e9, 5e-6),
    ("50× on 64 machines over 10 Gb/s Ethernet", 64, 50.0, 36e-6, 4.4e6, 1.25e9, 50e-6),
    ("8× on 8 machines (the ideal)", 8, 8.0, 36e-6, 4.4e6, 1.25e9, 50e-6),
    ("10× on 8 machines", 8, 10.0, 36e-6, 4.4e6, 1.25e9, 50e-6),
]


@register(reference=_batch_reference, also_right=[_batch_by_doubling],
          mistakes=[_batch_ignores_latency, _batch_per_machine, _batch_never_impossible, _batch_rounds_down])
def batch_for_speedup(fn) -> None:
    """Exercise 15.3: the smallest global batch that gives a speed-up on N machines, or None."""
    label = "batch_for_speedup(machines, speedup, seconds_per_row, gradient_bytes, bandwidth, latency)"
    for name, machines, speedup, per_row, gradient_bytes, bandwidth, latency in SPEEDUP_CASES:
        link = (gradient_bytes, bandwidth, latency)
        got = _scalar(call(fn, machines, speedup, per_row, *link, label=label))
        want = _batch_reference(machines, speedup, per_row, *link)
        if want is None:
            if got is not None:
                fail(f"{label} for {name} returned {describe(got)}; expected None. Hint: the speed-up grows with the "
                     f"batch towards {machines}× (all compute, no communication) and never reaches it, so no batch "
                     f"gives {speedup:g}× on {machines} machines.")
            continue
        if got is None or not is_number(got) or float(got) != int(got) or got < 1:
            fail(f"{label} for {name} returned {describe(got)}; expected a whole number of rows (about {want:,}). "
                 "Hint: find the batch B where B × seconds_per_row, divided by step_seconds(...) for that compute, "
                 "reaches the target; round up to a whole row.")
        got = int(got)
        reached = _speedup_of(got, machines, per_row, *link)
        smaller = _speedup_of(got - 1, machines, per_row, *link) if got > 1 else 0.0
        if reached >= speedup * (1 - 1e-9) and smaller < speedup * (1 + 1e-9):
            continue
        if reached < speedup:
            hint = diagnose(got, {
                "that is the rows each machine gets; the batch is the global one, all machines together":
                    _batch_per_machine(machines, speedup, per_row, *link),
                "include the latency: each of the ring's 2 (N - 1) messages pays it":
                    _batch_ignores_latency(machines, speedup, per_row, *link),
                "one row short: round the batch up (math.ceil), not down or to the nearest": want - 1,
            }, "with that batch the speed-up is only "
               f"{reached:.4f}×: the all-reduce's time does not shrink with the batch, so the compute must be large "
               "enough to outweigh it")
            fail(f"{label} for {name} returned {got:,} rows, which give {reached:.4f}×; expected {want:,} rows "
                 f"(the smallest giving {speedup:g}×). Hint: {hint}.")
        fail(f"{label} for {name} returned {got:,} rows; {got - 1:,} rows already give {smaller:.2f}×, and the "
             f"smallest batch giving {speedup:g}× is {want:,}. Hint: return the smallest batch that reaches the "
             "target, rounded up to a whole row, not a larger one.")
    six = _batch_reference(*SPEEDUP_CASES[0][1:])
    passed("batch_for_speedup", f"6× on 8 machines over 10 Gb/s needs {six:,} rows a step; 8× needs an infinite "
                                "batch (the speed-up only tends to N), so None")
