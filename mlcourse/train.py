"""A training operation: ``python -m mlcourse.train --alpha 1e-4 --seed 0``.

It trains a penguin-species classifier (logistic regression by stochastic
gradient descent, one pass over the training rows per epoch) from its
arguments, and writes a run record to ``.course/runs/<id>/`` (see
:mod:`mlcourse.tracking`): settings, times, status, source, data hash,
environment, metrics per epoch, the model and its log. With ``--mlflow`` the
same run is also logged to the course's MLflow store, under the same id.

A script with arguments is a reusable operation: a colleague, a sweep or a CI
job runs the same command with other values, and the record says exactly what
ran. Only validation rows are scored; the test rows are left for the one final
check of the model a sweep chooses.
"""

from __future__ import annotations

import argparse
import datetime
import json
import shlex
import signal
import sys
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from tqdm.auto import tqdm

from mlcourse import data, privacy, tracking
from mlcourse.errors import CourseError

DATA_FILE = data.DATA_DIR / data.FIELD_NOTES_FILE
# Bill length, which tells a Chinstrap from an Adelie at once, is left out: with it every setting scores
# 100 % and there is nothing to compare.
FEATURES = ["bill_depth_mm", "flipper_length_mm", "body_mass_g"]
TARGET = "species"
SPLIT_SEED = 0  # fixed: every run, seeded or not, is scored on the same validation rows
DIVERGED = 2.0  # a training loss more than twice that of guessing means the steps are too large
# the course's own files this operation runs: a change to any of them can change a result
SOURCE_FILES = ["mlcourse/train.py", "mlcourse/privacy.py", "mlcourse/tracking.py", "mlcourse/data.py",
                "mlcourse/course.py", "mlcourse/errors.py"]


@dataclass(frozen=True)
class Params:
    """The settings of one run: the hyperparameters and the seed."""

    alpha: float = 1e-4  # L2 penalty
    learning_rate: float = 0.01  # constant step size
    epochs: int = 30
    seed: int | None = None  # None: no seed, numpy draws one from the OS and nobody records it


@dataclass(frozen=True)
class Split:
    """Features and labels of the training, validation and test rows."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    observer_val: np.ndarray  # pseudonyms, to count validation errors per observer


def load_table(path: Path = DATA_FILE) -> tuple[pd.DataFrame, list[str]]:
    """The complete rows of the table at ``path``, personal columns pseudonymized; and those columns' names."""
    table = pd.read_csv(path)
    personal = privacy.personal_columns(table)
    table = privacy.pseudonymize(table, privacy.course_key(), personal)
    return table.dropna(subset=[*FEATURES, TARGET]).reset_index(drop=True), personal


def split(table: pd.DataFrame) -> Split:
    """60 % training, 20 % validation, 20 % test, stratified by species, always the same rows."""
    rest, test = train_test_split(table, test_size=0.2, stratify=table[TARGET], random_state=SPLIT_SEED)
    train, val = train_test_split(rest, test_size=0.25, stratify=rest[TARGET], random_state=SPLIT_SEED)
    observer = val["observer_email"].to_numpy() if "observer_email" in val else np.array([])
    return Split(*(part for frame in (train, val, test) for part in (frame[FEATURES].to_numpy(float),
                                                                     frame[TARGET].to_numpy())), observer)


def fit(params: Params, rows: Split, on_epoch=None) -> tuple[Pipeline, list[dict]]:
    """Train for ``params.epochs`` epochs; after each, score and call ``on_epoch(metrics)``.

    Returns the model (scaling + classifier) and the metrics of every epoch.
    """
    rng = np.random.default_rng(params.seed)
    scaler = StandardScaler().fit(rows.x_train)
    x_train, x_val = scaler.transform(rows.x_train), scaler.transform(rows.x_val)
    classes = np.unique(rows.y_train)
    train_codes, val_codes = np.searchsorted(classes, rows.y_train), np.searchsorted(classes, rows.y_val)
    model = SGDClassifier(loss="log_loss", alpha=params.alpha, learning_rate="constant", eta0=params.learning_rate,
                          random_state=params.seed)
    history, guessing = [], float(np.log(len(classes)))  # the loss of predicting every class equally likely
    for epoch in range(1, params.epochs + 1):
        order = rng.permutation(len(x_train))
        model.partial_fit(x_train[order], rows.y_train[order], classes=classes)
        val_proba = model.predict_proba(x_val)
        metrics = {"step": epoch, "train_loss": _log_loss(model.predict_proba(x_train), train_codes),
                   "val_loss": _log_loss(val_proba, val_codes),
                   "val_accuracy": float(np.mean(val_proba.argmax(axis=1) == val_codes))}
        history.append(metrics)
        if on_epoch is not None:
            on_epoch(metrics)
        if not metrics["train_loss"] < DIVERGED * guessing:  # also catches NaN
            raise FloatingPointError(f"training is unstable at epoch {epoch}: training loss {metrics['train_loss']:.2f}, "
                                     f"more than twice that of guessing ({guessing:.2f}); lower the learning rate")
    return Pipeline([("scale", scaler), ("classify", model)]), history


def errors_by_observer(model: Pipeline, rows: Split) -> pd.DataFrame:
    """Validation penguins and errors per observer, by pseudonym: the reason the column is kept at all.

    An observer with many more errors than the others may measure differently
    (another calliper, another protocol); the pseudonym lets a team find out
    without anyone's e-mail in the run.
    """
    wrong = model.predict(rows.x_val) != rows.y_val
    table = pd.DataFrame({"observer": rows.observer_val, "wrong": wrong})
    return (table.groupby("observer")["wrong"].agg(penguins="size", errors="sum")
            .reset_index().sort_values(["errors", "observer"], ascending=[False, True]))


def save_weights(model: Pipeline, path: Path) -> None:
    """The learned numbers only, as arrays: a format that cannot run code when loaded.

    Load with ``np.load(path, allow_pickle=False)``. MLflow logs the whole
    model too, in skops format (``--mlflow``).
    """
    scale, classify = model.named_steps["scale"], model.named_steps["classify"]
    np.savez(path, mean=scale.mean_, scale=scale.scale_, coef=classify.coef_, intercept=classify.intercept_,
             classes=classify.classes_.astype(str))


def _log_loss(proba: np.ndarray, codes: np.ndarray) -> float:
    """Mean negative log probability of the true class (sklearn's ``log_loss``, without its input checks)."""
    return float(-np.mean(np.log(np.clip(proba[np.arange(len(codes)), codes], 1e-15, 1.0))))


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds")


def _command(params: Params, data_path: Path) -> str:
    args = ["python", "-m", "mlcourse.train", "--alpha", repr(params.alpha), "--learning-rate",
            repr(params.learning_rate), "--epochs", str(params.epochs)]
    args += ["--seed", str(params.seed)] if params.seed is not None else []
    args += [] if Path(data_path).resolve() == DATA_FILE.resolve() else ["--data", tracking.data_reference(data_path)]
    return shlex.join(args)


def new_record(params: Params, data_path: Path, run_id: str, packages: dict[str, str]) -> dict:
    """A run record as it starts: everything known before training."""
    return {
        "id": run_id, "operation": "mlcourse.train", "command": _command(params, data_path),
        "params": asdict(params), "started": _now(), "ended": None, "status": "RUNNING", "error": None,
        "source": tracking.source_snapshot(SOURCE_FILES),
        "data": {"path": tracking.data_reference(data_path), "sha256": data.sha256(data_path)},
        "environment": tracking.environment(packages),
        "metrics": {}, "history": "metrics.csv",
        "files": [],  # filled in as the run ends: what it really wrote
    }


def run(params: Params, data_path: Path = DATA_FILE, runs_dir: Path | None = None, track: bool = False,
        quiet: bool = False, tags: dict[str, str] | None = None) -> dict:
    """Train once and write the run record; with ``track``, also log the run to MLflow. Returns the record.

    ``tags`` are MLflow tags for the run (e.g. which sweep it belongs to).

    The record is written whatever happens: a run that fails or is interrupted
    ends with status FAILED and the metrics it reached, never RUNNING.
    """
    runs_dir = runs_dir or tracking.RUNS_DIR
    packages = tracking.installed_packages()
    mlflow = _start_mlflow_run(params, tags or {}) if track else None
    run_id = mlflow.active_run().info.run_id if mlflow else uuid.uuid4().hex
    folder = runs_dir / run_id
    folder.mkdir(parents=True, exist_ok=True)
    record = new_record(params, data_path, run_id, packages)
    lines: list[str] = []

    def say(line: str) -> None:
        lines.append(line)
        if not quiet:
            print(line, flush=True)

    say(f"run {run_id} started: {record['command']}")
    if params.seed is None:
        say("warning: no --seed given, so this run cannot be repeated")
    history: list[dict] = []
    try:
        table, personal = load_table(data_path)
        record["data"] |= {"rows": len(table), "pseudonymized": personal}
        rows = split(table)
        if mlflow:
            mlflow.set_tags({"data_sha256": record["data"]["sha256"], "lock_sha256": record["environment"]["lock_sha256"],
                             "git_commit": str(record["source"]["commit"]), "git_dirty": str(record["source"]["dirty"])})
        progress = tqdm(total=params.epochs, desc=f"run {run_id[:8]}", unit="epoch", disable=quiet, leave=False)

        def on_epoch(metrics: dict) -> None:
            history.append(metrics)
            progress.update()

        model, _ = fit(params, rows, on_epoch)
        progress.close()
        save_weights(model, folder / "weights.npz")
        errors_by_observer(model, rows).to_csv(folder / "errors_by_observer.csv", index=False)
        if mlflow:
            record["model_uri"] = _log_model(mlflow, model, rows)
        record["status"] = "FINISHED"
    except BaseException as error:  # KeyboardInterrupt and SIGTERM too: the record must not stay RUNNING
        record["status"], record["error"] = "FAILED", f"{type(error).__name__}: {error}"
        say(f"run {run_id} FAILED after {len(history)} epochs: {record['error']}")
        raise
    finally:
        record["ended"] = _now()
        record["metrics"] = {k: v for k, v in history[-1].items() if k != "step"} if history else {}
        if record["status"] == "FINISHED":
            say(f"run {run_id} FINISHED: " + ", ".join(f"{k} {v:.4f}" for k, v in record["metrics"].items()))
        _write_files(folder, record, history, packages, lines)
        if mlflow:
            _log_history(mlflow, history)
            mlflow.log_artifacts(str(folder), artifact_path="record")
            mlflow.end_run(status=record["status"])
    return record


def _start_mlflow_run(params: Params, tags: dict[str, str]):
    import mlflow

    tracking.use_store()
    mlflow.start_run(tags={"operation": "mlcourse.train", **tags})
    mlflow.log_params({**asdict(params), "split_seed": SPLIT_SEED})  # one call for all of them
    return mlflow


def _log_history(mlflow, history: list[dict]) -> None:
    """Every epoch's metrics in one call: each call is a database transaction (about 10 ms on SQLite).

    A run of hours would log every few minutes instead, so that the UI shows it
    progressing and a crash loses little.
    """
    from mlflow.entities import Metric

    now = int(time.time() * 1000)
    metrics = [Metric(name, value, now, row["step"]) for row in history for name, value in row.items() if name != "step"]
    mlflow.MlflowClient().log_batch(mlflow.active_run().info.run_id, metrics=metrics)


def _log_model(mlflow, model: Pipeline, rows: Split) -> str:
    """Log the model in skops format with its requirements written out (inferring them takes seconds)."""
    import mlflow.sklearn
    import numpy
    import sklearn
    import skops
    from mlflow.models import infer_signature

    requirements = [f"scikit-learn=={sklearn.__version__}", f"numpy=={numpy.__version__}", f"skops=={skops.__version__}"]
    signature = infer_signature(rows.x_val[:5], model.predict(rows.x_val[:5]))
    info = mlflow.sklearn.log_model(model, name="model", pip_requirements=requirements, signature=signature)
    mlflow.set_tag("model_uri", info.model_uri)
    return info.model_uri


def _write_files(folder: Path, record: dict, history: list[dict], packages: dict[str, str], lines: list[str]) -> None:
    pd.DataFrame(history, columns=["step", "train_loss", "val_loss", "val_accuracy"]).to_csv(
        folder / "metrics.csv", index=False)
    (folder / "requirements.lock").write_text(tracking.lock_text(packages), encoding="utf-8")
    (folder / "output.log").write_text("\n".join(lines) + "\n", encoding="utf-8")
    record["files"] = sorted({path.name for path in folder.iterdir()} | {"run.json"})
    (folder / "run.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


def parser() -> argparse.ArgumentParser:
    defaults = Params()
    command = argparse.ArgumentParser(prog="python -m mlcourse.train", description=__doc__.split("\n\n")[0])
    command.add_argument("--alpha", type=float, default=defaults.alpha, help="L2 penalty (default %(default)g)")
    command.add_argument("--learning-rate", type=float, default=defaults.learning_rate,
                         help="constant step size (default %(default)g)")
    command.add_argument("--epochs", type=int, default=defaults.epochs, help="passes over the data (default %(default)d)")
    command.add_argument("--seed", type=int, default=None, help="random seed; without one the run cannot be repeated")
    command.add_argument("--data", type=Path, default=DATA_FILE, help="the table to train on (default: %(default)s)")
    command.add_argument("--mlflow", action="store_true", help="also log the run to the course's MLflow store")
    command.add_argument("--runs-dir", type=Path, default=None, help="where run records go (default .course/runs)")
    return command


def _stop_on_sigterm(signum, frame) -> None:
    raise KeyboardInterrupt(f"stopped by signal {signum}")


def run_from_args(argv: list[str]) -> dict:
    """Parse the command's arguments and run: what ``python -m mlcourse.train ARGS`` does, returning the record."""
    args = parser().parse_args(argv)
    if args.epochs < 1 or args.alpha < 0 or args.learning_rate <= 0:
        raise CourseError("--epochs must be at least 1, --alpha at least 0, --learning-rate above 0")
    if not args.data.is_file():
        raise CourseError(f"no data file {args.data}")
    return run(Params(args.alpha, args.learning_rate, args.epochs, args.seed), args.data, args.runs_dir,
               track=args.mlflow)


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _stop_on_sigterm)  # `kill` ends the run FAILED, like Ctrl-C
    try:
        run_from_args(sys.argv[1:] if argv is None else argv)
    except CourseError as error:
        print(f"mlcourse.train: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # the record holds the details; one line here
        print(f"mlcourse.train: the run failed: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
