"""The set-up promises: one dependency list, a pinned torch, nothing downloaded at run time."""

from __future__ import annotations

import re

import yaml
from packaging.requirements import Requirement

from mlcourse.course import ROOT
from mlcourse.workbook import lock


def test_environment_yml_lists_the_same_packages_and_ranges_as_pyproject():
    normalise = lambda specs: {str(Requirement(s)) for s in specs}  # noqa: E731
    assert normalise(lock.environment_requirements()) == normalise(lock.pyproject_requirements())


def test_conda_environment_uses_python_311():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert "python=3.11" in env["dependencies"]


def test_torch_is_pinned_exactly_to_the_cpu_wheel_version():
    torch = [Requirement(s) for s in lock.pyproject_requirements() if Requirement(s).name == "torch"]
    assert [str(r.specifier) for r in torch] == ["==2.13.0"]


def test_every_dependency_has_a_tested_range():
    for spec in lock.pyproject_requirements():
        requirement = Requirement(spec)
        operators = {s.operator for s in requirement.specifier}
        assert "==" in operators or ">=" in operators, f"{spec}: no lower bound"
        assert "==" in operators or "<" in operators, f"{spec}: no upper bound, a future release could break the course"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in readme and re.search(r"^make test$", ci, re.MULTILINE)


DOWNLOADS = re.compile(r"urlretrieve|urlopen|requests\.get\(|fetch_openml|fetch_california|hf_hub_download|from_pretrained\(|torch\.hub|get_dataset\(")


# `mlcourse lock` asks PyPI for the hashes of each pinned version: a maintainer's command, run to write
# requirements.lock, never by a lesson, by set-up or by the tests.
MAINTAINER_TOOLS = {ROOT / "mlcourse" / "workbook" / "lock.py"}


def test_no_course_code_downloads_anything_at_run_time():
    sources = [*ROOT.glob("mlcourse/**/*.py"), *ROOT.glob("lessons/*.py"), *ROOT.glob("solutions/*.py")]
    sources = [p for p in sources if p not in MAINTAINER_TOOLS]
    offenders = [f"{p.relative_to(ROOT)}:{n}" for p in sources for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                 if DOWNLOADS.search(line)]
    assert offenders == []
