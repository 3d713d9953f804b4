"""Batch inference: score a folder of CSV files into another, safely re-runnable.

``python -m mlcourse.batch INPUTS OUTPUTS`` scores every ``*.csv`` in INPUTS
with the course's model and writes, for each, ``OUTPUTS/<name>.csv`` (the rows
with their predicted species and its probability) and, if any row was bad,
``OUTPUTS/rejects/<name>.csv`` (the bad rows with the reason).

Batch inference is where a team should start (the class says so): no server,
just files. What makes a job safe to run in production is what happens when
it dies midway:

- each output is written to a temporary file and renamed into place, so an
  output either exists whole or not at all (a rename is atomic on one file
  system);
- a re-run skips every input whose output exists, so nothing is scored twice
  and a crash costs only the file that was being written;
- a bad row never stops the job: it goes to the rejects with its reason;
- one run at a time: a run holds a lock on ``OUTPUTS/.lock`` (two overlapping
  runs, from a scheduler that starts the next before the last has ended, would
  score the same files and delete each other's drafts).

The rows must hold three positive, finite numbers: the rule the model server's
request schema applies too (``serving.Measurement``), so both paths to the model
refuse the same inputs.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from mlcourse.errors import CourseError
from mlcourse.train import FEATURES

REJECTS = "rejects"


@dataclass
class Summary:
    """What a run of the job did."""

    scored: list[str] = field(default_factory=list)  # inputs scored by this run
    skipped: list[str] = field(default_factory=list)  # inputs whose output was already there
    rows: int = 0
    rejected: int = 0

    def __str__(self) -> str:
        return (f"scored {len(self.scored)} files ({self.rows} rows, {self.rejected} rejected), "
                f"skipped {len(self.skipped)} already done")


def reasons(table: pd.DataFrame) -> pd.Series:
    """Why each row cannot be scored ("" when it can): a missing column or value, text, an impossible number."""
    why = pd.Series("", index=table.index, dtype=object)
    for column in FEATURES:
        if column not in table:
            return pd.Series(f"no column {column}", index=table.index, dtype=object)
        values = pd.to_numeric(table[column], errors="coerce")
        problems = np.select(
            [table[column].isna(), values.isna(), ~np.isfinite(values.fillna(0)), values <= 0],
            [f"{column} is missing", f"{column} is not a number", f"{column} is not finite",
             f"{column} is not positive"], default="")
        why = why.where(why != "", pd.Series(problems, index=table.index))
    return why


def write_atomically(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` as CSV to ``path`` so that ``path`` never holds a part of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, draft = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            frame.to_csv(handle, index=False)
            handle.flush()
            os.fsync(handle.fileno())  # on disk before the rename makes it visible
        os.replace(draft, path)  # (a power cut could still lose the rename: fsync the folder too to be sure of it)
    except BaseException:
        Path(draft).unlink(missing_ok=True)
        raise


def score_file(model, source: Path, outputs: Path) -> tuple[int, int]:
    """Score one input file; return (rows scored, rows rejected)."""
    table = pd.read_csv(source, dtype=str, keep_default_na=False, na_values=[""])
    why = reasons(table)
    good = table[why == ""]
    if len(good):
        proba = model.predict_proba(good[FEATURES].astype(float).to_numpy())
        best = proba.argmax(axis=1)
        good = good.assign(species=model.classes_[best], probability=proba[np.arange(len(good)), best].round(4))
    if (why != "").any():
        write_atomically(table[why != ""].assign(reason=why[why != ""]), outputs / REJECTS / source.name)
    write_atomically(good, outputs / source.name)  # last: its presence means the file is done
    return len(good), int((why != "").sum())


def run(inputs: Path, outputs: Path, model=None, progress: bool = True) -> Summary:
    """Score every CSV in ``inputs`` that has no output yet in ``outputs``."""
    from mlcourse import serving

    model = model if model is not None else serving.load_model(serving.ensure_model())
    outputs.mkdir(parents=True, exist_ok=True)
    with one_run_at_a_time(outputs):
        for draft in outputs.rglob(".*.part"):
            draft.unlink()  # what a crash left half-written (no other run is writing: we hold the lock)
        summary = Summary()
        for source in tqdm(sorted(inputs.glob("*.csv")), desc="batch", unit="file", disable=not progress):
            if (outputs / source.name).exists():
                summary.skipped.append(source.name)
                continue
            scored, rejected = score_file(model, source, outputs)
            summary.scored.append(source.name)
            summary.rows, summary.rejected = summary.rows + scored, summary.rejected + rejected
    return summary


@contextlib.contextmanager
def one_run_at_a_time(outputs: Path):
    """Hold an exclusive lock on ``outputs/.lock``, or refuse at once if another run holds it.

    The operating system releases the lock when the process ends, also on a
    kill, so a crashed run never blocks the next one.
    """
    with open(outputs / ".lock", "w", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CourseError(f"another run of the job is writing to {outputs}; let it finish first") from None
        yield


def main(argv: list[str] | None = None) -> int:
    command = argparse.ArgumentParser(prog="python -m mlcourse.batch", description=__doc__.split("\n\n")[0])
    command.add_argument("inputs", type=Path, help="a folder of CSV files to score")
    command.add_argument("outputs", type=Path, help="where the scored files (and rejects/) go")
    args = command.parse_args(argv)
    if not args.inputs.is_dir():
        print(f"mlcourse.batch: no folder {args.inputs}", file=sys.stderr)
        return 2
    try:
        print(run(args.inputs, args.outputs), flush=True)
    except CourseError as error:
        print(f"mlcourse.batch: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
