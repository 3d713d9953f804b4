"""A cost model for data-parallel training: how long a step takes on N machines, and where adding more stops paying.

One step of data-parallel training on ``N`` machines, with the global batch
fixed (the same training as on one machine), costs

* compute: each machine does ``1/N`` of the batch, ``compute_s / N``;
* communication: a **ring all-reduce** of the gradients. Each machine sends
  and receives ``2 (N - 1)`` messages of ``1/N`` of the gradient (a
  reduce-scatter, then an all-gather), so the time is
  ``2 (N - 1) × latency + 2 (N - 1) / N × gradient_bytes / bandwidth``.
  The bandwidth term tends to ``2 × gradient_bytes / bandwidth`` however many
  machines there are; the latency term grows with ``N``.

The model assumes identical machines, no overlap of compute and communication
(DDP overlaps them in buckets, so real steps can be faster), a network whose
bandwidth each machine gets in full, and compute that divides perfectly. NCCL
and gloo pick other algorithms (trees, for many machines) where they beat the
ring; this is the textbook model (Patarasuk & Yuan 2009; Thakur, Rabenseifner &
Gropp 2005) and a first estimate, not a promise.
"""

from __future__ import annotations

import numpy as np


def ring_allreduce_seconds(machines: int, gradient_bytes: float, bandwidth: float, latency: float) -> float:
    """Seconds for one ring all-reduce of ``gradient_bytes`` over ``machines`` (bandwidth in bytes per second)."""
    if machines <= 1:
        return 0.0
    hops = 2 * (machines - 1)
    return hops * latency + hops / machines * gradient_bytes / bandwidth


def step_seconds(machines: int, compute_s: float, gradient_bytes: float, bandwidth: float, latency: float) -> float:
    """Seconds per step on ``machines``: the compute shared out, plus the all-reduce of the gradients."""
    return compute_s / machines + ring_allreduce_seconds(machines, gradient_bytes, bandwidth, latency)


def speedup(machines, compute_s: float, gradient_bytes: float, bandwidth: float, latency: float) -> np.ndarray:
    """How many times faster than one machine a step is, for each number of machines."""
    machines = np.atleast_1d(machines)
    return np.array([compute_s / step_seconds(int(n), compute_s, gradient_bytes, bandwidth, latency)
                     for n in machines])


def fit_link(message_bytes, seconds, machines: int = 2) -> tuple[float, float]:
    """The ``(latency, bandwidth)`` that make the ring model fit measured all-reduce times best.

    The model is linear in ``latency`` and ``1 / bandwidth``:
    ``t = 2 (N - 1) × latency + 2 (N - 1) / N × bytes × (1 / bandwidth)``.
    The fit minimises the *relative* error, so that the small messages, which
    set the latency, count as much as the large ones, which set the bandwidth.
    """
    message_bytes, seconds = np.asarray(message_bytes, float), np.asarray(seconds, float)
    hops = 2 * (machines - 1)
    design = np.column_stack([np.full_like(message_bytes, hops), hops / machines * message_bytes])
    (latency, inverse_bandwidth), *_ = np.linalg.lstsq(design / seconds[:, None], np.ones_like(seconds), rcond=None)
    return float(max(latency, 0.0)), float(1 / inverse_bandwidth)


def best_machines(compute_s: float, gradient_bytes: float, bandwidth: float, latency: float,
                  most: int = 4096) -> int:
    """The number of machines (up to ``most``) with the shortest step: past it, each machine added slows the step."""
    counts = np.arange(1, most + 1)
    times = [step_seconds(int(n), compute_s, gradient_bytes, bandwidth, latency) for n in counts]
    return int(counts[int(np.argmin(times))])
