"""Data-parallel training over 2 real processes matches one process, and leaves nothing running."""

from __future__ import annotations

import psutil
import torch

from mlcourse import distributed


def workers() -> list[psutil.Process]:
    """Spawned training processes still alive (multiprocessing's resource tracker, shared and lasting, aside)."""
    return [p for p in psutil.Process().children(recursive=True)
            if "spawn_main" in " ".join(p.cmdline()) and p.status() != psutil.STATUS_ZOMBIE]


def test_two_processes_with_ddp_take_the_steps_one_process_takes():
    single = distributed.train_single(steps=100, lr=0.01)
    parallel = distributed.train_ddp(world=2, steps=100, lr=0.01)
    assert distributed.largest_difference(single, parallel) < 1e-5  # float32, summed in another order
    single64 = distributed.train_single(steps=100, lr=0.05, dtype=torch.float64)
    parallel64 = distributed.train_ddp(world=2, steps=100, lr=0.05, dtype=torch.float64)
    assert distributed.largest_difference(single64, parallel64) < 1e-12
    assert not workers(), "a worker outlived the training"


def test_shut_down_is_reliable_over_repeated_runs():
    for _ in range(4):
        distributed.train_ddp(world=2, steps=5)
    assert not workers()
