"""Experiment tracking: what a run record holds, the course's MLflow store, and the reproduce check.

A run record answers the questions a reviewer asks of a result: which code
(commit, and hashes of the files that ran), which data (its SHA-256), which
environment (every installed package and version), which settings, when, did it
finish, and what it measured at every step. ``mlcourse.train`` writes one for
every run; :func:`reproduce` re-runs it from the record and says PASS or FAIL,
with every reason.

Import this module before ``mlflow``: it sets the variables that keep MLflow
offline and quiet (no telemetry DNS lookups, no git warnings, no INFO lines
when the store is created).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata as metadata
import json
import os
import platform
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from mlcourse.course import ROOT, STATE_DIR
from mlcourse.data import sha256
from mlcourse.errors import CourseError

QUIET_MLFLOW = {
    "MLFLOW_DISABLE_TELEMETRY": "true",  # otherwise every logging process tries a DNS lookup
    "GIT_PYTHON_REFRESH": "quiet",  # MLflow records the git commit; no warning where git is missing
    "MLFLOW_LOGGING_LEVEL": "WARNING",  # no INFO lines for each migration of a new store
    "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",  # the UI server without its GenAI job workers (~1 GB less)
}
os.environ.update({name: os.environ.get(name, value) for name, value in QUIET_MLFLOW.items()})

STORE_DIR = STATE_DIR / "mlflow"
RUNS_DIR = STATE_DIR / "runs"
EXPERIMENT = "penguin-species"
REPORTED_PACKAGES = ("numpy", "pandas", "scikit-learn", "torch", "mlflow")


def tracking_uri(store_dir: Path | None = None) -> str:
    """The course's MLflow store: one SQLite file (``.course/mlflow/mlflow.db``), no server needed."""
    return f"sqlite:///{(store_dir or STORE_DIR) / 'mlflow.db'}"


def artifact_root(store_dir: Path | None = None) -> str:
    """Where MLflow keeps each run's files (models, records): next to the database."""
    return ((store_dir or STORE_DIR) / "artifacts").as_uri()


def use_store(experiment: str = EXPERIMENT, store_dir: Path | None = None) -> str:
    """Point MLflow at the course store and at ``experiment`` (made if new); return its id."""
    import mlflow

    (store_dir or STORE_DIR).mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(tracking_uri(store_dir))
    found = mlflow.get_experiment_by_name(experiment)
    experiment_id = found.experiment_id if found else mlflow.create_experiment(
        experiment, artifact_location=f"{artifact_root(store_dir)}/{experiment}")
    mlflow.set_experiment(experiment_id=experiment_id)
    return experiment_id


def ui_command(port: int, store_dir: Path | None = None) -> list[str]:
    """``mlflow server`` on the course store, 127.0.0.1 only, one worker (about 0.5 GB instead of 2.4)."""
    from mlcourse import servers

    store = store_dir or STORE_DIR
    return [servers.python_tool("mlflow"), "server", "--backend-store-uri", tracking_uri(store),
            "--default-artifact-root", artifact_root(store), "--host", servers.HOST, "--port", str(port),
            "--workers", "1"]


def start_ui(port: int | None = None, store_dir: Path | None = None):
    """Start MLflow's UI on the course store and return the :class:`~mlcourse.servers.Server` once it answers."""
    from mlcourse import servers

    (store_dir or STORE_DIR).mkdir(parents=True, exist_ok=True)
    return servers.start("mlflow", lambda free: ui_command(free, store_dir), port=port, timeout=120)


@functools.cache
def _distributions() -> tuple[tuple[str, str], ...]:
    """Read once per process: parsing every package's metadata takes a third of a second."""
    found = {}
    for dist in metadata.distributions():
        name = (dist.metadata["Name"] or "").lower().replace("_", "-")
        if name:
            found[name] = dist.version
    return tuple(sorted(found.items()))


def installed_packages() -> dict[str, str]:
    """Every distribution installed in this Python, name (lower case) to version: the environment's lock.

    Read once per process; a package installed since then shows in a new process (a new kernel).
    """
    return dict(_distributions())


OWN_PACKAGE = "mlcourse"  # installed from the course folder itself: the record hashes its files instead


def lock_text(packages: dict[str, str]) -> str:
    """The packages as a pip lock (``name==version`` per line), the file a run keeps.

    The course's own package is left out: it is not on PyPI, and the run's
    source snapshot already identifies its code.
    """
    return "".join(f"{name}=={version}\n" for name, version in packages.items() if name != OWN_PACKAGE)


def environment(packages: dict[str, str] | None = None) -> dict:
    """Python, platform, the versions that matter most, and a hash of the whole lock."""
    packages = installed_packages() if packages is None else packages
    return {
        "python": platform.python_version(),
        "platform": f"{platform.system()} {platform.machine()}",
        "packages": {name: packages.get(name, "not installed") for name in REPORTED_PACKAGES},
        "lock_sha256": hashlib.sha256(lock_text(packages).encode()).hexdigest(),
        "lock_file": "requirements.lock",
    }


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def source_snapshot(files: list[str]) -> dict:
    """The git commit, whether the tree had uncommitted changes, and the SHA-256 of each file that ran.

    The commit says where to find the code; the file hashes prove it is the
    same code, even in a tree with uncommitted changes or outside git.
    """
    status = _git("status", "--porcelain", "--untracked-files=no")
    return {
        "commit": _git("rev-parse", "HEAD"),
        "dirty": None if status is None else bool(status),
        "files": {name: sha256(ROOT / name) for name in files},
    }


def data_reference(path: Path) -> str:
    """The data path as a record keeps it: relative to the course when inside it, so it works on any clone."""
    path = Path(path).resolve()
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)


def resolve_data(reference: str) -> Path:
    path = Path(reference)
    return path if path.is_absolute() else ROOT / path


# --------------------------------------------------------------------------------------------
# Reproduce: re-run a recorded run and compare
# --------------------------------------------------------------------------------------------

DEFAULT_TOLERANCE = 1e-9  # the same code, data, seed and environment on the same machine give the same bits


@dataclass
class Verdict:
    """PASS when ``reasons`` is empty. ``notes`` are differences that do not fail it."""

    run_id: str
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rerun: dict | None = None

    @property
    def passed(self) -> bool:
        return not self.reasons

    def report(self) -> str:
        lines = [f"{'PASS' if self.passed else 'FAIL'}: run {self.run_id} "
                 + ("reproduces" if self.passed else f"does not reproduce ({len(self.reasons)} reason{'s' if len(self.reasons) > 1 else ''})")]
        lines += [f"  - {reason}" for reason in self.reasons]
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)


def _lock_differences(old: dict[str, str], new: dict[str, str], show: int = 5) -> str:
    changed = sorted(name for name in old.keys() | new.keys() if old.get(name) != new.get(name))
    described = [f"{name} {old.get(name, 'absent')} -> {new.get(name, 'absent')}" for name in changed[:show]]
    return ", ".join(described) + (f" and {len(changed) - show} more" if len(changed) > show else "")


def compare(original: dict, rerun: dict, tolerance: float = DEFAULT_TOLERANCE,
            old_lock: dict[str, str] | None = None, new_lock: dict[str, str] | None = None) -> Verdict:
    """Every reason the re-run ``rerun`` does not reproduce ``original`` (both run records)."""
    verdict = Verdict(original["id"], rerun=rerun)
    reasons, notes = verdict.reasons, verdict.notes
    if original["params"].get("seed") is None:
        reasons.append("seed: the run was not seeded, so its random choices cannot be repeated")
    if original["data"]["sha256"] != rerun["data"]["sha256"]:
        reasons.append(f"data: {original['data']['path']} has changed since the run (SHA-256 "
                       f"{original['data']['sha256'][:12]}… then, {rerun['data']['sha256'][:12]}… now)")
    changed = [name for name, digest in original["source"]["files"].items()
               if rerun["source"]["files"].get(name) != digest]
    if changed:
        reasons.append(f"source: {', '.join(changed)} changed since the run")
    if original["source"].get("dirty"):
        notes.append("the run was made from a tree with uncommitted changes: its commit alone does not identify the code")
    old_env, new_env = original["environment"], rerun["environment"]
    if old_env["python"] != new_env["python"]:
        reasons.append(f"environment: Python {old_env['python']} then, {new_env['python']} now")
    if old_env["lock_sha256"] != new_env["lock_sha256"]:
        detail = _lock_differences(old_lock, new_lock) if old_lock is not None and new_lock is not None else ""
        reasons.append("environment: the installed packages differ" + (f" ({detail})" if detail else ""))
    if old_env["platform"] != new_env["platform"]:
        notes.append(f"recorded on {old_env['platform']}, re-run on {new_env['platform']}")
    for name, value in original["metrics"].items():
        again = rerun["metrics"].get(name)
        if again is None:
            reasons.append(f"metric {name}: missing from the re-run")
        elif abs(again - value) > tolerance:
            reasons.append(f"metric {name}: {value:.6g} then, {again:.6g} now "
                           f"(differs by {abs(again - value):.2g}, tolerance {tolerance:g})")
    return verdict


def read_lock(path: Path) -> dict[str, str]:
    """A ``requirements.lock`` file back into ``{name: version}``."""
    pairs = (line.split("==", 1) for line in path.read_text(encoding="utf-8").splitlines() if "==" in line)
    return {name: version for name, version in pairs}


def find_record(run_id: str, runs_dir: Path | None = None) -> Path:
    """The folder of the run record ``run_id`` (a unique prefix of 6 or more characters will do)."""
    runs_dir = runs_dir or RUNS_DIR
    if len(run_id) < 6:
        raise CourseError(f"run id {run_id!r} is too short: give at least 6 characters")
    matches = sorted(path.parent for path in runs_dir.glob(f"{run_id}*/run.json"))
    if len(matches) > 1:
        raise CourseError(f"run id {run_id!r} matches {len(matches)} runs: give more characters")
    if matches:
        return matches[0]
    if _in_mlflow(run_id):
        raise CourseError(f"run {run_id} is in the MLflow store but has no run record: it was not made by "
                          "`python -m mlcourse.train`, so it cannot be re-run from its record")
    if not runs_dir.is_dir():
        raise CourseError(f"no run records yet: {runs_dir} does not exist; make one with `python -m mlcourse.train`")
    raise CourseError(f"no run {run_id!r} in {runs_dir} (list them with `ls {runs_dir}`)")


def _in_mlflow(run_id: str) -> bool:
    """True when ``run_id`` is a run in the course's MLflow store (a run made by hand, without a record)."""
    if not (STORE_DIR / "mlflow.db").exists():
        return False
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    try:
        MlflowClient(tracking_uri()).get_run(run_id)
    except MlflowException:
        return False
    return True


def reproduce(run_id: str, runs_dir: Path | None = None, tolerance: float = DEFAULT_TOLERANCE) -> Verdict:
    """Re-run the recorded run ``run_id`` from its record, in a scratch folder, and compare the two."""
    from mlcourse import train

    folder = find_record(run_id, runs_dir)
    original = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    if original.get("status") != "FINISHED":
        raise CourseError(f"run {original['id']} ended {original.get('status')}: only a finished run can be reproduced")
    data_path = resolve_data(original["data"]["path"])
    if not data_path.exists():
        raise CourseError(f"run {original['id']} used {data_path}, which no longer exists")
    with tempfile.TemporaryDirectory(prefix="mlcourse-reproduce-") as scratch:
        rerun = train.run(train.Params(**original["params"]), data_path, runs_dir=Path(scratch), quiet=True)
        new_lock = read_lock(Path(scratch) / rerun["id"] / "requirements.lock")
    old_lock_file = folder / original["environment"]["lock_file"]
    old_lock = read_lock(old_lock_file) if old_lock_file.exists() else None
    return compare(original, rerun, tolerance, old_lock, new_lock)


def main_reproduce(run_id: str, tolerance: float) -> int:
    """``mlcourse reproduce``: print the verdict; exit 0 on PASS, 1 on FAIL."""
    verdict = reproduce(run_id, tolerance=tolerance)
    print(verdict.report())
    return 0 if verdict.passed else 1
