"""Data-parallel training with ``torch.distributed``, on one laptop: CPU processes, gloo, 127.0.0.1.

:func:`train_single` trains a small network in one process; :func:`train_ddp`
trains the same network from the same start with ``DistributedDataParallel``
in ``world`` processes, each taking its share of every batch. During each
backward pass DDP averages the gradients across the processes (an
all-reduce), so every process takes the step the single process takes, up to
floating-point rounding: float32 sums in another order drift apart over many
steps, float64 far less.

:func:`run_parallel` is the launcher under both: it starts ``world`` fresh
Pythons with ``torch.multiprocessing.spawn`` (which is why the workers are
functions in this module, not in a notebook: a spawned process imports them),
joins them into one gloo group, runs the jobs asked for in every process, and
returns rank 0's results. Every socket it opens listens on 127.0.0.1 only: the
rendezvous store on a listening socket bound here first (torch's own would
listen on every interface), and gloo on the loopback interface. On a cluster
``torchrun`` starts the processes and sets the rank, the world size and the
rendezvous address (``MASTER_ADDR``, ``MASTER_PORT``) instead; the training
code stays the same.
"""

from __future__ import annotations

import datetime
import gc
import os
import socket
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
from torch import nn

from mlcourse.servers import HOST, free_port

os.environ.setdefault("TORCH_CPP_LOG_LEVEL", "ERROR")  # c10d's hostname warnings: nothing a learner can act on
TIMEOUT = datetime.timedelta(seconds=60)  # a rank that has not joined by then is not coming


# --------------------------------------------------------------------------------------------
# The problem, the network and the loss every process uses
# --------------------------------------------------------------------------------------------

def problem(seed: int = 0, rows: int = 512, features: int = 8, dtype: torch.dtype = torch.float32):
    """A seeded regression problem: ``x`` (rows × features) and ``y`` from a fixed linear rule with noise."""
    generator = np.random.default_rng(seed)
    x = generator.normal(size=(rows, features))
    y = x @ generator.normal(size=features) + 0.1 * generator.normal(size=rows)
    return torch.tensor(x, dtype=dtype), torch.tensor(y[:, None], dtype=dtype)


def network(seed: int = 0, features: int = 8, dtype: torch.dtype = torch.float32) -> nn.Module:
    """A small network (321 weights), the same in every process for the same seed."""
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(features, 32), nn.Tanh(), nn.Linear(32, 1)).to(dtype)


def local_loss(predictions: torch.Tensor, targets: torch.Tensor, batch_rows: int, world: int) -> torch.Tensor:
    """The loss one process back-propagates for its shard of a batch of ``batch_rows`` rows.

    DDP *averages* the processes' gradients (sums them and divides by
    ``world``). For that average to be the gradient of the whole batch's mean
    squared error, each process sums its squared errors and scales by
    ``world / batch_rows``. Each shard's own mean would be right only when the
    shards are equal, and is NaN for an empty one.
    """
    return ((predictions - targets) ** 2).sum() * world / batch_rows


def shards(rows: list[int], world: int) -> list[list[int]]:
    """The rows of one batch dealt out to ``world`` processes, every row exactly once (sizes differ by ≤ 1)."""
    return [rows[rank::world] for rank in range(world)]


def _batches(rows: int, batch: int, steps: int) -> Iterator[list[int]]:
    """The rows of each step's batch, the same in every process: step s takes rows s*batch.. (wrapping)."""
    for step in range(steps):
        yield [(step * batch + i) % rows for i in range(batch)]


def _flat(model: nn.Module) -> torch.Tensor:
    return torch.cat([p.detach().flatten() for p in model.parameters()]).to(torch.float64)


def train_single(steps: int = 300, lr: float = 0.01, batch: int = 64, dtype: torch.dtype = torch.float32,
                 seed: int = 0) -> torch.Tensor:
    """Plain SGD in one process: the weights after every step (steps × 321, as float64)."""
    torch.set_num_threads(1)
    x, y = problem(seed, dtype=dtype)
    model = network(seed, dtype=dtype)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    trajectory = []
    for rows in _batches(len(x), batch, steps):
        optimizer.zero_grad()
        nn.functional.mse_loss(model(x[rows]), y[rows]).backward()
        optimizer.step()
        trajectory.append(_flat(model))
    return torch.stack(trajectory)


def training_loss(weights: torch.Tensor, seed: int = 0) -> float:
    """The mean squared error on the whole training set of the network with these (flat) weights, in float64."""
    model = network(seed, dtype=torch.float64)
    torch.nn.utils.vector_to_parameters(weights.to(torch.float64), model.parameters())
    x, y = problem(seed, dtype=torch.float64)
    with torch.no_grad():
        return float(nn.functional.mse_loss(model(x), y))


def largest_difference(first: torch.Tensor, second: torch.Tensor) -> np.ndarray:
    """The largest absolute difference between two trajectories' weights, step by step."""
    return (first - second).abs().amax(dim=1).numpy()


# --------------------------------------------------------------------------------------------
# Jobs, run inside every process of the group
# --------------------------------------------------------------------------------------------

def _train_job(rank: int, world: int, steps: int = 300, lr: float = 0.01, batch: int = 64,
               dtype: torch.dtype = torch.float32, seed: int = 0) -> torch.Tensor:
    from torch.nn.parallel import DistributedDataParallel

    x, y = problem(seed, dtype=dtype)
    model = DistributedDataParallel(network(seed, dtype=dtype))
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    trajectory = []
    for rows in _batches(len(x), batch, steps):
        mine = shards(rows, world)[rank]
        optimizer.zero_grad()
        local_loss(model(x[mine]), y[mine], len(rows), world).backward()  # DDP all-reduces during backward
        optimizer.step()
        trajectory.append(_flat(model.module))
    del model, optimizer  # release DDP's buffers before the group goes: otherwise exit sometimes aborts
    gc.collect()
    return torch.stack(trajectory)


def timing_network(seed: int = 0) -> nn.Module:
    """A network big enough to time (40 → 1024 → 1024 → 10, 1.1 M weights, 4.4 MB of float32 gradients)."""
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(40, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(), nn.Linear(1024, 10))


def _time_job(rank: int, world: int, batch: int = 256, steps: int = 20, warmup: int = 3,
              processes: int | None = None) -> dict:
    """Seconds per training step, split into compute (forward and backward on this shard), wait and all-reduce.

    ``processes=1`` times one process doing the whole batch (rank 0; the others
    wait), the baseline, measured under the same conditions as the parallel
    run. The gradients are all-reduced in one flat tensor after the backward
    pass, so the two parts can be timed apart. DDP instead starts each bucket's
    all-reduce while the backward pass is still running, and hides part of it.
    """
    import torch.distributed as dist

    processes = processes or world
    if rank >= processes:
        return {}
    model = timing_network()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    generator = torch.Generator().manual_seed(rank)
    x, y = torch.randn(batch, 40, generator=generator), torch.randint(0, 10, (batch,), generator=generator)
    mine = shards(list(range(batch)), processes)[rank]
    compute, wait, communicate = [], [], []
    for step in range(warmup + steps):
        if processes > 1:
            dist.barrier()  # every process starts the step together
        start = time.perf_counter()
        optimizer.zero_grad()
        (nn.functional.cross_entropy(model(x[mine]), y[mine], reduction="sum") * processes / batch).backward()
        computed = waited = done = time.perf_counter()
        if processes > 1:
            dist.barrier()  # the first to finish waits for the other: a straggler's cost, timed apart
            waited = time.perf_counter()
            flat = torch.cat([p.grad.flatten() for p in model.parameters()])
            dist.all_reduce(flat)
            flat /= processes
            torch.nn.utils.vector_to_parameters(flat, [p.grad for p in model.parameters()])
            done = time.perf_counter()
        optimizer.step()
        if step >= warmup:
            compute.append(computed - start)
            wait.append(waited - computed)
            communicate.append(done - waited)
    gradient_bytes = sum(p.numel() * p.element_size() for p in model.parameters())
    return {"compute_s": statistics.median(compute), "wait_s": statistics.median(wait),
            "allreduce_s": statistics.median(communicate),
            "gradient_bytes": gradient_bytes, "processes": processes, "batch": batch}


def _allreduce_job(rank: int, world: int, sizes: tuple[int, ...] = (), repeats: int = 15) -> dict:
    """The median seconds of one all-reduce of each size in bytes (float32 tensors)."""
    import torch.distributed as dist

    seconds = {}
    for size in sizes:
        tensor = torch.ones(max(size // 4, 1))
        times = []
        for _ in range(repeats + 2):
            dist.barrier()
            start = time.perf_counter()
            dist.all_reduce(tensor)
            times.append(time.perf_counter() - start)
        seconds[size] = statistics.median(times[2:])  # the first two warm the connection up
    return seconds


JOBS = {"train": _train_job, "time": _time_job, "allreduce": _allreduce_job}


def allreduce_mean(tensors: list[torch.Tensor]) -> list[torch.Tensor]:
    """Average ``tensors`` (one per rank) with a real gloo all-reduce, each rank a thread of this process.

    This is what DDP does with the gradients during each backward pass, without
    starting processes: the exercise checks use it to run a learner's shards
    through gloo in a second. Each rank gets the average back.
    """
    import threading

    import torch.distributed as dist

    world, store = len(tensors), dist.HashStore()
    results: list[torch.Tensor | None] = [None] * world
    errors: list[BaseException] = []

    def rank_does(rank: int) -> None:
        try:
            options = dist.ProcessGroupGloo._Options()
            options._devices = [dist.ProcessGroupGloo.create_device(hostname=HOST)]  # sockets on 127.0.0.1 only
            options._timeout = TIMEOUT
            group = dist.ProcessGroupGloo(store, rank, world, options)
            mine = tensors[rank].detach().clone()
            group.allreduce([mine]).wait()
            results[rank] = mine / world
        except BaseException as error:  # noqa: BLE001  (re-raised below, in the caller's thread)
            errors.append(error)

    threads = [threading.Thread(target=rank_does, args=(rank,), daemon=True) for rank in range(world)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT.total_seconds() + 5)
    if errors or any(result is None for result in results):
        raise RuntimeError(f"the all-reduce among {world} threads failed: {errors[:1] or 'a rank timed out'}")
    return results


# --------------------------------------------------------------------------------------------
# The launcher
# --------------------------------------------------------------------------------------------

def loopback_interface() -> str:
    """The name of the loopback network interface (``lo`` on Linux, ``lo0`` on macOS), for gloo."""
    names = [name for _, name in socket.if_nameindex() if name.startswith("lo")]
    return names[0] if names else "lo"


def _join(rank: int, world: int, port: int) -> socket.socket | None:
    """Join the group. Rank 0 hosts the rendezvous store, on a socket that listens on 127.0.0.1 only."""
    import torch.distributed as dist

    os.environ["GLOO_SOCKET_IFNAME"] = loopback_interface()
    listening = None
    if rank == 0:
        listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listening.bind((HOST, port))
        listening.listen()
        store = dist.TCPStore(HOST, port, world, True, TIMEOUT, wait_for_workers=False,
                              master_listen_fd=listening.fileno())
    else:
        store = dist.TCPStore(HOST, port, world, False, TIMEOUT)  # retries until rank 0 listens
    dist.init_process_group("gloo", store=store, rank=rank, world_size=world, timeout=TIMEOUT)
    return listening


def _worker(rank: int, world: int, port: int, jobs: list[tuple[str, dict]], out: str) -> None:
    import torch.distributed as dist

    torch.set_num_threads(1)
    listening = _join(rank, world, port)
    try:
        results = [JOBS[name](rank, world, **options) for name, options in jobs]
        if rank == 0:
            torch.save(results, out)
        dist.barrier()  # rank 0 keeps the store up until everyone is done
    finally:
        gc.collect()
        dist.destroy_process_group()
        if listening is not None:
            listening.close()


def run_parallel(jobs: list[tuple[str, dict]], world: int = 2, port: int | None = None) -> list:
    """Run ``jobs`` (``(name, options)`` from :data:`JOBS`) in ``world`` processes; return rank 0's results.

    One launch runs several jobs, because starting the processes (a fresh
    Python importing torch, each) costs seconds. ``port`` is the rendezvous
    port on 127.0.0.1 (default: ``PORT`` from the environment, else a free one).
    """
    import torch.multiprocessing as mp

    unknown = sorted({name for name, _ in jobs} - set(JOBS))
    if unknown:
        raise ValueError(f"no job named {', '.join(unknown)}; the jobs are {', '.join(JOBS)}")
    port = port or int(os.environ.get("PORT") or free_port())
    with tempfile.TemporaryDirectory(prefix="ddp-") as scratch:
        out = str(Path(scratch) / "results.pt")
        mp.spawn(_worker, args=(world, port, jobs, out), nprocs=world, join=True)
        return torch.load(out, weights_only=True)


def train_ddp(world: int = 2, port: int | None = None, **setting) -> torch.Tensor:
    """The training of :func:`train_single` with DistributedDataParallel in ``world`` processes."""
    return run_parallel([("train", setting)], world=world, port=port)[0]
