"""Read and execute notebooks in a fresh kernel, for grading and benchmarking.

Execution goes through nbclient (the engine behind ``jupyter nbconvert
--execute``), cell by cell, carrying on after an error so every exercise gets a
verdict. While it runs, a sampler thread records the kernel's peak memory.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import psutil
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.reader import NotJSONError

from mlcourse.errors import CourseError


def read(path: Path) -> nbformat.NotebookNode:
    """Load a notebook, or raise a one-line CourseError saying what is wrong with it."""
    path = Path(path)
    if not path.exists():
        raise CourseError(f"{path}: no such file or folder")
    if path.suffix != ".ipynb":
        raise CourseError(f"{path}: not a notebook (expected a .ipynb file)")
    try:
        nb = nbformat.read(path, as_version=4)
    except (NotJSONError, json.JSONDecodeError, UnicodeDecodeError):
        raise CourseError(f"{path}: not valid notebook JSON; was it saved completely?") from None
    except Exception as error:
        raise CourseError(f"{path}: cannot be read as a notebook ({type(error).__name__}: {error})") from None
    if not isinstance(nb.get("cells"), list):
        raise CourseError(f"{path}: not a notebook (it has no list of cells)")
    return nb


def kernel_name(nb: nbformat.NotebookNode) -> str:
    """The notebook's own kernel when this machine has it, else this Python's kernel."""
    name = nb.metadata.get("kernelspec", {}).get("name", "python3")
    try:
        KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        return "python3"
    return name


class PeakMemory(threading.Thread):
    """Samples the memory of this process's children (the kernel) until stopped.

    On Linux the kernel's own high-water mark (VmHWM) is read as well, so a
    spike between two samples is not missed.
    """

    def __init__(self, interval: float = 0.05):
        super().__init__(daemon=True)
        self.interval, self.peak_bytes = interval, 0
        self._stop_event = threading.Event()

    def _sample(self) -> None:
        total = 0
        for child in psutil.Process().children(recursive=True):
            try:
                total += child.memory_info().rss
                self.peak_bytes = max(self.peak_bytes, _high_water_mark(child.pid))
            except psutil.Error:
                continue
        self.peak_bytes = max(self.peak_bytes, total)

    def run(self) -> None:
        while not self._stop_event.is_set():
            self._sample()
            time.sleep(self.interval)

    def stop(self) -> int:
        self._stop_event.set()
        self.join()
        return self.peak_bytes


def _high_water_mark(pid: int) -> int:
    status = Path(f"/proc/{pid}/status")
    if not sys.platform.startswith("linux") or not status.exists():
        return 0
    for line in status.read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


@dataclass
class Run:
    """What executing one notebook produced: the executed notebook and its costs."""

    nb: nbformat.NotebookNode
    seconds: float
    peak_mb: float
    problem: str | None  # kernel death or an unrecoverable timeout; None when all cells ran


def execute(path: Path, cell_timeout: float = 60.0) -> Run:
    """Run every cell of ``path`` in a fresh kernel, in the notebook's folder.

    Errors in cells are recorded in their outputs and execution carries on; a
    cell that runs past ``cell_timeout`` seconds is interrupted. A dead kernel
    stops the run and is reported in :attr:`Run.problem`, never raised.
    """
    path = Path(path)
    nb = read(path)
    client = NotebookClient(
        nb,
        timeout=cell_timeout,
        kernel_name=kernel_name(nb),
        allow_errors=True,
        interrupt_on_timeout=True,
        resources={"metadata": {"path": str(path.parent.resolve())}},
    )
    sampler = PeakMemory()
    sampler.start()
    started, problem = time.perf_counter(), None
    try:
        # The kernel's stderr holds only transport warnings; cell errors arrive as messages.
        client.execute(stderr=subprocess.DEVNULL)
    except DeadKernelError as error:
        problem = f"the kernel died ({str(error).splitlines()[0] if str(error) else 'no reason given'})"
    except CellTimeoutError:
        problem = f"a cell ran longer than {cell_timeout:g} s and could not be interrupted"
    except Exception as error:  # report, never crash the caller's batch
        problem = f"execution failed: {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
    seconds = time.perf_counter() - started
    return Run(nb, seconds, sampler.stop() / 2**20, problem)


def cell_error(cell: nbformat.NotebookNode) -> str | None:
    """``"Name: message"`` of the error a code cell raised, or None if it ran cleanly."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return f"{output.get('ename', 'Error')}: {output.get('evalue', '')}".strip()
    return None


def cell_text(cell: nbformat.NotebookNode) -> str:
    """Everything a code cell printed to stdout."""
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("name") == "stdout")
