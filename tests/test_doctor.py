"""`mlcourse doctor` passes on a ready machine and names the fix for each problem."""

from __future__ import annotations

import shutil

from conftest import run_cli

from mlcourse.workbook import doctor


def test_doctor_passes_on_the_set_up_course():
    verdicts = doctor.run()
    assert [v.name for v in verdicts if not v.ok] == []
    assert {v.name for v in verdicts} >= {"Python", "packages", "torch", "Jupyter kernel", "data", "free disk"}


def test_doctor_command_prints_each_check_and_exits_zero():
    result = run_cli("doctor")
    assert result.returncode == 0, result.stdout
    assert "✓ torch: 2.13.0" in result.stdout and "ready for the course" in result.stdout


def test_damaged_data_fails_with_a_fix(tmp_path):
    shutil.copytree(doctor.data.DATA_DIR, tmp_path / "data")
    (tmp_path / "data" / "penguins.csv").write_text("tampered", encoding="utf-8")
    verdict = doctor.data_files(tmp_path / "data")
    assert not verdict.ok and "penguins.csv" in verdict.detail and "git checkout" in verdict.fix


def test_unbuilt_notebooks_fail_with_a_fix(course):
    verdict = doctor.notebooks_built(course)
    assert not verdict.ok and verdict.fix == "run `mlcourse build`"


def test_report_shows_the_fix_under_each_failure():
    text = doctor.report([doctor.Verdict("a", True, "fine"), doctor.Verdict("b", False, "broken", "do this")])
    assert text.splitlines() == ["✓ a: fine", "✗ b: broken", "    fix: do this", "1 problem(s) to fix before the course"]


def test_doctor_reports_prometheus_as_an_optional_extra_either_way(monkeypatch):
    from mlcourse import prometheus
    from mlcourse.workbook import doctor

    monkeypatch.setattr(prometheus.shutil, "which", lambda name: None)
    absent = doctor.prometheus_installed()
    assert absent.ok and absent.warning and "apt-get install prometheus" in absent.fix
    monkeypatch.setattr(prometheus.shutil, "which", lambda name: "/usr/bin/prometheus")
    present = doctor.prometheus_installed()
    assert present.ok and not present.warning and "/usr/bin/prometheus" in present.detail


def test_doctor_reports_spark_as_an_optional_extra_and_says_how_to_get_java(monkeypatch, tmp_path):
    from mlcourse.workbook import doctor

    monkeypatch.setenv("PATH", str(tmp_path))  # no java here
    absent = doctor.spark_ready()
    assert absent.ok and absent.warning and "lesson 15 skips its Spark part" in absent.detail
    assert "openjdk" in absent.fix and "make spark" in absent.fix
