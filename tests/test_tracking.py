"""The training operation's run record, `mlcourse reproduce`, personal data, and MLflow's UI server."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

import psutil
import pytest

from mlcourse import data, privacy, tracking, train
from mlcourse.course import ROOT
from mlcourse.errors import CourseError
from mlcourse.workbook.cli import main as cli_main

FAST = train.Params(alpha=1e-4, learning_rate=0.03, epochs=8, seed=0)


def cli(*args: str, state) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, timeout=120, cwd=ROOT,
                          env={**os.environ, "MLCOURSE_STATE_DIR": str(state)})


def test_the_training_operation_writes_a_complete_run_record(state):
    done = cli("mlcourse.train", "--epochs", "5", "--seed", "3", state=state)
    assert done.returncode == 0, done.stderr
    run_id = done.stdout.split()[1]
    folder = state / "runs" / run_id
    record = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    assert record["id"] == run_id and record["status"] == "FINISHED" and record["error"] is None
    assert record["params"] == {"alpha": 1e-4, "learning_rate": 0.01, "epochs": 5, "seed": 3}
    assert record["command"] == "python -m mlcourse.train --alpha 0.0001 --learning-rate 0.01 --epochs 5 --seed 3"
    assert record["started"] < record["ended"]
    assert record["data"]["sha256"] == data.manifest()[data.FIELD_NOTES_FILE].sha256
    assert record["data"]["pseudonymized"] == ["observer_email"]
    assert set(record["source"]["files"]) == set(train.SOURCE_FILES) and len(str(record["source"]["commit"])) == 40
    assert record["environment"]["packages"]["scikit-learn"] == tracking.installed_packages()["scikit-learn"]
    assert set(record["metrics"]) == {"train_loss", "val_loss", "val_accuracy"}
    assert sorted(p.name for p in folder.iterdir()) == sorted(record["files"])
    assert (folder / "metrics.csv").read_text(encoding="utf-8").count("\n") == 1 + 5
    assert "mlflow==3.17.2" in (folder / "requirements.lock").read_text(encoding="utf-8")
    assert "@" not in (folder / "output.log").read_text(encoding="utf-8")


def test_an_unseeded_run_warns_and_the_reproduce_check_fails_it(state):
    record = train.run(train.Params(epochs=8), quiet=True)
    verdict = tracking.reproduce(record["id"])
    assert not verdict.passed and verdict.reasons[0].startswith("seed: the run was not seeded")
    assert "no --seed given" in (state / "runs" / record["id"] / "output.log").read_text(encoding="utf-8")


def test_reproduce_passes_a_seeded_run_from_the_command_line(state):
    record = train.run(FAST, quiet=True)
    done = cli("mlcourse", "reproduce", record["id"][:8], state=state)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith(f"PASS: run {record['id']} reproduces")


def test_reproduce_fails_when_the_data_file_changed_and_says_so(state):
    copy = state / "notes.csv"
    shutil.copyfile(train.DATA_FILE, copy)
    record = train.run(FAST, data_path=copy, quiet=True)
    copy.write_text(copy.read_text(encoding="utf-8").replace("\n", "\nAdelie,Dream,39.0,18.0,190,3700,male,2009,x@y.example\n", 1), encoding="utf-8")
    done = cli("mlcourse", "reproduce", record["id"], state=state)
    assert done.returncode == 1
    assert done.stdout.startswith("FAIL") and f"data: {copy} has changed since the run" in done.stdout


def test_reproduce_fails_a_metric_outside_the_tolerance_and_says_by_how_much(state):
    record = train.run(FAST, quiet=True)
    path = state / "runs" / record["id"] / "run.json"
    tampered = json.loads(path.read_text(encoding="utf-8"))
    tampered["metrics"]["val_loss"] += 0.01
    path.write_text(json.dumps(tampered), encoding="utf-8")
    verdict = tracking.reproduce(record["id"])
    assert [reason.split(":")[0] for reason in verdict.reasons] == ["metric val_loss"]
    assert "differs by 0.01, tolerance 1e-09" in verdict.reasons[0]
    assert tracking.reproduce(record["id"], tolerance=0.02).passed


def test_reproduce_names_changed_packages_and_code(state):
    record = train.run(FAST, quiet=True)
    folder = state / "runs" / record["id"]
    original = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    original["environment"]["lock_sha256"] = "0" * 64
    original["source"]["files"]["mlcourse/train.py"] = "0" * 64
    (folder / "run.json").write_text(json.dumps(original), encoding="utf-8")
    lock = (folder / "requirements.lock").read_text(encoding="utf-8")
    (folder / "requirements.lock").write_text(lock.replace("scikit-learn==", "scikit-learn==0.0.", 1), encoding="utf-8")
    reasons = tracking.reproduce(record["id"]).reasons
    assert "source: mlcourse/train.py changed since the run" in reasons
    assert any(r.startswith("environment: the installed packages differ (scikit-learn 0.0.") for r in reasons)


@pytest.mark.parametrize("run_id, has_runs, message", [
    ("0123456789abcdef", True, "no run '0123456789abcdef'"),
    ("abc", True, "too short"),
    ("0123456789", False, "no run records yet: .* make one with `python -m mlcourse.train`"),
])
def test_reproduce_answers_bad_input_with_one_line_and_exit_status_2(state, capsys, run_id, has_runs, message):
    if has_runs:
        (state / "runs").mkdir()
    assert cli_main(["reproduce", run_id]) == 2
    error = capsys.readouterr().err
    assert re.search(message, error) and len(error.strip().splitlines()) == 1 and "Traceback" not in error


def test_a_run_in_mlflow_without_a_record_is_named_as_such(state):
    import mlflow

    tracking.use_store()
    with mlflow.start_run() as made_by_hand:
        mlflow.log_metric("val_loss", 0.5)
    with pytest.raises(CourseError, match="in the MLflow store but has no run record"):
        tracking.find_record(made_by_hand.info.run_id)


def test_a_tracked_run_lands_in_mlflow_with_params_metrics_record_and_a_skops_model(state):
    import mlflow

    record = train.run(FAST, track=True, quiet=True, tags={"sweep": "test"})
    run = mlflow.get_run(record["id"])
    assert run.info.status == "FINISHED" and run.data.tags["sweep"] == "test"
    assert run.data.params["learning_rate"] == "0.03" and run.data.params["seed"] == "0"
    assert run.data.tags["data_sha256"] == record["data"]["sha256"]
    history = mlflow.MlflowClient().get_metric_history(record["id"], "val_loss")
    assert [m.step for m in history] == list(range(1, FAST.epochs + 1))
    files = {f.path for f in mlflow.MlflowClient().list_artifacts(record["id"], "record")}
    assert {"record/run.json", "record/requirements.lock"} <= files
    model = mlflow.sklearn.load_model(record["model_uri"])
    rows = train.split(train.load_table()[0])
    assert (model.predict(rows.x_val) == rows.y_val).mean() == pytest.approx(record["metrics"]["val_accuracy"])
    assert "skops" in next((state / "mlflow" / "artifacts").rglob("MLmodel")).read_text(encoding="utf-8")


def test_a_run_that_becomes_unstable_midway_ends_failed_with_the_metrics_it_reached(state):
    import mlflow

    with pytest.raises(FloatingPointError, match="unstable at epoch 5"):
        train.run(train.Params(1e-4, 4.0, seed=0), track=True, quiet=True)
    failed = mlflow.search_runs(filter_string="attributes.status = 'FAILED'")
    assert len(failed) == 1
    run_id = failed["run_id"].iloc[0]
    assert len(mlflow.MlflowClient().get_metric_history(run_id, "train_loss")) == 5
    assert json.loads((state / "runs" / run_id / "run.json").read_text(encoding="utf-8"))["status"] == "FAILED"


def test_a_run_stopped_with_sigterm_ends_failed_not_running(state):
    process = subprocess.Popen([sys.executable, "-m", "mlcourse.train", "--epochs", "1000000", "--seed", "0",
                                "--mlflow"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT,
                               env={**os.environ, "MLCOURSE_STATE_DIR": str(state)})
    try:
        run_id = process.stdout.readline().split()[1]
        time.sleep(1.0)
        process.send_signal(signal.SIGTERM)
        assert process.wait(60) == 130
    finally:
        process.kill()
    import mlflow

    assert mlflow.MlflowClient(tracking.tracking_uri()).get_run(run_id).info.status == "FAILED"
    record = json.loads((state / "runs" / run_id / "run.json").read_text(encoding="utf-8"))
    assert record["status"] == "FAILED" and "signal 15" in record["error"] and record["metrics"]


def test_personal_columns_are_found_and_pseudonyms_are_keyed_and_ignore_how_an_address_is_typed():
    notes = train.pd.read_csv(train.DATA_FILE)
    assert privacy.personal_columns(notes) == ["observer_email"]
    one, other = privacy.pseudonymize(notes, b"key-1"), privacy.pseudonymize(notes, b"key-2")
    assert one["observer_email"].nunique() == 8 and not one["observer_email"].str.contains("@").any()
    assert (one["observer_email"] != other["observer_email"]).all()
    assert privacy.pseudonym(" Ana.Lopez@X.example ", b"k") == privacy.pseudonym("ana.lopez@x.example", b"k")


def test_the_pseudonym_key_is_made_once_kept_private_and_never_written_into_a_run(state):
    record = train.run(FAST, quiet=True)
    key = privacy.KEY_FILE.read_text(encoding="utf-8")
    assert privacy.course_key() == key.encode() and oct(privacy.KEY_FILE.stat().st_mode)[-3:] == "600"
    assert not any(key in path.read_text(errors="ignore", encoding="utf-8") for path in (state / "runs" / record["id"]).iterdir())


def test_make_mlflow_serves_the_course_store_answers_its_rest_api_and_stops_on_ctrl_c(state):
    tracking.use_store()  # the course experiment, as lesson 12 leaves it
    process = subprocess.Popen([sys.executable, "-m", "mlcourse", "mlflow"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, cwd=ROOT,
                               env={**os.environ, "MLCOURSE_STATE_DIR": str(state), "PORT": "0"},
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))  # as under xdist
    family: list[psutil.Process] = []
    try:
        first = process.stdout.readline()
        assert first.startswith("MLflow UI on the course store: http://127.0.0.1:"), first + process.stderr.read()
        url = first.split()[6]
        family = psutil.Process(process.pid).children(recursive=True)
        assert family, "the MLflow server runs as child processes"
        query = f"{url}/api/2.0/mlflow/experiments/get-by-name?experiment_name={tracking.EXPERIMENT}"
        with urllib.request.urlopen(query, timeout=30) as response:
            assert json.load(response)["experiment"]["name"] == tracking.EXPERIMENT
        process.send_signal(signal.SIGINT)
        assert process.wait(60) == 130
        assert "stopped the mlflow server" in process.stderr.read()
        _, alive = psutil.wait_procs(family, timeout=10)
        assert not alive, f"left running: {[p.cmdline() for p in alive]}"
        assert not list((state / "servers").glob("*.json"))
    finally:
        process.kill()
        for member in family:  # only when the test has already failed: never leave a server behind
            with contextlib.suppress(psutil.NoSuchProcess):
                member.kill()


def test_a_key_made_by_a_second_process_never_replaces_the_first(state):
    first = privacy.course_key()
    privacy._create_key(privacy.KEY_FILE)  # what a second process racing the first would do
    assert privacy.course_key() == first
    assert sorted(p.name for p in privacy.KEY_FILE.parent.iterdir() if "key" in p.name) == ["pseudonym.key"]
