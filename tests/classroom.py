"""Submissions a class would hand in, made from the built notebooks: solved, unsolved, half done, tampered.

Also a script, to measure grading a class of any size:
``python tests/classroom.py OUT --learners 10 --lessons 00_welcome 03_gradient_descent 05_data_preparation``
"""

from __future__ import annotations

import argparse
import copy
from pathlib import Path

import nbformat

from mlcourse.workbook import grade

ROOT = Path(__file__).resolve().parent.parent


def notebook(root: Path, kind: str, stem: str) -> nbformat.NotebookNode:
    return nbformat.read(root / kind / f"{stem}.ipynb", as_version=4)


def check_cell(nb: nbformat.NotebookNode, number: str) -> int:
    return next(e.cell for e in grade.exercises(nb) if e.number == number)


def with_cell(nb: nbformat.NotebookNode, after: int, source: str) -> nbformat.NotebookNode:
    """A copy of ``nb`` with a new code cell after cell ``after`` (-1: first)."""
    nb = copy.deepcopy(nb)
    nb.cells.insert(after + 1, nbformat.v4.new_code_cell(source))
    return nb


def half_done(root: Path, stem: str, solved: set[str]) -> nbformat.NotebookNode:
    """The exercise notebook with the answers of the exercises in ``solved`` filled in from the solution."""
    exercise, solution = notebook(root, "exercises", stem), notebook(root, "solutions", stem)
    answers = {e.number: e.cell - 1 for e in grade.exercises(solution)}  # the answer cell sits above its check
    for number in solved:
        exercise.cells[answers[number]].source = solution.cells[answers[number]].source
    return exercise


def make_class(folder: Path, root: Path, learners: int, stems: list[str]) -> list[Path]:
    """``folder/learner-NN/<stem>.ipynb``: every even learner's work complete, every odd one's partly done."""
    written = []
    for k in range(learners):
        for stem in stems:
            numbers = [e.number for e in grade.exercises(notebook(root, "exercises", stem))]
            solved = {n for i, n in enumerate(numbers) if (k + i) % 3 != 0} if k % 2 else set(numbers)
            path = folder / f"learner-{k:02d}" / f"{stem}.ipynb"
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(half_done(root, stem, solved), path)
            written.append(path)
    return written


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--learners", type=int, default=10)
    parser.add_argument("--lessons", nargs="+", default=["00_welcome", "03_gradient_descent", "05_data_preparation"])
    args = parser.parse_args()
    print(f"wrote {len(make_class(args.out, ROOT, args.learners, args.lessons))} submissions under {args.out}")
