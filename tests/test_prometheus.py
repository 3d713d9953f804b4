"""A real Prometheus, where one is installed: it scrapes the model server, answers PromQL, fires an alert."""

from __future__ import annotations

import http.client
import json
import time

import psutil
import pytest

from mlcourse import prometheus, servers, serving

GOOD = json.dumps({"features": [18.7, 181, 3750]}).encode()
BAD = b'{"features": [18.7, 181]}'
RULES = [{"alert": "BadRequests", "expr": 'sum(rate(model_requests_total{path="/predict", status=~"4.."}[5s])) > 0',
          "labels": {"severity": "page"}, "annotations": {"summary": "clients send requests the schema refuses"}},
         {"alert": "FlipperLengthShifted",  # the mean of an input feature over the last 10 s, against its usual level
          "expr": "rate(model_input_flipper_length_mm_sum[10s]) / rate(model_input_flipper_length_mm_count[10s]) > 206",
          "labels": {"severity": "ticket"}, "annotations": {"summary": "flipper lengths look longer than usual"}}]
LONG_FLIPPERS = json.dumps({"features": [15.0, 230, 5000]}).encode()


def test_without_prometheus_the_course_says_in_one_line_how_to_add_it(monkeypatch):
    monkeypatch.setattr(prometheus.shutil, "which", lambda name: None)
    line = prometheus.missing()
    assert "\n" not in line and "apt-get install prometheus" in line and "brew install prometheus" in line
    with pytest.raises(RuntimeError, match="not installed"):
        prometheus.command(9090, None, None)


def _post(port: int, body: bytes) -> int:
    connection = http.client.HTTPConnection(servers.HOST, port, timeout=10)
    connection.request("POST", "/predict", body=body, headers={"Content-Type": "application/json"})
    status = connection.getresponse().status
    connection.close()
    return status


def _until(condition, seconds: float = 20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    return condition()


@pytest.mark.skipif(prometheus.missing() is not None, reason=prometheus.missing() or "")
def test_prometheus_scrapes_the_server_answers_promql_and_the_alert_goes_from_inactive_to_firing(tmp_path, monkeypatch):
    monkeypatch.setattr(servers, "REGISTRY_DIR", tmp_path / "servers")
    monkeypatch.setattr(servers, "LOG_DIR", tmp_path / "logs")
    model = serving.start(serving.ensure_model(tmp_path / "model.skops"), "prom-1")
    scraper = prometheus.start(tmp_path / "prometheus", f"{servers.HOST}:{model.port}", RULES)
    family = [psutil.Process(p.pid) for p in (model, scraper)]
    try:
        scraped = 'model_request_seconds_count{path="/predict"}'
        assert _until(lambda: prometheus.query(scraper, scraped)), "Prometheus never scraped the server"
        assert all(_post(model.port, GOOD) == 200 for _ in range(20))
        answered = 'sum(model_requests_total{path="/predict", status="200"})'
        assert _until(lambda: [r for r in prometheus.query(scraper, answered) if float(r["value"][1]) == 20])
        p99 = 'histogram_quantile(0.99, sum by (le) (rate(model_request_seconds_bucket{path="/predict"}[30s])))'
        estimate = _until(lambda: [float(r["value"][1]) for r in prometheus.query(scraper, p99)
                                   if r["value"][1] not in ("NaN", "+Inf")])
        assert estimate and 0 < estimate[0] < 1.0  # seconds, estimated from the histogram's buckets
        assert "BadRequests" not in prometheus.alerts(scraper)  # inactive
        assert all(_post(model.port, BAD) == 422 for _ in range(10))
        assert _until(lambda: prometheus.alerts(scraper).get("BadRequests") == "firing")
        assert "FlipperLengthShifted" not in prometheus.alerts(scraper)  # 181 mm so far
        assert all(_post(model.port, LONG_FLIPPERS) == 200 for _ in range(40))  # a drifted input
        assert _until(lambda: prometheus.alerts(scraper).get("FlipperLengthShifted") == "firing")
    finally:
        scraper.stop()
        model.stop()
    _, alive = psutil.wait_procs(family, timeout=10)
    assert not alive and not servers.leftovers()
