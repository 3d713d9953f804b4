"""Grading: every exercise gets a verdict, whatever the notebooks throw at it.

The tampered submissions below are what an instructor grading a real class
meets: edited or deleted check cells, reassigned checks, imported references,
notebooks that write, flood, allocate, loop, exit or kill. Each must fail its
own grade and nothing else.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import psutil
import pytest
from classroom import check_cell, half_done, make_class, notebook, with_cell
from conftest import run_cli

from mlcourse.course import ROOT
from mlcourse.workbook import grade, gradebook, review, sandbox

NAMESPACES = sandbox.isolation_problem() is None
needs_namespaces = pytest.mark.skipif(not NAMESPACES, reason=f"no sandbox here: {sandbox.isolation_problem()}")
FAST = grade.Options(cell_timeout=6, notebook_timeout=60)


# ------------------------------------------------------------------ a class with tampered work

LESSON = "00_welcome"
SOLUTION_BODY = "return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))"


def _accuracy_doing(code: str) -> str:
    """An otherwise right `accuracy` that first runs ``code``: its check fails if ``code`` is refused."""
    return f"def accuracy(y_true, y_pred):\n    {code}\n    {SOLUTION_BODY}"


def _tampered(built, tmp_path):
    solution, exercise = notebook(built, "solutions", LESSON), notebook(built, "exercises", LESSON)
    first, second = check_cell(solution, "0.1"), check_cell(solution, "0.2")
    answer = first - 1
    folder = tmp_path / "class"
    victim = folder / "victim" / f"{LESSON}.ipynb"
    course_file = ROOT / "data" / "penguins.csv"
    planted = ROOT / "data" / "planted-by-a-submission.txt"

    def replaced(nb, index, source):
        nb = copy.deepcopy(nb)
        nb.cells[index].source = source
        return nb

    deleted = copy.deepcopy(solution)
    del deleted.cells[second]
    cases = {
        "edited": replaced(solution, first, 'print("✓ accuracy: right on all 5 cases")'),
        "deleted": deleted,
        "reassigned": with_cell(exercise, 0, "check.accuracy = check.missing_share = lambda fn: print('✓ right')"),
        "replaced_module": with_cell(exercise, 0, "class check:\n    accuracy = missing_share = staticmethod(lambda fn: print('✓'))"),
        "imported": with_cell(solution, answer, "from mlcourse.check.welcome import _accuracy_reference as accuracy"),
        "imported_module": with_cell(solution, answer, "import mlcourse.linear\naccuracy = mlcourse.linear.mse"),
        "hidden_error": with_cell(exercise, 0, "get_ipython().showtraceback = lambda *a, **k: None"),
        "writes_next_to_others": replaced(solution, answer, _accuracy_doing(f"open({str(victim)!r}, 'w').write('0/2')")),
        "writes_own_folder": replaced(solution, answer, _accuracy_doing(
            f"open({str(folder / 'writes_own_folder' / 'planted.txt')!r}, 'w').write('x')")),
        "changes_course": replaced(solution, answer, _accuracy_doing(f"open({str(planted)!r}, 'w').write('x')")),
        "appends_course": replaced(solution, answer, _accuracy_doing(f"open({str(course_file)!r}, 'a').close()")),
        "allocates": replaced(solution, answer, _accuracy_doing("bytearray(8 * 2**30)")),
        "floods": with_cell(solution, 0, "print('x' * 30_000_000)\nfor _ in range(200_000): print('spam')"),
        "loops": with_cell(solution, answer, "while True:\n    pass"),
        "ignores_interrupt": with_cell(solution, answer, "import time\nwhile True:\n    try:\n        time.sleep(0.1)\n"
                                                         "    except KeyboardInterrupt:\n        pass"),
        "exits": with_cell(solution, answer, "import os\nos._exit(0)"),
        "fills_disk": with_cell(solution, 0, f"import glob, time\n[scratch] = glob.glob('{sandbox.scratch_root()}/mlgrade-*')\n"
                                             "for i in range(40):\n    open(f'{scratch}/f{i}', 'wb').write(bytes(2**20))\n"
                                             "time.sleep(5)"),
    }
    if NAMESPACES:  # without a PID namespace, kill(-1) as root would stop every process on the machine
        cases["kills"] = with_cell(solution, 0, "import os, signal\nfor target in (-1, 0):\n    try:\n"
                                                "        os.kill(target, signal.SIGKILL)\n    except OSError:\n        pass")
    victim.parent.mkdir(parents=True)
    nbformat.write(solution, victim)
    for name, nb in cases.items():
        (folder / name).mkdir(parents=True)
        nbformat.write(nb, folder / name / f"{LESSON}.ipynb")
    return folder, victim, course_file, planted


@pytest.fixture(scope="module")
def tampered(built, tmp_path_factory):
    folder, victim, course_file, planted = _tampered(built, tmp_path_factory.mktemp("tampered"))
    victim_bytes, course_hash = victim.read_bytes(), hashlib.sha256(course_file.read_bytes()).hexdigest()
    before = {p.pid for p in psutil.process_iter()}
    started = time.perf_counter()
    grades = grade.grade([folder], FAST, jobs=2)
    seconds = time.perf_counter() - started
    # this batch's workers name their notebook, its sandboxes hide the class folder: both name the folder
    leftovers = [p for p in psutil.process_iter(["pid", "cmdline"]) if p.pid not in before
                 and any(str(folder) in part for part in p.info["cmdline"] or [])]
    course_changed = hashlib.sha256(course_file.read_bytes()).hexdigest() != course_hash
    planted_exists = planted.exists()
    planted.unlink(missing_ok=True)
    return {"grades": {g.learner: g for g in grades}, "victim_kept": victim.read_bytes() == victim_bytes,
            "course_changed": course_changed, "planted": planted_exists, "folder": folder,
            "leftovers": leftovers, "seconds": seconds}


def verdicts(tampered, learner):
    g = tampered["grades"][learner]
    return [(r.number, r.passed) for r in g.results], {r.number: r.message for r in g.results}, g


def test_an_edited_check_cell_fails_and_is_named(tampered):
    marks, messages, g = verdicts(tampered, "edited")
    assert marks == [("0.1", False), ("0.2", True)] and g.score == "1/2"
    assert messages["0.1"].startswith("check cell was edited") and "check.accuracy(accuracy)" in messages["0.1"]


def test_a_deleted_check_cell_fails_and_the_score_is_out_of_the_lessons_exercises(tampered):
    marks, messages, g = verdicts(tampered, "deleted")
    assert marks == [("0.1", True), ("0.2", False)] and g.score == "1/2"
    assert messages["0.2"].startswith("check cell missing")


@pytest.mark.parametrize("learner", ["reassigned", "replaced_module", "hidden_error"])
def test_checks_reassigned_or_replaced_in_the_notebook_do_not_count(tampered, learner):
    marks, messages, g = verdicts(tampered, learner)
    assert g.score == "0/2", messages
    if learner != "hidden_error":
        assert all("is not written yet" in m for m in messages.values())


@pytest.mark.parametrize(("code", "flag"), [
    ("import sys\ndef accuracy(a, b):\n    return sys._getframe(2).f_locals['expected']", "reads the caller's stack frame"),
    ("get_ipython().events.register('pre_run_cell', print)", "calls get_ipython()"),
    ("import numpy as np\nnp.allclose = lambda *a, **k: True", "replaces np.allclose"),
    ("import sys\nsys.meta_path.insert(0, object())", "installs an import hook"),
    ("import sys\nsys.path.insert(0, '.')", "changes where modules are imported from"),
    ("import importlib\nimportlib.import_module = print", "replaces importlib.import_module"),
    ("%time x = 1\nexec('x = 2')", "calls exec()"),
], ids=["frame", "ipython-hook", "patched-numpy", "import-hook", "shadowing-path", "fake-import", "exec"])
def test_code_that_could_defeat_an_in_kernel_check_is_flagged_for_review(code, flag):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    assert any(flag in found for found in review.flags(nb)), review.flags(nb)


@pytest.mark.parametrize(("code", "flagged"), [
    ("from importlib.metadata import version\nversion('numpy')", False),
    ("import importlib.metadata as metadata\nmetadata.version('numpy')", False),
    ("import importlib.metadata\nimportlib.reload(importlib)", True),  # binds importlib itself
    ("from importlib import reload", True),
])
def test_reading_package_versions_is_not_flagged_but_reaching_importlib_is(code, flagged):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    assert bool(review.flags(nb)) == flagged, review.flags(nb)


def test_honest_work_and_every_tampered_check_are_told_apart_in_the_flags(tampered):
    assert tampered["grades"]["victim"].flags == [] and tampered["grades"]["edited"].flags == []
    assert any("replaces check.accuracy" in f for f in tampered["grades"]["reassigned"].flags)
    assert any("get_ipython" in f for f in tampered["grades"]["hidden_error"].flags)


@pytest.mark.parametrize("learner", ["imported", "imported_module"])
def test_a_function_taken_from_mlcourse_fails_with_a_message_that_says_so(tampered, learner):
    marks, messages, _ = verdicts(tampered, learner)
    assert marks == [("0.1", False), ("0.2", True)]
    module = {"imported": "mlcourse.check.welcome", "imported_module": "mlcourse.linear"}[learner]
    assert "was not written in this notebook" in messages["0.1"] and f"imported from `{module}`" in messages["0.1"]


@needs_namespaces
def test_a_submission_cannot_touch_other_learners_its_folder_or_the_course(tampered):
    for learner, refused in [("writes_next_to_others", "(No such file|Read-only)"), ("writes_own_folder", "(No such file|Read-only)"),
                             ("changes_course", "Read-only file system"), ("appends_course", "Read-only file system")]:
        marks, messages, _ = verdicts(tampered, learner)
        assert marks == [("0.1", False), ("0.2", True)], (learner, messages)
        assert re.search(refused, messages["0.1"]), (learner, messages["0.1"])
    assert tampered["victim_kept"] and not tampered["course_changed"] and not tampered["planted"]
    assert not (tampered["folder"] / "writes_own_folder" / "planted.txt").exists()
    assert tampered["grades"]["victim"].score == "2/2"


def test_allocating_past_the_memory_cap_fails_that_exercise_only(tampered):
    marks, messages, _ = verdicts(tampered, "allocates")
    assert marks == [("0.1", False), ("0.2", True)] and "MemoryError" in messages["0.1"]


def test_output_without_bound_is_cut_and_the_checks_still_count(tampered):
    marks, _, g = verdicts(tampered, "floods")
    assert marks == [("0.1", True), ("0.2", True)] and g.problem is None
    assert len(g.to_json()) < 100_000


def test_an_endless_loop_is_interrupted_and_the_rest_still_graded(tampered):
    marks, _, g = verdicts(tampered, "loops")  # the loop sits between an answer and its check
    assert marks == [("0.1", True), ("0.2", True)] and g.problem is None
    assert g.seconds > FAST.cell_timeout


def test_a_loop_that_ignores_the_interrupt_has_its_kernel_killed_within_the_limit(tampered):
    marks, messages, g = verdicts(tampered, "ignores_interrupt")
    assert marks == [("0.1", False), ("0.2", False)]
    assert "ignored the interrupt" in g.problem and all(m.startswith("not run") for m in messages.values())
    assert g.seconds < FAST.cell_timeout + 5 + 10  # the limit, the grace, and a few seconds to notice


@pytest.mark.parametrize("learner", ["exits", pytest.param("kills", marks=needs_namespaces)])
def test_a_notebook_that_exits_or_kills_fails_its_own_grade_and_nothing_else(tampered, learner):
    marks, messages, g = verdicts(tampered, learner)
    assert not any(passed for _, passed in marks) and "kernel died" in (g.problem or ""), (messages, g.problem)


@needs_namespaces
def test_writing_past_the_disk_cap_stops_the_kernel(tampered):
    marks, _, g = verdicts(tampered, "fills_disk")
    assert marks == [("0.1", False), ("0.2", False)] and "grader's disk" in g.problem


@needs_namespaces
def test_a_kernel_sees_no_other_submissions_scratch_folder(tmp_path):
    """Another kernel's connection file would let a submission run code in it, and so change its grade."""
    mine, other = (Path(tempfile.mkdtemp(prefix="mlgrade-", dir=sandbox.scratch_root())) for _ in range(2))
    (other / "kernel.json").write_text("{}", encoding="utf-8")
    look = f"import glob; print(sorted(glob.glob('{sandbox.scratch_root()}/mlgrade-*')))"
    argv = sandbox.kernel_argv(mine, [], sandbox.Limits(), [sys.executable, "-c", look], namespaces=True)
    seen = subprocess.run(argv, capture_output=True, text=True, timeout=60).stdout.strip()
    assert seen == str([str(mine)])
    for folder in (mine, other):
        shutil.rmtree(folder)


def test_the_batch_carries_on_and_leaves_nothing_running(tampered):
    assert len(tampered["grades"]) == 18 + NAMESPACES and tampered["grades"]["victim"].score == "2/2"
    assert not tampered["leftovers"], [p.info["cmdline"] for p in tampered["leftovers"]]


# ------------------------------------------------------------------ a gradebook for the class


@pytest.fixture(scope="module")
def small_class(built, tmp_path_factory):
    folder = tmp_path_factory.mktemp("class")
    make_class(folder, built, learners=3, stems=["00_welcome", "03_gradient_descent"])
    (folder / "learner-02" / "03_gradient_descent.ipynb").unlink()  # not handed in
    return folder


def test_grade_a_class_writes_results_a_gradebook_and_feedback(small_class, tmp_path):
    results, feedback, table = tmp_path / "results", tmp_path / "feedback", tmp_path / "gradebook.csv"
    cli = run_cli("grade", str(small_class), "--jobs", "2", "--results", str(results), "--feedback", str(feedback),
                  "--csv", str(table))
    assert cli.returncode == 1, cli.stderr  # some learners have exercises left
    rows = {row["learner"]: row for row in csv.DictReader(table.open())}
    assert rows["learner-00"] == {"learner": "learner-00", "00_welcome": "2/2", "03_gradient_descent": "3/3", "handed in": "5/5"}
    assert rows["learner-01"]["00_welcome"] == "2/2" and rows["learner-01"]["03_gradient_descent"] == "2/3"
    assert rows["learner-02"]["03_gradient_descent"] == "missing" and rows["learner-02"]["handed in"] == "2/2"
    assert "## Gradebook" in cli.stdout and "what to re-teach" in cli.stdout and "not written yet" in cli.stdout
    assert len(list(results.glob("*.json"))) == 5
    report = (feedback / "learner-01.md").read_text(encoding="utf-8")
    assert report.startswith("# Feedback for learner-01") and "FAIL" in report and "PASS" in report
    merged = run_cli("gradebook", str(results))  # the same gradebook from the results alone, as after a distributed run
    assert merged.stdout == cli.stdout


def test_a_lesson_not_handed_in_is_missing_not_zero():
    g = grade.NotebookGrade("a/00_welcome.ipynb", "a", "00_welcome", [grade.Result("0.1", "accuracy", False, "x")])
    h = grade.NotebookGrade("b/03_gradient_descent.ipynb", "b", "03_gradient_descent", [grade.Result("3.1", "mse_gradient", True, "✓")])
    header, rows = gradebook.gradebook_rows([g, h])
    assert header == ["learner", "00_welcome", "03_gradient_descent", "handed in"]
    assert rows == [["a", "0/1", "missing", "0/1"], ["b", "missing", "1/1", "1/1"]]


def test_the_most_frequent_failure_is_the_hint_to_re_teach():
    fails = [grade.Result("0.1", "accuracy", False, f"accuracy returned {x}; expected 0.5. Hint: divide by n") for x in (1, 2)]
    other = [grade.Result("0.1", "accuracy", False, "accuracy raised TypeError: boom")]
    grades = [grade.NotebookGrade(f"{i}.ipynb", str(i), "00_welcome", [r]) for i, r in enumerate(fails + other)]
    assert "2× divide by n" in gradebook.exercise_summary(grades) and "0/3 (0%)" in gradebook.exercise_summary(grades)


def test_the_learner_is_the_folder_or_the_file_name(tmp_path):
    assert grade.learner_of(tmp_path / "alice" / "03_gradient_descent.ipynb", tmp_path) == "alice"
    assert grade.learner_of(tmp_path / "bob-03_gradient_descent.ipynb", tmp_path) == "bob"


def test_the_lesson_comes_from_the_metadata_or_the_file_name(built, tmp_path):
    nb = notebook(built, "exercises", "03_gradient_descent")
    assert grade.lesson_of(nb, tmp_path / "renamed.ipynb") == "03_gradient_descent"
    nb.metadata.pop("mlcourse")
    assert grade.lesson_of(nb, tmp_path / "carol_03_gradient_descent.ipynb") == "03_gradient_descent"
    with pytest.raises(grade.CourseError, match="cannot tell which lesson"):
        grade.lesson_of(nb, tmp_path / "homework.ipynb")


def test_an_unknown_notebook_is_reported_and_the_rest_still_graded(built, tmp_path):
    for learner in ("dave", "erin", "frank"):
        (tmp_path / learner).mkdir()
    nbformat.write(nbformat.v4.new_notebook(), tmp_path / "dave" / "homework.ipynb")
    nbformat.write(half_done(built, "00_welcome", {"0.1", "0.2"}), tmp_path / "erin" / "00_welcome.ipynb")
    (tmp_path / "frank" / "00_welcome.ipynb").write_text("{", encoding="utf-8")
    results = {g.learner: g for g in grade.grade([tmp_path], FAST, jobs=2)}
    assert "cannot tell which lesson" in results["dave"].problem
    assert "not valid notebook JSON" in results["frank"].problem
    assert results["erin"].score == "2/2"


# ------------------------------------------------------------------ the command line


def test_grade_command_prints_a_table_with_messages_and_scores(built):
    result = run_cli("grade", "exercises/00_welcome.ipynb", cwd=built)
    assert result.returncode == 1  # something failed
    assert "| exercises/00_welcome.ipynb | 0.1      | accuracy" in result.stdout
    assert "score 0/2  exercises/00_welcome.ipynb" in result.stdout
    assert run_cli("grade", "solutions/00_welcome.ipynb", cwd=built).returncode == 0


def test_grade_prints_json_for_instructors(built):
    as_json = json.loads(run_cli("grade", "--json", "exercises/00_welcome.ipynb", cwd=built).stdout)
    assert as_json[0]["score"] == "0/2" and as_json[0]["results"][1]["number"] == "0.2"
    assert as_json[0]["lesson"] == "00_welcome"


def test_grade_one_exercise_by_number(built):
    result = run_cli("grade", "--exercise", "0.2", "solutions/00_welcome.ipynb", cwd=built)
    assert result.returncode == 0 and "missing_share" in result.stdout and "accuracy" not in result.stdout


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda d: d / "nowhere.ipynb", "no such file or folder"),
        (lambda d: (d / "notes.txt").write_text("hello", encoding="utf-8") and d / "notes.txt", "not a notebook"),
        (lambda d: (d / "broken.ipynb").write_text('{"cells": [', encoding="utf-8") and d / "broken.ipynb", "not valid notebook JSON"),
        (lambda d: (d / "empty").mkdir() or d / "empty", "no notebooks"),
    ],
    ids=["missing", "not-a-notebook", "corrupt", "empty-folder"],
)
def test_bad_input_gets_one_clear_line_and_a_nonzero_exit(tmp_path, make, says):
    result = run_cli("grade", str(make(tmp_path)))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and says in result.stderr
    assert len([line for line in result.stderr.splitlines() if not line.startswith("note:")]) == 1


def test_an_exercise_number_that_does_not_exist_is_a_clear_error(built):
    result = run_cli("grade", "--exercise", "9.9", "solutions/00_welcome.ipynb", cwd=built)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "exercise 9.9 does not exist" in result.stderr and "0.1, 0.2" in result.stderr


def test_gradebook_of_an_empty_folder_is_a_clear_error(tmp_path):
    result = run_cli("gradebook", str(tmp_path))
    assert result.returncode == 2 and "no results" in result.stderr and "Traceback" not in result.stderr


def test_without_namespaces_the_limits_still_hold(built, tmp_path):
    """Where Linux namespaces are not available (macOS, WSL 1), the grader falls back to limits alone."""
    solution = notebook(built, "solutions", LESSON)
    answer = check_cell(solution, "0.1") - 1
    greedy = copy.deepcopy(solution)
    greedy.cells[answer].source = _accuracy_doing("bytearray(8 * 2**30)")
    for learner, nb in (("honest", solution), ("greedy", greedy)):
        (tmp_path / learner).mkdir()
        nbformat.write(nb, tmp_path / learner / f"{LESSON}.ipynb")
    options = grade.Options(cell_timeout=6, notebook_timeout=60, namespaces=False)
    results = {g.learner: g for g in grade.grade([tmp_path], options, jobs=2)}
    assert results["honest"].score == "2/2"
    assert results["greedy"].score == "1/2" and "MemoryError" in results["greedy"].results[0].message
