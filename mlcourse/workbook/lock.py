"""The lock: the exact version, with hashes, of every package the course installs (``mlcourse lock``).

pyproject.toml keeps ranges (what the course is known to work with), so two learners
who set up a week apart could get different scikit-learn or pandas releases and see
different numbers. ``requirements.lock`` pins one version of each package, and
``make setup`` installs from it:

1. ``pip install --require-hashes --no-deps -r requirements.lock``: every locked file is
   checked against its sha256;
2. ``pip install -c <the lock's pins> -e .``: installs the course itself and whatever
   only this platform needs (``appnope`` for ipykernel on macOS, absent from a lock made
   on Linux), never moving a locked version. On the lock's own platform this adds nothing.

If step 1 fails (a macOS file with no hash in the lock, or a Linux laptop with PyPI's
torch instead of the CPU wheel the lock was made with), step 2 still installs exactly the
locked versions, without hash checks, and says so; ``--strict`` (``make setup LOCK_STRICT=1``)
stops instead.

Everything ``make setup`` runs before the course is installed (``python -m
mlcourse.workbook.lock install``) uses the standard library only; resolving a new lock
and comparing requirements import ``packaging`` where they need it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from mlcourse.course import ROOT
from mlcourse.errors import CourseError

LOCK_PATH = ROOT / "requirements.lock"
LOCK_COMMAND = ".venv/bin/mlcourse lock"
PYPI_SIMPLE = "https://pypi.org/simple"
PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
# The course itself is never locked; the tools a venv brings by itself are locked only if a package needs them
# (torch needs setuptools), and are never reported as installed without a pin.
NOT_LOCKED = {"mlcourse"}
VENV_TOOLS = {"pip", "setuptools", "wheel"}
# Set by `make test-latest`: the suite then runs on the newest versions, not the lock's.
UNLOCKED_ENV = "MLCOURSE_UNLOCKED"
_EXTRA_LINE = re.compile(r"^# extra (?P<extra>[\w-]+): (?P<name>[\w.-]+)==(?P<version>\S+)$")


@dataclass(frozen=True)
class Pin:
    name: str
    version: str
    hashes: tuple[str, ...]

    def line(self) -> str:
        return " \\\n".join([f"{self.name}=={self.version}", *(f"    --hash=sha256:{h}" for h in self.hashes)])


def canonical(name: str) -> str:
    """PEP 503's form of a name, so that ``jupyter_client`` and ``Jupyter-Client`` are one package."""
    return re.sub(r"[-_.]+", "-", name).lower()


def platform_tag() -> str:
    """What a lock depends on besides the ranges: operating system, processor and Python version."""
    return f"{sys.platform}-{platform.machine().lower()}-py{sys.version_info.major}.{sys.version_info.minor}"


# --- reading a lock (standard library only: make setup runs this before anything is installed)

def parse(text: str) -> list[Pin]:
    """The pins of a lock, in file order (duplicates kept, so that a test can find them)."""
    pins = []
    for line in text.replace("\\\n", " ").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        requirement, *options = line.split()
        name, sep, version = requirement.partition("==")
        if not sep or not version:
            raise CourseError(f"requirements.lock: {requirement!r} is not pinned with ==; run `{LOCK_COMMAND}`")
        hashes = tuple(o.removeprefix("--hash=sha256:") for o in options if o.startswith("--hash=sha256:"))
        pins.append(Pin(canonical(name), version, hashes))
    return pins


def pins(text: str) -> dict[str, str]:
    """Name to version, for comparing a lock with requirements or with what is installed."""
    return {pin.name: pin.version for pin in parse(text)}


def extra_pins(text: str, extra: str | None = None) -> dict[str, str]:
    """The pins of an optional extra (kept as comments: installing the lock must not install them)."""
    found = (_EXTRA_LINE.match(line.strip()) for line in text.splitlines())
    return {canonical(m["name"]): m["version"] for m in found if m and extra in (None, m["extra"])}


def lock_platform(text: str) -> str | None:
    """The platform the lock was resolved on, from its header."""
    match = re.search(r"^# platform: (\S+)$", text, re.MULTILINE)
    return match[1] if match else None


def constraints(text: str, extra: str | None = None) -> str:
    """The lock as a pip constraints file: versions only, since pip turns on hash checking for all if one has a hash."""
    chosen = {**pins(text), **(extra_pins(text, extra) if extra else {})}
    return "".join(f"{name}=={version}\n" for name, version in sorted(chosen.items()))


def read(path: Path = LOCK_PATH) -> str:
    if not path.exists():
        raise CourseError(f"{path.name} is missing: run `{LOCK_COMMAND}` (or restore it with git)")
    return path.read_text(encoding="utf-8")


# --- installing it (make setup)

def _pip(*args: str) -> bool:
    return subprocess.run([*PIP, "install", "--quiet", *args], cwd=ROOT).returncode == 0


def install(path: Path = LOCK_PATH, extra: str | None = None, strict: bool = False) -> None:
    """Install the lock hash-checked, then the course within the lock's pins; see the module's docstring."""
    text = read(path)
    here, there = platform_tag(), lock_platform(text)
    if there != here:
        print(f"note: {path.name} was resolved on {there}, this is {here}: packages only this platform "
              "needs are added within the lock's versions")
    if not extra and not _pip("--require-hashes", "--no-deps", "-r", str(path)):
        if strict:
            raise CourseError(f"the hash-checked install of {path.name} failed (above)")
        print(f"note: the hash-checked install of {path.name} failed (above); installing the same exact "
              "versions without hash checks (make setup LOCK_STRICT=1 stops here instead)")
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt", delete=False) as file:
        file.write(constraints(text, extra))
    try:
        if not _pip("-c", file.name, "-e", f".[{extra}]" if extra else "."):
            raise CourseError(f"installing the course within {path.name}'s versions failed (above)")
    finally:
        os.unlink(file.name)


# --- comparing a lock with the requirements and with the venv

def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def optional_extras() -> list[str]:
    """The names of pyproject.toml's optional extras (``spark``)."""
    return list(_project().get("optional-dependencies", {}))


def pyproject_requirements(extra: str | None = None) -> list[str]:
    """pyproject.toml's dependencies (or those of one optional extra): the ranges the lock must satisfy."""
    project = _project()
    return project["optional-dependencies"][extra] if extra else project["dependencies"]


def environment_requirements() -> list[str]:
    """environment.yml's pip list, without the course itself (``-e .``)."""
    import yaml

    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip_list = next(item["pip"] for item in env["dependencies"] if isinstance(item, dict))
    return [spec for spec in pip_list if not spec.startswith("-e")]


def disagreements(requirements: Iterable[str], locked: dict[str, str], source: str) -> list[str]:
    """Each requirement (of ``source``) the lock's pins leave unmet, as a line saying what to run."""
    from packaging.requirements import Requirement
    from packaging.version import Version

    problems = []
    for spec in requirements:
        requirement = Requirement(spec)
        if requirement.marker and not requirement.marker.evaluate():
            continue
        version = locked.get(canonical(requirement.name))
        if version is None:
            problems.append(f"{source} needs {spec} but {LOCK_PATH.name} has no {requirement.name}")
        elif not requirement.specifier.contains(Version(version), prereleases=True):
            problems.append(f"{source} needs {spec} but {LOCK_PATH.name} pins {requirement.name}=={version}")
    return [f"{p}: run `{LOCK_COMMAND}`, then `make setup`" for p in problems]


def installed() -> dict[str, str]:
    """Name to version of every distribution in this environment."""
    return {canonical(d.metadata["Name"]): d.version for d in metadata.distributions()}


def _matches(pinned: str, version: str) -> bool:
    """A pin without a local label (torch==2.13.0) matches a local build of it (2.13.0+cpu), as in pip."""
    return version == pinned or ("+" not in pinned and _public(version) == pinned)


def differences(locked: dict[str, str], present: dict[str, str]) -> list[str]:
    """How an environment differs from the lock: changed versions, missing and unlocked packages."""
    lines = [f"{name}: {locked[name]} in the lock, {present[name]} installed"
             for name in sorted(locked.keys() & present.keys()) if not _matches(locked[name], present[name])]
    lines += [f"{name}: {locked[name]} in the lock, not installed" for name in sorted(locked.keys() - present.keys())]
    unlocked = present.keys() - locked.keys() - NOT_LOCKED - VENV_TOOLS
    return lines + [f"{name}: {present[name]} installed, not in the lock" for name in sorted(unlocked)]


# --- writing a lock (mlcourse lock)

def changes(old: dict[str, str], new: dict[str, str]) -> list[str]:
    """What re-locking moved: the lines a reviewer reads before committing the new lock."""
    lines = [f"{n}: {old[n]} -> {new[n]}" for n in sorted(old.keys() & new.keys()) if old[n] != new[n]]
    lines += [f"{n}: removed (was {old[n]})" for n in sorted(old.keys() - new.keys())]
    return lines + [f"{n}: added, {new[n]}" for n in sorted(new.keys() - old.keys())]


def _resolve(target: str, constraint_pins: dict[str, str] | None, workdir: Path) -> list[dict]:
    """What pip would install here for ``target`` (newest versions in range, or the constrained ones)."""
    report = workdir / "report.json"
    command = [*PIP, "install", "--dry-run", "--ignore-installed", "--quiet", "--report", str(report), "-e", target]
    if constraint_pins is not None:
        constraint_file = workdir / "constraints.txt"
        constraint_file.write_text("".join(f"{n}=={v}\n" for n, v in sorted(constraint_pins.items())), encoding="utf-8")
        command += ["-c", str(constraint_file)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, encoding="utf-8")
    if result.returncode != 0:
        raise CourseError(f"pip could not resolve {target}: {result.stderr.strip().splitlines()[-1:]}")
    with open(report, encoding="utf-8") as file:
        return [item for item in json.load(file)["install"] if canonical(item["metadata"]["name"]) not in NOT_LOCKED]


def _chosen_hash(item: dict) -> str:
    info = item["download_info"].get("archive_info", {})
    return info.get("hashes", {}).get("sha256") or info["hash"].removeprefix("sha256=")


def _public(version: str) -> str:
    """torch's 2.13.0+cpu is locked as 2.13.0: PyPI's macOS wheels have no +cpu, and the hashes fix the file."""
    return version.split("+", 1)[0]


def _other_platform_hashes(name: str, version: str) -> set[str]:
    """sha256 of every file of ``version`` on PyPI that this interpreter cannot install.

    Only those: pip ranks a file whose hash the lock lists above one it cannot vouch for,
    so listing PyPI's CUDA torch wheel for this very platform would make pip pick it over
    the local CPU wheel. Other platforms' wheels (macOS, Windows, other Pythons) verify.
    """
    from urllib.request import Request, urlopen

    from packaging.tags import sys_tags
    from packaging.utils import InvalidWheelFilename, parse_wheel_filename
    from packaging.version import Version

    request = Request(f"{PYPI_SIMPLE}/{name}/", headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    with urlopen(request, timeout=60) as answer:  # the lock command's only network use
        files = json.load(answer)["files"]
    here, wanted, found = set(sys_tags()), Version(version), set()
    for file in files:
        try:
            _, file_version, _, tags = parse_wheel_filename(file["filename"])
        except InvalidWheelFilename:
            continue  # an sdist: any platform could build it, so pip here might prefer it too
        if file_version == wanted and not tags & here and "sha256" in file["hashes"]:
            found.add(file["hashes"]["sha256"])
    return found


def _pins_with_hashes(items: list[dict]) -> tuple[list[Pin], list[str]]:
    """One pin per resolved package, with the hash of the file chosen here plus other platforms' files."""
    def one(item: dict) -> tuple[Pin, str | None]:
        name, version = canonical(item["metadata"]["name"]), _public(item["metadata"]["version"])
        try:
            extra, warning = _other_platform_hashes(name, version), None
        except OSError as error:
            extra, warning = set(), f"{name}: no hashes for other platforms ({error}); only this platform's file"
        return Pin(name, version, tuple(sorted({_chosen_hash(item), *extra}))), warning

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(one, items))
    return sorted((pin for pin, _ in results), key=lambda p: p.name), [w for _, w in results if w]


def _kept(old: dict[str, str]) -> dict[str, str]:
    """The current pins still allowed by pyproject.toml's direct ranges: re-locking keeps them, to move little."""
    from packaging.requirements import Requirement
    from packaging.version import Version

    direct = {canonical(r.name): r for r in map(Requirement, pyproject_requirements())}
    return {name: version for name, version in old.items()
            if name not in direct or direct[name].specifier.contains(Version(version), prereleases=True)}


def render(locked: list[Pin], extras: dict[str, dict[str, str]]) -> str:
    """The lock file's text: a header saying where it comes from, then one pin per package, sorted."""
    import pip

    header = [
        "# requirements.lock: the exact version of every package `make setup` installs, with sha256 hashes.",
        "# Generated: do not edit. After changing the dependencies in pyproject.toml and environment.yml, run",
        f"# `{LOCK_COMMAND}` (`--upgrade`: the newest versions the ranges allow), then `make setup`.",
        f"# Resolved by pip {pip.__version__} for Python {platform.python_version()} on "
        f"{platform.system()} {platform.machine()}.",
        f"# platform: {platform_tag()}",
        "# Hashes: the file pip chose here, and every file of the same version on PyPI that this platform",
        "# cannot use (macOS, Windows, other Pythons). Dependencies only another platform needs are",
        "# added by `make setup` within these versions (mlcourse/workbook/lock.py says how).",
    ]
    for extra, chosen in sorted(extras.items()):
        header.append(f"# The '{extra}' extra, installed only where make setup finds what it needs, as constraints:")
        header += [f"# extra {extra}: {name}=={version}" for name, version in sorted(chosen.items())]
    return "\n".join(header) + "\n\n" + "\n".join(pin.line() for pin in locked) + "\n"


def _resolve_keeping(old: dict[str, str], upgrade: bool, workdir: Path) -> tuple[list[dict], list[str]]:
    """Resolve keeping the current pins where possible (unless ``upgrade``), else afresh."""
    if not upgrade and old:
        try:
            return _resolve(".", _kept(old), workdir), []
        except CourseError as error:
            note = f"could not keep every current pin ({error}); resolved afresh"
            return _resolve(".", None, workdir), [note]
    return _resolve(".", None, workdir), []


def lock(path: Path = LOCK_PATH, upgrade: bool = False) -> list[str]:
    """Resolve the dependencies as pip would here, and (re)write the lock; returns what changed."""
    old_text = path.read_text(encoding="utf-8") if path.exists() else ""
    old = pins(old_text) if old_text else {}
    with tempfile.TemporaryDirectory() as workdir:
        items, notes = _resolve_keeping(old, upgrade, Path(workdir))
        locked, warnings = _pins_with_hashes(items)
        base = {pin.name: pin.version for pin in locked}
        extras = {}
        for extra in optional_extras():
            resolved = _resolve(f".[{extra}]", base, Path(workdir))
            extras[extra] = {canonical(i["metadata"]["name"]): i["metadata"]["version"] for i in resolved
                             if canonical(i["metadata"]["name"]) not in base}
    path.write_text(render(locked, extras), encoding="utf-8")
    moved = changes(old, base) if old else []
    return notes + warnings + moved + [f"wrote {path.name} ({len(base)} packages)"]


def check(path: Path = LOCK_PATH) -> list[str]:
    """Every way the lock disagrees with pyproject.toml and environment.yml (offline; what the tests check)."""
    text = read(path)
    locked, extras = pins(text), extra_pins(text)
    problems = disagreements(pyproject_requirements(), locked, "pyproject.toml")
    problems += disagreements(environment_requirements(), locked, "environment.yml")
    for extra in optional_extras():
        problems += disagreements(pyproject_requirements(extra), {**locked, **extras}, f"pyproject.toml [{extra}]")
    return problems


def main(argv: list[str] | None = None) -> int:
    """``python -m mlcourse.workbook.lock install|diff``: what make runs, before or outside the course's venv."""
    parser = argparse.ArgumentParser(prog="python -m mlcourse.workbook.lock")
    commands = parser.add_subparsers(dest="command", required=True)
    sub = commands.add_parser("install", help="install the lock (hash-checked), then the course within it")
    sub.add_argument("--extra", help="install this optional extra of the course, within the lock's versions")
    sub.add_argument("--strict", action="store_true", help="fail if the hash-checked install fails")
    commands.add_parser("diff", help="list how this environment differs from the lock")
    args = parser.parse_args(argv)
    try:
        if args.command == "install":
            install(extra=args.extra, strict=args.strict)
            return 0
        text, present = read(), installed()
        extras = {name: version for name, version in extra_pins(text).items() if name in present}
        lines = differences({**pins(text), **extras}, present)
        print("\n".join(lines) if lines else "every package is at the lock's version")
        return 0
    except CourseError as error:
        print(f"lock {args.command}: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
