"""Checks for lesson 12: a reproducible, tracked training function; the best run; the reproduce verdict."""

from __future__ import annotations

import hashlib
import importlib.metadata as metadata
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from mlcourse import data
from mlcourse.check._core import call, describe, fail, is_number, passed, register

# --------------------------------------------------------------------------------------------
# 12.1 tracked_train
# --------------------------------------------------------------------------------------------

FEATURES = ["bill_depth_mm", "flipper_length_mm", "body_mass_g"]
PACKAGES = ("numpy", "pandas", "scikit-learn")


def _fit_and_score(path, alpha, split_state, model_state):
    from sklearn.linear_model import SGDClassifier
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    table = pd.read_csv(path).dropna(subset=[*FEATURES, "species"])
    train_rows, val_rows = train_test_split(table, test_size=0.25, random_state=split_state)
    model = make_pipeline(StandardScaler(), SGDClassifier(loss="log_loss", alpha=alpha, random_state=model_state))
    model.fit(train_rows[FEATURES], train_rows["species"])
    return float(model.score(val_rows[FEATURES], val_rows["species"]))


def _record(path, alpha, seed, accuracy, digest=None, packages=PACKAGES):
    digest = digest or hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return {"params": {"alpha": alpha, "seed": seed}, "data_sha256": digest,
            "packages": {name: metadata.version(name) for name in packages},
            "metrics": {"val_accuracy": accuracy}}


def _tracked_reference(path, alpha, seed):
    return _record(path, alpha, seed, _fit_and_score(path, alpha, seed, seed))


def _tracked_global_seed(path, alpha, seed):
    import sklearn

    np.random.seed(seed)  # random_state=None makes scikit-learn draw from numpy's global generator
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(4096), b""):
            digest.update(block)
    accuracy = _fit_and_score(path, alpha, None, None)
    versions = {"numpy": np.__version__, "pandas": pd.__version__, "scikit-learn": sklearn.__version__}
    return {"params": {"seed": seed, "alpha": alpha}, "data_sha256": digest.hexdigest(), "packages": versions,
            "metrics": {"val_accuracy": accuracy}}


def _tracked_with_id_and_time(path, alpha, seed):
    import datetime
    import uuid

    import sklearn

    record = _tracked_reference(path, alpha, seed)
    record["packages"] = {"numpy": np.__version__, "pandas": pd.__version__, "sklearn": sklearn.__version__}
    return {"id": uuid.uuid4().hex, "started": datetime.datetime.now().isoformat(), **record}


def _tracked_unseeded(path, alpha, seed):
    """The seed is recorded but never used: the split and the shuffling change at every call."""
    return _record(path, alpha, seed, _fit_and_score(path, alpha, None, None))


def _tracked_constant_seed(path, alpha, seed):
    """random_state=0 everywhere: repeatable, but the seed argument changes nothing."""
    return _record(path, alpha, seed, _fit_and_score(path, alpha, 0, 0))


def _tracked_hashes_the_path(path, alpha, seed):
    """Hashes the file's name, not its bytes: edited data keeps the same hash."""
    return _record(path, alpha, seed, _fit_and_score(path, alpha, seed, seed), hashlib.sha256(str(path).encode()).hexdigest())


def _tracked_hashes_the_frame(path, alpha, seed):
    """Hashes the DataFrame re-written as CSV, not the file: another hash than `sha256sum` of the file gives."""
    text = pd.read_csv(path).to_csv(index=False).encode()
    return _record(path, alpha, seed, _fit_and_score(path, alpha, seed, seed), hashlib.sha256(text).hexdigest())


def _tracked_forgets_a_package(path, alpha, seed):
    """Records numpy and scikit-learn but not pandas, which reads the data."""
    return _record(path, alpha, seed, _fit_and_score(path, alpha, seed, seed), packages=("numpy", "scikit-learn"))


def _tracked_forgets_the_seed(path, alpha, seed):
    """The seed is used but not recorded: nobody can re-run the run."""
    record = _tracked_reference(path, alpha, seed)
    record["params"].pop("seed")
    return record


IMPORT_NAMES = {"scikit-learn": "sklearn"}  # a record may name a package by what you import


def _comparable(record: dict) -> tuple:
    """The parts two runs with the same arguments must share (an id or a start time may differ)."""
    return tuple(repr(record.get(key)) for key in ("params", "data_sha256", "packages", "metrics"))


def _shape_problem(got) -> str | None:
    """What is wrong with the record's layout, or None."""
    if not isinstance(got, dict):
        return f"returned {describe(got)}"
    missing = [key for key in ("params", "data_sha256", "packages", "metrics") if key not in got]
    if missing:
        return f"returned a dict without {missing}"
    if not isinstance(got["params"], dict) or not isinstance(got["metrics"], dict) or not isinstance(got["packages"], dict):
        return "returned a record whose params, packages or metrics is not a dict"
    if not is_number(got["metrics"].get("val_accuracy")):
        return f"returned metrics {got['metrics']!r} without a number for val_accuracy"
    return None


@register(reference=_tracked_reference, also_right=[_tracked_global_seed, _tracked_with_id_and_time],
          mistakes=[_tracked_unseeded, _tracked_constant_seed, _tracked_hashes_the_path, _tracked_hashes_the_frame,
                    _tracked_forgets_a_package, _tracked_forgets_the_seed])
def tracked_train(fn) -> None:
    """Exercise 12.1: train_penguins made repeatable, returning its run record."""
    label = "tracked_train(path, alpha, seed)"
    with tempfile.TemporaryDirectory(prefix="check-12-1-") as scratch:
        path = Path(scratch) / "notes.csv"
        shutil.copyfile(data.path(data.FIELD_NOTES_FILE), path)
        first = call(fn, path, 1e-3, 7, label=label)
        if problem := _shape_problem(first):
            fail(f"{label} {problem}; expected a dict with 'params' ({{'alpha': ..., 'seed': ...}}), 'data_sha256', "
                 "'packages' ({name: version}) and 'metrics' ({'val_accuracy': ...}). Hint: build the dict at the "
                 "end of your function and return it.")
        if first["params"].get("seed") != 7 or first["params"].get("alpha") != 1e-3:
            fail(f"the record's params are {first['params']!r}; expected alpha 0.001 and seed 7. Hint: record every "
                 "argument that changes the result, the seed included, or nobody can start the run again.")
        again = call(fn, path, 1e-3, 7, label=label)
        if problem := _shape_problem(again):
            fail(f"the second call {problem}; expected the same record as the first.")
        if _comparable(again) != _comparable(first):
            fail(f"two calls with the same data, alpha and seed gave val_accuracy {first['metrics']['val_accuracy']} "
                 f"and {again['metrics']['val_accuracy']}; expected the same record twice. Hint: pass the seed to "
                 "everything random: the split (train_test_split's random_state) and the model's shuffling.")
        scores = {call(fn, path, 1e-3, seed, label=label)["metrics"]["val_accuracy"] for seed in range(5)}
        if len(scores) == 1:
            fail(f"seeds 0 to 4 all gave val_accuracy {scores.pop()}; expected the seed to change the split and the "
                 "shuffling. Hint: use the seed argument instead of a constant random_state.")
        expected = hashlib.sha256(path.read_bytes()).hexdigest()
        if first["data_sha256"] != expected:
            fail(f"data_sha256 is {str(first['data_sha256'])[:20]}...; expected the SHA-256 of the file's bytes, "
                 f"{expected[:20]}... (what `sha256sum` prints). Hint: hash the bytes you read from the path, not the "
                 "path's text or the DataFrame.")
        path.write_text(path.read_text(encoding="utf-8").replace("\n", "\nAdelie,Dream,39.0,18.0,190,3700,male,2009,x@y.example\n", 1), encoding="utf-8")
        if call(fn, path, 1e-3, 7, label=label)["data_sha256"] == first["data_sha256"]:
            fail("the data file gained a row but data_sha256 stayed the same; expected a new hash. Hint: hash the "
                 "file's content, read when the function runs.")
    installed = {name: metadata.version(name) for name in PACKAGES}
    recorded = {name: first["packages"].get(name, first["packages"].get(IMPORT_NAMES.get(name, name)))
                for name in PACKAGES}
    if recorded != installed:
        fail(f"the record's packages are {first['packages']!r}; expected at least {installed}. Hint: record the "
             "version of each package the training uses (importlib.metadata.version or module.__version__).")
    passed("tracked_train", "repeatable for a seed, the seed changes the result, the data hash follows the file's "
                            "bytes, the packages are recorded")

# --------------------------------------------------------------------------------------------
# 12.2 best_run
# --------------------------------------------------------------------------------------------


def _best_run_reference(runs, metric, higher_is_better):
    column = f"metrics.{metric}"
    done = runs[(runs["status"] == "FINISHED") & runs[column].notna()]
    if done.empty:
        raise ValueError(f"no finished run has {column}")
    ordered = done.sort_values([column, "start_time"], ascending=[not higher_is_better, True])
    return ordered["run_id"].iloc[0]


def _best_run_by_loop(runs, metric, higher_is_better):
    best = None
    for _, row in runs.sort_values("start_time").iterrows():
        value = row[f"metrics.{metric}"]
        if row["status"] != "FINISHED" or pd.isna(value):
            continue
        if best is None or (value > best[0] if higher_is_better else value < best[0]):
            best = (value, row["run_id"])
    if best is None:
        raise ValueError("no finished run")
    return best[1]


def _best_run_ignoring_status(runs, metric, higher_is_better):
    """A crashed run's last value wins: FAILED runs were not filtered out."""
    column = f"metrics.{metric}"
    ordered = runs.dropna(subset=[column]).sort_values([column, "start_time"], ascending=[not higher_is_better, True])
    return ordered["run_id"].iloc[0]


def _best_run_always_highest(runs, metric, higher_is_better):
    """The highest value wins even for a loss, where lower is better."""
    column = f"metrics.{metric}"
    done = runs[runs["status"] == "FINISHED"].sort_values([column, "start_time"], ascending=[False, True])
    return done["run_id"].iloc[0]


def _best_run_latest_tie(runs, metric, higher_is_better):
    """Of two runs with the same value, the later one is chosen."""
    column = f"metrics.{metric}"
    done = runs[runs["status"] == "FINISHED"].dropna(subset=[column])
    ordered = done.sort_values([column, "start_time"], ascending=[not higher_is_better, False])
    return ordered["run_id"].iloc[0]


def _best_run_returns_index(runs, metric, higher_is_better):
    """Returns the row's index label instead of the run's id."""
    column = f"metrics.{metric}"
    done = runs[runs["status"] == "FINISHED"].dropna(subset=[column])
    return done[column].idxmax() if higher_is_better else done[column].idxmin()


def _best_run_numpy_argmax(runs, metric, higher_is_better):
    """np.argmax/argmin over a column with a missing value (NaN) returns the NaN's position."""
    done = runs[runs["status"] == "FINISHED"]
    values = done[f"metrics.{metric}"].to_numpy()
    position = np.argmax(values) if higher_is_better else np.argmin(values)
    return done["run_id"].iloc[position]


def _best_run_direction_from_name(runs, metric, higher_is_better):
    """Guesses the direction from the name ("loss" or "error": lower is better) instead of using higher_is_better."""
    lower = "loss" in metric or "error" in metric
    return _best_run_reference(runs, metric, not lower)


def _best_run_no_missing_filter(runs, metric, higher_is_better):
    """Filters on status only: when every finished run lacks the metric it returns one instead of refusing."""
    column = f"metrics.{metric}"
    done = runs[runs["status"] == "FINISHED"]
    if done.empty:
        raise ValueError("no finished run")
    return done.sort_values([column, "start_time"], ascending=[not higher_is_better, True])["run_id"].iloc[0]


def runs_frame(rows: list[tuple]) -> pd.DataFrame:
    """A frame shaped like ``mlflow.search_runs``: (run_id, status, minute started, val_loss, val_accuracy, test_accuracy)."""
    start = pd.Timestamp("2026-12-02 09:00", tz="UTC")
    frame = pd.DataFrame(rows, columns=["run_id", "status", "minute", "metrics.val_loss", "metrics.val_accuracy",
                                        "metrics.test_accuracy"])
    frame["start_time"] = start + pd.to_timedelta(frame.pop("minute"), unit="min")
    frame["metrics.val_brier"] = frame["metrics.val_loss"] / 2  # a Brier score: lower is better, no "loss" in its name
    frame["params.learning_rate"] = [str(0.01 * (i + 1)) for i in range(len(frame))]
    return frame.iloc[::-1].reset_index(drop=True)  # search_runs lists the newest first


BEST_RUN_CASES = {
    # what the case tests: (rows, metric, higher_is_better, the expected run)
    "a loss: lower is better": (
        [("a1", "FINISHED", 0, 0.41, 0.83, 0.80), ("b2", "FINISHED", 1, 0.39, 0.86, 0.79),
         ("c3", "FINISHED", 2, 0.44, 0.88, 0.90)], "val_loss", False, "b2"),
    "an accuracy: higher is better": (
        [("a1", "FINISHED", 0, 0.41, 0.83, 0.95), ("b2", "FINISHED", 1, 0.39, 0.86, 0.79),
         ("c3", "FINISHED", 2, 0.44, 0.88, 0.80)], "val_accuracy", True, "c3"),
    "a crashed run with a better last value": (
        [("a1", "FINISHED", 0, 0.41, 0.83, 0.80), ("f9", "FAILED", 1, 0.30, 0.90, np.nan),
         ("b2", "FINISHED", 2, 0.40, 0.84, 0.81)], "val_loss", False, "b2"),
    "a tie: the earlier run": (
        [("a1", "FINISHED", 0, 0.45, 0.84, 0.80), ("b2", "FINISHED", 1, 0.40, 0.86, 0.80),
         ("c3", "FINISHED", 2, 0.40, 0.86, 0.82)], "val_loss", False, "b2"),
    "a Brier score: lower is better": (
        [("a1", "FINISHED", 0, 0.41, 0.83, 0.80), ("b2", "FINISHED", 1, 0.46, 0.86, 0.79),
         ("c3", "FINISHED", 2, 0.44, 0.88, 0.90)], "val_brier", False, "a1"),
    "a run without the metric": (
        [("a1", "FINISHED", 0, np.nan, np.nan, np.nan), ("b2", "FINISHED", 1, 0.40, 0.86, 0.80),
         ("c3", "FINISHED", 2, 0.43, 0.81, 0.82)], "val_accuracy", True, "b2"),
}

BEST_RUN_HINTS = {
    "a loss: lower is better": "for a loss the smallest value is best: use higher_is_better",
    "an accuracy: higher is better": "for an accuracy the largest value is best: use higher_is_better",
    "a crashed run with a better last value": "keep only runs whose status is FINISHED: a crashed run's last value "
                                              "was measured part-way through training",
    "a tie: the earlier run": "break a tie by start_time, earliest first: search_runs lists the newest run first",
    "a run without the metric": "skip runs where the metric is missing (NaN) before you take the best",
    "a Brier score: lower is better": "take the direction from higher_is_better, not from the metric's name",
}


@register(reference=_best_run_reference, also_right=[_best_run_by_loop],
          mistakes=[_best_run_ignoring_status, _best_run_always_highest, _best_run_latest_tie,
                    _best_run_returns_index, _best_run_numpy_argmax, _best_run_direction_from_name,
                    _best_run_no_missing_filter])
def best_run(fn) -> None:
    """Exercise 12.2: the best finished run by a validation metric, ties to the earliest."""
    for case, (rows, metric, higher, expected) in BEST_RUN_CASES.items():
        runs = runs_frame(rows)
        got = call(fn, runs.copy(), metric, higher, label=f"best_run(runs, {metric!r}, higher_is_better={higher})")
        if not isinstance(got, str):
            fail(f"best_run returned {describe(got)} for the case '{case}'; expected the run's id, a str such as "
                 f"{expected!r}. Hint: return the value in the run_id column, not the row's position or index.")
        if got != expected:
            fail(f"best_run chose run {got!r} in the case '{case}'; expected {expected!r}.\n"
                 f"The runs:\n{runs[['run_id', 'status', 'start_time', f'metrics.{metric}']].to_string(index=False)}\n"
                 f"Hint: {BEST_RUN_HINTS[case]}.")
    nothing = {
        "no run finished": [("f1", "FAILED", 0, 0.3, 0.9, 0.9), ("f2", "RUNNING", 1, 0.2, 0.9, 0.9)],
        "no finished run has the metric": [("f1", "FAILED", 0, 0.3, 0.9, 0.9), ("a2", "FINISHED", 1, np.nan, 0.9, 0.9)],
    }
    for case, rows in nothing.items():
        try:
            got = fn(runs_frame(rows), "val_loss", False)
        except NotImplementedError:
            raise
        except ValueError:
            continue
        except Exception as error:
            fail(f"best_run raised {type(error).__name__} ({error}) when {case}; expected a ValueError that says "
                 "so. Hint: check for an empty selection and `raise ValueError(...)`.")
        fail(f"best_run returned {describe(got)} when {case}; expected a ValueError. Hint: with nothing to choose "
             "from, say so (`raise ValueError(...)`) instead of returning a run that has no value to compare.")
    passed("best_run", f"right on {len(BEST_RUN_CASES)} sweeps (direction, crashed runs, ties, missing values) "
                       "and refuses to choose when no finished run has the metric")


# --------------------------------------------------------------------------------------------
# 12.3 why_not_reproduced
# --------------------------------------------------------------------------------------------


def _why_reference(original, rerun, tolerance):
    reasons = {}
    if original["seed"] is None:
        reasons["seed"] = "the run was not seeded"
    for field in ("data_sha256", "source_sha256"):
        if original[field] != rerun[field]:
            reasons[field.removesuffix("_sha256")] = f"{field} differs"
    if original["packages"] != rerun["packages"]:
        changed = sorted(k for k in original["packages"].keys() | rerun["packages"].keys()
                         if original["packages"].get(k) != rerun["packages"].get(k))
        reasons["environment"] = f"packages differ: {', '.join(changed)}"
    for name, value in original["metrics"].items():
        if name not in rerun["metrics"]:
            reasons[f"metric:{name}"] = "missing from the re-run"
        elif abs(rerun["metrics"][name] - value) > tolerance:
            reasons[f"metric:{name}"] = f"differs by {abs(rerun['metrics'][name] - value):.3g}"
    return reasons


def _why_by_sets(original, rerun, tolerance):
    same = {"data": original["data_sha256"] == rerun["data_sha256"],
            "source": original["source_sha256"] == rerun["source_sha256"],
            "environment": set(original["packages"].items()) == set(rerun["packages"].items()),
            "seed": original["seed"] is not None}
    for name, value in original["metrics"].items():
        again = rerun["metrics"].get(name, np.nan)
        same[f"metric:{name}"] = bool(np.abs(again - value) <= tolerance)
    return {key: f"{key} does not match" for key, ok in same.items() if not ok}


def _reasons_but_metrics(original, rerun, tolerance) -> dict:
    """The reference's reasons without the metric ones: the mistakes below differ only in how they compare metrics."""
    return {k: v for k, v in _why_reference(original, rerun, tolerance).items() if not k.startswith("metric:")}


def _why_exact_metrics(original, rerun, tolerance):
    """Metrics compared with ==: the tolerance is ignored, so a 1e-12 difference fails the run."""
    reasons = _reasons_but_metrics(original, rerun, tolerance)
    for name, value in original["metrics"].items():
        if rerun["metrics"].get(name) != value:
            reasons[f"metric:{name}"] = "differs"
    return reasons


def _why_one_sided(original, rerun, tolerance):
    """Only a metric that grew is reported (rerun - original > tolerance): a drop passes."""
    reasons = _reasons_but_metrics(original, rerun, tolerance)
    for name, value in original["metrics"].items():
        if name not in rerun["metrics"] or rerun["metrics"][name] - value > tolerance:
            reasons[f"metric:{name}"] = "differs"
    return reasons


def _why_trusts_the_seed_field(original, rerun, tolerance):
    """An unseeded run is not reported: its metrics may agree by luck, but it cannot be repeated."""
    return {k: v for k, v in _why_reference(original, rerun, tolerance).items() if k != "seed"}


def _why_package_names_only(original, rerun, tolerance):
    """Only the package names are compared: a new version of the same package passes."""
    reasons = {k: v for k, v in _why_reference(original, rerun, tolerance).items() if k != "environment"}
    if set(original["packages"]) != set(rerun["packages"]):
        reasons["environment"] = "packages differ"
    return reasons


def _why_skips_missing_metric(original, rerun, tolerance):
    """A metric missing from the re-run is skipped instead of reported."""
    return {k: v for k, v in _why_reference(original, rerun, tolerance).items()
            if not (k.startswith("metric:") and k.removeprefix("metric:") not in rerun["metrics"])}


def _why_isclose(original, rerun, tolerance):
    """np.isclose(a, b, atol=tolerance) keeps its default rtol=1e-5: a change of 3e-6 passes a 1e-9 tolerance."""
    reasons = _reasons_but_metrics(original, rerun, tolerance)
    for name, value in original["metrics"].items():
        if name not in rerun["metrics"] or not np.isclose(rerun["metrics"][name], value, atol=tolerance):
            reasons[f"metric:{name}"] = "differs"
    return reasons


def _why_relative(original, rerun, tolerance):
    """The tolerance is used as a relative one (difference / value): small metrics fail on tiny changes."""
    reasons = _reasons_but_metrics(original, rerun, tolerance)
    for name, value in original["metrics"].items():
        if name not in rerun["metrics"] or abs(rerun["metrics"][name] - value) / abs(value) > tolerance:
            reasons[f"metric:{name}"] = "differs"
    return reasons


def _why_one_way_packages(original, rerun, tolerance):
    """Only the original's packages are looked up in the re-run: a package added since passes."""
    reasons = {k: v for k, v in _why_reference(original, rerun, tolerance).items() if k != "environment"}
    if any(rerun["packages"].get(name) != version for name, version in original["packages"].items()):
        reasons["environment"] = "packages differ"
    return reasons


def _record_of(**changes) -> dict:
    record = {"seed": 0, "data_sha256": "1b7a90c2" * 8, "source_sha256": "71c32608" * 8,
              "packages": {"numpy": "2.4.6", "scikit-learn": "1.9.1", "pandas": "3.1.1"},
              "metrics": {"val_loss": 0.3931, "val_accuracy": 0.8551}}
    return record | changes


WHY_CASES = {
    # what the case tests: (original, rerun, tolerance, the expected reasons)
    "the same run": (_record_of(), _record_of(), 1e-9, set()),
    "a difference within the tolerance": (_record_of(), _record_of(metrics={"val_loss": 0.3931 + 1e-12, "val_accuracy": 0.8551}),
                                          1e-9, set()),
    "edited data": (_record_of(), _record_of(data_sha256="99e40253" * 8), 1e-9, {"data"}),
    "a metric that dropped": (_record_of(), _record_of(metrics={"val_loss": 0.3702, "val_accuracy": 0.8551}), 1e-3,
                              {"metric:val_loss"}),
    "an unseeded run": (_record_of(seed=None), _record_of(seed=None, metrics={"val_loss": 0.4105, "val_accuracy": 0.8551}),
                        1e-3, {"seed", "metric:val_loss"}),
    "a newer scikit-learn": (_record_of(), _record_of(packages={"numpy": "2.4.6", "scikit-learn": "1.10.0", "pandas": "3.1.1"}),
                             1e-9, {"environment"}),
    "changed code and a lost metric": (_record_of(), _record_of(source_sha256="00ff" * 16, metrics={"val_loss": 0.3931}),
                                       1e-9, {"source", "metric:val_accuracy"}),
    "an unseeded run that agrees by luck": (_record_of(seed=None), _record_of(seed=None), 1e-9, {"seed"}),
    "a change of 3e-6 at a tolerance of 1e-9": (_record_of(), _record_of(metrics={"val_loss": 0.3931 + 3e-6,
                                                                                "val_accuracy": 0.8551}), 1e-9,
                                                 {"metric:val_loss"}),
    "a small metric within the tolerance": (_record_of(metrics={"val_loss": 0.05, "val_accuracy": 0.8551}),
                                            _record_of(metrics={"val_loss": 0.0508, "val_accuracy": 0.8551}), 1e-3, set()),
    "a package added since": (_record_of(), _record_of(packages={"numpy": "2.4.6", "scikit-learn": "1.9.1",
                                                                 "pandas": "3.1.1", "scipy": "1.17.0"}),
                              1e-9, {"environment"}),
}

WHY_HINTS = {
    "a difference within the tolerance": "compare metrics with the tolerance, |re-run - original| <= tolerance, "
                                         "not with ==",
    "a metric that dropped": "a metric can differ in either direction: compare the absolute difference",
    "an unseeded run": "a run without a seed cannot be repeated: report 'seed' whenever the original seed is None",
    "an unseeded run that agrees by luck": "report 'seed' whenever the original seed is None, even if the metrics agree",
    "a newer scikit-learn": "compare each package's version, not only which packages are installed",
    "changed code and a lost metric": "a metric missing from the re-run is a reason too",
    "a change of 3e-6 at a tolerance of 1e-9": "np.isclose and math.isclose add a relative tolerance of their own; "
                                               "compare abs(re-run - original) with the tolerance yourself",
    "a small metric within the tolerance": "the tolerance is absolute: compare the difference itself, not the "
                                           "difference divided by the value",
    "a package added since": "compare the two package lists both ways: a package installed since the run counts",
}


@register(reference=_why_reference, also_right=[_why_by_sets],
          mistakes=[_why_exact_metrics, _why_one_sided, _why_trusts_the_seed_field, _why_package_names_only,
                    _why_skips_missing_metric, _why_isclose, _why_relative, _why_one_way_packages])
def why_not_reproduced(fn) -> None:
    """Exercise 12.3: every reason a re-run does not reproduce a run, as {reason: explanation}."""
    for case, (original, rerun, tolerance, expected) in WHY_CASES.items():
        got = call(fn, original, rerun, tolerance, label="why_not_reproduced(original, rerun, tolerance)")
        if not isinstance(got, dict) or not all(isinstance(k, str) and isinstance(v, str) and v for k, v in got.items()):
            fail(f"why_not_reproduced returned {describe(got)} for '{case}'; expected a dict from each reason "
                 "('seed', 'data', 'source', 'environment', 'metric:<name>') to a non-empty explanation. "
                 "Hint: start from `reasons = {}` and add `reasons['data'] = '...'` for each difference; "
                 "return {} when the run reproduces.")
        if set(got) != expected:
            extra, missing = sorted(set(got) - expected), sorted(expected - set(got))
            hint = WHY_HINTS.get(case, "look at which fields differ between the two records")
            fail(f"for '{case}' (tolerance {tolerance:g}) why_not_reproduced gave the reasons {sorted(got)}; "
                 f"expected {sorted(expected)} (missing {missing}, not expected {extra}). Hint: {hint}.")
    passed("why_not_reproduced", f"right reasons in {len(WHY_CASES)} cases: data, source, environment, seed, "
                                 "metrics within the tolerance")
