"""Every text file the course reads or writes names its encoding: Windows defaults to another one than UTF-8."""

from __future__ import annotations

import ast

import pytest

from mlcourse.course import ROOT

SOURCES = sorted(p for folder in ("mlcourse", "tests", "lessons", "solutions") for p in (ROOT / folder).rglob("*.py"))


def calls_without_encoding(tree: ast.AST) -> list[int]:
    """Lines of text-mode ``open()``, ``.read_text()`` and ``.write_text()`` calls with no ``encoding=``."""
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or any(k.arg == "encoding" for k in node.keywords):
            continue
        function = node.func
        if isinstance(function, ast.Attribute) and function.attr in ("read_text", "write_text"):
            lines.append(node.lineno)
        elif isinstance(function, ast.Name) and function.id == "open":
            mode = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "mode"), None)
            if mode is None or (isinstance(mode, ast.Constant) and "b" not in str(mode.value)):
                lines.append(node.lineno)
    return lines


def test_the_scan_finds_a_call_without_encoding_and_passes_one_with_it():
    found = calls_without_encoding(ast.parse("open(p)\nopen(p, 'rb')\np.read_text()\np.write_text(t, encoding='utf-8')\n"))
    assert found == [1, 3]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_text_file_is_opened_with_an_explicit_encoding(path):
    missing = calls_without_encoding(ast.parse(path.read_text(encoding="utf-8")))
    assert not missing, f"{path.relative_to(ROOT)}: add encoding=\"utf-8\" on line(s) {missing}"
