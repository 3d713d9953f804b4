"""Start a grading kernel where a submission can harm nothing but its own grade.

A submission is code written by someone else, so the grader runs it like
untrusted code, without asking for Docker:

* **Resource limits** on every system: address space (memory), the size of
  any file written, no core dumps. The wall clock is the grader's watchdog.
* **Linux namespaces**, where ``unshare`` may create them (any recent kernel
  allows an unprivileged user to): the kernel gets its own user, mount, PID
  and network namespaces. Inside, every file system is read-only except the
  kernel's scratch folder and a private, size-capped temp folder that hides
  every other kernel's; the submissions, results and feedback folders are
  hidden behind empty mounts; there is no network but a private loopback;
  the kernel is process 1 of its own PID namespace, so it can signal nothing
  outside it and all it started dies with it; and its capabilities are
  dropped before it starts, so it cannot undo any of this.

Where namespaces are not available (macOS, WSL 1, a kernel that forbids them),
:func:`isolation_problem` says why in one line and the kernel runs with the
limits alone. This module is also the launcher that runs inside the
namespaces: ``python -m mlcourse.workbook.sandbox [options] -- KERNEL ARGV``.
"""

from __future__ import annotations

import argparse
import ctypes
import fcntl
import functools
import os
import resource
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mlcourse.course import ROOT

UNSHARE = ["--user", "--map-root-user", "--net", "--mount", "--pid", "--fork", "--kill-child", "--mount-proc"]
SETPRIV = ["--no-new-privs", "--inh-caps=-all", "--ambient-caps=-all", "--bounding-set=-all"]

# Kernel interfaces, not data: left as they are (writing to /dev/null must keep working).
VIRTUAL_FILESYSTEMS = {
    "proc", "sysfs", "devtmpfs", "devpts", "mqueue", "cgroup", "cgroup2", "securityfs", "debugfs", "tracefs",
    "pstore", "bpf", "fusectl", "configfs", "hugetlbfs", "binfmt_misc", "autofs", "efivarfs", "rpc_pipefs", "nsfs",
}
PRIVATE_TMP_MB = 256  # the kernel's own temp folder and home, in memory: a disk-filling loop fills only this
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT = 1, 2, 4, 8, 32
MS_NOATIME, MS_NODIRATIME, MS_BIND, MS_REC, MS_PRIVATE, MS_RELATIME = 1024, 2048, 4096, 16384, 1 << 18, 1 << 21
# Options a remount inside a user namespace must repeat: the kernel refuses to clear them.
LOCKED_OPTIONS = {"nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC, "noatime": MS_NOATIME,
                  "nodiratime": MS_NODIRATIME, "relatime": MS_RELATIME}


def scratch_root() -> Path:
    """The folder every grading kernel's scratch folder is made in, and nothing else.

    Inside the sandbox it is replaced by a private, size-capped file system, so
    it must never hold the course or its Python (as the temp folder itself might).
    """
    root = Path(tempfile.gettempdir()) / f"mlcourse-grading-{os.getuid()}"
    root.mkdir(mode=0o700, exist_ok=True)
    return root


@dataclass(frozen=True)
class Limits:
    """What one submission may use."""

    memory_mb: int = 2048  # address space of the kernel; torch alone reserves about 0.9 GB
    file_mb: int = 64  # largest file it may write


def kernel_argv(workdir: Path, hidden: list[Path], limits: Limits, kernel: list[str], namespaces: bool) -> list[str]:
    """The command that starts ``kernel`` (an ipykernel argv) with the limits, and in namespaces if asked."""
    if namespaces:
        return _in_namespaces(_launcher(workdir, hidden, limits), kernel)
    return [*_launcher(workdir, hidden, limits), "--", *kernel]


def _launcher(workdir: Path, hidden: list[Path], limits: Limits) -> list[str]:
    launcher = [sys.executable, "-m", "mlcourse.workbook.sandbox", "--workdir", str(workdir),
                "--memory-mb", str(limits.memory_mb), "--file-mb", str(limits.file_mb)]
    return launcher + [arg for path in hidden for arg in ("--hide", str(path))]


def _in_namespaces(launcher: list[str], command: list[str]) -> list[str]:
    return [shutil.which("unshare"), *UNSHARE, *launcher, "--namespaces", "--", *command]


@functools.cache
def isolation_problem() -> str | None:
    """None when submissions can run in namespaces here, else why not, in a few words.

    The probe starts the real sandbox and tries to write into the course: only
    "read-only file system" proves the isolation works.
    """
    if not sys.platform.startswith("linux"):
        return f"no Linux namespaces on {sys.platform}"
    missing = [tool for tool in ("unshare", "setpriv") if shutil.which(tool) is None]
    if missing:
        return f"{' and '.join(missing)} not found (util-linux)"
    target = ROOT / "mlcourse" / ".sandbox-probe"
    with tempfile.TemporaryDirectory(prefix="mlgrade-probe-", dir=scratch_root()) as scratch:
        probe = [sys.executable, "-c", f"import pathlib; pathlib.Path({str(target)!r}).touch()"]
        try:
            result = subprocess.run(_in_namespaces(_launcher(Path(scratch), [], Limits()), probe),
                                    capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired) as error:
            return f"the namespace probe failed ({error})"
    if "Read-only file system" in result.stderr:
        return None
    target.unlink(missing_ok=True)
    last = (result.stderr.strip().splitlines() or ["it could write to the course"])[-1]
    return f"unshare cannot isolate a kernel here ({last[:120]})"


# ---------------------------------------------------------------- inside the sandbox


def _libc_mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    encode = lambda text: text.encode() if text is not None else None  # noqa: E731
    if libc.mount(encode(source), encode(target), encode(fstype), ctypes.c_ulong(flags), encode(data)) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"mount {target}: {os.strerror(error)}")


def _mounts() -> list[tuple[str, str, set[str]]]:
    """``(mount point, file-system type, options)`` of every mount this process sees."""
    found = []
    for line in Path("/proc/self/mountinfo").read_text(encoding="utf-8").splitlines():
        fields, _, rest = line.partition(" - ")
        parts = fields.split()
        point = parts[4].encode().decode("unicode_escape")  # \040 for a space, etc.
        found.append((point, rest.split()[0], set(parts[5].split(","))))
    return found


def _lock_down_files(workdir: Path, hidden: list[Path]) -> Path:
    """Everything read-only but the kernel's own folders; other submissions out of sight.

    The folder that holds every submission's scratch folder is replaced by
    a small private one (so no kernel can reach another's connection file or
    sockets), with only this kernel's scratch folder bound back in. Returns the
    kernel's home: a folder on that size-capped temp file system.
    """
    _libc_mount(None, "/", None, MS_REC | MS_PRIVATE)
    kept = os.open(workdir, os.O_PATH | os.O_DIRECTORY)
    _libc_mount("tmpfs", str(workdir.parent), "tmpfs", MS_NOSUID | MS_NODEV, f"size={PRIVATE_TMP_MB}m,mode=1777")
    workdir.mkdir(parents=True)
    _libc_mount(f"/proc/self/fd/{kept}", str(workdir), None, MS_BIND)
    os.close(kept)
    home = workdir.parent / "home"
    home.mkdir()
    for folder in hidden:
        if folder.is_dir():
            _libc_mount("tmpfs", str(folder), "tmpfs", MS_NOSUID | MS_NODEV, "size=16k,mode=0555")
    if Path("/dev/shm").is_dir():
        _libc_mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "size=64m")
    writable = {str(workdir), str(workdir.parent), "/dev/shm"}
    for point, fstype, options in _mounts():
        if fstype in VIRTUAL_FILESYSTEMS or point in writable or "ro" in options:
            continue
        flags = MS_REMOUNT | MS_BIND | MS_RDONLY
        flags |= sum(bit for option, bit in LOCKED_OPTIONS.items() if option in options)
        try:
            _libc_mount(None, point, None, flags)
        except OSError:
            if not Path(point).exists():  # overmounted or gone: nothing reachable to protect
                continue
            raise
    return home


def _loopback_up() -> None:
    """Bring up the namespace's own loopback, so a lesson's local server still works."""
    siocsifflags, iff_up_loopback_running = 0x8914, 0x1 | 0x8 | 0x40
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        fcntl.ioctl(sock, siocsifflags, struct.pack("16sH14x", b"lo", iff_up_loopback_running))


def _apply_limits(limits: Limits) -> None:
    for name, value in ((resource.RLIMIT_AS, limits.memory_mb * 2**20), (resource.RLIMIT_FSIZE, limits.file_mb * 2**20),
                        (resource.RLIMIT_CORE, 0)):
        try:
            resource.setrlimit(name, (value, value))
        except (ValueError, OSError):  # macOS has no RLIMIT_AS; the watchdog still applies
            pass


def _environment(home: Path) -> dict[str, str]:
    """Every tool's home and cache in the kernel's home (the rest is read-only), one thread per kernel."""
    env = dict(os.environ, HOME=str(home), TMPDIR=str(home / "tmp"), MPLCONFIGDIR=str(home / ".matplotlib"),
               IPYTHONDIR=str(home / ".ipython"), XDG_CACHE_HOME=str(home / ".cache"), PYTHONDONTWRITEBYTECODE="1")
    # One thread each: submissions are graded side by side, one per core, and timing checks need a quiet core.
    env |= {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    (home / "tmp").mkdir(exist_ok=True)
    return env


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m mlcourse.workbook.sandbox")
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--hide", type=Path, action="append", default=[])
    parser.add_argument("--memory-mb", type=int, default=Limits.memory_mb)
    parser.add_argument("--file-mb", type=int, default=Limits.file_mb)
    parser.add_argument("--namespaces", action="store_true", help="we run under unshare: lock the files and the network")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    home = args.workdir
    if args.namespaces:
        home = _lock_down_files(args.workdir.resolve(), [p.resolve() for p in args.hide])
        _loopback_up()
        command = [shutil.which("setpriv"), *SETPRIV, "--", *command]  # no capability survives the exec
    env = _environment(home)
    _apply_limits(Limits(args.memory_mb, args.file_mb))
    os.chdir(home)
    os.execvpe(command[0], command, env)


if __name__ == "__main__":
    main()
