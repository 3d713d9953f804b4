"""A class's grades, merged from one JSON result per submission.

The results may come from one ``mlcourse grade submissions/ --jobs N`` or
from the same per-submission command run on many machines
(``mlcourse grade NB --results DIR``): :func:`load` reads a folder of them and
the rest builds what an instructor reads: the gradebook (learner × lesson;
a lesson not handed in is *missing*, never 0), what to re-teach (each
exercise's pass rate and most frequent failure) and one feedback report per
learner.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter, defaultdict
from pathlib import Path

from mlcourse.errors import CourseError
from mlcourse.workbook.grade import NotebookGrade, safe_name
from mlcourse.workbook.tables import markdown_table

MISSING = "missing"


def load(folder: Path) -> list[NotebookGrade]:
    """Every result in ``folder`` (``*.json``, as ``mlcourse grade --results`` writes them)."""
    files = sorted(Path(folder).glob("*.json"))
    if not files:
        raise CourseError(f"{folder}: no results (*.json) in this folder; write some with `mlcourse grade ... --results {folder}`")
    grades = []
    for path in files:
        try:
            grades.append(NotebookGrade.from_json(path.read_text(encoding="utf-8")))
        except (ValueError, TypeError, KeyError):
            raise CourseError(f"{path}: not a grading result (was it written by `mlcourse grade --results`?)") from None
    return grades


def best_per_learner_and_lesson(grades: list[NotebookGrade]) -> dict[tuple[str, str], NotebookGrade]:
    """One grade per (learner, lesson): the best, when a learner handed a lesson in twice."""
    best: dict[tuple[str, str], NotebookGrade] = {}
    for g in grades:
        if g.lesson is None:
            continue
        key = (g.learner, g.lesson)
        if key not in best or g.passed > best[key].passed:
            best[key] = g
    return best


def _columns(grades: list[NotebookGrade]) -> tuple[list[str], list[str], dict[tuple[str, str], NotebookGrade]]:
    best = best_per_learner_and_lesson(grades)
    learners = sorted({g.learner for g in grades})
    lessons = sorted({lesson for _, lesson in best})
    return learners, lessons, best


def gradebook_rows(grades: list[NotebookGrade]) -> tuple[list[str], list[list[str]]]:
    """Header and rows: a learner per row, a lesson per column, then the learner's total."""
    learners, lessons, best = _columns(grades)
    rows = []
    for learner in learners:
        cells = [best[(learner, lesson)].score if (learner, lesson) in best else MISSING for lesson in lessons]
        earned = sum(best[(learner, lesson)].passed for lesson in lessons if (learner, lesson) in best)
        possible = sum(len(best[(learner, lesson)].results) for lesson in lessons if (learner, lesson) in best)
        rows.append([learner, *cells, f"{earned}/{possible}"])
    return ["learner", *lessons, "handed in"], rows


def gradebook_table(grades: list[NotebookGrade]) -> str:
    return markdown_table(*gradebook_rows(grades))


def gradebook_csv(grades: list[NotebookGrade]) -> str:
    header, rows = gradebook_rows(grades)
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return out.getvalue()


def teaching_point(message: str) -> str:
    """What a failure message says to re-teach: its hint when it has one, else its first sentence."""
    message = re.sub(r"^AssertionError: ", "", message)
    if "is not written yet" in message:
        return "not written yet (the stub still raises NotImplementedError)"
    if "Hint:" in message:
        return message.split("Hint:", 1)[1].strip()
    first = re.split(r"(?<=[.;])\s", message, maxsplit=1)[0]
    return first if len(first) <= 160 else first[:157] + "..."


def exercise_summary(grades: list[NotebookGrade]) -> str:
    """Per exercise: how many passed, and the most frequent reason the others failed."""
    tallies: dict[tuple[str, str], list] = defaultdict(lambda: [0, 0, Counter()])
    for g in best_per_learner_and_lesson(grades).values():
        for r in g.results:
            tally = tallies[(r.number, r.title)]
            tally[0] += r.passed
            tally[1] += 1
            if not r.passed:
                tally[2][teaching_point(r.message)] += 1
    rows = []
    for (number, title), (passed, total, reasons) in sorted(tallies.items(), key=lambda item: tuple(map(int, item[0][0].split(".")))):
        reason, count = reasons.most_common(1)[0] if reasons else ("", 0)
        rows.append([number, title, f"{passed}/{total} ({100 * passed / total:.0f}%)", f"{count}× {reason}" if count else ""])
    return markdown_table(["exercise", "function", "passed", "most frequent failure (what to re-teach)"], rows)


def flagged(grades: list[NotebookGrade]) -> list[str]:
    """Submissions whose code could defeat an in-kernel check, one line each: for review by hand."""
    return [f"{g.learner} {g.lesson or g.notebook}: {'; '.join(g.flags)}" for g in grades if g.flags]


def problems(grades: list[NotebookGrade]) -> list[str]:
    """Submissions the grader could not grade in full, one line each."""
    return [f"{g.notebook}: {g.problem}" for g in grades if g.problem]


def details_table(grades: list[NotebookGrade]) -> str:
    """Every exercise of every submission, with its message: for a learner grading their own work."""
    rows = []
    for g in grades:
        rows += [[g.notebook, r.number, r.title, "PASS" if r.passed else "FAIL", r.message] for r in g.results]
        if g.problem:
            rows.append([g.notebook, "", "", "ERROR", g.problem])
    table = markdown_table(["notebook", "exercise", "title", "result", "message"], rows)
    scores = "\n".join(f"score {g.score}  {g.notebook}" for g in grades)
    errors = [f"  {g.notebook}, {error}" for g in grades for error in g.errors]
    notes = "\n\nOther cells that raised an error:\n" + "\n".join(errors) if errors else ""
    if suspicious := flagged(grades):
        notes += "\n\nFor review by hand (code that could defeat a check):\n" + "\n".join(f"  {line}" for line in suspicious)
    return f"{table}\n\n{scores}{notes}"


def feedback(learner: str, grades: list[NotebookGrade]) -> str:
    """A learner's report in Markdown: each exercise's verdict and what its check said."""
    mine = sorted((g for g in grades if g.learner == learner), key=lambda g: (g.lesson or "", g.notebook))
    lines = [f"# Feedback for {learner}", ""]
    for g in mine:
        lines += [f"## {g.lesson or Path(g.notebook).name}: {g.score}", "", f"Notebook: `{g.notebook}`", ""]
        if g.problem:
            lines += [f"**Note**: {g.problem}", ""]
        if g.flags:
            lines += ["**For review**: this notebook holds code that could change how its checks run: "
                      + "; ".join(g.flags) + ". Your instructor will look at it.", ""]
        lines.append(markdown_table(["exercise", "function", "verdict", "what the check said"],
                                    [[r.number, f"`{r.title}`", "PASS" if r.passed else "FAIL", r.message] for r in g.results]))
        lines.append("")
        if g.errors:
            lines += ["Other cells that raised an error (counting every cell from the top):", "",
                      *(f"- {error}" for error in g.errors), ""]
    return "\n".join(lines)


def write_feedback(grades: list[NotebookGrade], folder: Path) -> list[Path]:
    """One ``<learner>.md`` per learner in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for learner in sorted({g.learner for g in grades}):
        path = folder / f"{safe_name(learner) or 'learner'}.md"
        path.write_text(feedback(learner, grades), encoding="utf-8")
        written.append(path)
    return written


def report(grades: list[NotebookGrade]) -> str:
    """What ``mlcourse grade`` prints: details for one learner, the gradebook for a class."""
    if len({g.learner for g in grades}) <= 1:
        parts = [details_table(grades)]
    else:
        parts = ["## Gradebook", "", gradebook_table(grades), "", "## Exercises", "", exercise_summary(grades)]
        if trouble := problems(grades):
            parts += ["", "## Not graded in full", "", *(f"- {line}" for line in trouble)]
        if suspicious := flagged(grades):
            parts += ["", "## Review by hand (code that could defeat a check; the scores above stand)", "",
                      *(f"- {line}" for line in suspicious)]
    return "\n".join(parts)
