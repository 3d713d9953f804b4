"""Read and execute notebooks in a fresh kernel, for grading and benchmarking.

Execution goes through nbclient (the engine behind ``jupyter nbconvert
--execute``), cell by cell, carrying on after an error so every exercise gets a
verdict. While it runs, a sampler thread records the kernel's peak memory.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat
import psutil
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
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
                if _forked_not_yet_started(child):  # it shares its parent's pages: counting them would double them
                    continue
                total += child.memory_info().rss
                self.peak_bytes = max(self.peak_bytes, _high_water_mark(child.pid))
            except (psutil.Error, OSError):  # it ended between listing and reading
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


def _forked_not_yet_started(process: psutil.Process) -> bool:
    """True for a child caught between fork and exec (e.g. the kernel starting `git`): a copy of its parent."""
    parent = process.parent()
    return parent is not None and process.cmdline() == parent.cmdline()


def _high_water_mark(pid: int) -> int:
    status = Path(f"/proc/{pid}/status")
    if not sys.platform.startswith("linux") or not status.exists():
        return 0
    for line in status.read_text(encoding="utf-8").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


@dataclass
class Run:
    """What executing one notebook produced: the executed notebook and its costs."""

    nb: nbformat.NotebookNode
    seconds: float
    peak_mb: float
    problem: str | None  # kernel death or a time limit; None when all cells ran


class Watchdog(threading.Thread):
    """Enforces the time limits from outside the kernel, whatever the notebook does.

    A cell past ``cell_timeout`` is interrupted (KeyboardInterrupt); one that
    ignores the interrupt for ``grace`` seconds, or a notebook past
    ``notebook_timeout``, has its kernel killed. nbclient then reports a dead
    kernel and every later cell counts as not run, instead of waiting for ever.
    """

    def __init__(self, client: NotebookClient, cell_timeout: float, notebook_timeout: float | None, grace: float = 5.0,
                 folder_limit: tuple[Path, int] | None = None):
        super().__init__(daemon=True)
        self.client, self.cell_timeout, self.notebook_timeout, self.grace = client, cell_timeout, notebook_timeout, grace
        self.folder_limit = folder_limit  # a folder on the host's disk, and the bytes the kernel may write there
        self.cell_started: float | None = None
        self.interrupted = False
        self.killed: str | None = None  # why the kernel was killed, when it was
        self._stop_event = threading.Event()
        client.on_cell_start = lambda **_: self._cell(started=True)
        client.on_cell_executed = lambda **_: self._cell(started=False)

    def _cell(self, started: bool) -> None:
        self.cell_started, self.interrupted = (time.monotonic() if started else None), False

    def _signal(self, signum: int) -> None:
        pgid = getattr(getattr(self.client.km, "provisioner", None), "pgid", None)
        if pgid:
            try:
                os.killpg(pgid, signum)
            except (ProcessLookupError, PermissionError):
                pass

    def _folder_too_big(self) -> bool:
        if self.folder_limit is None:
            return False
        folder, limit = self.folder_limit
        try:
            return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) > limit
        except OSError:  # a file vanished while counting
            return False

    def run(self) -> None:
        started, ticks = time.monotonic(), 0
        while not self._stop_event.wait(0.2):
            now, cell, ticks = time.monotonic(), self.cell_started, ticks + 1
            if ticks % 5 == 0 and self._folder_too_big():
                self.killed = f"stopped: it wrote more than {self.folder_limit[1] // 2**20} MB to the grader's disk"
            elif self.notebook_timeout is not None and now - started > self.notebook_timeout:
                self.killed = f"stopped: the notebook ran past its {self.notebook_timeout:g} s limit"
            elif cell is not None and now - cell > self.cell_timeout + self.grace and self.interrupted:
                self.killed = f"stopped: a cell ran past {self.cell_timeout:g} s and ignored the interrupt"
            elif cell is not None and now - cell > self.cell_timeout and not self.interrupted:
                self.interrupted = True
                self._signal(signal.SIGINT)
            if self.killed:
                self._signal(signal.SIGKILL)
                return

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


class CappedClient(NotebookClient):
    """An nbclient that keeps at most ``output_limit`` characters of output in all.

    A notebook that prints without bound would otherwise fill the grader's
    memory and every file it writes; past the cap, output is cut with a note.
    Cells in ``protected`` (the grader's check cells) have a budget of their
    own, and past it still keep the lines ``keep`` accepts (their verdict).
    """

    def __init__(self, nb: nbformat.NotebookNode, output_limit: int | None = None, protected: frozenset[int] = frozenset(),
                 keep: Callable[[str], bool] = lambda line: False, **kwargs):
        super().__init__(nb, **kwargs)
        self.output_limit, self.protected, self.keep = output_limit, protected, keep
        self.spent: dict[int | None, int] = {}

    def output(self, outs, msg, display_id, cell_index):
        out = super().output(outs, msg, display_id, cell_index)
        if out is None or self.output_limit is None:
            return out
        budget = cell_index if cell_index in self.protected else None
        room = self.output_limit - self.spent.get(budget, 0)
        size = len(json.dumps(out, default=str))
        self.spent[budget] = self.spent.get(budget, 0) + size
        if room >= size:
            return out
        if outs and outs[-1] is out:
            outs.pop()
        kept = "".join(line for line in str(out.get("text", "")).splitlines(keepends=True) if self.keep(line.strip()))
        if room > 0:  # the first output past the cap: say so once
            kept = f"[output cut by the grader: more than {self.output_limit:,} characters]\n" + kept
        if kept:
            outs.append(nbformat.v4.new_output("stream", name=out.get("name", "stdout"), text=kept))
        return None


def run(nb: nbformat.NotebookNode, cwd: Path, cell_timeout: float = 60.0, *, notebook_timeout: float | None = None,
        kernel_manager=None, output_limit: int | None = None, protected: frozenset[int] = frozenset(),
        keep: Callable[[str], bool] = lambda line: False, folder_limit: tuple[Path, int] | None = None) -> Run:
    """Run every cell of ``nb`` in a fresh kernel started in ``cwd``.

    Errors in cells are recorded in their outputs and execution carries on; the
    :class:`Watchdog` enforces the time limits. A dead kernel stops the run and
    is reported in :attr:`Run.problem`, never raised.
    """
    options = {"km": kernel_manager} if kernel_manager is not None else {"kernel_name": kernel_name(nb)}
    client = CappedClient(nb, output_limit, protected, keep, timeout=None, allow_errors=True,
                          resources={"metadata": {"path": str(cwd)}}, **options)
    watchdog, sampler = Watchdog(client, cell_timeout, notebook_timeout, folder_limit=folder_limit), PeakMemory()
    sampler.start()
    watchdog.start()
    started, problem = time.perf_counter(), None
    try:
        # The kernel's stderr holds only transport warnings; cell errors arrive as messages.
        client.execute(stderr=subprocess.DEVNULL)
    except DeadKernelError as error:
        problem = f"the kernel died ({str(error).splitlines()[0] if str(error) else 'no reason given'})"
    except Exception as error:  # report, never crash the caller's batch
        problem = f"execution failed: {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
    watchdog.stop()
    seconds = time.perf_counter() - started
    return Run(nb, seconds, sampler.stop() / 2**20, watchdog.killed or problem)


def execute(path: Path, cell_timeout: float = 60.0) -> Run:
    """Run the notebook at ``path`` in a fresh kernel, in the notebook's folder."""
    path = Path(path)
    return run(read(path), path.parent.resolve(), cell_timeout)


def cell_error(cell: nbformat.NotebookNode) -> str | None:
    """``"Name: message"`` of the error a code cell raised, or None if it ran cleanly."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return f"{output.get('ename', 'Error')}: {output.get('evalue', '')}".strip()
    return None


def cell_text(cell: nbformat.NotebookNode) -> str:
    """Everything a code cell printed to stdout."""
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("name") == "stdout")
