"""Shared fixtures: a scratch copy of the course, and small notebooks to grade."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from mlcourse.course import KERNEL_NAME, ROOT

# The test files whose fixtures take longest (grading whole lessons in the sandbox): scheduled first,
# so that a worker is not still grading after the other has finished everything else.
FIRST = ("test_grade_lessons.py", "test_grade.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.path.name not in FIRST)  # a stable sort: the order is kept otherwise


def copy_sources(root: Path) -> Path:
    """Copy the course's sources (no notebooks, no learner's work) into ``root``."""
    for folder in ("lessons", "solutions", "exercises", "docs"):
        shutil.copytree(ROOT / folder, root / folder, ignore=shutil.ignore_patterns("*.ipynb", "__pycache__"))
    shutil.copy(ROOT / "README.md", root / "README.md")
    return root


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A copy of the course's sources in a temporary folder, safe to edit and build."""
    return copy_sources(tmp_path)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A fresh build of the course, so a learner's own work never affects the tests that grade it."""
    from mlcourse.workbook import build

    root = copy_sources(tmp_path_factory.mktemp("course"))
    build.build(root, force=True)  # exercises come from the solutions, whatever the copy held
    return root


def write_notebook(path: Path, *cells: tuple[str, str]) -> Path:
    """Write a notebook made of ``(cell_type, source)`` pairs, using the course kernel."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": KERNEL_NAME, "language": "python"}
    make = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell}
    nb.cells = [make[kind](source) for kind, source in cells]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """Run ``python -m mlcourse ARGS`` as a learner would, capturing its output."""
    return subprocess.run([sys.executable, "-m", "mlcourse", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="session")
def empty_store(tmp_path_factory):
    """An MLflow database with its tables made: creating them takes seconds, copying it does not."""
    from mlflow.tracking import MlflowClient

    from mlcourse import tracking

    folder = tmp_path_factory.mktemp("empty-store")
    MlflowClient(tracking.tracking_uri(folder)).search_experiments()
    return folder / "mlflow.db"


@pytest.fixture
def state(tmp_path, monkeypatch, empty_store):
    """A private course state folder: runs, MLflow store, key; also for subprocesses."""
    from mlcourse import privacy, tracking

    (tmp_path / "mlflow").mkdir()
    shutil.copyfile(empty_store, tmp_path / "mlflow" / "mlflow.db")
    monkeypatch.setenv("MLCOURSE_STATE_DIR", str(tmp_path))
    monkeypatch.setattr(tracking, "RUNS_DIR", tmp_path / "runs")
    monkeypatch.setattr(tracking, "STORE_DIR", tmp_path / "mlflow")
    monkeypatch.setattr(privacy, "KEY_FILE", tmp_path / "pseudonym.key")
    return tmp_path
