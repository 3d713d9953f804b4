"""`mlcourse bench` reports time and memory per notebook (a report, not a timing test)."""

from __future__ import annotations

import os
from pathlib import Path

from conftest import write_notebook

from mlcourse.workbook import bench


def test_bench_table_has_a_row_per_notebook_with_seconds_memory_and_status(tmp_path):
    ok = write_notebook(tmp_path / "ok.ipynb", ("code", "data = bytearray(200 * 2**20)"))
    broken = write_notebook(tmp_path / "broken.ipynb", ("code", "1 / 0"))
    lines = bench.bench([ok, broken]).splitlines()
    assert [c.strip() for c in lines[0].split("|")[1:-1]] == ["notebook", "wall s", "peak RSS MB", "status"]
    rows = {cells[0]: cells[1:] for cells in ([c.strip() for c in line.split("|")[1:-1]] for line in lines[2:])}
    shown = lambda path: Path(os.path.relpath(path)).as_posix()  # noqa: E731
    seconds, memory, status = rows[shown(ok)]
    assert float(seconds) > 0 and float(memory) >= 200 and status == "ok"
    assert rows[shown(broken)][2] == "error in cell 0"
    assert "**total** (time) / **max** (memory)" in rows
