"""What the model server tells Prometheus: requests, latency, and what it predicts.

Each server app gets a registry of its own (not ``prometheus_client``'s global
one), so building a second app in the same Python, as a notebook re-running a
cell does, never fails with "Duplicated timeseries". ``GET /metrics`` answers
in Prometheus's text format, which a Prometheus server scrapes and
``prometheus_client.parser`` reads back.

- ``model_requests_total{path, status}``: every answer, errors included (a 413
  or 415 from the body limit too, since this middleware wraps everything);
- ``model_request_seconds{path}``: a latency histogram, from which PromQL's
  ``histogram_quantile`` estimates p99;
- ``model_predictions_total{species}``: what the model answers, whose mix
  shifts when the traffic does;
- ``model_input_flipper_length_mm``: a histogram of one input feature, for drift
  (its ``_sum`` over its ``_count`` is the mean, which PromQL can watch);
- ``model_answers_total{version}`` and ``model_shadow_comparisons_total{agree}``:
  which model answered, and how often a shadow challenger agreed (see
  :mod:`mlcourse.rollout`).
"""

from __future__ import annotations

import time

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

from mlcourse.train import FEATURES

FLIPPER = FEATURES.index("flipper_length_mm")
PATHS = ("/predict", "/health", "/metrics")  # anything else is counted as "other": labels must stay few
LATENCY_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)
FLIPPER_BUCKETS = tuple(range(170, 241, 5))


class ServerMetrics:
    """The metrics of one server app, in a registry of their own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("model_requests", "Answers sent, by path and HTTP status", ["path", "status"],
                                registry=self.registry)
        self.latency = Histogram("model_request_seconds", "Time to answer, by path", ["path"],
                                 buckets=LATENCY_BUCKETS, registry=self.registry)
        self.predictions = Counter("model_predictions", "Predictions made, by species", ["species"],
                                   registry=self.registry)
        self.flipper = Histogram("model_input_flipper_length_mm", "Flipper length in the requests scored (mm)",
                                 buckets=FLIPPER_BUCKETS, registry=self.registry)
        self.answers = Counter("model_answers", "Answers given, by the version of the model that gave them",
                               ["version"], registry=self.registry)
        self.shadow = Counter("model_shadow_comparisons", "Requests the challenger scored in the shadow, by whether "
                              "it agreed with the champion", ["agree"], registry=self.registry)
        # series that exist at 0 from the start: Prometheus computes a rate only from two scrapes of a series,
        # so one born with the first error would hide that error from rate() and from the alerts built on it
        for path in PATHS:
            self.latency.labels(path=path)
            for status in ("200", "413", "415", "422", "500") if path == "/predict" else ("200",):
                self.requests.labels(path=path, status=status)

    def predicted(self, species: str, features: list[float], version: str) -> None:
        self.predictions.labels(species=species).inc()
        self.answers.labels(version=version).inc()
        self.flipper.observe(features[FLIPPER])

    def exposition(self) -> tuple[bytes, str]:
        """The text a scrape of ``/metrics`` gets, and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class CountRequests:
    """ASGI middleware: count every answer by path and status, and time it."""

    def __init__(self, app, metrics: ServerMetrics):
        self.app, self.metrics = app, metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope["path"] if scope["path"] in PATHS else "other"
        status = {"code": 500}  # if the app fails before it answers, the server answers 500
        started = time.perf_counter()

        async def send_and_note(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            self.metrics.latency.labels(path=path).observe(time.perf_counter() - started)
            self.metrics.requests.labels(path=path, status=str(status["code"])).inc()
