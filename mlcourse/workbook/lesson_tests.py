"""A pytest plugin (``pytest -p mlcourse.workbook.lesson_tests ... lessons``): each lesson is a test.

A lesson passes when it runs top to bottom in the course kernel; it runs
exactly as the site build runs it, into the site's execution cache, so
``make site`` afterwards only renders. Each lesson is a file of its own to
pytest-xdist (``--dist loadfile``), so the lessons share the cores with the
tests that spend their time waiting on servers.
"""

from __future__ import annotations

import re

import pytest

from mlcourse.workbook import site

LESSON = re.compile(r"^\d\d_\w+\.py$")


class LessonFailed(Exception):
    """A lesson's cell failed: the message is the cell and its traceback."""


def pytest_collect_file(parent: pytest.Collector, file_path):
    if file_path.parent.name == "lessons" and LESSON.match(file_path.name):
        return LessonFile.from_parent(parent, path=file_path)
    return None


class LessonFile(pytest.File):
    def collect(self):
        yield LessonRun.from_parent(self, name="runs top to bottom")


class LessonRun(pytest.Item):
    def runtest(self) -> None:
        error = site.run_lesson(self.path)
        if error:
            raise LessonFailed(error)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, LessonFailed):
            return f"lesson {self.path.name} failed:\n{excinfo.value}"
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, None, f"lesson {self.path.stem}"
