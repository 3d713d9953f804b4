"""Watch a running model server from the outside: replay traffic at it, read its ``/metrics``.

:func:`replay` posts a stream of requests (e.g. :func:`mlcourse.traffic.simulate`)
to a server concurrently and returns each answer; :func:`scrape` reads the
server's Prometheus metrics over HTTP with ``prometheus_client``'s own parser
(never regular expressions) into a table, one row per sample. A Prometheus
server does the scraping in production, every 15 to 60 seconds, and keeps the
history; this is the same read, done once, by hand.
"""

from __future__ import annotations

import asyncio
import http.client
from urllib.parse import urlsplit

import pandas as pd

from mlcourse.loadtest import run_coroutine
from mlcourse.train import FEATURES


def scrape(url: str) -> pd.DataFrame:
    """The samples ``url`` + ``/metrics`` exposes: columns ``name``, ``labels`` (a dict) and ``value``."""
    from prometheus_client.parser import text_string_to_metric_families

    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("GET", "/metrics")
        text = connection.getresponse().read().decode()
    finally:
        connection.close()
    return pd.DataFrame([{"name": sample.name, "labels": dict(sample.labels), "value": sample.value}
                         for family in text_string_to_metric_families(text) for sample in family.samples])


def value(samples: pd.DataFrame, name: str, **labels: str) -> float:
    """The sum of the samples called ``name`` whose labels include ``labels`` (0 if there is none)."""
    rows = samples[samples["name"] == name]
    chosen = [v for found, v in zip(rows["labels"], rows["value"], strict=True) if all(found.get(k) == s for k, s in labels.items())]
    return float(sum(chosen))


async def _replay(url: str, rows: list[list[float]], concurrency: int) -> list[dict]:
    import aiohttp

    answers: list[dict] = [{}] * len(rows)
    queue = iter(enumerate(rows))

    async def client(session):
        for index, features in queue:  # every client takes the next request; each request goes once
            async with session.post(url + "/predict", json={"features": features}) as response:
                answers[index] = {"status": response.status, **(await response.json())}

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30), trust_env=False) as session:
        await asyncio.gather(*(client(session) for _ in range(concurrency)))
    return answers


def replay(url: str, stream: pd.DataFrame, concurrency: int = 8) -> pd.DataFrame:
    """Post every row of ``stream`` (its feature columns) to ``url``/predict, in order; the answers as a table."""
    rows = stream[FEATURES].astype(float).to_numpy().tolist()
    return pd.DataFrame(run_coroutine(_replay(url, rows, concurrency)), index=stream.index)
