"""What the course is made of: the lessons, their minutes, and where files live.

This list is the single source for the README's lesson table, the course index
notebook and lesson 00's agenda plot.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What the course writes while it runs (the MLflow store, run records, server logs); git ignores it.
STATE_DIR = Path(os.environ.get("MLCOURSE_STATE_DIR", ROOT / ".course"))
KERNEL_NAME = "mlcourse"
KERNEL_DISPLAY_NAME = "Python 3 (mlcourse)"


# The seven skills the class promises (seed 000); every one must be reached in the live day.
GOALS: dict[str, str] = {
    "problem": "validate the problem definition and approach given the data",
    "select": "select preliminary models",
    "recreate": "recreate results on benchmark data sets",
    "data": "develop training and validation data sets",
    "track": "automate experiment tracking and measurement",
    "tune": "adapt models and tune performance",
    "deploy": "deploy and support production models",
}

DAY_START, DAY_END = "09:00", "17:00"
MAX_TEACHING_MINUTES = 390  # 6 h 30 min of teaching in the day, breaks apart
# (break name, minutes), taken after the lesson named
BREAKS: dict[str, tuple[str, int]] = {
    "05_data_preparation": ("break", 15),
    "08_model_selection": ("lunch", 45),
    "11_transfer_learning": ("break", 15),
}


@dataclass(frozen=True)
class Lesson:
    """One lesson: file stem, title, what it serves, and its minutes.

    ``minutes`` is live teaching time (lesson and exercises) when the lesson is
    in the day (``live``), else the time a learner needs on their own.
    ``extra`` is the self-paced part of a live lesson, marked as such in it.
    """

    stem: str
    title: str
    goal: str
    minutes: int
    goals: tuple[str, ...] = ()
    live: bool = True
    extra: int = 0

    @property
    def number(self) -> int:
        return int(self.stem[:2])

    def available(self, root: Path = ROOT) -> bool:
        """True once the lesson's source script exists in ``lessons/``."""
        return (root / "lessons" / f"{self.stem}.py").exists()


LESSONS: tuple[Lesson, ...] = (
    Lesson("00_welcome", "Welcome", "how the workbook works, tools of the trade", 10, extra=10),
    Lesson("01_problem_definition", "Problem definition", "validate the problem definition given data", 30,
           ("problem",), extra=15),
    Lesson("02_linear_regression", "Linear regression", "foundations (before the day)", 30, live=False),
    Lesson("03_gradient_descent", "Gradient descent", "foundations", 30, extra=10),
    Lesson("04_tensors_autograd", "Tensors and autograd", "foundations (self-paced)", 30, live=False),
    Lesson("05_data_preparation", "Data preparation", "develop training data", 35, ("data",), extra=15),
    Lesson("06_data_splitting", "Data splitting", "develop training and validation sets", 40, ("data",), extra=15),
    Lesson("07_overfitting", "Overfitting", "select preliminary models", 20, ("select",), extra=5),
    Lesson("08_model_selection", "Model selection", "select preliminary models", 30, ("select",), extra=15),
    Lesson("09_recreate_results", "Recreate published results", "recreate results on benchmark data", 25,
           ("recreate",), extra=10),
    Lesson("10_hyperparameter_tuning", "Hyperparameter tuning", "adapt models and tune performance", 30,
           ("tune",), extra=10),
    Lesson("11_transfer_learning", "Transfer learning", "adapt models and tune performance", 30, ("tune",), extra=10),
    Lesson("12_experiment_tracking", "Experiment tracking", "automate experiment tracking", 35, ("track",),
           extra=15),
    Lesson("13_deployment", "Deployment", "deploy production models", 40, ("deploy",), extra=15),
    Lesson("14_production", "Production", "support production models", 35, ("deploy",), extra=10),
    Lesson("15_scaling_out", "Scaling out (extension)", "distributed training, pipelines", 40, live=False),
)
