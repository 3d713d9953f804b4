"""The batch job: whole outputs or none, bad rows to the rejects, and a re-run after a crash that finishes the job."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from mlcourse import batch, serving, train
from mlcourse.course import ROOT

BAD_ROWS = {  # value planted in bill_depth_mm -> the reason the job must give
    "": "bill_depth_mm is missing",
    "deep": "bill_depth_mm is not a number",
    "inf": "bill_depth_mm is not finite",
    "-18.2": "bill_depth_mm is not positive",
}


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return serving.load_model(serving.ensure_model(tmp_path_factory.mktemp("model") / "model.skops"))


def make_inputs(folder, files: int, rows: int = 40) -> dict[str, int]:
    """``files`` CSVs of penguins, every fifth file with one row of each kind of bad value; good rows per file."""
    folder.mkdir(parents=True)
    table = train.load_table()[0][train.FEATURES].astype(str)
    rng = np.random.default_rng(0)
    good = {}
    for number in range(files):
        part = table.iloc[rng.choice(len(table), rows, replace=False)].reset_index(drop=True)
        if number % 5 == 0:
            part.loc[: len(BAD_ROWS) - 1, "bill_depth_mm"] = list(BAD_ROWS)
        part.to_csv(folder / f"batch-{number:04d}.csv", index=False)
        good[f"batch-{number:04d}.csv"] = rows - (len(BAD_ROWS) if number % 5 == 0 else 0)
    return good


def assert_whole(outputs, good: dict[str, int], expect_all: bool) -> None:
    names = sorted(p.name for p in outputs.glob("*.csv"))
    assert names == sorted(good) if expect_all else set(names) <= set(good)
    for name in names:
        scored = pd.read_csv(outputs / name)
        assert len(scored) == good[name] and scored["species"].notna().all(), name
    if expect_all:  # a crash may leave a draft (never under an output's name); the next run removes it
        assert not list(outputs.rglob(".*.part")), "a half-written draft was left behind"


def test_the_job_scores_every_file_and_sends_each_bad_row_to_the_rejects_with_its_reason(tmp_path, model):
    good = make_inputs(tmp_path / "in", 10)
    summary = batch.run(tmp_path / "in", tmp_path / "out", model, progress=False)
    assert len(summary.scored) == 10 and summary.rows == sum(good.values()) and summary.rejected == 2 * len(BAD_ROWS)
    assert_whole(tmp_path / "out", good, expect_all=True)
    rejects = pd.read_csv(tmp_path / "out" / batch.REJECTS / "batch-0000.csv", keep_default_na=False)
    assert sorted(rejects["reason"]) == sorted(BAD_ROWS.values())
    assert set(pd.read_csv(tmp_path / "out" / "batch-0001.csv")["species"]) <= {"Adelie", "Chinstrap", "Gentoo"}


def test_a_second_run_skips_what_is_done_and_rewrites_nothing(tmp_path, model):
    make_inputs(tmp_path / "in", 4)
    batch.run(tmp_path / "in", tmp_path / "out", model, progress=False)
    before = {p: p.stat().st_mtime_ns for p in (tmp_path / "out").rglob("*.csv")}
    summary = batch.run(tmp_path / "in", tmp_path / "out", model, progress=False)
    assert summary.scored == [] and len(summary.skipped) == 4
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "out").rglob("*.csv")} == before


def test_a_job_killed_midway_leaves_only_whole_files_and_a_re_run_finishes_it_without_duplicates(tmp_path, model):
    good = make_inputs(tmp_path / "in", 300)
    job = subprocess.Popen([sys.executable, "-m", "mlcourse.batch", str(tmp_path / "in"), str(tmp_path / "out")],
                           cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           env={**os.environ, "MLCOURSE_STATE_DIR": str(tmp_path / "state")})
    try:
        deadline = time.monotonic() + 120
        while len(list((tmp_path / "out").glob("*.csv"))) < 5 and time.monotonic() < deadline and job.poll() is None:
            time.sleep(0.02)
        job.send_signal(signal.SIGKILL)  # no clean-up handler runs: the worst case
        job.wait(30)
    finally:
        job.kill()
    done = len(list((tmp_path / "out").glob("*.csv")))
    assert 5 <= done < 300, f"the job was not caught midway ({done} of 300 done)"
    assert_whole(tmp_path / "out", good, expect_all=False)
    summary = batch.run(tmp_path / "in", tmp_path / "out", model, progress=False)
    assert len(summary.skipped) == done and len(summary.scored) == 300 - done
    assert_whole(tmp_path / "out", good, expect_all=True)


def test_the_command_refuses_a_missing_folder_in_one_line(tmp_path):
    assert batch.main([str(tmp_path / "nowhere"), str(tmp_path / "out")]) == 2


def test_a_second_run_while_one_is_writing_is_refused_and_the_lock_goes_with_a_killed_run(tmp_path, model):
    make_inputs(tmp_path / "in", 2)
    (tmp_path / "out").mkdir()
    holder = subprocess.Popen([sys.executable, "-c", "import fcntl, sys, time; f = open(sys.argv[1], 'w'); "
                               "fcntl.flock(f, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(60)",
                               str(tmp_path / "out" / ".lock")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(batch.CourseError, match="another run of the job"):
            batch.run(tmp_path / "in", tmp_path / "out", model, progress=False)
        assert not list((tmp_path / "out").glob("*.csv"))
    finally:
        holder.kill()
        holder.wait(10)
    # the lock is the operating system's: the killed holder released it, and the job runs
    assert len(batch.run(tmp_path / "in", tmp_path / "out", model, progress=False).scored) == 2
