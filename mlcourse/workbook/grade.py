"""Grade submissions: every exercise of the lesson gets a verdict, whatever the notebook does.

How one submission is graded, and why:

1. **The grader knows the lesson.** It tells the lesson from the notebook's
   metadata (or its file name) and takes the exercises and their check cells
   from the course's own sources, so the score is always out of the lesson's
   exercise count. A check cell that is missing or was edited is a FAIL that
   says so.
2. **The checks cannot be talked round.** The grader runs its own copy of
   each check cell, which imports the checks afresh (see :mod:`graded`),
   refuses a function the notebook did not define, and prints a secret token
   only when the check passed: a cell that merely looks green does not count.
   Code that rewrites the interpreter itself can beat any check that runs in
   its process, so :mod:`review` flags such code for the instructor.
3. **The submission runs in a sandbox** (:mod:`sandbox`): a scratch folder of
   its own, a read-only course, no network, limits on memory, time and output.
4. **One submission, one JSON result**: ``mlcourse grade NB --results DIR``
   on any machine; :mod:`gradebook` merges the results of a whole class.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import nbformat
import psutil
from jupyter_client import AsyncKernelManager
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from tqdm.auto import tqdm

from mlcourse.course import LESSONS, ROOT
from mlcourse.errors import CourseError
from mlcourse.workbook import graded, notebooks, review, sandbox

EXERCISE_HEADING = re.compile(r"\*\*Exercise\s+(\d+\.\d+)\*\*")
CHECK_CALL = re.compile(r"^\s*check\.(\w+)\(", re.MULTILINE)
LESSON_STEM = re.compile(r"\d\d_[a-z0-9_]+")
SKIPPED_FOLDERS = {".ipynb_checkpoints", "backups", ".venv"}
# In the sandbox the kernel works in a private, size-capped temp folder; the scratch folder on the
# grader's disk holds only its sockets and connection file, so anything past this is an attack.
SCRATCH_DISK_LIMIT = 16 * 2**20


@dataclass(frozen=True)
class Exercise:
    """An exercise as the course defines it: its check cell, number and the function it checks."""

    cell: int  # index of the check cell in the notebook it was found in
    number: str
    title: str  # the name of the function the learner writes, as the check cell names it
    cell_id: str = ""
    source: str = ""


@dataclass
class Result:
    number: str
    title: str
    passed: bool
    message: str


@dataclass
class Options:
    """The limits every submission is graded under."""

    cell_timeout: float = 60.0
    notebook_timeout: float = 300.0
    memory_mb: int = sandbox.Limits.memory_mb
    output_limit: int = 1_000_000  # characters of output kept per notebook
    only: str | None = None  # grade a single exercise, e.g. "3.1"
    namespaces: bool | None = None  # run kernels in Linux namespaces; None: wherever this machine allows it

    def resolved(self) -> Options:
        """These options with the sandbox decided, so workers need not probe it again."""
        return self if self.namespaces is not None else replace(self, namespaces=sandbox.isolation_problem() is None)


@dataclass
class NotebookGrade:
    """The grade of one submission: what the gradebook is built from (one JSON file each)."""

    notebook: str
    learner: str = ""
    lesson: str | None = None
    results: list[Result] = field(default_factory=list)
    problem: str | None = None
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)  # other cells that raised: why a check may say "not defined"
    flags: list[str] = field(default_factory=list)  # code no check can stop from inside the kernel: review by hand

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.results)

    @property
    def score(self) -> str:
        return f"{self.passed}/{len(self.results)}"

    def to_json(self) -> str:
        return json.dumps(asdict(self) | {"score": self.score}, indent=2, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> NotebookGrade:
        data = json.loads(text)
        data.pop("score", None)
        data["results"] = [Result(**r) for r in data.get("results", [])]
        return cls(**data)


# ----------------------------------------------------------------- what a lesson expects


def exercises(nb: nbformat.NotebookNode) -> list[Exercise]:
    """Check cells in order, each numbered by the ``**Exercise N.M**`` heading above it."""
    found, number = [], "?"
    for index, cell in enumerate(nb.cells):
        source = cell.get("source", "")
        if cell.cell_type == "markdown" and (heading := EXERCISE_HEADING.search(source)):
            number = heading[1]
        elif cell.cell_type == "code" and (call := CHECK_CALL.search(source)):
            found.append(Exercise(index, number, call[1], cell.get("id", ""), source))
    return found


@functools.cache
def lesson_exercises(stem: str, root: Path = ROOT) -> tuple[Exercise, ...]:
    """The exercises of a lesson, from the exercise notebook the build makes of its solution."""
    from mlcourse.workbook import build

    source = root / "solutions" / f"{stem}.py"
    if not source.exists():
        raise CourseError(f"lesson {stem} has no exercises in this course ({source.relative_to(root)} is missing)")
    exercise, _ = build.split_solution(source.read_text(encoding="utf-8"), source.name)
    product = build.NotebookProduct(source, source.name, exercise, "")
    return tuple(exercises(nbformat.reads(product.content, as_version=4)))


def lesson_of(nb: nbformat.NotebookNode, path: Path) -> str:
    """The lesson a notebook belongs to: from the metadata the build wrote, else from its file name."""
    known = {lesson.stem for lesson in LESSONS if (ROOT / "solutions" / f"{lesson.stem}.py").exists()}
    generated_from = Path(str(nb.metadata.get("mlcourse", {}).get("generated_from", ""))).stem
    candidates = [generated_from, *LESSON_STEM.findall(Path(path).stem)]
    for stem in candidates:
        if stem in known:
            return stem
    raise CourseError(f"{path}: cannot tell which lesson this notebook is for: its metadata names none and its file "
                      f"name holds no lesson name such as 03_gradient_descent (lessons with exercises: {', '.join(sorted(known))})")


# ----------------------------------------------------------------- one submission


def restore(nb: nbformat.NotebookNode, expected: tuple[Exercise, ...], token: str
            ) -> tuple[nbformat.NotebookNode, dict[str, int | str]]:
    """The notebook to execute, and where each exercise's check cell is (or why it is not).

    Each original check cell is found by its cell id, or failing that by its
    exact source, and replaced by the grader's own check. The value for an
    exercise is the index of that cell, or ``"missing"`` / ``"edited"``.
    """
    graded_nb = copy.deepcopy(nb)
    code_cells = [i for i, cell in enumerate(graded_nb.cells) if cell.cell_type == "code"]
    for index in code_cells:
        graded_nb.cells[index].outputs, graded_nb.cells[index].execution_count = [], None
    same = lambda index, source: graded_nb.cells[index].source.strip() == source.strip()  # noqa: E731
    by_id = {graded_nb.cells[i].get("id"): i for i in code_cells}
    where: dict[str, int | str] = {}
    taken: set[int] = set()
    for exercise in expected:
        index = by_id.get(exercise.cell_id)
        if index is None or not same(index, exercise.source):
            index = next((i for i in code_cells if i not in taken and same(i, exercise.source)), index)
        if index is None or index in taken:
            where[exercise.number] = "missing"
        elif not same(index, exercise.source):
            where[exercise.number] = "edited"
            graded_nb.cells[index].source = "# the grader does not run an edited check cell"
        else:
            where[exercise.number] = index
            graded_nb.cells[index].source = graded.cell_source(exercise.title, token)
        if isinstance(index, int):
            taken.add(index)
    return graded_nb, where


def _verdict(cell: nbformat.NotebookNode, exercise: Exercise, token: str, problem: str | None) -> Result:
    fail = lambda message: Result(exercise.number, exercise.title, False, message)  # noqa: E731
    if cell.get("execution_count") is None and not cell.get("outputs"):
        return fail(f"not run: {problem or 'the check cell did not run'}")
    error = notebooks.cell_error(cell)
    if error is not None:
        if error.startswith("KeyboardInterrupt"):
            return fail("interrupted: the check ran past the time limit (an endless loop?)")
        return fail(error)
    lines = [line for line in notebooks.cell_text(cell).strip().splitlines() if line.strip()]
    if token not in lines:
        return fail("the check did not report a result (was its output hidden or cut?)")
    shown = [line for line in lines if line != token]
    return Result(exercise.number, exercise.title, True, shown[-1] if shown else "passed")


def _missing(exercise: Exercise, how: str) -> Result:
    call = exercise.source.strip()
    if how == "missing":
        return Result(exercise.number, exercise.title, False, f"check cell missing: put `{call}` back under Exercise {exercise.number}")
    return Result(exercise.number, exercise.title, False, f"check cell was edited: put it back exactly as `{call}`")


class _Specs(KernelSpecManager):
    """Hands out one kernel spec, the sandboxed one, whatever name is asked for."""

    def __init__(self, spec: KernelSpec, **kwargs):
        super().__init__(**kwargs)
        self.spec = spec

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        return self.spec


def _kernel_manager(workdir: Path, hidden: list[Path], options: Options) -> AsyncKernelManager:
    kernel = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    argv = sandbox.kernel_argv(workdir, hidden, sandbox.Limits(memory_mb=options.memory_mb), kernel, options.namespaces)
    spec = KernelSpec(argv=argv, display_name="graded submission", language="python")
    # Unix sockets in the scratch folder: they reach a kernel whose network namespace has no route out.
    return AsyncKernelManager(kernel_name="graded", kernel_spec_manager=_Specs(spec), transport="ipc",
                              ip=str(workdir / "kernel"), connection_file=str(workdir / "kernel.json"))


def grade_notebook(path: Path, options: Options | None = None, learner: str = "", hidden: list[Path] | None = None
                   ) -> NotebookGrade:
    """Grade one submission in this process (its kernel runs in the sandbox)."""
    options = (options or Options()).resolved()
    grade = NotebookGrade(str(path), learner)
    try:
        nb = notebooks.read(path)
        grade.lesson = lesson_of(nb, path)
        expected = lesson_exercises(grade.lesson)
    except CourseError as error:
        grade.problem = str(error)
        return grade
    if options.only is not None:
        expected = tuple(e for e in expected if e.number == options.only)
    token = f"mlcourse-graded-{secrets.token_hex(12)}"
    graded_nb, where = restore(nb, expected, token)
    checks = frozenset(at for at in where.values() if isinstance(at, int))
    grade.flags = review.flags(nb, skip=checks)
    hidden = hidden if hidden is not None else _hideable([Path(path).resolve().parent])
    with tempfile.TemporaryDirectory(prefix="mlgrade-", dir=sandbox.scratch_root(), ignore_cleanup_errors=True) as scratch:
        workdir = Path(scratch)
        run = notebooks.run(graded_nb, workdir, options.cell_timeout, notebook_timeout=options.notebook_timeout,
                            kernel_manager=_kernel_manager(workdir, hidden, options), output_limit=options.output_limit,
                            protected=checks, keep=lambda line: line == token,
                            folder_limit=(workdir, SCRATCH_DISK_LIMIT) if options.namespaces else None)
    grade.problem, grade.seconds = run.problem, round(run.seconds, 2)
    grade.errors = [f"cell {i + 1}: {error}" for i, cell in enumerate(run.nb.cells)
                    if i not in checks and cell.cell_type == "code" and (error := notebooks.cell_error(cell))]
    grade.results = [_verdict(run.nb.cells[at], e, token, run.problem) if isinstance(at := where[e.number], int)
                     else _missing(e, at) for e in expected]
    return grade


def _hideable(folders: list[Path]) -> list[Path]:
    """Folders a kernel may not even read (other learners' work), except those holding the course itself."""
    needed = [ROOT.resolve(), Path(sys.prefix).resolve(), sandbox.scratch_root().resolve()]
    return sorted({f for f in folders if not any(n == f or f in n.parents for n in needed)})


# ----------------------------------------------------------------- a class at once


@dataclass(frozen=True)
class Submission:
    path: Path
    learner: str


def learner_of(path: Path, base: Path | None) -> str:
    """A folder per learner (``base/alice/03_x.ipynb``) or the file name (``alice-03_x.ipynb``)."""
    if base is not None and len(parts := path.relative_to(base).parts) > 1:
        return parts[0]
    name = LESSON_STEM.sub("", path.stem).strip("-_. ")
    return name or path.parent.name or "you"


def collect(paths: list[Path]) -> list[Submission]:
    """Notebooks named directly (validated strictly) or found under folders."""
    found = []
    for path in map(Path, paths):
        if path.is_dir():
            inside = sorted(p for p in path.rglob("*.ipynb")
                            if not SKIPPED_FOLDERS.intersection(p.relative_to(path).parts))
            if not inside:
                raise CourseError(f"{path}: no notebooks (.ipynb) in this folder")
            found += [Submission(p, learner_of(p, path)) for p in inside]
        else:
            notebooks.read(path)  # a bad path given directly is the caller's mistake: say so now
            found.append(Submission(path, learner_of(path, None)))
    return found


def result_name(grade: NotebookGrade) -> str:
    """The file name of a submission's JSON result: learner and lesson, safe on every file system."""
    return safe_name(f"{grade.learner}__{grade.lesson or Path(grade.notebook).stem}") + ".json"


def safe_name(text: str) -> str:
    """``text`` as a file name that is safe on every file system."""
    return re.sub(r"[^\w.-]", "_", text)


def grade(paths: list[Path], options: Options | None = None, jobs: int = 1, results: Path | None = None,
          extra_hidden: list[Path] | None = None) -> list[NotebookGrade]:
    """Grade every submission under ``paths``, ``jobs`` at a time, each in a worker process of its own.

    Each result is also written to ``results`` as JSON when given, the unit a
    gradebook is merged from.
    """
    options = (options or Options()).resolved()
    submissions = collect(paths)
    roots = [Path(p).resolve() if Path(p).is_dir() else Path(p).resolve().parent for p in paths]
    if options.only is not None:
        lessons = {lesson_of(notebooks.read(s.path), s.path) for s in submissions}
        numbers = sorted({e.number for stem in lessons for e in lesson_exercises(stem)})
        if options.only not in numbers:
            raise CourseError(f"exercise {options.only} does not exist in these notebooks; their exercises are: {', '.join(numbers)}")
    with tempfile.TemporaryDirectory(prefix="mlgrade-results-") as scratch:
        out = Path(results) if results is not None else Path(scratch)
        out.mkdir(parents=True, exist_ok=True)
        # the folders named, and the folders they sit in: a class graded a learner at a time stays out of sight too
        hidden = _hideable(roots + [r.parent for r in roots] + [out.resolve(), *(p.resolve() for p in extra_hidden or [])])
        work = lambda s: _in_worker(s, options, hidden, out)  # noqa: E731
        if len(submissions) == 1:
            grades = [work(submissions[0])]
        else:
            with ThreadPoolExecutor(max(1, jobs)) as pool:
                grades = list(tqdm(pool.map(work, submissions), total=len(submissions), desc="grading", unit="notebook",
                                   disable=None, file=sys.stderr))
    return grades


def _in_worker(submission: Submission, options: Options, hidden: list[Path], out: Path) -> NotebookGrade:
    """Grade one submission in a child process, killed (with all it started) if it outlives its limit."""
    with tempfile.NamedTemporaryFile(suffix=".json", dir=out, delete=False) as handle:
        partial = Path(handle.name)
    command = [sys.executable, "-m", "mlcourse.workbook.grade", str(submission.path), "--out", str(partial),
               "--learner", submission.learner, "--options", json.dumps(asdict(options)),
               *(arg for path in hidden for arg in ("--hide", str(path)))]
    worker = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        _, stderr = worker.communicate(timeout=options.notebook_timeout + 60)
    except subprocess.TimeoutExpired:
        _kill_tree(worker.pid)
        _, stderr = worker.communicate()
        stderr = f"the grading worker outlived the notebook's {options.notebook_timeout:g} s limit and was stopped"
    try:
        grade = NotebookGrade.from_json(partial.read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError):
        last = (stderr or "").strip().splitlines()[-1:] or ["no message"]
        grade = NotebookGrade(str(submission.path), submission.learner, problem=f"grading failed: {last[0]}")
    partial.unlink(missing_ok=True)
    (out / result_name(grade)).write_text(grade.to_json(), encoding="utf-8")
    return grade


def _kill_tree(pid: int, itself: bool = True) -> None:
    """Kill ``pid``'s descendants (and ``pid`` itself unless told not to)."""
    try:
        parent = psutil.Process(pid)
        processes = [*parent.children(recursive=True), *([parent] if itself else [])]
    except psutil.Error:
        return
    for process in processes:
        try:
            process.kill()
        except psutil.Error:
            pass


def main(argv: list[str] | None = None) -> int:
    """The worker: ``python -m mlcourse.workbook.grade NB --out FILE`` grades one submission into FILE."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m mlcourse.workbook.grade")
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--learner", default="")
    parser.add_argument("--options", default="{}")
    parser.add_argument("--hide", type=Path, action="append", default=[])
    args = parser.parse_args(argv)
    try:
        grade = grade_notebook(args.notebook, Options(**json.loads(args.options)), args.learner, args.hide)
    finally:
        _kill_tree(os.getpid(), itself=False)  # a kernel that outlived its notebook, and all it started
    temporary = args.out.with_suffix(".tmp")
    temporary.write_text(grade.to_json(), encoding="utf-8")
    os.replace(temporary, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
