"""What a check cell runs when the grader (not the learner) executes a notebook.

The grader replaces each check cell with a few lines that drop every
``mlcourse.check`` module the notebook may have imported or patched, import
this module afresh and call :func:`run`. So a notebook that reassigned
``check.<name>``, or set its function to a reference from ``mlcourse``, gets
the real check and a message that says what is wrong. What the learner's
function prints while it is checked is dropped: the cell shows the check's
own ✓ line and the token that proves the check ran to its end. In the notebook
itself, ``check.<name>(fn)`` works exactly as before.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import io
import re
from collections.abc import Callable

CELL_FILE = re.compile(r"ipykernel_\d+[/\\]-?\d+\.py$|^<ipython-input-")

CELL = """\
import importlib, sys
for _module in [m for m in sys.modules if m == "mlcourse.check" or m.startswith(("mlcourse.check.", "mlcourse.workbook.graded"))]:
    del sys.modules[_module]
importlib.import_module("mlcourse.workbook.graded").run({name!r}, globals(), {token!r})
"""


def cell_source(name: str, token: str) -> str:
    """The code the grader runs in place of ``check.<name>(<name>)``."""
    return CELL.format(name=name, token=token)


def origin(fn: object) -> str | None:
    """Where ``fn`` comes from when it was not written in this notebook, else None."""
    if not callable(fn):
        return None  # not a function at all: the check itself says so
    fn = inspect.unwrap(fn)
    module = getattr(fn, "__module__", None)
    if module not in (None, "__main__"):
        return f"`{module}.{getattr(fn, '__qualname__', '?')}`, imported from `{module}`"
    code = getattr(fn, "__code__", None)
    if code is None or not CELL_FILE.search(code.co_filename):
        return f"defined outside this notebook ({getattr(code, 'co_filename', 'no source')})"
    return None


def run(name: str, namespace: dict, token: str) -> None:
    """Check the learner's ``name`` with a freshly imported check; print ``token`` if it passes."""
    if name not in namespace:
        raise NameError(f"name {name!r} is not defined (did the cell that defines it run without an error?)")
    fn = namespace[name]
    if (where := origin(fn)) is not None:
        raise AssertionError(f"`{name}` was not written in this notebook: it is {where}. Write your own `{name}` "
                             "in the exercise's cell; the grader only counts code the notebook defines.")
    check: Callable = getattr(importlib.import_module("mlcourse.check"), name)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(io.StringIO()):
        check(fn)  # what the learner's function prints is not graded, and cannot flood the result
    print(printed.getvalue().strip().splitlines()[-1] if printed.getvalue().strip() else f"✓ {name}")
    print(token)
