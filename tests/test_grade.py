"""Grading: check cells become pass/fail, whatever the notebooks throw at it."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys

import pytest

from conftest import copy_sources, run_cli, write_notebook
from mlcourse import build, grade, notebooks
from mlcourse.course import ROOT

STEMS = sorted(p.stem for p in (ROOT / "solutions").glob("[0-9][0-9]_*.py"))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A fresh build of the course, so a learner's own work never affects these tests."""
    root = copy_sources(tmp_path_factory.mktemp("course"))
    build.build(root, force=True)  # exercises come from the solutions, whatever the copy held
    return root


@pytest.mark.parametrize("stem", STEMS)
def test_unsolved_exercises_fail_exactly_at_their_check_cells_and_grade_zero(built, stem):
    path = built / "exercises" / f"{stem}.ipynb"
    run = notebooks.execute(path)
    assert run.problem is None
    found = grade.exercises(run.nb)
    failing = [i for i, cell in enumerate(run.nb.cells) if cell.cell_type == "code" and notebooks.cell_error(cell)]
    assert failing == [exercise.cell for exercise in found]
    unsolved = grade.verdicts(run, found)
    assert unsolved and not any(r.passed for r in unsolved)
    assert all("is not written yet" in r.message and "Exercise" in r.message for r in unsolved)


@pytest.mark.parametrize("stem", STEMS)
def test_grade_scores_solutions_full_marks(built, stem):
    [solved] = grade.grade([built / "solutions" / f"{stem}.ipynb"])
    assert solved.results and all(r.passed for r in solved.results), solved.results
    assert all(re.fullmatch(r"\d+\.\d+", r.number) for r in solved.results)
    expected = {e.number for e in grade.exercises(notebooks.read(built / "exercises" / f"{stem}.ipynb"))}
    assert {r.number for r in solved.results} == expected


def test_grading_with_nbval_fails_one_test_per_unsolved_check(built):
    """The grading command learners use: `pytest --nbval-lax exercises/NN_x.ipynb`."""
    path = built / "exercises" / "00_welcome.ipynb"
    checks = len(grade.exercises(notebooks.read(path)))
    result = subprocess.run([sys.executable, "-m", "pytest", "--nbval-lax", "-p", "no:cacheprovider", str(path)],
                            cwd=built, capture_output=True, text=True, timeout=300)
    assert re.search(rf"\b{checks} failed\b", result.stdout), result.stdout[-2000:]
    assert "is not written yet" in result.stdout


def test_grade_command_prints_a_table_with_messages_and_scores(built):
    result = run_cli("grade", "exercises/00_welcome.ipynb", "solutions/00_welcome.ipynb", cwd=built)
    assert result.returncode == 1  # something failed
    assert "| exercises/00_welcome.ipynb | 0.1      | accuracy" in result.stdout
    assert "score 0/2  exercises/00_welcome.ipynb" in result.stdout
    assert "score 2/2  solutions/00_welcome.ipynb" in result.stdout
    assert run_cli("grade", "solutions/", cwd=built).returncode == 0


def test_grade_exports_json_and_csv_for_instructors(built):
    as_json = json.loads(run_cli("grade", "--json", "exercises/00_welcome.ipynb", cwd=built).stdout)
    assert as_json[0]["score"] == "0/2" and as_json[0]["results"][1]["number"] == "0.2"
    rows = list(csv.DictReader(io.StringIO(run_cli("grade", "--csv", "solutions/00_welcome.ipynb", cwd=built).stdout)))
    assert [(r["exercise"], r["passed"], r["score"]) for r in rows] == [("0.1", "True", "2/2"), ("0.2", "True", "2/2")]


def test_grade_one_exercise_by_number(built):
    result = run_cli("grade", "--exercise", "0.2", "solutions/00_welcome.ipynb", cwd=built)
    assert result.returncode == 0 and "missing_share" in result.stdout and "accuracy" not in result.stdout


EXERCISE = ("markdown", "**Exercise 1.1** — write f")


def test_a_hanging_or_crashing_notebook_is_reported_and_the_rest_still_graded(tmp_path):
    hangs = write_notebook(tmp_path / "class" / "a_hangs.ipynb", EXERCISE, ("code", "import time\nwhile True:\n    time.sleep(0.05)"),
                           ("code", "check.f(1)"))
    crashes = write_notebook(tmp_path / "class" / "b_crashes.ipynb", EXERCISE, ("code", "import os\nos._exit(1)"),
                             ("code", "check.f(1)"))
    fine = write_notebook(tmp_path / "class" / "c_fine.ipynb", EXERCISE,
                          ("code", "class check:\n    def f(x):\n        print('✓ f: right')"), ("code", "check.f(1)"))
    results = {g.notebook: g for g in grade.grade([tmp_path / "class"], cell_timeout=3)}
    assert results[str(hangs)].score == "0/1" and "NameError" in results[str(hangs)].results[0].message
    assert results[str(crashes)].score == "0/1" and "kernel died" in results[str(crashes)].problem
    assert "not run" in results[str(crashes)].results[0].message
    assert results[str(fine)].score == "1/1" and results[str(fine)].results[0].message == "✓ f: right"


def test_a_check_that_loops_forever_is_interrupted_and_failed(tmp_path):
    loops = write_notebook(tmp_path / "loops.ipynb", EXERCISE, ("code", "class check:\n    def f(x):\n        while True: pass"),
                           ("code", "check.f(1)"))
    [result] = grade.grade_notebook(loops, cell_timeout=2).results
    assert not result.passed and "time limit" in result.message


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda d: d / "nowhere.ipynb", "no such file or folder"),
        (lambda d: (d / "notes.txt").write_text("hello") and d / "notes.txt", "not a notebook"),
        (lambda d: (d / "broken.ipynb").write_text('{"cells": [') and d / "broken.ipynb", "not valid notebook JSON"),
        (lambda d: (d / "empty").mkdir() or d / "empty", "no notebooks"),
    ],
    ids=["missing", "not-a-notebook", "corrupt", "empty-folder"],
)
def test_bad_input_gets_one_clear_line_and_a_nonzero_exit(tmp_path, make, says):
    result = run_cli("grade", str(make(tmp_path)))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert says in result.stderr


def test_an_exercise_number_that_does_not_exist_is_a_clear_error(built):
    result = run_cli("grade", "--exercise", "9.9", "solutions/00_welcome.ipynb", cwd=built)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "exercise 9.9 does not exist" in result.stderr and "0.1, 0.2" in result.stderr


def test_a_corrupt_notebook_in_a_class_folder_is_reported_not_fatal(tmp_path):
    (tmp_path / "broken.ipynb").write_text("{")
    fine = write_notebook(tmp_path / "fine.ipynb", EXERCISE, ("code", "class check:\n    def f(x): pass"), ("code", "check.f(1)"))
    results = {g.notebook: g for g in grade.grade([tmp_path])}
    assert "not valid notebook JSON" in results[str(tmp_path / "broken.ipynb")].problem
    assert results[str(fine)].score == "1/1"
