"""Data-parallel training with ``torch.distributed``, on one laptop: 2 CPU processes, gloo, 127.0.0.1.

:func:`train_single` trains a small network in one process; :func:`train_ddp`
trains the same network from the same start with ``DistributedDataParallel``
in ``world`` processes, each taking its share of every batch. After each
backward pass DDP averages the gradients across the processes (an
all-reduce), so every process takes the same step the single process takes,
up to floating-point rounding: float32 sums in another order drift apart over
many steps, float64 far less.

The worker is a function in this module, not in a notebook, because
``torch.multiprocessing.spawn`` starts fresh Pythons that import it. On a
cluster the same worker runs under ``torchrun``, which sets the rank, the world
size and the rendezvous address (``MASTER_ADDR``, ``MASTER_PORT``) instead.
"""

from __future__ import annotations

import gc
import os
import tempfile
from pathlib import Path

import numpy as np
import torch
from torch import nn

from mlcourse.servers import HOST, free_port

os.environ.setdefault("TORCH_CPP_LOG_LEVEL", "ERROR")  # c10d's hostname warnings: nothing a learner can act on


def problem(seed: int = 0, rows: int = 512, features: int = 8, dtype=torch.float32):
    """A seeded regression problem: ``x`` (rows × features) and ``y`` from a fixed linear rule with noise."""
    generator = np.random.default_rng(seed)
    x = generator.normal(size=(rows, features))
    y = x @ generator.normal(size=features) + 0.1 * generator.normal(size=rows)
    return torch.tensor(x, dtype=dtype), torch.tensor(y[:, None], dtype=dtype)


def network(seed: int = 0, features: int = 8, dtype=torch.float32) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(features, 32), nn.Tanh(), nn.Linear(32, 1)).to(dtype)


def _batches(rows: int, batch: int, steps: int):
    """The rows of each step's batch, the same in every process: step s takes rows s*batch.. (wrapping)."""
    for step in range(steps):
        yield [(step * batch + i) % rows for i in range(batch)]


def train_single(steps: int = 300, lr: float = 0.01, batch: int = 64, dtype=torch.float32, seed: int = 0) -> dict:
    """Plain SGD in one process; returns the final ``state_dict``."""
    torch.set_num_threads(1)
    x, y = problem(seed, dtype=dtype)
    model = network(seed, dtype=dtype)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for rows in _batches(len(x), batch, steps):
        optimizer.zero_grad()
        nn.functional.mse_loss(model(x[rows]), y[rows]).backward()
        optimizer.step()
    return {name: tensor.detach().clone() for name, tensor in model.state_dict().items()}


def _worker(rank: int, world: int, port: int, steps: int, lr: float, batch: int, dtype, seed: int, out: str) -> None:
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel

    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"tcp://{HOST}:{port}", rank=rank, world_size=world)
    try:
        x, y = problem(seed, dtype=dtype)
        model = DistributedDataParallel(network(seed, dtype=dtype))
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        for rows in _batches(len(x), batch, steps):
            mine = rows[rank::world]  # this process's share of the batch
            optimizer.zero_grad()
            # DDP averages the gradients over processes: scale so the average is the full batch's mean gradient
            loss = nn.functional.mse_loss(model(x[mine]), y[mine], reduction="sum") * world / len(rows)
            loss.backward()
            optimizer.step()
        if rank == 0:
            torch.save(model.module.state_dict(), out)
        del model, optimizer  # release DDP's buffers before the group goes: otherwise exit sometimes aborts
        gc.collect()
    finally:
        dist.destroy_process_group()


def train_ddp(world: int = 2, steps: int = 300, lr: float = 0.01, batch: int = 64, dtype=torch.float32,
              seed: int = 0, port: int | None = None) -> dict:
    """The same training with DistributedDataParallel in ``world`` processes; returns rank 0's ``state_dict``."""
    import torch.multiprocessing as mp

    with tempfile.TemporaryDirectory(prefix="ddp-") as scratch:
        out = str(Path(scratch) / "weights.pt")
        mp.spawn(_worker, args=(world, port or free_port(), steps, lr, batch, dtype, seed, out), nprocs=world,
                 join=True)
        return torch.load(out, weights_only=True)


def largest_difference(first: dict, second: dict) -> float:
    """The largest absolute difference between two ``state_dict``s of the same network."""
    return max(float((first[name] - second[name]).abs().max()) for name in first)
