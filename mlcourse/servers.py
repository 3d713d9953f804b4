"""Start every server the course runs the same way, and always stop it.

MLflow's UI (lesson 12), the model server (13), Prometheus (14) and the workers
of lesson 15 all go through :func:`start` or :func:`running`. Each server gets
a free port on 127.0.0.1 (or the one you ask for), is waited for on its health
check, writes its output to a log file you can open, runs in a process group of
its own (so its worker processes stop with it), and is stopped when the ``with``
block ends, when a cell fails inside it, or when Python exits.

Port clashes and servers left over from yesterday are the usual trouble with
course servers. Every server started here leaves a small file in
``.course/servers/`` while it runs, so ``mlcourse doctor`` can list leftovers
and ``mlcourse servers --stop`` can stop them.
"""

from __future__ import annotations

import atexit
import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from mlcourse.course import STATE_DIR
from mlcourse.errors import CourseError

HOST = "127.0.0.1"
REGISTRY_DIR = STATE_DIR / "servers"
LOG_DIR = STATE_DIR / "logs"
Command = Sequence[str] | Callable[[int], Sequence[str]]


def free_port() -> int:
    """A port nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def port_in_use(port: int) -> bool:
    """True when something already accepts connections on 127.0.0.1:``port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((HOST, port)) == 0


@dataclass
class Server:
    """A running server: where it listens, where it logs, and how to stop it."""

    name: str
    port: int
    process: subprocess.Popen
    log_path: Path
    registry_file: Path
    health: str = "/health"
    stopped: bool = field(default=False, init=False)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 15) -> str:
        """The last lines of the server's log, to say why it failed."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server and every process it started: SIGTERM, then SIGKILL after ``timeout`` s."""
        if self.stopped:
            return
        self.stopped = True
        _stop_group(self.pid, timeout)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout)  # reap it, so no zombie is left either
        self.registry_file.unlink(missing_ok=True)
        _STARTED.discard(self)

    def __hash__(self) -> int:
        return self.pid

    def __repr__(self) -> str:
        state = "running" if self.alive() else "stopped"
        return f"<Server {self.name} {state} at {self.url}, log {self.log_path}>"


_STARTED: set[Server] = set()


def _stop_group(pid: int, timeout: float) -> None:
    """Terminate the process group led by ``pid`` (the server and its workers)."""
    try:
        members = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        members = []
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGTERM)
    _, alive = psutil.wait_procs(members, timeout=timeout)
    for process in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    psutil.wait_procs(alive, timeout=timeout)


@atexit.register
def stop_all_started() -> None:
    """Stop every server this Python process started (runs at exit, also in a notebook kernel)."""
    for server in list(_STARTED):
        server.stop()


def _argv(command: Command, port: int) -> list[str]:
    return [str(part) for part in (command(port) if callable(command) else command)]


def _answers(port: int, path: str) -> bool:
    """True when GET ``path`` on 127.0.0.1:``port`` answers 200 (only ever a local address)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=1)
    try:
        connection.request("GET", path)
        return connection.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


def _wait_healthy(server: Server, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not server.alive():
            raise CourseError(f"{server.name} exited with status {server.process.returncode} before it answered "
                              f"{server.health}; its log ({server.log_path}) ends:\n{server.log_tail()}")
        if _answers(server.port, server.health):
            return
        time.sleep(0.1)
    raise CourseError(f"{server.name} did not answer {server.url}{server.health} within {timeout:g} s; "
                      f"its log ({server.log_path}) ends:\n{server.log_tail()}")


def start(name: str, command: Command, *, port: int | None = None, health: str = "/health",
          env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 60.0) -> Server:
    """Start ``command`` as server ``name`` on 127.0.0.1 and return once ``health`` answers 200.

    Parameters
    ----------
    command : the argv, or a function of the port that returns it (to put the port where the tool wants it).
    port : the port to use; by default a free one. A port already in use is refused with a clear error.
    env : variables added to this process's environment for the server.
    timeout : seconds to wait for the health check before giving up (the server is then stopped).

    Use :func:`running` where you can: it also stops the server when the block fails. A server
    started here is stopped at the latest when Python exits.
    """
    if port is not None and port_in_use(port):
        raise CourseError(f"port {port} is already in use on {HOST}: stop what runs there (`mlcourse servers` "
                          "lists course servers) or choose another port, e.g. PORT=0 for a free one")
    port = port or free_port()
    for folder in (REGISTRY_DIR, LOG_DIR):
        folder.mkdir(parents=True, exist_ok=True)
    log_path = LOG_DIR / f"{name}.log"
    argv = _argv(command, port)
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   cwd=cwd, env={**os.environ, **(env or {})}, start_new_session=True)
    registry_file = REGISTRY_DIR / f"{process.pid}.json"
    server = Server(name, port, process, log_path, registry_file, health)
    _STARTED.add(server)
    registry_file.write_text(json.dumps({
        "name": name, "pid": process.pid, "url": server.url, "log": str(log_path), "parent": os.getpid(),
        "created": psutil.Process(process.pid).create_time(), "command": argv}), encoding="utf-8")
    try:
        _wait_healthy(server, timeout)
    except BaseException:
        server.stop()
        raise
    return server


@contextlib.contextmanager
def running(name: str, command: Command, **options) -> Iterator[Server]:
    """``with running(...) as server:`` starts a server (see :func:`start`) and always stops it."""
    server = start(name, command, **options)
    try:
        yield server
    finally:
        server.stop()


def _recorded(path: Path) -> dict | None:
    """The registry entry in ``path`` if its process still runs (the same process, not a reused pid)."""
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
        process = psutil.Process(entry["pid"])
        if abs(process.create_time() - entry["created"]) < 1 and process.status() != psutil.STATUS_ZOMBIE:
            return entry
    except (OSError, ValueError, KeyError, TypeError, psutil.Error):
        pass
    return None


def leftovers(registry_dir: Path | None = None) -> list[dict]:
    """Course servers that still run, from any process; forgets entries of servers that have gone."""
    found = []
    for path in sorted((registry_dir or REGISTRY_DIR).glob("*.json")):
        entry = _recorded(path)
        if entry is None:
            path.unlink(missing_ok=True)
        else:
            found.append(entry)
    return found


def stop_leftovers(registry_dir: Path | None = None, timeout: float = 10.0) -> list[dict]:
    """Stop every course server that still runs (``mlcourse servers --stop``); return what was stopped."""
    stopped = leftovers(registry_dir)
    for entry in stopped:
        _stop_group(entry["pid"], timeout)
        (registry_dir or REGISTRY_DIR).joinpath(f"{entry['pid']}.json").unlink(missing_ok=True)
    return stopped


def describe(entry: dict) -> str:
    """One line for a leftover server: what, where, since when, and its log."""
    since = time.strftime("%Y-%m-%d %H:%M", time.localtime(entry["created"]))
    return f"{entry['name']} at {entry['url']} (pid {entry['pid']}, since {since}; log {entry['log']})"


def python_tool(name: str) -> str:
    """The path of a console script installed next to this Python (``mlflow``, ``uvicorn``...)."""
    return str(Path(sys.executable).with_name(name))
