"""The course's own pipeline as a DAG (lessons 05 to 14): what a workflow engine would run, and in what order.

A workflow engine (Airflow, Kubeflow Pipelines, Prefect, Dagster, Argo) runs
tasks whose inputs are other tasks' outputs. The dependencies form a directed
acyclic graph; any order that puts every task after its inputs is valid, and
tasks in the same *stage* can run at the same time. The standard library's
``graphlib`` finds the stages; an engine adds what a script lacks: a schedule,
retries, a record of every run, and workers on other machines.
"""

from __future__ import annotations

import textwrap
from graphlib import TopologicalSorter

# task -> the tasks whose outputs it needs (with the lesson that teaches it)
COURSE_PIPELINE: dict[str, tuple[str, ...]] = {
    "load data (05)": (),
    "validate data (05)": ("load data (05)",),
    "split (06)": ("validate data (05)",),
    "train candidate A (12)": ("split (06)",),
    "train candidate B (12)": ("split (06)",),
    "evaluate on validation (08)": ("train candidate A (12)", "train candidate B (12)"),
    "promotion gate (14)": ("evaluate on validation (08)", "validate data (05)"),
    "export to ONNX (13)": ("promotion gate (14)",),
    "deploy (13)": ("export to ONNX (13)",),
    "monitor drift (14)": ("deploy (13)",),
}


def stages(dag: dict[str, tuple[str, ...]]) -> list[list[str]]:
    """The tasks in stages: every task after all of its inputs; the tasks of one stage could run at once."""
    sorter = TopologicalSorter(dag)
    sorter.prepare()  # raises graphlib.CycleError when the graph loops back
    result = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready())
        result.append(ready)
        sorter.done(*ready)
    return result


def draw(dag: dict[str, tuple[str, ...]], ax) -> None:
    """Draw the DAG left to right, one column per stage, an arrow from each input to the task that needs it.

    An edge that skips stages is drawn as an arc over the boxes between, so it
    does not look as if it went through them.
    """
    boxes, column_of = {}, {}
    for column, tasks in enumerate(stages(dag)):
        for row, task in enumerate(tasks):
            column_of[task] = column
            boxes[task] = ax.text(column, -(row - (len(tasks) - 1) / 2) * 0.9, textwrap.fill(task, 14),
                                  ha="center", va="center", fontsize=8,
                                  bbox={"boxstyle": "round", "facecolor": "#dbe9f6", "edgecolor": "#1f4e79"})
    for task, inputs in dag.items():
        for needed in inputs:
            skips = column_of[task] - column_of[needed] > 1
            ax.annotate("", xy=(0.5, 1) if skips else (0, 0.5), xycoords=boxes[task],
                        xytext=(0.5, 1) if skips else (1, 0.5), textcoords=boxes[needed],
                        arrowprops={"arrowstyle": "-|>", "color": "0.35",
                                    "connectionstyle": "arc3,rad=-0.35" if skips else "arc3"})
    ax.set_xlim(-0.6, max(column_of.values()) + 0.6)
    ax.set_ylim(-0.9, 1.5)
    ax.axis("off")
