"""The machinery every exercise check shares.

A check is a plain function ``check.<exercise>(fn)`` that calls the learner's
``fn`` on seeded inputs, compares with a reference, and either prints one ✓
line or raises :class:`AssertionError` with a message that teaches: what was
expected, what came back, and a hint.

Each check is registered with the cases that prove it can fail
(``@register(reference=..., also_right=[...], mistakes=[...])``); the test
suite runs all of them, so a check that would wave a wrong answer through, or
reject a right one written differently, fails the build.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Cases:
    """Functions a check must accept (reference, also_right) and reject (mistakes)."""

    exercise: str  # "N.M", from the check's docstring
    reference: Callable
    also_right: list[Callable] = field(default_factory=list)
    mistakes: list[Callable] = field(default_factory=list)


REGISTRY: dict[str, Cases] = {}


def register(*, reference: Callable, also_right: list[Callable], mistakes: list[Callable]) -> Callable:
    """Record a check together with the answers it must accept and reject."""

    def decorate(check: Callable) -> Callable:
        number = re.match(r"Exercise (\d+\.\d+):", check.__doc__ or "")
        if number is None:
            raise ValueError(f"check {check.__name__}: its docstring must start with 'Exercise N.M:'")
        REGISTRY[check.__name__] = Cases(number[1], reference, list(also_right), list(mistakes))
        return check

    return decorate


def fail(message: str) -> None:
    """Raise the AssertionError a check uses to teach (survives ``python -O``)."""
    raise AssertionError(message)


def not_written(label: str, error: NotImplementedError) -> AssertionError:
    """The message for an exercise whose stub still raises NotImplementedError."""
    return AssertionError(f"{label} is not written yet ({error}). Replace the `raise NotImplementedError` line with your code.")


def call(fn: Callable, *args: Any, label: str, **kwargs: Any) -> Any:
    """Call the learner's function, turning its crash into a message that says so."""
    try:
        return fn(*args, **kwargs)
    except NotImplementedError as error:
        raise not_written(label, error) from error
    except Exception as error:
        raise AssertionError(f"{label} raised {type(error).__name__}: {error}") from error


def passed(name: str, detail: str) -> None:
    """The one line a learner sees when an exercise is right."""
    print(f"✓ {name}: {detail}")


NOT_NUMBERS = (type(None), str, bytes, bool, dict)


def as_array(got: Any, label: str) -> np.ndarray:
    """The learner's result as a float array, or a failure saying what type came back.

    ``None``, text, booleans and dicts are refused by name: numpy would turn
    ``None`` into NaN and ``"1.0"`` into 1.0, and the message would then
    misreport what the function returned.
    """
    if isinstance(got, NOT_NUMBERS) or (isinstance(got, (list, tuple)) and any(isinstance(v, NOT_NUMBERS) for v in got)):
        fail(f"{label} returned {describe(got)}; expected numbers. "
             "Hint: return the numbers themselves (a float or a numpy array), not text, None or a dict.")
    try:
        return np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        fail(f"{label} returned {type(got).__name__}, which is not an array of numbers; expected numbers. "
             "Hint: return a float or a numpy array of floats.")


def describe(value: Any) -> str:
    """What a learner's function returned, in a few words: its type, and its shape, length or a short repr."""
    kind = type(value).__name__
    if isinstance(value, (np.ndarray, pd.DataFrame, pd.Series)):
        return f"{'a numpy array' if kind == 'ndarray' else 'a ' + kind} of shape {value.shape}"
    text = repr(value)
    text = text if len(text) <= 40 else text[:37] + "..."
    if isinstance(value, (list, tuple)):
        return f"a {kind} of {len(value)} items, {text}"
    return f"{kind} {text}"


def is_number(value: Any) -> bool:
    """A single finite real number; a bool is not one."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)) and math.isfinite(value)


def expect_close(got: Any, expected: np.ndarray, label: str, hint: str = "", rtol: float = 1e-6, atol: float = 1e-8) -> None:
    """Fail unless ``got`` has ``expected``'s shape and values; say which differs."""
    array = as_array(got, label)
    expected = np.asarray(expected, dtype=float)
    hint = f" Hint: {hint}." if hint else ""
    if array.shape != expected.shape:
        fail(f"{label} has shape {array.shape}; expected {expected.shape}.{hint}")
    if not np.allclose(array, expected, rtol=rtol, atol=atol):
        fail(f"{label} is {np.round(array, 4).tolist()}; expected {np.round(expected, 4).tolist()}.{hint}")


def diagnose(got: Any, mistakes: dict[str, Any], default: str) -> str:
    """The hint whose typical-mistake value ``got`` matches, else ``default``.

    Checks compute what each common mistake would return on the same input;
    recognising one of them lets the message name the mistake itself.
    """
    try:
        array = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return default
    for hint, value in mistakes.items():
        value = np.asarray(value, dtype=float)
        if array.shape == value.shape and np.allclose(array, value, rtol=1e-6, atol=1e-9):
            return hint
    return default
