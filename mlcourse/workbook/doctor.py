"""``mlcourse doctor``: is this machine ready for the course?

Each check returns a verdict and, when it fails, the command that fixes it.
Run it first when something behaves oddly: it catches the usual culprits (an
old Python, a package at the wrong version, a CUDA build of torch, a missing
kernel, damaged data) before they turn into confusing errors in a lesson.
"""

from __future__ import annotations

import importlib.metadata as metadata
import importlib.util
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import Requirement

from mlcourse import data
from mlcourse.course import KERNEL_NAME, ROOT
from mlcourse.workbook.build import MISSING, STALE
from mlcourse.workbook.build import check as build_check

MIN_FREE_GB = 1.0
FIX_INSTALL = "run `make setup` (or `make lab`) from the course folder"


@dataclass
class Verdict:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    warning: bool = False  # worth knowing, but the course still works


def python_version() -> Verdict:
    version = ".".join(map(str, sys.version_info[:3]))
    ok = (3, 11) <= sys.version_info[:2] <= (3, 12)
    return Verdict("Python", ok, version, "" if ok else "install Python 3.11 and run `make distclean lab`")


IMPORT_NAMES = {"scikit-learn": "sklearn", "pyyaml": "yaml", "pytest-xdist": "xdist",
                "sphinx-mathjax-offline": "sphinx-mathjax-offline"}  # (its folder's name has dashes)


def dependencies() -> Verdict:
    wrong = []
    for line in metadata.requires("mlcourse") or []:
        requirement = Requirement(line)
        module = IMPORT_NAMES.get(requirement.name, requirement.name.replace("-", "_"))
        try:
            installed = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            wrong.append(f"{requirement.name} missing")
            continue
        if not requirement.specifier.contains(installed, prereleases=True):
            wrong.append(f"{requirement.name} {installed} (need {requirement.specifier})")
        elif importlib.util.find_spec(module) is None:
            wrong.append(f"{requirement.name} installed but `import {module}` finds nothing")
    detail = "; ".join(wrong) if wrong else f"{len(metadata.requires('mlcourse') or [])} packages at supported versions"
    return Verdict("packages", not wrong, detail, FIX_INSTALL if wrong else "")


def torch_cpu() -> Verdict:
    try:
        import torch
    except ImportError as error:
        return Verdict("torch", False, f"cannot import torch ({error})", FIX_INSTALL)
    x = torch.ones(3, requires_grad=True)
    (x * x).sum().backward()
    works = torch.equal(x.grad, torch.full((3,), 2.0))
    cpu_build = torch.version.cuda is None
    detail = f"{torch.__version__}, {'CPU build' if cpu_build else 'CUDA build (large; the course needs only the CPU)'}"
    fix = "" if works and cpu_build else "reinstall with `pip install torch==2.13.0` inside .venv (`make distclean setup`)"
    return Verdict("torch", works and cpu_build, detail + ("" if works else ", autograd gave a wrong gradient"), fix)


def kernel() -> Verdict:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    except NoSuchKernel:
        return Verdict("Jupyter kernel", False, f"kernel '{KERNEL_NAME}' not registered", "run `mlcourse setup`")
    python = Path(spec.argv[0])
    same = python.name.startswith("python") and (python == Path(sys.executable) or python.parent == Path(sys.executable).parent)
    detail = f"'{KERNEL_NAME}' runs {python}"
    return Verdict("Jupyter kernel", same, detail, "" if same else "run `mlcourse setup` to point it at this Python")


def data_files(data_dir: Path = data.DATA_DIR) -> Verdict:
    try:
        problems = data.problems(data_dir)
        count = len(data.manifest(data_dir))
    except Exception as error:
        return Verdict("data", False, str(error), "restore data/ with `git checkout -- data/`")
    detail = "; ".join(problems) if problems else f"{count} files present, SHA-256 match"
    return Verdict("data", not problems, detail, "restore them with `git checkout -- data/`" if problems else "")


def notebooks_built(root: Path = ROOT) -> Verdict:
    try:
        outdated = [path for path, status in build_check(root) if status in (MISSING, STALE)]
    except Exception as error:
        return Verdict("notebooks", False, str(error), "fix the file named above, then run `mlcourse build`")
    detail = f"{len(outdated)} to (re)build: {', '.join(outdated[:3])}" if outdated else "built and up to date"
    return Verdict("notebooks", not outdated, detail, "run `mlcourse build`" if outdated else "")


def free_disk(root: Path = ROOT) -> Verdict:
    free_gb = shutil.disk_usage(root).free / 1e9
    ok = free_gb >= MIN_FREE_GB
    return Verdict("free disk", ok, f"{free_gb:.1f} GB free", "" if ok else f"free at least {MIN_FREE_GB:g} GB")


def servers_left_running() -> Verdict:
    from mlcourse import servers

    found = servers.leftovers()
    if not found:
        return Verdict("course servers", True, "none left running")
    detail = f"{len(found)} still running: " + "; ".join(servers.describe(entry) for entry in found)
    return Verdict("course servers", True, detail, "stop them with `mlcourse servers --stop`", warning=True)


def prometheus_installed() -> Verdict:
    """An optional extra: lesson 14 runs a real Prometheus where one is installed, and skips that part if not."""
    from mlcourse import prometheus

    where = prometheus.binary()
    if where:
        return Verdict("Prometheus (optional)", True, f"installed: {where}")
    return Verdict("Prometheus (optional)", True, "not installed: lesson 14 skips its real-Prometheus part",
                   f"to add it: {prometheus.INSTALL_HINT}", warning=True)


def spark_ready() -> Verdict:
    """An optional extra: lesson 15 runs Spark where Java 17+ and pyspark are installed, and skips that part if not."""
    from mlcourse import spark

    reason = spark.missing()
    if reason is None:
        return Verdict("Spark (optional)", True, f"ready: Java {spark.java_version()}, pyspark {spark.pyspark_version()}")
    what, _, fix = reason.partition(": ")
    return Verdict("Spark (optional)", True, f"{what}: lesson 15 skips its Spark part", fix.rstrip("."), warning=True)


CHECKS: tuple[Callable[[], Verdict], ...] = (python_version, dependencies, torch_cpu, kernel, data_files, notebooks_built, free_disk,
                                           servers_left_running, prometheus_installed, spark_ready)


def run() -> list[Verdict]:
    return [check() for check in CHECKS]


def report(verdicts: list[Verdict]) -> str:
    lines = []
    for v in verdicts:
        lines.append(f"{'!' if v.warning else '✓' if v.ok else '✗'} {v.name}: {v.detail}")
        if not v.ok or v.warning:
            lines.append(f"    fix: {v.fix}")
    failed = sum(not v.ok for v in verdicts)
    lines.append("ready for the course" if not failed else f"{failed} problem(s) to fix before the course")
    return "\n".join(lines)
