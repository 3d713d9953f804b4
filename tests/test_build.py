"""`mlcourse build`: one source, three products, no drift, and no learner's work lost."""

from __future__ import annotations

import io
import re
import subprocess
import tarfile

import nbformat
import pytest
from conftest import run_cli
from hypothesis import given
from hypothesis import strategies as st

from mlcourse.course import ROOT
from mlcourse.errors import CourseError
from mlcourse.workbook import build


def test_committed_and_generated_files_match_their_sources():
    """The drift check: a stale exercise, notebook or README table fails here.

    A notebook a learner edited is theirs, not drift; every other difference is.
    """
    drift = [(path, status) for path, status in build.check(ROOT)
             if not (status == build.EDITED and path.endswith(".ipynb"))]
    assert drift == [], "run `mlcourse build` and commit the result"


def test_the_commit_itself_holds_up_to_date_generated_files(tmp_path):
    """`make test` rebuilds before testing, so look at HEAD as committed.

    A developer who changed a solution but did not commit the regenerated
    exercise (or README/agenda table) fails here, in CI's clean clone too.
    """
    if subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True).returncode:
        pytest.skip("not a git checkout: there is no commit to inspect")
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "HEAD"], capture_output=True, check=True).stdout
    safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}  # Python 3.11.4 and later
    tarfile.open(fileobj=io.BytesIO(archive)).extractall(tmp_path, **safe)
    stale = [(path, status) for path, status in build.check(tmp_path) if not path.endswith(".ipynb")]
    assert stale == [], "run `mlcourse build` and commit the regenerated files"


def test_build_check_command_exits_nonzero_and_names_stale_files(course):
    assert run_cli("build", "--root", str(course)).returncode == 0
    assert run_cli("build", "--check", "--root", str(course)).returncode == 0
    source = course / "solutions" / "00_welcome.py"
    source.write_text(source.read_text(encoding="utf-8").replace("Two warm-ups", "Two short warm-ups"), encoding="utf-8")
    result = run_cli("build", "--check", "--root", str(course))
    assert result.returncode == 1
    assert "stale: exercises/00_welcome.py" in result.stdout
    assert "stale: solutions/00_welcome.ipynb" in result.stdout


def test_a_changed_alt_text_makes_the_lesson_notebook_stale_but_a_run_notebook_stays_pristine(course):
    build.build(course)
    notebook = course / "lessons" / "00_welcome.ipynb"
    ran = nbformat.read(notebook, as_version=4)
    ran.cells[1].metadata["execution"] = {"iopub.status.busy": "2026-12-02T10:00:00"}  # what JupyterLab adds
    nbformat.write(ran, notebook)
    assert build.check(course) == []  # running a notebook is not an edit
    source = course / "lessons" / "00_welcome.py"
    text = source.read_text(encoding="utf-8")
    assert '"alt": "' in text, "lesson 00 has a figure with alt text"
    source.write_text(text.replace('"alt": "', '"alt": "Now: ', 1), encoding="utf-8")
    assert build.check(course) == [("lessons/00_welcome.ipynb", build.STALE)]


@pytest.mark.parametrize("source", sorted((ROOT / "solutions").glob("[0-9][0-9]_*.py")), ids=lambda p: p.stem)
def test_exercise_keeps_stubs_and_drops_every_answer_line(source):
    text = source.read_text(encoding="utf-8")
    exercise, solution = build.split_solution(text, source.name)
    answers = re.findall(r"# BEGIN SOLUTION\n(.*?)\n\s*# END SOLUTION", text, re.DOTALL)
    assert answers, "a solution file holds at least one exercise"
    for block in answers:
        for line in filter(str.strip, block.splitlines()):  # blank lines carry no answer
            if line.strip().startswith("# STUB:"):
                assert line.split("# STUB:", 1)[1].strip() in exercise
            else:
                assert line not in exercise.splitlines(), f"answer line leaked into the exercise: {line!r}"
                assert line in solution.splitlines()
    assert "BEGIN SOLUTION" not in exercise + solution and "STUB:" not in solution
    assert exercise.count("raise NotImplementedError(\"Exercise ") == len(answers)


GOOD = "def f():\n    # BEGIN SOLUTION\n    # STUB: raise NotImplementedError('Exercise 1.1')\n    return 1\n    # END SOLUTION\n"


def test_split_solution_makes_stub_and_answer():
    exercise, solution = build.split_solution(GOOD, "x.py")
    assert exercise == "def f():\n    raise NotImplementedError('Exercise 1.1')\n"
    assert solution == "def f():\n    return 1\n"


@pytest.mark.parametrize(
    ("text", "where", "says"),
    [
        (GOOD.replace("    # END SOLUTION\n", ""), "x.py:2", "never closed"),
        (GOOD + "    # END SOLUTION\n", "x.py:6", "without a BEGIN"),
        (GOOD.replace("    return 1\n", "    # BEGIN SOLUTION\n"), "x.py:4", "cannot nest"),
        (GOOD.replace("    # STUB: raise NotImplementedError('Exercise 1.1')\n", ""), "x.py:2", "no '# STUB:' line"),
        ("# STUB: x = 1\n" + GOOD, "x.py:1", "outside a BEGIN/END"),
        (GOOD.replace("    return 1\n", "# %%\n"), "x.py:4", "new cell starts inside"),
        ("x = 1\n", "x.py", "no BEGIN SOLUTION block"),
    ],
    ids=["unclosed", "unbalanced-end", "nested", "no-stub", "stub-outside", "cell-inside", "no-exercise"],
)
def test_malformed_markers_are_reported_with_file_and_line(text, where, says):
    with pytest.raises(CourseError, match=re.escape(where) + ".*" + re.escape(says)):
        build.split_solution(text, "x.py")


def test_bad_markers_give_a_one_line_error_from_the_command(course):
    source = course / "solutions" / "00_welcome.py"
    source.write_text(source.read_text(encoding="utf-8").replace("    # END SOLUTION\n", "", 1), encoding="utf-8")
    result = run_cli("build", "--root", str(course))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert re.search(r"solutions/00_welcome\.py:\d+: .*solution block opened at line \d+", result.stderr)


def test_build_is_idempotent(course):
    assert build.build(course) != []
    assert build.build(course) == []
    assert build.check(course) == []


def test_generated_notebooks_name_the_course_kernel_and_say_they_are_generated(course):
    build.build(course)
    for path in [*course.glob("*/*.ipynb"), course / "index.ipynb"]:
        nb = nbformat.read(path, as_version=4)
        assert nb.metadata.kernelspec.name == "mlcourse", path
        assert nb.metadata.mlcourse.generated_from, path


def _edit_sources(course):
    """A learner's edits to both exercise files, then a course update to the solution."""
    exercise_py = course / "exercises" / "00_welcome.py"
    exercise_py.write_text(exercise_py.read_text(encoding="utf-8").replace('raise NotImplementedError("Exercise 0.1', 'return 0  # my try ("Exercise 0.1'), encoding="utf-8")
    exercise_nb = course / "exercises" / "00_welcome.ipynb"
    nb = nbformat.read(exercise_nb, as_version=4)
    nb.cells[3].source = "def accuracy(y_true, y_pred):\n    return 1.0  # my work"
    nbformat.write(nb, exercise_nb)
    solution = course / "solutions" / "00_welcome.py"
    solution.write_text(solution.read_text(encoding="utf-8").replace("Two warm-ups", "Two short warm-ups"), encoding="utf-8")
    return exercise_py.read_text(encoding="utf-8"), exercise_nb.read_text(encoding="utf-8")


def test_build_keeps_a_learners_edited_exercises_and_says_so(course):
    build.build(course)
    edited_py, edited_nb = _edit_sources(course)
    messages = build.build(course)
    assert (course / "exercises" / "00_welcome.py").read_text(encoding="utf-8") == edited_py
    assert (course / "exercises" / "00_welcome.ipynb").read_text(encoding="utf-8") == edited_nb
    assert any(m.startswith("kept exercises/00_welcome.py") and "--force" in m for m in messages)
    assert any(m.startswith("kept exercises/00_welcome.ipynb") for m in messages)
    assert "wrote solutions/00_welcome.ipynb" in messages  # unedited products still follow the source


def test_force_backs_up_the_edited_exercises_before_regenerating(course):
    build.build(course)
    edited_py, edited_nb = _edit_sources(course)
    result = run_cli("build", "--force", "--root", str(course))
    assert result.returncode == 0
    backups = dict(re.findall(r"backed up your edited (\S+) to (\S+)", result.stdout))
    assert set(backups) == {"exercises/00_welcome.py", "exercises/00_welcome.ipynb"}
    assert (course / backups["exercises/00_welcome.py"]).read_text(encoding="utf-8") == edited_py
    assert (course / backups["exercises/00_welcome.ipynb"]).read_text(encoding="utf-8") == edited_nb
    assert "Two short warm-ups" in (course / "exercises" / "00_welcome.py").read_text(encoding="utf-8")
    assert build.check(course) == []


def test_running_a_notebook_is_not_an_edit(course):
    build.build(course)
    path = course / "exercises" / "00_welcome.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="hello\n")]
    nb.cells[1].execution_count = 1
    nbformat.write(nb, path)
    assert dict(build.check(course)) == {}


def test_clean_removes_generated_notebooks_but_keeps_edited_ones(course):
    build.build(course)
    _edit_sources(course)
    messages = build.clean(course)
    assert (course / "exercises" / "00_welcome.ipynb").exists()
    assert messages == ["kept exercises/00_welcome.ipynb: it holds edits"]
    assert not (course / "lessons" / "00_welcome.ipynb").exists()
    assert not (course / "solutions" / "00_welcome.ipynb").exists()


code_lines = st.lists(st.text(alphabet="abcxyz =+()1:'\" ", max_size=30).map(str.rstrip), max_size=6)


@given(before=code_lines, answer=code_lines, after=code_lines, stub=st.text(alphabet="abc =()'", min_size=1, max_size=20))
def test_split_solution_keeps_outside_lines_and_swaps_the_block_for_its_stub(before, answer, after, stub):
    lines = lambda *parts: "\n".join(parts) + "\n"  # noqa: E731
    text = lines(*before, "    # BEGIN SOLUTION", f"    # STUB: {stub}", *answer, "    # END SOLUTION", *after)
    exercise, solution = build.split_solution(text, "any.py")
    assert exercise == lines(*before, f"    {stub}", *after)
    assert solution == lines(*before, *answer, *after)
