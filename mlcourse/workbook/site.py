"""The course as a static site (``make site``): every lesson executed, with its outputs and figures.

Sphinx reads the repository itself (configuration in ``docs/conf.py``), with
MyST-NB turning the Jupytext sources into pages through :func:`read_notebook`
and executing the lessons in the course kernel. Executions are cached by
jupyter-cache, which keys on a notebook's code cells and its kernelspec; a
change to the package, the data or the installed versions changes what a cell
prints without changing the cell, so :func:`read_notebook` writes a
fingerprint of those inputs into the kernelspec, and such a change makes a new
key. The build treats every warning as an error and keeps going, so one run
lists every failing page.

``make test`` runs each lesson with :func:`run_lesson` as one test among the
others (pytest-xdist packs them with the tests that wait on servers), straight
into the same cache; the site build that follows only renders.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

import jupytext
import nbformat

from mlcourse.course import ROOT
from mlcourse.workbook.build import KERNELSPEC, PY_HEADER, split_solution

# What the site shows: the front page, the README and the guides, and every lesson, exercise and solution
PAGES = ["docs/index.md", "README.md", "docs/instructor.md", "docs/developing.md", "data/README.md",
         "lessons/[0-9][0-9]_*.py", "exercises/[0-9][0-9]_*.py", "solutions/[0-9][0-9]_*.py"]
# Everything the build makes, in Sphinx's usual folder: the pages in html/, and beside them what it keeps
# between builds (MyST-NB writes the executed notebooks' files next to the pages' folder)
WORK = ROOT / "_build"
OUTPUT = WORK / "html"
EXECUTION_CACHE = WORK / "jupyter-cache"
DOCTREES = WORK / "doctrees"
EXECUTION_TIMEOUT_S = 300  # per cell
SOLUTION_TITLE = re.compile(r"^(# # .*): exercises$", re.MULTILINE)
# MathJax 3 as the sphinx-mathjax-offline package ships it; the site needs only the TeX-to-HTML bundle and its fonts
MATHJAX_SCRIPT = "mathjax/tex-chtml.js"
MATHJAX_FILES = ["tex-chtml.js", "output/chtml/fonts/woff-v2"]
# What a cell's output depends on beyond its own code (and, see inputs_fingerprint, the installed
# versions and which optional extras are there); all of mlcourse/, since lessons 00 and 14 use the machinery
INPUTS = ["mlcourse/**/*.py", "mlcourse/matplotlibrc", "data/*", "pyproject.toml"]


def read_notebook(text: str, **_options) -> nbformat.NotebookNode:
    """A Jupytext source as the notebook a learner opens, named after the course kernel.

    A solution source loses its answer markers (the stubs go with them) and is
    titled as the solutions; an exercise loses the line the build writes on top. The kernelspec carries
    :func:`inputs_fingerprint`, which makes it part of the execution cache's key.
    """
    if "# BEGIN SOLUTION" in text:  # its page is titled as what it is: "NN · Topic: solutions"
        text = SOLUTION_TITLE.sub(r"\1: solutions", split_solution(text, "a solution source")[1], count=1)
    first_line, _, rest = text.partition("\n")
    if PY_HEADER.match(first_line):
        text = rest
    notebook = jupytext.reads(text, fmt="py:percent")
    notebook.metadata["kernelspec"] = KERNELSPEC | {"mlcourse_inputs": inputs_fingerprint()}
    return notebook


@functools.cache
def inputs_fingerprint(root: Path = ROOT) -> str:
    """SHA-256 over what can change a cached output without changing its cell: the package, the data,
    every installed version (a new lock, or `make test-latest`'s newest ones), the optional extras."""
    from mlcourse import prometheus, spark  # lessons 14 and 15 run a part only where the optional extra is found

    versions = sorted(f"{dist.metadata['Name']}=={dist.version}" for dist in metadata.distributions())
    digest = hashlib.sha256(f"{versions}|{prometheus.missing()}|{spark.missing()}".encode())
    for path in sorted({path for pattern in INPUTS for path in root.glob(pattern) if path.is_file()}):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def run_lesson(source: Path, cache_path: Path = EXECUTION_CACHE) -> str | None:
    """Run a lesson as the site build would, keeping its outputs in the site's cache.

    None if it ran (or its outputs for these cells and inputs are cached already);
    otherwise the failing cell and its traceback.
    """
    from jupyter_cache import get_cache
    from jupyter_cache.cache.main import CacheBundleIn
    from jupyter_cache.executors.utils import single_nb_execution

    cache = get_cache(cache_path)
    notebook = read_notebook(source.read_text(encoding="utf-8"))
    try:
        cache.match_cache_notebook(notebook)
        return None
    except KeyError:  # not run with these cells and inputs yet
        pass
    result = single_nb_execution(notebook, cwd=str(source.parent), timeout=EXECUTION_TIMEOUT_S, allow_errors=False)
    if result.err is not None:
        return result.exc_string or repr(result.err)
    cache.cache_notebook_bundle(CacheBundleIn(notebook, str(source), data={"execution_seconds": result.time}),
                                check_validity=False, overwrite=True)
    return None


def copy_mathjax(app, error: Exception | None) -> None:
    """Sphinx hook: put MathJax in the site's ``_static/``, so formulas render without a network."""
    if error is not None:
        return
    package = Path(importlib.util.find_spec("sphinx-mathjax-offline").submodule_search_locations[0]) / "static" / "mathjax"
    target = Path(app.outdir) / "_static" / "mathjax"
    for name in MATHJAX_FILES:
        source = package / name
        if source.is_dir():
            shutil.copytree(source, target / name, dirs_exist_ok=True)
        else:
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def sphinx_command(jobs: int = 2) -> list[str]:
    """The build: HTML, every page read afresh (-E: an unchanged page may show a changed package's outputs),
    warnings as errors, every failing page reported in the same run."""
    return [sys.executable, "-m", "sphinx", "-b", "html", "-c", "docs", "-d", str(DOCTREES), "-j", str(jobs),
            "-E", "-W", "--keep-going", "-q", ".", str(OUTPUT)]


def build(jobs: int = 2) -> int:
    """Build the site into ``_build/html/``; the exit code is Sphinx's."""
    started = time.perf_counter()
    # one BLAS thread per notebook (two run at once); no debugger warning in every kernel
    env = os.environ | {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                        "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    code = subprocess.run(sphinx_command(jobs), cwd=ROOT, env=env).returncode
    if code == 0:
        print(f"Built the site in {time.perf_counter() - started:.0f} s: open {OUTPUT / 'index.html'}")
    return code
