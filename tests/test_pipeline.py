"""The course's pipeline DAG: stages in dependency order, and a loop refused."""

from __future__ import annotations

import graphlib

import matplotlib
import pytest

from mlcourse import pipeline

matplotlib.use("Agg")


def test_every_task_comes_after_all_of_its_inputs():
    order = {task: number for number, stage in enumerate(pipeline.stages(pipeline.COURSE_PIPELINE))
             for task in stage}
    assert set(order) == set(pipeline.COURSE_PIPELINE)
    assert all(order[needed] < order[task] for task, inputs in pipeline.COURSE_PIPELINE.items() for needed in inputs)
    assert ["train candidate A (12)", "train candidate B (12)"] in pipeline.stages(pipeline.COURSE_PIPELINE)


def test_a_pipeline_that_loops_back_is_not_a_dag():
    with pytest.raises(graphlib.CycleError):
        pipeline.stages({"train": ("monitor",), "monitor": ("train",)})


def test_the_drawing_has_a_box_per_task_and_an_arrow_per_edge():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    pipeline.draw(pipeline.COURSE_PIPELINE, ax)
    edges = sum(len(inputs) for inputs in pipeline.COURSE_PIPELINE.values())
    assert len(ax.texts) == len(pipeline.COURSE_PIPELINE) + edges  # annotations are texts too
    plt.close(fig)
