"""`make test` lints first (ruff, configured in pyproject.toml): these pin what it covers."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUFF = [sys.executable, "-m", "ruff", "check", "--output-format", "concise"]


def lint(source: str, as_file: str) -> subprocess.CompletedProcess:
    """Lint ``source`` as if it were the repository file ``as_file``."""
    return subprocess.run([*RUFF, "--stdin-filename", as_file, "-"], input=source, cwd=ROOT,
                          capture_output=True, text=True, encoding="utf-8", timeout=60)


def test_the_course_is_lint_free():
    result = subprocess.run(RUFF, cwd=ROOT, capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("as_file", ["mlcourse/new.py", "tests/test_new.py", "lessons/99_new.py",
                                     "solutions/99_new.py", "mlcourse/check/new.py"])
def test_a_lint_error_is_reported_with_its_file_and_line(as_file):
    result = lint("import os\n\nfor a in [1]:\n    print(zip([a], [a]))\n", as_file)
    assert result.returncode == 1
    assert f"{as_file}:1:8: F401" in result.stdout  # unused import
    assert f"{as_file}:4:11: B905" in result.stdout  # zip() without strict=


def test_an_exercise_may_import_what_its_answer_will_need():
    assert lint("import numpy as np\n", "exercises/99_new.py").returncode == 0
    assert "B905" in lint("print(zip([1], [2]))\n", "exercises/99_new.py").stdout


def test_make_test_lints_before_it_runs_the_suite():
    recipe = (ROOT / "Makefile").read_text(encoding="utf-8").split("\ntest: build\n", 1)[1].split("\n\n", 1)[0]
    assert recipe.index("ruff check") < recipe.index("pytest")
