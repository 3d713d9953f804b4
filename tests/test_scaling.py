"""The ring all-reduce cost model: its limits, its fit, and where adding machines stops paying."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from mlcourse import scaling

ETHERNET = {"bandwidth": 1.25e9, "latency": 50e-6}


def test_one_machine_sends_nothing_and_two_send_the_whole_gradient_once_each_way():
    assert scaling.ring_allreduce_seconds(1, 4e6, **ETHERNET) == 0
    assert math.isclose(scaling.ring_allreduce_seconds(2, 4e6, **ETHERNET), 2 * 50e-6 + 4e6 / 1.25e9)
    assert scaling.step_seconds(1, 0.05, 4e6, **ETHERNET) == 0.05


def test_the_bandwidth_term_tends_to_twice_the_gradient_and_the_latency_term_grows():
    no_latency = scaling.ring_allreduce_seconds(10_000, 4e6, bandwidth=1e9, latency=0)
    assert math.isclose(no_latency, 2 * 4e6 / 1e9, rel_tol=1e-3)
    assert math.isclose(scaling.ring_allreduce_seconds(101, 0, bandwidth=1e9, latency=1e-5), 200 * 1e-5)


@given(st.integers(1, 4096), st.floats(1e-4, 10), st.floats(0, 1e9), st.floats(1e7, 1e11), st.floats(0, 1e-3))
def test_no_number_of_machines_beats_the_ideal_speed_up(machines, compute_s, gradient_bytes, bandwidth, latency):
    speedup = scaling.speedup(machines, compute_s, gradient_bytes, bandwidth, latency)[0]
    assert 0 < speedup <= machines * (1 + 1e-12)


def test_the_fit_recovers_latency_and_bandwidth_from_noisy_timings():
    rng = np.random.default_rng(0)
    sizes = 4.0 ** np.arange(5, 13)
    seconds = np.array([scaling.ring_allreduce_seconds(2, s, 1.5e9, 1e-4) for s in sizes])
    latency, bandwidth = scaling.fit_link(sizes, seconds * rng.normal(1, 0.02, len(sizes)))
    assert math.isclose(latency, 1e-4, rel_tol=0.1) and math.isclose(bandwidth, 1.5e9, rel_tol=0.05)


def test_the_best_number_of_machines_is_where_the_step_time_is_lowest():
    # d/dN of t/N + 2(N-1)α + 2(N-1)/N M/B is 0 at N = sqrt((t - 2M/B) / (2α))
    compute_s, gradient_bytes = 0.05, 4.4e6
    best = scaling.best_machines(compute_s, gradient_bytes, **ETHERNET)
    exact = math.sqrt((compute_s - 2 * gradient_bytes / ETHERNET["bandwidth"]) / (2 * ETHERNET["latency"]))
    assert abs(best - exact) <= 1
    assert scaling.best_machines(0.001, 4.4e6, **ETHERNET) == 1  # communication costs more than all the compute
