"""Grade exercise notebooks: every check cell is one exercise, pass or fail.

``pytest --nbval-lax exercises/NN_x.ipynb`` gives the same verdicts as a test
run; ``mlcourse grade`` adds what an instructor needs for a class: a table per
learner with the check's own message, a score, and JSON or CSV output. A
notebook that hangs or kills its kernel is reported and the rest still graded.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from mlcourse import notebooks
from mlcourse.errors import CourseError
from mlcourse.tables import markdown_table

EXERCISE_HEADING = re.compile(r"\*\*Exercise\s+(\d+\.\d+)\*\*")
CHECK_CALL = re.compile(r"^\s*check\.(\w+)\(", re.MULTILINE)
SKIPPED_FOLDERS = {".ipynb_checkpoints", "backups", ".venv"}


@dataclass
class Exercise:
    """An exercise as found in a notebook: its check cell, number and the function it checks."""

    cell: int
    number: str
    title: str  # the name of the function the learner writes, as the check cell names it


@dataclass
class Result:
    number: str
    title: str
    passed: bool
    message: str


@dataclass
class NotebookGrade:
    notebook: str
    results: list[Result] = field(default_factory=list)
    problem: str | None = None
    seconds: float = 0.0

    @property
    def score(self) -> str:
        return f"{sum(r.passed for r in self.results)}/{len(self.results)}"


def exercises(nb) -> list[Exercise]:
    """Check cells in order, each numbered by the ``**Exercise N.M**`` heading above it."""
    found, number = [], "?"
    for index, cell in enumerate(nb.cells):
        source = cell.get("source", "")
        if cell.cell_type == "markdown" and (heading := EXERCISE_HEADING.search(source)):
            number = heading[1]
        elif cell.cell_type == "code" and (call := CHECK_CALL.search(source)):
            found.append(Exercise(index, number, call[1]))
    return found


def _verdict(cell, exercise: Exercise, problem: str | None) -> Result:
    error = notebooks.cell_error(cell)
    if cell.get("execution_count") is None and not cell.get("outputs"):
        reason = problem or "the check cell did not run"
        return Result(exercise.number, exercise.title, False, f"not run: {reason}")
    if error is None:
        message = notebooks.cell_text(cell).strip().splitlines()
        return Result(exercise.number, exercise.title, True, message[-1] if message else "passed")
    if error.startswith("NameError"):
        error += " (did the cell that defines it run without an error?)"
    if error.startswith("KeyboardInterrupt"):
        error = "interrupted: the check ran past the time limit (an endless loop?)"
    return Result(exercise.number, exercise.title, False, error)


def grade_notebook(path: Path, cell_timeout: float = 60.0, only: str | None = None) -> NotebookGrade:
    """Execute one notebook and turn each check cell's outcome into a Result."""
    grade = NotebookGrade(str(path))
    try:
        found = exercises(notebooks.read(path))
    except CourseError as error:
        grade.problem = str(error)
        return grade
    if only is not None:
        if only not in {e.number for e in found}:
            numbers = ", ".join(sorted({e.number for e in found})) or "none"
            raise CourseError(f"exercise {only} does not exist in {path}; its exercises are: {numbers}")
        found = [e for e in found if e.number == only]
    if not found:
        grade.problem = "no check cells found (cells calling check.<name>(...))"
        return grade
    run = notebooks.execute(path, cell_timeout)
    grade.problem, grade.seconds, grade.results = run.problem, run.seconds, verdicts(run, found)
    return grade


def verdicts(run: notebooks.Run, found: list[Exercise]) -> list[Result]:
    """One Result per exercise of an executed notebook."""
    return [_verdict(run.nb.cells[e.cell], e, run.problem) for e in found]


def collect(paths: list[Path]) -> list[Path]:
    """Notebooks named directly (validated strictly) or found under folders."""
    found = []
    for path in map(Path, paths):
        if path.is_dir():
            inside = sorted(
                p for p in path.rglob("*.ipynb") if not SKIPPED_FOLDERS.intersection(p.relative_to(path).parts)
            )
            if not inside:
                raise CourseError(f"{path}: no notebooks (.ipynb) in this folder")
            found.extend(inside)
        else:
            notebooks.read(path)  # a bad path given directly is the caller's mistake: say so now
            found.append(path)
    return found


def grade(paths: list[Path], cell_timeout: float = 60.0, only: str | None = None) -> list[NotebookGrade]:
    return [grade_notebook(path, cell_timeout, only) for path in collect(paths)]


def as_table(grades: list[NotebookGrade]) -> str:
    rows = []
    for g in grades:
        rows += [[g.notebook, r.number, r.title, "PASS" if r.passed else "FAIL", r.message] for r in g.results]
        if g.problem:
            rows.append([g.notebook, "", "", "ERROR", g.problem])
    table = markdown_table(["notebook", "exercise", "title", "result", "message"], rows)
    scores = "\n".join(f"score {g.score}  {g.notebook}" for g in grades)
    return f"{table}\n\n{scores}"


def as_json(grades: list[NotebookGrade]) -> str:
    return json.dumps([asdict(g) | {"score": g.score} for g in grades], indent=2, ensure_ascii=False)


def as_csv(grades: list[NotebookGrade]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["notebook", "exercise", "title", "passed", "message", "score", "problem"])
    for g in grades:
        for r in g.results or [Result("", "", False, "")]:
            writer.writerow([g.notebook, r.number, r.title, r.passed, r.message, g.score, g.problem or ""])
    return out.getvalue()
