"""Every check, tried both ways: it accepts right answers and rejects wrong ones.

The cases live next to each check (``@register(...)`` in ``mlcourse/check``).
A check registered without a differently written right answer and at least two
typical mistakes fails here, and so does a check no solution uses.
"""

from __future__ import annotations

import re
import subprocess
import sys

import jupytext
import pytest

from mlcourse import check
from mlcourse.course import ROOT
from mlcourse.workbook import build, grade

REGISTRY = check.registry()
CHECKS = sorted(REGISTRY)


def stub(*args, **kwargs):
    raise NotImplementedError("Exercise 9.9: the unsolved stub")


def test_every_public_check_is_registered_with_its_cases_in_the_module_it_is_listed_under():
    assert set(check.MODULES) == set(REGISTRY)
    assert all(getattr(check, name).__module__ == f"mlcourse.check.{module}" for name, module in check.MODULES.items())


def test_an_unknown_check_name_says_which_checks_exist():
    with pytest.raises(AttributeError, match="no check named 'acuracy'.*accuracy"):
        check.acuracy  # noqa: B018


def test_importing_the_checks_of_lesson_00_imports_neither_torch_nor_scikit_learn():
    code = "import sys; from mlcourse import check; check.accuracy; check.missing_share; print(sorted({'torch', 'sklearn', 'optuna'} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]", result.stderr


@pytest.mark.parametrize("name", CHECKS)
def test_check_has_enough_cases_to_prove_it_can_fail(name):
    cases = REGISTRY[name]
    assert len(cases.also_right) >= 1, f"{name}: register a differently written right answer"
    assert len(cases.mistakes) >= 2, f"{name}: register at least two typical mistakes"


@pytest.mark.parametrize("name", CHECKS)
def test_check_accepts_the_reference_and_prints_a_tick(name, capsys):
    getattr(check, name)(REGISTRY[name].reference)
    assert capsys.readouterr().out.startswith(f"✓ {name}")


@pytest.mark.parametrize(("name", "index"), [(n, i) for n in CHECKS for i in range(len(REGISTRY[n].also_right))])
def test_check_accepts_a_differently_written_right_answer(name, index):
    getattr(check, name)(REGISTRY[name].also_right[index])


@pytest.mark.parametrize("name", CHECKS)
def test_check_rejects_the_unsolved_stub_and_says_it_is_not_written(name):
    with pytest.raises(AssertionError, match="not written yet.*Exercise 9.9"):
        getattr(check, name)(stub)


@pytest.mark.parametrize(("name", "index"), [(n, i) for n in CHECKS for i in range(len(REGISTRY[n].mistakes))])
def test_check_rejects_a_typical_mistake_with_a_message_that_teaches(name, index):
    mistake = REGISTRY[name].mistakes[index]
    with pytest.raises(AssertionError) as verdict:
        getattr(check, name)(mistake)
    message = str(verdict.value)
    assert "expected" in message and "Hint:" in message, f"{mistake.__name__}: {message}"


def test_every_check_is_used_by_a_solution_and_every_used_check_exists():
    used = {name for path in (ROOT / "solutions").glob("*.py") for name in re.findall(r"^check\.(\w+)\(", path.read_text(encoding="utf-8"), re.M)}
    assert used == set(REGISTRY)


@pytest.mark.parametrize("name", CHECKS)
def test_every_mistake_says_in_its_docstring_what_goes_wrong(name):
    """The instructor guide's table of common mistakes is made from these docstrings."""
    assert all(mistake.__doc__ and mistake.__doc__.strip() for mistake in REGISTRY[name].mistakes)


def test_each_check_carries_the_number_of_the_exercise_that_calls_it():
    numbered = {}
    for path in (ROOT / "solutions").glob("[0-9][0-9]_*.py"):
        _, solution = build.split_solution(path.read_text(encoding="utf-8"), path.name)
        numbered |= {e.title: e.number for e in grade.exercises(jupytext.reads(solution, fmt="py:percent"))}
    assert numbered == {name: cases.exercise for name, cases in REGISTRY.items()}


def _returns(value):
    def wrong(*args, **kwargs):
        return value
    wrong.__name__ = f"returns_{type(value).__name__}"
    return wrong


def _wrong_values():
    import numpy as np
    import pandas as pd
    return [None, "0.5", float("nan"), [], (1.0, 2.0, 3.0), np.zeros((2, 2, 2)), pd.DataFrame({"a": [1.0, 2.0]}), {"a": 1}]


@pytest.mark.parametrize("name", CHECKS)
@pytest.mark.parametrize("index", range(8))
def test_check_answers_a_value_of_the_wrong_type_or_shape_with_a_teaching_message(name, index):
    """None, text, NaN, an empty list, a short tuple, a 3-D array, a DataFrame, a dict: each gets a
    failure that says what came back, never a traceback from inside the check."""
    wrong = _returns(_wrong_values()[index])
    with pytest.raises(AssertionError) as verdict:
        getattr(check, name)(wrong)
    message = str(verdict.value)
    assert "expected" in message.lower() and "Traceback" not in message, message
