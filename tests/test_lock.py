"""The lock: one exact version of every package, with hashes, agreeing with pyproject.toml, environment.yml and the venv.

All offline: they read requirements.lock, the two requirement lists and the installed metadata.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from importlib import metadata

import pytest
from packaging.requirements import Requirement

from mlcourse.course import ROOT
from mlcourse.errors import CourseError
from mlcourse.workbook import lock

TEXT = lock.read()
ON_THE_LOCKS_PLATFORM = lock.lock_platform(TEXT) == lock.platform_tag()


def test_the_lock_pins_every_package_exactly_once():
    names = [pin.name for pin in lock.parse(TEXT)]
    assert len(names) > 100
    assert sorted({n for n in names if names.count(n) > 1}) == [], f"pinned twice: run `{lock.LOCK_COMMAND}`"
    assert names == sorted(names)
    for pin in lock.parse(TEXT):
        assert str(Requirement(f"{pin.name}=={pin.version}").specifier) == f"=={pin.version}"


def test_every_locked_package_has_a_sha256_hash():
    unhashed = [pin.name for pin in lock.parse(TEXT) if not pin.hashes]
    assert unhashed == [], f"no hash for {unhashed}: run `{lock.LOCK_COMMAND}`"
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for pin in lock.parse(TEXT) for h in pin.hashes)


def test_the_lock_meets_every_requirement_of_pyproject_and_environment_yml():
    problems = lock.check()
    assert problems == [], "\n".join(problems)


def test_a_lock_that_disagrees_with_environment_yml_is_rejected(tmp_path):
    changed = re.sub(r"^scikit-learn==\S+", "scikit-learn==1.5.2", TEXT, flags=re.MULTILINE)
    changed = re.sub(r"^tqdm==\S+ \\\n(    --hash=\S+( \\)?\n)+", "", changed, flags=re.MULTILINE)
    (tmp_path / "requirements.lock").write_text(changed, encoding="utf-8")
    problems = lock.check(tmp_path / "requirements.lock")
    assert any("environment.yml needs scikit-learn" in p and "pins scikit-learn==1.5.2" in p for p in problems)
    assert any("environment.yml needs tqdm" in p and "has no tqdm" in p for p in problems)
    assert all(p.endswith("run `.venv/bin/mlcourse lock`, then `make setup`") for p in problems)


def test_a_requirement_for_another_platform_and_a_local_build_are_judged_like_pip():
    locked = {"torch": "2.13.0", "ipykernel": "7.4.0"}
    mac_only = "appnope>=0.1.2; sys_platform == 'darwin'"
    expected = [] if sys.platform != "darwin" else [mac_only]
    assert [p.split(" needs ")[1].split(" but")[0] for p in lock.disagreements([mac_only], locked, "x")] == expected
    assert lock.disagreements(["torch==2.13.0"], {"torch": "2.13.0+cpu"}, "x") == []
    assert lock.differences({"torch": "2.13.0"}, {"torch": "2.13.0+cpu"}) == []
    assert lock.differences({"torch": "2.13.0+cpu"}, {"torch": "2.13.0"}) != []


@pytest.mark.skipif(not ON_THE_LOCKS_PLATFORM, reason="the lock was resolved on another platform")
def test_the_lock_holds_every_dependency_of_what_it_locks():
    locked, present, missing = lock.pins(TEXT), lock.installed(), []
    for name in locked.keys() & present.keys():  # one not installed: test_the_venv_has_the_locked_versions says so
        for spec in metadata.requires(name) or []:
            requirement = Requirement(spec)
            if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
                continue
            if lock.canonical(requirement.name) not in locked:
                missing.append(f"{name} needs {spec}")
    assert missing == [], f"{missing}: run `{lock.LOCK_COMMAND}`"


@pytest.mark.skipif(bool(os.environ.get(lock.UNLOCKED_ENV)), reason="make test-latest: the newest versions, not the lock's")
def test_the_venv_has_the_locked_versions():
    present = lock.installed()
    extras = {n: v for n, v in lock.extra_pins(TEXT).items() if n in present}
    stale = [line for line in lock.differences({**lock.pins(TEXT), **extras}, present) if "not in the lock" not in line]
    assert stale == [], f"{sys.prefix} differs from requirements.lock: {stale}; run `make setup`"


def test_the_lock_says_how_it_was_made():
    header = TEXT.split("\n\n", 1)[0]
    assert "Generated: do not edit" in header and lock.LOCK_COMMAND in header
    assert re.search(r"^# platform: \w+-\w+-py3\.1[12]$", header, re.MULTILINE)
    assert lock.extra_pins(TEXT, "spark")["pyspark"] == "4.3.0"
    assert "pyspark" not in lock.pins(TEXT), "the Spark extra must not be installed by the lock itself"


def test_a_rendered_lock_reads_back_the_same():
    pins = [lock.Pin("numpy", "2.4.6", ("a" * 64, "b" * 64)), lock.Pin("torch", "2.13.0", ("c" * 64,))]
    text = lock.render(pins, {"spark": {"pyspark": "4.3.0"}})
    assert lock.parse(text) == pins
    assert lock.constraints(text) == "numpy==2.4.6\ntorch==2.13.0\n"
    assert lock.constraints(text, "spark") == "numpy==2.4.6\npyspark==4.3.0\ntorch==2.13.0\n"
    with pytest.raises(CourseError, match="not pinned"):
        lock.parse("numpy>=2\n")


def test_relocking_reports_what_moved():
    assert lock.changes({"a": "1", "b": "1"}, {"a": "2", "c": "1"}) == ["a: 1 -> 2", "b: removed (was 1)", "c: added, 1"]


def _fake_pip(monkeypatch, hash_install_works: bool) -> list[tuple[str, ...]]:
    calls = []

    def pip(*args: str) -> bool:
        calls.append(args)
        return hash_install_works or "--require-hashes" not in args

    monkeypatch.setattr(lock, "_pip", pip)
    return calls


def test_install_checks_hashes_then_adds_the_course_within_the_locks_versions(monkeypatch, capsys):
    calls = _fake_pip(monkeypatch, hash_install_works=True)
    lock.install()
    assert calls[0] == ("--require-hashes", "--no-deps", "-r", str(lock.LOCK_PATH))
    assert calls[1][0] == "-c" and calls[1][2:] == ("-e", ".")
    assert "failed" not in capsys.readouterr().out


def test_on_another_platform_a_failed_hash_check_falls_back_to_the_locks_versions(monkeypatch, capsys):
    monkeypatch.setattr(lock, "platform_tag", lambda: "darwin-arm64-py3.11")
    calls = _fake_pip(monkeypatch, hash_install_works=False)
    lock.install()
    out = capsys.readouterr().out
    assert "this is darwin-arm64-py3.11" in out and "without hash checks" in out
    assert len(calls) == 2 and calls[1][-2:] == ("-e", ".")
    with pytest.raises(CourseError, match="hash-checked install"):
        lock.install(strict=True)


def test_the_spark_extra_is_installed_within_the_lock(monkeypatch):
    calls = _fake_pip(monkeypatch, hash_install_works=True)
    lock.install(extra="spark")
    assert calls == [calls[0]] and calls[0][-2:] == ("-e", ".[spark]")


def test_make_setup_can_run_the_installer_before_anything_is_installed():
    # -S: no site-packages, as in a fresh venv; the installer must need the standard library only
    code = "import sys; import mlcourse.workbook.lock; print(sorted({'packaging', 'yaml'} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-S", "-c", code], cwd=ROOT, capture_output=True, text=True,
                            encoding="utf-8", timeout=60)
    assert result.stdout.strip() == "[]", result.stderr


def test_make_setup_installs_from_the_lock():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("$(STAMP):", 1)[1].split("\n\n", 1)[0]
    assert "requirements.lock" in recipe.splitlines()[0] or "$(LOCK)" in recipe.splitlines()[0]
    assert "mlcourse.workbook.lock install" in recipe
