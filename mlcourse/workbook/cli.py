"""The ``mlcourse`` command: setup, build, grade, gradebook, doctor, bench, data, reproduce, promote, mlflow, serve, servers, lock, clean.

Problems a user can fix (a wrong path, a corrupt notebook, a bad marker) are
printed as one line on stderr with exit status 2; a traceback is only for
bugs in the course itself.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from mlcourse.course import ROOT
from mlcourse.errors import CourseError

ROOT_HELP = "the course folder (default: the one this package is installed from)"


def _setup(args: argparse.Namespace) -> int:
    from mlcourse.workbook import lab

    print("\n".join(lab.setup()))
    return 0


def _build(args: argparse.Namespace) -> int:
    from mlcourse.workbook import build

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
    from mlcourse.workbook import grade, sandbox

    if problem := sandbox.isolation_problem():
        rights = "root's: they could change or stop anything" if os.geteuid() == 0 else "yours"
        print(f"note: grading without a sandbox ({problem}); submissions run with {rights}", file=sys.stderr)
    options = grade.Options(cell_timeout=args.timeout, notebook_timeout=args.notebook_timeout,
                            memory_mb=args.memory_mb, only=args.exercise)
    hidden = [args.feedback] if args.feedback else []
    grades = grade.grade(args.paths, options, jobs=args.jobs, results=args.results, extra_hidden=hidden)
    return _report(grades, args)


def _gradebook(args: argparse.Namespace) -> int:
    from mlcourse.workbook import gradebook

    return _report(gradebook.load(args.results), args)


def _report(grades, args: argparse.Namespace) -> int:
    from mlcourse.workbook import gradebook

    if args.json:
        print("[\n" + ",\n".join(g.to_json() for g in grades) + "\n]")
    else:
        print(gradebook.report(grades))
    if args.csv:
        args.csv.write_text(gradebook.gradebook_csv(grades), encoding="utf-8")
        print(f"wrote the gradebook to {args.csv}", file=sys.stderr)
    if args.feedback:
        written = gradebook.write_feedback(grades, args.feedback)
        print(f"wrote {len(written)} feedback reports to {args.feedback}/", file=sys.stderr)
    all_passed = all(g.results and not g.problem and all(r.passed for r in g.results) for g in grades)
    return 0 if all_passed else 1


def _report_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--json", action="store_true", help="print every result as JSON instead of tables")
    sub.add_argument("--csv", type=Path, metavar="FILE", help="also write the gradebook (learner x lesson) as CSV")
    sub.add_argument("--feedback", type=Path, metavar="DIR", help="also write one Markdown report per learner into DIR")


def _doctor(args: argparse.Namespace) -> int:
    from mlcourse.workbook import doctor

    verdicts = doctor.run()
    print(doctor.report(verdicts))
    return 0 if all(v.ok for v in verdicts) else 1


def _bench(args: argparse.Namespace) -> int:
    from mlcourse.workbook import bench

    paths = args.paths or bench.default_notebooks()
    if not paths:
        raise CourseError("no notebooks to run: build them first with `mlcourse build`")
    print(bench.bench(paths))
    return 0


def _site(args: argparse.Namespace) -> int:
    from mlcourse.workbook import site  # Sphinx and MyST-NB load only for this command

    return site.build(jobs=args.jobs)


def _data(args: argparse.Namespace) -> int:
    from mlcourse import data

    for path in data.write_generated():
        print(f"wrote {path}  sha256 {data.sha256(path)}  (update its row in data/README.md if this changed)")
    return 0


def _reproduce(args: argparse.Namespace) -> int:
    from mlcourse import tracking

    return tracking.main_reproduce(args.run_id, args.tolerance)


def _promote(args: argparse.Namespace) -> int:
    from mlcourse import promotion

    decision = promotion.promote(args.candidate, args.model, args.metric, args.margin)
    print(decision)
    return 0 if decision.promote else 1


def _port(args: argparse.Namespace) -> int | None:
    """--port, else $PORT; 0 or nothing means a free port."""
    value = args.port if args.port is not None else os.environ.get("PORT", "")
    try:
        return int(value) or None if value != "" else None
    except ValueError:
        raise CourseError(f"PORT must be a number, got {value!r}") from None


def _until_interrupted(start, what: str, hint: str) -> int:
    """Start a server, print where it is, and keep it until Ctrl-C or `kill`; then stop it."""
    import signal
    import time

    # Ctrl-C and `kill` both stop it cleanly, even where the shell started us with SIGINT ignored
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    server = start()
    try:
        print(f"{what}: {server.url}  (log: {server.log_path})")
        print(f"{hint.format(url=server.url)}; press Ctrl-C here to stop it.", flush=True)
        while server.alive():
            time.sleep(0.5)
        print(f"the server stopped by itself; see {server.log_path}", file=sys.stderr)
        return 1
    finally:
        server.stop()
        print(f"stopped the {server.name} server", file=sys.stderr)


def _mlflow(args: argparse.Namespace) -> int:
    from mlcourse import tracking

    return _until_interrupted(lambda: tracking.start_ui(_port(args)), "MLflow UI on the course store",
                              "Open it in your browser")


def _serve(args: argparse.Namespace) -> int:
    from mlcourse import serving

    return _until_interrupted(lambda: serving.start(port=_port(args)), "the course's model server",
                              "Try: curl -X POST {url}/predict -H 'Content-Type: application/json' "
                              "-d '{{\"features\": [18.7, 181, 3750]}}' (or open {url}/docs)")


def _servers(args: argparse.Namespace) -> int:
    from mlcourse import servers

    found = servers.stop_leftovers() if args.stop else servers.leftovers()
    verb = "stopped" if args.stop else "running"
    for entry in found:
        print(f"{verb}: {servers.describe(entry)}")
    if not found:
        print("no course servers are running")
    elif not args.stop:
        print("stop them with `mlcourse servers --stop`")
    return 0


def _lock(args: argparse.Namespace) -> int:
    from mlcourse.workbook import lock

    if args.check:
        problems = lock.check()
        print("\n".join(problems) if problems else f"{lock.LOCK_PATH.name} agrees with pyproject.toml and environment.yml")
        return 1 if problems else 0
    print("\n".join(lock.lock(upgrade=args.upgrade)))
    return 0


def _clean(args: argparse.Namespace) -> int:
    from mlcourse.workbook import build

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

    sub = commands.add_parser("grade", help="grade submissions: a notebook, or a folder of them (a folder per learner)")
    sub.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="a notebook, or a folder of them")
    sub.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="submissions graded at once (default: the cores)")
    sub.add_argument("--results", type=Path, metavar="DIR", help="also write one JSON result per submission into DIR")
    sub.add_argument("--exercise", metavar="N.M", help="grade only this exercise, e.g. 0.1")
    sub.add_argument("--timeout", type=float, default=60.0, help="seconds allowed per cell (default 60)")
    sub.add_argument("--notebook-timeout", type=float, default=300.0, help="seconds allowed per notebook (default 300)")
    sub.add_argument("--memory-mb", type=int, default=2048, help="memory in MB a submission may use (default 2048)")
    _report_options(sub)
    sub.set_defaults(run=_grade)

    sub = commands.add_parser("gradebook", help="merge the JSON results of `grade --results` into a class's gradebook")
    sub.add_argument("results", type=Path, metavar="DIR", help="a folder of results (*.json)")
    _report_options(sub)
    sub.set_defaults(run=_gradebook)

    sub = commands.add_parser("doctor", help="check that this machine is ready for the course")
    sub.set_defaults(run=_doctor)

    sub = commands.add_parser("bench", help="time every lesson and solution notebook (a report)")
    sub.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="notebooks (default: lessons and solutions)")
    sub.set_defaults(run=_bench)

    sub = commands.add_parser("site", help="build the course as a website in _build/html/ (every lesson run; offline)")
    sub.add_argument("--jobs", type=int, default=2, help="notebooks run at once (default 2)")
    sub.set_defaults(run=_site)

    sub = commands.add_parser("data", help="regenerate the generated data files in data/ (seeded, same bytes every time)")
    sub.set_defaults(run=_data)

    sub = commands.add_parser("reproduce", help="re-run a recorded training run and say PASS or FAIL, with every reason")
    sub.add_argument("run_id", metavar="RUN_ID", help="the run's id (a unique prefix of 6+ characters will do)")
    sub.add_argument("--tolerance", type=float, default=1e-9, help="largest metric difference that passes (default 1e-9)")
    sub.set_defaults(run=_reproduce)

    sub = commands.add_parser("promote", help="the promotion gate: make a model version champion only if it earns it "
                                              "(exit 0 promoted, 1 refused, 2 cannot judge)")
    sub.add_argument("candidate", metavar="CANDIDATE", help="a version number of the model, or @alias (e.g. @challenger)")
    sub.add_argument("--model", default="penguin-species", help="the registered model (default %(default)s)")
    sub.add_argument("--metric", default="val_loss", help="the validation metric to compare, lower is better "
                                                          "(default %(default)s)")
    sub.add_argument("--margin", type=float, default=0.005, help="how much better it must be (default %(default)s)")
    sub.set_defaults(run=_promote)

    sub = commands.add_parser("mlflow", help="start MLflow's UI on the course's store (127.0.0.1), until Ctrl-C")
    sub.add_argument("--port", type=int, help="the port (default: $PORT, else a free one)")
    sub.set_defaults(run=_mlflow)

    sub = commands.add_parser("serve", help="start the course's model server (127.0.0.1), until Ctrl-C")
    sub.add_argument("--port", type=int, help="the port (default: $PORT, else a free one)")
    sub.set_defaults(run=_serve)

    sub = commands.add_parser("servers", help="list the course servers still running (or stop them)")
    sub.add_argument("--stop", action="store_true", help="stop every course server still running")
    sub.set_defaults(run=_servers)

    sub = commands.add_parser("lock", help="resolve the dependencies as pip would here and write requirements.lock "
                                           "(exact versions and hashes; needs the network)")
    sub.add_argument("--upgrade", action="store_true", help="the newest versions the ranges allow, "
                                                            "instead of keeping the current pins that still fit")
    sub.add_argument("--check", action="store_true", help="only say where the lock disagrees with pyproject.toml "
                                                          "and environment.yml (offline); exit 1 if it does")
    sub.set_defaults(run=_lock)

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
