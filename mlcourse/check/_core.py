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

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Cases:
    """Functions a check must accept (reference, also_right) and reject (mistakes)."""

    reference: Callable
    also_right: list[Callable] = field(default_factory=list)
    mistakes: list[Callable] = field(default_factory=list)


REGISTRY: dict[str, Cases] = {}


def register(*, reference: Callable, also_right: list[Callable], mistakes: list[Callable]) -> Callable:
    """Record a check together with the answers it must accept and reject."""

    def decorate(check: Callable) -> Callable:
        REGISTRY[check.__name__] = Cases(reference, list(also_right), list(mistakes))
        return check

    return decorate


def fail(message: str) -> None:
    """Raise the AssertionError a check uses to teach (survives ``python -O``)."""
    raise AssertionError(message)


def call(fn: Callable, *args: Any, label: str) -> Any:
    """Call the learner's function, turning its crash into a message that says so."""
    try:
        return fn(*args)
    except NotImplementedError as error:
        raise AssertionError(
            f"{label} is not written yet ({error}). Replace the `raise NotImplementedError` line with your code."
        ) from error
    except Exception as error:
        raise AssertionError(f"{label} raised {type(error).__name__}: {error}") from error


def passed(name: str, detail: str) -> None:
    """The one line a learner sees when an exercise is right."""
    print(f"✓ {name}: {detail}")
