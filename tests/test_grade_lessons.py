"""Grading every lesson: the solution gets full marks, the unsolved exercise zero, nbval as before."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from mlcourse.course import ROOT
from mlcourse.workbook import grade, notebooks

STEMS = sorted(p.stem for p in (ROOT / "solutions").glob("[0-9][0-9]_*.py"))


@pytest.fixture(scope="module")
def every_lesson(built, tmp_path_factory):
    """Every solution and every unsolved exercise, graded in one batch on both cores."""
    folder = tmp_path_factory.mktemp("every-lesson")
    for stem in STEMS:
        for kind in ("solutions", "exercises"):
            (folder / kind).mkdir(exist_ok=True)
            (folder / kind / f"{stem}.ipynb").write_bytes((built / kind / f"{stem}.ipynb").read_bytes())
    grades = grade.grade([folder], jobs=2)
    return {(Path(g.notebook).parent.name, Path(g.notebook).stem): g for g in grades}


@pytest.mark.parametrize("stem", STEMS)
def test_the_solution_gets_full_marks_out_of_the_lessons_exercises(every_lesson, stem):
    solved = every_lesson[("solutions", stem)]
    assert solved.lesson == stem and solved.problem is None and solved.errors == [] and solved.flags == []
    assert solved.results and all(r.passed for r in solved.results), solved.results
    assert [r.number for r in solved.results] == [e.number for e in grade.lesson_exercises(stem)]
    assert all(r.message.startswith("✓ ") and "mlcourse-graded" not in r.message for r in solved.results)


@pytest.mark.parametrize("stem", STEMS)
def test_the_unsolved_exercise_scores_zero_and_fails_at_its_check_cells_only(every_lesson, stem):
    """No cell but the checks calls the learner's function, so an unsolved notebook fails exactly there."""
    unsolved = every_lesson[("exercises", stem)]
    assert unsolved.problem is None and unsolved.errors == []
    assert unsolved.passed == 0 and len(unsolved.results) == len(grade.lesson_exercises(stem))
    assert all("is not written yet" in r.message and "Exercise" in r.message for r in unsolved.results), unsolved.results


def test_grading_with_nbval_fails_one_test_per_unsolved_check(built):
    """The grading command learners use: `pytest --nbval-lax exercises/NN_x.ipynb`."""
    path = built / "exercises" / "00_welcome.ipynb"
    checks = len(grade.exercises(notebooks.read(path)))
    result = subprocess.run([sys.executable, "-m", "pytest", "--nbval-lax", "-p", "no:cacheprovider", str(path)],
                            cwd=built, capture_output=True, text=True, timeout=300)
    assert re.search(rf"\b{checks} failed\b", result.stdout), result.stdout[-2000:]
    assert "is not written yet" in result.stdout


def test_lesson_00s_exercise_notebook_never_imports_torch(built):
    """`from mlcourse import check` imports only the checks a notebook uses (issue: 2.9 s and 350 MB before)."""
    nb = notebooks.read(built / "solutions" / "00_welcome.ipynb")
    nb.cells.append(nbformat.v4.new_code_cell("import sys\nprint(sorted({'torch', 'optuna', 'sklearn'} & set(sys.modules)))"))
    run = notebooks.run(nb, built / "solutions")
    assert run.problem is None and notebooks.cell_text(run.nb.cells[-1]).strip() == "[]"
