"""Spark, the optional extra of lesson 15: explained in one line where it cannot run, real and cleaned up where it can."""

from __future__ import annotations

import os
import stat

import psutil
import pytest

from mlcourse import spark

NOT_READY = spark.missing()
needs_spark = pytest.mark.skipif(NOT_READY is not None, reason=f"Spark cannot run here: {NOT_READY}")


def fake_java(folder, shows: str) -> None:
    """A `java` on the PATH that prints what `java -version` would."""
    java = folder / "java"
    java.write_text(f"#!/bin/sh\necho '{shows}' >&2\n", encoding="utf-8")
    java.chmod(java.stat().st_mode | stat.S_IEXEC)


def jvms() -> list[psutil.Process]:
    return [p for p in psutil.Process().children(recursive=True)
            if p.name() == "java" and p.status() != psutil.STATUS_ZOMBIE]


def test_without_java_the_reason_and_three_ways_to_get_it_fit_on_one_line(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    reason = spark.missing()
    assert "no java on the PATH" in reason and "\n" not in reason
    assert all(way in reason for way in ("apt install openjdk-17", "brew install openjdk@17", "conda install"))


@pytest.mark.parametrize(("shown", "major"), [('openjdk version "1.8.0_392"', 8), ('openjdk version "11.0.21" 2023', 11),
                                              ('java version "21" 2023-09-19', 21)])
def test_the_java_version_is_read_old_style_and_new(monkeypatch, tmp_path, shown, major):
    fake_java(tmp_path, shown)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert spark.java_version() == major
    if major < spark.JAVA_NEEDED:
        assert f"this java is {major}" in spark.missing()


def test_the_lesson_skips_spark_in_one_line_when_it_cannot_run(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RuntimeError, match="no java on the PATH"), spark.session():
        pass


@needs_spark
def test_a_session_runs_a_query_listens_on_loopback_only_and_leaves_no_jvm():
    with spark.session("test", cores=1) as session:
        listening = {c.laddr.ip for jvm in jvms() for c in jvm.net_connections("tcp") if c.status == psutil.CONN_LISTEN}
        total = session.range(1000).selectExpr("sum(id) AS total").collect()[0]["total"]
    assert total == 999 * 1000 // 2
    assert listening and listening <= {"127.0.0.1", "::ffff:127.0.0.1"}, listening
    assert not jvms(), "the JVM outlived the session"
    assert os.environ["SPARK_LOCAL_IP"] == "127.0.0.1"


@needs_spark
def test_a_failing_cell_still_stops_the_jvm_and_a_new_session_starts_after_it():
    with pytest.raises(ZeroDivisionError), spark.session("test", cores=1):
        1 / 0  # noqa: B018
    assert not jvms()
    with spark.session("test", cores=1) as session:
        assert session.range(3).count() == 3
    assert not jvms()
