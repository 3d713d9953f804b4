"""A small, bounded load test: N concurrent clients post to a URL for a fixed time or count.

It measures what a team asks of a model server: requests per second, the
median (p50) and the 99th-percentile (p99) latency, and how many requests
failed. It always stops: after ``seconds`` or ``max_requests``, whichever comes
first, and it only talks to the address it is given (the course uses
127.0.0.1).

Its clients are *closed-loop*: each sends its next request when the last one
is answered, so when the server slows down, so does the traffic, and the tail
looks better than real users (who do not wait for each other) would see it.
In practice a team uses a load tool for minutes at a time, after a warm-up, at
a fixed *arrival rate* (k6's ``constant-arrival-rate``, vegeta; Locust and wrk
are closed-loop too), and ramps traffic up across machines. This client is
``aiohttp`` with asyncio, so the numbers can be computed in a notebook. The
client matters: on two cores, ``httpx``'s async client was the bottleneck
(p99 about 300 ms at 16 clients against the same server that answers aiohttp
in 25 ms).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Result:
    concurrency: int
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float
    timings_s: tuple[float, ...] = field(default=(), repr=False)  # each request's time, to pool repeats

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def row(self) -> dict:
        return {"concurrency": self.concurrency, "requests": self.requests, "requests/s": round(self.per_second),
                "p50 ms": round(self.p50_ms, 2), "p99 ms": round(self.p99_ms, 2), "errors": self.errors}


def latency_summary(timings_s: list[float]) -> tuple[float, float]:
    """p50 and p99 in milliseconds of timings in seconds (NaN for none)."""
    if not timings_s:
        return float("nan"), float("nan")
    p50, p99 = np.percentile(np.asarray(timings_s) * 1000, [50, 99])
    return float(p50), float(p99)


async def _client(session, url: str, body: dict, stop_at: float, budget: list[int], timings: list[float],
                  errors: list[int]) -> None:
    while time.perf_counter() < stop_at and budget[0] > 0:
        budget[0] -= 1
        started = time.perf_counter()
        try:
            async with session.post(url, json=body) as response:
                await response.read()
                failed = response.status >= 400
        except Exception:  # a refused or reset connection is an error to count, not a crash
            failed = True
        timings.append(time.perf_counter() - started)
        errors[0] += failed


async def _load(url: str, body: dict, concurrency: int, seconds: float, max_requests: int) -> Result:
    import aiohttp

    timings: list[float] = []
    errors, budget = [0], [max_requests]
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout, trust_env=False) as session:
        await asyncio.gather(*(_warm_up(session, url, body) for _ in range(concurrency)))  # not counted
        started = time.perf_counter()
        stop_at = started + seconds
        await asyncio.gather(*(_client(session, url, body, stop_at, budget, timings, errors) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    p50, p99 = latency_summary(timings)
    return Result(concurrency, len(timings), errors[0], elapsed, p50, p99, tuple(timings))


async def _warm_up(session, url: str, body: dict) -> None:
    """One request per client before the clock starts: every connection is open when it does."""
    async with session.post(url, json=body) as response:
        await response.read()


def run(url: str, body: dict, concurrency: int = 1, seconds: float = 3.0, max_requests: int = 10_000) -> Result:
    """Post ``body`` to ``url`` from ``concurrency`` clients for ``seconds`` (at most ``max_requests`` in all)."""
    return run_coroutine(_load(url, body, concurrency, seconds, max_requests))


def run_coroutine(coroutine):
    """Run ``coroutine`` to its end and return its result, also from inside a running loop (a notebook's)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    from concurrent.futures import ThreadPoolExecutor  # a thread, with a loop of its own

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
