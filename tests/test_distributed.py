"""Data-parallel training over real processes matches one process, listens on 127.0.0.1 only, and leaves nothing running."""

from __future__ import annotations

import threading
import time

import psutil
import pytest
import torch

from mlcourse import distributed, servers


def workers() -> list[psutil.Process]:
    """Spawned training processes still alive (multiprocessing's resource tracker, shared and lasting, aside)."""
    return [p for p in psutil.Process().children(recursive=True)
            if "spawn_main" in " ".join(p.cmdline()) and p.status() != psutil.STATUS_ZOMBIE]


def listening_addresses(processes: list[psutil.Process]) -> set[str]:
    addresses = set()
    for process in processes:
        try:
            addresses |= {c.laddr.ip for c in process.net_connections("tcp") if c.status == psutil.CONN_LISTEN}
        except psutil.Error:
            pass  # it exited meanwhile
    return addresses


def test_two_processes_with_ddp_take_the_steps_one_process_takes_and_listen_on_loopback_only():
    seen: set[str] = set()
    done = threading.Event()

    def watch():  # the addresses every worker listens on, sampled while they run
        while not done.is_set():
            seen.update(listening_addresses(workers()))
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        settings = [{"steps": 100, "lr": 0.01}, {"steps": 100, "lr": 0.05, "dtype": torch.float64}]
        parallel = distributed.run_parallel([("train", s) for s in settings], world=2)
    finally:
        done.set()
        watcher.join()
    float32_gap = distributed.largest_difference(distributed.train_single(**settings[0]), parallel[0])
    float64_gap = distributed.largest_difference(distributed.train_single(**settings[1]), parallel[1])
    assert float32_gap.shape == (100,) and float32_gap.max() < 1e-5  # float32, summed in another order
    assert float64_gap.max() < 1e-12
    assert seen and seen <= {"127.0.0.1", "::ffff:127.0.0.1"}, seen
    assert not workers(), "a worker outlived the training"


def test_shut_down_is_reliable_over_repeated_runs_and_a_given_port_is_used():
    port = servers.free_port()
    for _ in range(3):
        distributed.train_ddp(world=2, steps=5, port=port)
    assert not workers()


def test_three_processes_with_an_uneven_batch_still_match_one_process():
    parallel = distributed.train_ddp(world=3, steps=20, batch=10, dtype=torch.float64)  # shards of 4, 3 and 3 rows
    assert distributed.largest_difference(distributed.train_single(steps=20, batch=10, dtype=torch.float64),
                                          parallel).max() < 1e-12


def test_the_timing_job_splits_a_step_into_compute_and_all_reduce_with_a_one_process_baseline():
    one, two, sweep = distributed.run_parallel([("time", {"batch": 64, "steps": 3, "processes": 1}),
                                                ("time", {"batch": 64, "steps": 3}),
                                                ("allreduce", {"sizes": (1024, 4**10), "repeats": 3})], world=2)
    assert one["processes"] == 1 and two["processes"] == 2
    assert one["allreduce_s"] < 1e-4 < two["allreduce_s"]  # one process sends nothing
    assert two["gradient_bytes"] == 4 * sum(p.numel() for p in distributed.timing_network().parameters())
    assert set(sweep) == {1024, 4**10} and all(seconds > 0 for seconds in sweep.values())
    assert not workers()


def test_an_unknown_job_is_refused_before_any_process_starts():
    with pytest.raises(ValueError, match="no job named fit; the jobs are train, time, allreduce"):
        distributed.run_parallel([("fit", {})])
    assert not workers()


@pytest.mark.parametrize("world", [1, 2, 5])
def test_the_in_process_all_reduce_averages_over_real_gloo_ranks(world):
    tensors = [torch.arange(3, dtype=torch.float64) * (rank + 1) for rank in range(world)]
    before = threading.active_count()
    averaged = distributed.allreduce_mean(tensors)
    assert len(averaged) == world
    for result in averaged:
        assert torch.allclose(result, torch.arange(3, dtype=torch.float64) * (world + 1) / 2)
    assert threading.active_count() == before, "a rank's thread outlived the all-reduce"


def test_the_loss_of_each_shard_averages_to_the_whole_batch_gradient():
    x, y = distributed.problem(rows=11, dtype=torch.float64)
    model = distributed.network(dtype=torch.float64)
    torch.nn.functional.mse_loss(model(x), y).backward()
    full = [p.grad.clone() for p in model.parameters()]
    summed = [torch.zeros_like(p) for p in model.parameters()]
    for shard in distributed.shards(list(range(11)), 4):  # 3, 3, 3 and 2 rows
        model.zero_grad()
        distributed.local_loss(model(x[shard]), y[shard], 11, 4).backward()
        summed = [s + p.grad for s, p in zip(summed, model.parameters(), strict=True)]
    assert all(torch.allclose(s / 4, f) for s, f in zip(summed, full, strict=True))
