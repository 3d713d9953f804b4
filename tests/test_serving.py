"""The model server, for real: a subprocess on 127.0.0.1 that answers every bad request with a 4xx."""

from __future__ import annotations

import http.client
import json

import psutil
import pytest

from mlcourse import servers, serving

GOOD = {"features": [18.7, 181, 3750]}
JSON = {"Content-Type": "application/json"}
TEN_MB = b'{"features": [' + b"1.0, " * 2_000_000 + b"1.0]}"

BAD = {
    # name: (body, headers)
    "an empty body": (b"", JSON),
    "no content type": (json.dumps(GOOD).encode(), {}),
    "a form, not JSON": (b"features=1,2,3", {"Content-Type": "application/x-www-form-urlencoded"}),
    "broken JSON": (b'{"features": [18.7, 181', JSON),
    "a JSON list": (b"[18.7, 181, 3750]", JSON),
    "a missing field": (b"{}", JSON),
    "an extra field": (json.dumps({**GOOD, "debug": True}).encode(), JSON),
    "two numbers": (b'{"features": [18.7, 181]}', JSON),
    "four numbers": (b'{"features": [18.7, 181, 3750, 1]}', JSON),
    "NaN": (b'{"features": [NaN, 181, 3750]}', JSON),
    "Infinity": (b'{"features": [18.7, Infinity, 3750]}', JSON),
    "-Infinity": (b'{"features": [18.7, -Infinity, 3750]}', JSON),
    "1e999": (b'{"features": [18.7, 181, 1e999]}', JSON),
    "a number as text": (b'{"features": ["13.68", 181, 3750]}', JSON),
    "a boolean": (b'{"features": [true, 181, 3750]}', JSON),
    "null": (b'{"features": null}', JSON),
    "a nested list": (b'{"features": [[18.7], 181, 3750]}', JSON),
    "a negative mass": (b'{"features": [18.7, 181, -3750]}', JSON),  # the batch job rejects it too
    "zero": (b'{"features": [0, 181, 3750]}', JSON),
    "a 10 MB body": (TEN_MB, JSON),
    "a made-up field name of 100 kB": (json.dumps({**GOOD, "x" * 100_000: 1}).encode(), JSON),
}


@pytest.fixture(scope="module", params=serving.HANDLERS)
def server(request, tmp_path_factory):
    """The real server, once per way of calling the model: each must refuse the same requests."""
    state = tmp_path_factory.mktemp("serving")
    model = serving.ensure_model(state / "model.skops")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(servers, "REGISTRY_DIR", state / "servers")
        patch.setattr(servers, "LOG_DIR", state / "logs")
        running = serving.start(model, "test-1", handler=request.param)
        running.handler = request.param
        family = [psutil.Process(running.pid), *psutil.Process(running.pid).children(recursive=True)]
        try:
            yield running
        finally:
            running.stop()
    _, alive = psutil.wait_procs(family, timeout=10)
    assert not alive, "the model server outlived its test"


def post(server, body: bytes, headers: dict) -> tuple[int, bytes, str]:
    connection = http.client.HTTPConnection(servers.HOST, server.port, timeout=30)
    try:
        connection.request("POST", "/predict", body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read(), response.getheader("Content-Type", "")
    finally:
        connection.close()


def test_a_good_request_gets_the_species_its_probability_and_the_model_version(server):
    status, body, kind = post(server, json.dumps(GOOD).encode(), JSON)
    answer = json.loads(body)
    assert status == 200 and kind == "application/json"
    assert answer["species"] in {"Adelie", "Chinstrap", "Gentoo"} and 1 / 3 <= answer["probability"] <= 1
    assert answer["model_version"] == "test-1"


@pytest.mark.parametrize("name", BAD)
def test_every_bad_request_gets_a_short_4xx_that_does_not_echo_it(server, name):
    body, headers = BAD[name]
    status, answer, kind = post(server, body, headers)
    assert 400 <= status < 500, (status, answer[:200])
    assert kind == "application/json" and len(answer) < 400, answer[:400]
    for fragment in (b"13.68", b"NaN", b"1e999", b"debug", b"1.0, 1.0", b"xxxx"):
        assert fragment not in answer or fragment not in body, f"the answer repeats the request: {answer[:200]}"
    assert status == {"a 10 MB body": 413, "no content type": 415, "a form, not JSON": 415}.get(name, 422)


def test_the_server_still_answers_after_every_bad_request_and_its_errors_are_in_its_schema(server):
    for body, headers in BAD.values():
        post(server, body, headers)
    connection = http.client.HTTPConnection(servers.HOST, server.port, timeout=10)
    connection.request("GET", "/health")
    health = json.loads(connection.getresponse().read())
    assert health == {"status": "ok", "model_version": "test-1", "handler": server.handler}
    connection.request("GET", "/openapi.json")
    declared = json.loads(connection.getresponse().read())["paths"]["/predict"]["post"]["responses"]
    connection.close()
    assert {"200", "413", "415", "422"} <= set(declared)


def test_every_answer_good_or_bad_matches_the_schema_the_server_publishes(server):
    import jsonschema

    connection = http.client.HTTPConnection(servers.HOST, server.port, timeout=10)
    connection.request("GET", "/openapi.json")
    spec = json.loads(connection.getresponse().read())
    connection.close()
    declared = spec["paths"]["/predict"]["post"]["responses"]
    for body, headers in [(json.dumps(GOOD).encode(), JSON), *BAD.values()]:
        status, answer, _ = post(server, body, headers)
        assert str(status) in declared, f"{status} is not declared in /openapi.json"
        schema = {**declared[str(status)]["content"]["application/json"]["schema"], "components": spec["components"]}
        jsonschema.validate(json.loads(answer), schema)


def test_every_handler_gives_the_same_answers_as_the_model_itself(server):
    model = serving.load_model(serving.ensure_model())
    rows = [[18.7, 181, 3750], [14.5, 215, 5000], [19.5, 195, 3650]]
    for row, proba in zip(rows, model.predict_proba(rows), strict=True):
        answer = json.loads(post(server, json.dumps({"features": row}).encode(), JSON)[1])
        assert answer["species"] == model.classes_[proba.argmax()] and answer["probability"] == pytest.approx(proba.max())


def test_the_micro_batcher_scores_requests_that_arrive_together_in_one_call_and_passes_errors_on():
    import asyncio

    import numpy as np

    calls = []

    def predict_proba(rows):
        calls.append(len(rows))
        if (rows < 0).any():
            raise ValueError("negative")
        return np.column_stack([rows[:, 0], -rows[:, 0]])

    async def scenario():
        batcher = serving.MicroBatcher(predict_proba, max_batch=8, max_wait_s=0.01)
        worker = asyncio.create_task(batcher.run())
        answers = await asyncio.gather(*(batcher([float(i)]) for i in range(12)))
        failed = await asyncio.gather(batcher([-1.0]), return_exceptions=True)
        after = await batcher([5.0])
        worker.cancel()
        return answers, failed, after

    answers, failed, after = asyncio.run(scenario())
    assert [a[0] for a in answers] == list(range(12))  # each request gets its own row back
    assert calls[:2] == [8, 4]  # 12 requests that arrived together: two calls, bounded by max_batch
    assert isinstance(failed[0], ValueError) and after[0] == 5.0  # an error reaches its request, the loop goes on


def test_a_cancelled_request_does_not_stop_the_micro_batcher():
    import asyncio

    import numpy as np

    async def scenario():
        batcher = serving.MicroBatcher(lambda rows: np.asarray(rows) * 2, max_batch=8, max_wait_s=0.01)
        worker = asyncio.create_task(batcher.run())
        gone = asyncio.create_task(batcher([1.0]))
        kept = asyncio.create_task(batcher([2.0]))
        await asyncio.sleep(0)  # both queued
        gone.cancel()  # its client went away while it waited
        answer = await asyncio.wait_for(kept, 1)
        later = await asyncio.wait_for(batcher([3.0]), 1)  # the worker still serves
        worker.cancel()
        return answer, later

    answer, later = asyncio.run(scenario())
    assert answer[0] == 4.0 and later[0] == 6.0


def test_an_endless_body_is_read_only_up_to_the_drain_limit():
    import asyncio

    chunk = b"x" * 65536

    async def endless():
        return {"type": "http.request", "body": chunk, "more_body": True}

    body, size, more = asyncio.run(serving._read(endless, keep=100))
    assert body == b"" and more and serving.MAX_DRAIN_BYTES < size <= serving.MAX_DRAIN_BYTES + len(chunk)


def test_the_server_and_the_batch_job_refuse_the_same_values():
    import pandas as pd
    from pydantic import ValidationError

    from mlcourse import batch

    for value in (-3750.0, 0.0, float("nan"), float("inf")):
        table = pd.DataFrame({"bill_depth_mm": ["18.7"], "flipper_length_mm": ["181"], "body_mass_g": [str(value)]})
        assert batch.reasons(table).iloc[0], f"the batch job scores body mass {value}"
        with pytest.raises(ValidationError):
            serving.PredictRequest(features=[18.7, 181.0, value])


def test_a_model_file_with_types_outside_the_trusted_list_is_refused(tmp_path):
    import skops.io
    from sklearn.preprocessing import FunctionTransformer

    path = tmp_path / "odd.skops"
    skops.io.dump(FunctionTransformer(func=print), path)
    with pytest.raises(ValueError, match="does not trust"):
        serving.load_model(path)


def test_the_load_test_is_bounded_by_count_and_time_and_counts_errors(server):
    from mlcourse import loadtest

    counted = loadtest.run(server.url + "/predict", GOOD, concurrency=4, seconds=30, max_requests=40)
    assert counted.requests == 40 and counted.errors == 0 and counted.seconds < 30
    assert 0 < counted.p50_ms <= counted.p99_ms
    timed = loadtest.run(server.url + "/predict", {"features": [1.0]}, concurrency=2, seconds=0.5)
    assert timed.seconds < 5 and timed.requests > 0 and timed.errors == timed.requests  # every one a 422


def test_the_latency_summary_is_the_median_and_the_99th_percentile_in_milliseconds():
    from mlcourse import loadtest

    assert loadtest.latency_summary([0.001] * 99 + [0.1]) == pytest.approx((1.0, 1.99))
    assert all(v != v for v in loadtest.latency_summary([]))  # NaN, not a crash


def test_a_server_started_in_a_notebook_stops_when_a_later_cell_fails_and_the_kernel_ends(tmp_path):
    """Lesson 13 starts its server in one cell and stops it at the end: a failure in between must not leave it."""
    import nbformat
    from conftest import write_notebook
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    state = tmp_path / "state"
    notebook = write_notebook(
        tmp_path / "fails.ipynb",
        ("code", f"import os; os.environ['MLCOURSE_STATE_DIR'] = {str(state)!r}\n"
                 "from mlcourse import serving\nserver = serving.start()\nprint(server.pid)"),
        ("code", "raise RuntimeError('a cell fails before the one that stops the server')"),
        ("code", "server.stop()"))
    nb = nbformat.read(notebook, as_version=4)
    with pytest.raises(CellExecutionError, match="a cell fails"):
        NotebookClient(nb, timeout=120, kernel_name="mlcourse").execute()
    pid = int(nb.cells[0].outputs[0]["text"].strip())
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE, \
        "the model server outlived the notebook's kernel"
    assert not list((state / "servers").glob("*.json")), "the server's registry file was left behind"


def test_make_serve_answers_on_the_port_asked_for_and_stops_on_ctrl_c(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import types

    from mlcourse.course import ROOT

    port = servers.free_port()
    process = subprocess.Popen([sys.executable, "-m", "mlcourse", "serve"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, cwd=ROOT,
                               env={**os.environ, "MLCOURSE_STATE_DIR": str(tmp_path), "PORT": str(port)},
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))  # as under xdist
    family: list[psutil.Process] = []
    try:
        first = process.stdout.readline()
        assert first.startswith(f"the course's model server: http://127.0.0.1:{port} "), first + process.stderr.read()
        assert f"curl -X POST http://127.0.0.1:{port}/predict" in process.stdout.readline()
        family = psutil.Process(process.pid).children(recursive=True)
        status, answer, _ = post(types.SimpleNamespace(port=port), json.dumps(GOOD).encode(), JSON)
        assert status == 200 and json.loads(answer)["species"] == "Adelie"
        process.send_signal(signal.SIGINT)
        assert process.wait(60) == 130
        assert "stopped the model-async server" in process.stderr.read()
        _, alive = psutil.wait_procs(family, timeout=10)
        assert not alive and not servers.port_in_use(port), f"left running: {[p.cmdline() for p in alive]}"
        assert not list((tmp_path / "servers").glob("*.json"))
    finally:
        process.kill()
        for member in family:  # only when the test has already failed: never leave a server behind
            try:
                member.kill()
            except psutil.NoSuchProcess:
                pass


def test_the_server_serves_the_onnx_export_with_the_same_answers(tmp_path):
    from mlcourse import export

    model = serving.load_model(serving.ensure_model())
    onnx_file = export.sklearn_to_onnx(model, tmp_path / "penguin.onnx")
    rows = [[18.7, 181, 3750], [14.5, 215, 5000], [19.5, 195, 3650]]
    with servers.running("model-onnx", lambda port: serving.command(port, onnx_file, "onnx-1")) as running:
        for row, proba in zip(rows, model.predict_proba(rows), strict=True):
            status, answer, _ = post(running, json.dumps({"features": row}).encode(), JSON)
            answer = json.loads(answer)
            assert status == 200 and answer["model_version"] == "onnx-1"
            assert answer["species"] == model.classes_[proba.argmax()]
            assert answer["probability"] == pytest.approx(proba.max(), abs=1e-5)  # float32 in ONNX Runtime
        assert post(running, b'{"features": [NaN, 181, 3750]}', JSON)[0] == 422


def test_metrics_count_exactly_the_requests_sent_by_path_and_status(server):
    from prometheus_client.parser import text_string_to_metric_families

    def scrape() -> dict:
        connection = http.client.HTTPConnection(servers.HOST, server.port, timeout=10)
        connection.request("GET", "/metrics")
        text = connection.getresponse().read().decode()
        connection.close()
        return {(s.name, tuple(sorted(s.labels.items()))): s.value
                for family in text_string_to_metric_families(text) for s in family.samples}

    def value(samples, name, **labels):
        return samples.get((name, tuple(sorted(labels.items()))), 0.0)

    before = scrape()
    for _ in range(7):
        post(server, json.dumps(GOOD).encode(), JSON)
    for body, headers in (BAD["NaN"], BAD["an extra field"], BAD["no content type"]):
        post(server, body, headers)
    after = scrape()
    moved = {key: after[key] - before.get(key, 0.0) for key in after}
    assert value(moved, "model_requests_total", path="/predict", status="200") == 7
    assert value(moved, "model_requests_total", path="/predict", status="422") == 2
    assert value(moved, "model_requests_total", path="/predict", status="415") == 1  # the body limit's answers too
    assert value(moved, "model_request_seconds_count", path="/predict") == 10
    assert sum(v for (name, _), v in moved.items() if name == "model_predictions_total") == 7
    assert value(moved, "model_input_flipper_length_mm_count") == 7
    assert value(moved, "model_input_flipper_length_mm_sum") == 7 * 181  # GOOD's flipper is 181 mm
    assert value(moved, "model_input_flipper_length_mm_bucket", le="185.0") == 7
    assert value(moved, "model_input_flipper_length_mm_bucket", le="180.0") == 0


def test_two_apps_in_one_python_do_not_clash_in_the_metrics_registry(tmp_path):
    from fastapi.testclient import TestClient

    model = serving.ensure_model(tmp_path / "model.skops")
    for _ in range(2):  # a notebook cell run twice
        with TestClient(serving.create_app(model)) as client:
            assert client.post("/predict", json=GOOD).status_code == 200
            assert "model_predictions_total" in client.get("/metrics").text
