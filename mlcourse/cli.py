"""The ``mlcourse`` command: setup, build, grade, doctor, bench, clean.

Problems a user can fix (a wrong path, a corrupt notebook, a bad marker) are
printed as one line on stderr with exit status 2; a traceback is only for
bugs in the course itself.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mlcourse.course import ROOT
from mlcourse.errors import CourseError

ROOT_HELP = "the course folder (default: the one this package is installed from)"


def _setup(args: argparse.Namespace) -> int:
    from mlcourse import lab

    print("\n".join(lab.setup()))
    return 0


def _build(args: argparse.Namespace) -> int:
    from mlcourse import build

    if args.check:
        problems = build.check(args.root)
        for path, status in problems:
            print(f"{status}: {path}")
        if problems:
            print("Run `mlcourse build` to regenerate (edited files need `--force`, which keeps a backup).")
        return 1 if problems else 0
    messages = build.build(args.root, force=args.force)
    print("\n".join(messages) if messages else "everything is up to date")
    return 0


def _grade(args: argparse.Namespace) -> int:
    from mlcourse import grade

    grades = grade.grade(args.paths, cell_timeout=args.timeout, only=args.exercise)
    render = grade.as_json if args.json else grade.as_csv if args.csv else grade.as_table
    print(render(grades))
    all_passed = all(g.results and not g.problem and all(r.passed for r in g.results) for g in grades)
    return 0 if all_passed else 1


def _doctor(args: argparse.Namespace) -> int:
    from mlcourse import doctor

    verdicts = doctor.run()
    print(doctor.report(verdicts))
    return 0 if all(v.ok for v in verdicts) else 1


def _bench(args: argparse.Namespace) -> int:
    from mlcourse import bench

    paths = args.paths or bench.default_notebooks()
    if not paths:
        raise CourseError("no notebooks to run: build them first with `mlcourse build`")
    print(bench.bench(paths))
    return 0


def _data(args: argparse.Namespace) -> int:
    from mlcourse import data

    for path in data.write_generated():
        print(f"wrote {path}  sha256 {data.sha256(path)}  (update its row in data/README.md if this changed)")
    return 0


def _clean(args: argparse.Namespace) -> int:
    from mlcourse import build

    messages = build.clean(args.root)
    print("\n".join(messages) if messages else "removed the generated notebooks")
    return 0


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="mlcourse", description="Fundamentals of ML Engineering: course tools.")
    commands = main.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub = commands.add_parser("setup", help="register the course's Jupyter kernel and quiet JupyterLab")
    sub.set_defaults(run=_setup)

    sub = commands.add_parser("build", help="generate exercises and notebooks from the sources")
    sub.add_argument("--check", action="store_true", help="only report what is stale; exit 1 if anything is")
    sub.add_argument("--force", action="store_true", help="also regenerate edited files, after copying them to backups/")
    sub.add_argument("--root", type=Path, default=ROOT, help=ROOT_HELP)
    sub.set_defaults(run=_build)

    sub = commands.add_parser("grade", help="run exercise notebooks and score their check cells")
    sub.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="a notebook, or a folder of them")
    sub.add_argument("--exercise", metavar="N.M", help="grade only this exercise, e.g. 0.1")
    sub.add_argument("--timeout", type=float, default=60.0, help="seconds allowed per cell (default 60)")
    formats = sub.add_mutually_exclusive_group()
    formats.add_argument("--json", action="store_true", help="print JSON instead of a table")
    formats.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    sub.set_defaults(run=_grade)

    sub = commands.add_parser("doctor", help="check that this machine is ready for the course")
    sub.set_defaults(run=_doctor)

    sub = commands.add_parser("bench", help="time every lesson and solution notebook (a report)")
    sub.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="notebooks (default: lessons and solutions)")
    sub.set_defaults(run=_bench)

    sub = commands.add_parser("data", help="regenerate the generated data files in data/ (seeded, same bytes every time)")
    sub.set_defaults(run=_data)

    sub = commands.add_parser("clean", help="delete generated notebooks that hold no edits")
    sub.add_argument("--root", type=Path, default=ROOT, help=ROOT_HELP)
    sub.set_defaults(run=_clean)
    return main


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except CourseError as error:
        print(f"mlcourse {args.command}: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"mlcourse {args.command}: interrupted", file=sys.stderr)
        return 130
