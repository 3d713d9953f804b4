"""``mlcourse bench``: how long each notebook takes and how much memory it needs.

A report, not a test: timings depend on the machine and on what else runs on
it. Each notebook runs in a fresh kernel, as a learner's would.
"""

from __future__ import annotations

import os
from pathlib import Path

from tqdm import tqdm

from mlcourse.course import ROOT
from mlcourse.workbook import notebooks
from mlcourse.workbook.tables import markdown_table


def default_notebooks(root: Path = ROOT) -> list[Path]:
    return sorted((root / "lessons").glob("*.ipynb")) + sorted((root / "solutions").glob("*.ipynb"))


def bench(paths: list[Path], cell_timeout: float = 300.0) -> str:
    """Execute each notebook and return a markdown table of wall time and peak RSS."""
    rows, total_seconds, peak = [], 0.0, 0.0
    for path in tqdm(paths, desc="bench", unit="notebook"):
        run = notebooks.execute(path, cell_timeout)
        errors = [i for i, cell in enumerate(run.nb.cells) if notebooks.cell_error(cell)]
        status = run.problem or (f"error in cell {errors[0]}" if errors else "ok")
        rows.append([Path(os.path.relpath(path)).as_posix(), f"{run.seconds:.1f}", f"{run.peak_mb:.0f}", status])
        total_seconds, peak = total_seconds + run.seconds, max(peak, run.peak_mb)
    rows.append(["**total** (time) / **max** (memory)", f"{total_seconds:.1f}", f"{peak:.0f}", ""])
    return markdown_table(["notebook", "wall s", "peak RSS MB", "status"], rows)
