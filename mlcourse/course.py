"""What the course is made of: the lessons, their minutes, and where files live.

This list is the single source for the README's lesson table, the course index
notebook and lesson 00's agenda plot.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KERNEL_NAME = "mlcourse"
KERNEL_DISPLAY_NAME = "Python 3 (mlcourse)"


@dataclass(frozen=True)
class Lesson:
    """One lesson: file stem, title, the seed goal it serves, teaching minutes."""

    stem: str
    title: str
    goal: str
    minutes: int

    @property
    def number(self) -> int:
        return int(self.stem[:2])

    def available(self, root: Path = ROOT) -> bool:
        """True once the lesson's source script exists in ``lessons/``."""
        return (root / "lessons" / f"{self.stem}.py").exists()


LESSONS: tuple[Lesson, ...] = (
    Lesson("00_welcome", "Welcome", "how the workbook works, tools of the trade", 10),
    Lesson("01_problem_definition", "Problem definition", "validate the problem definition given data", 25),
    Lesson("02_linear_regression", "Linear regression", "foundations", 30),
    Lesson("03_gradient_descent", "Gradient descent", "foundations", 35),
    Lesson("04_tensors_autograd", "Tensors and autograd", "foundations", 30),
    Lesson("05_data_preparation", "Data preparation", "develop training data", 35),
    Lesson("06_data_splitting", "Data splitting", "develop training and validation sets", 30),
    Lesson("07_overfitting", "Overfitting", "select preliminary models", 25),
    Lesson("08_model_selection", "Model selection", "select preliminary models", 35),
    Lesson("09_recreate_results", "Recreate published results", "recreate results on benchmark data", 35),
    Lesson("10_hyperparameter_tuning", "Hyperparameter tuning", "adapt models and tune performance", 30),
    Lesson("11_transfer_learning", "Transfer learning", "adapt models and tune performance", 35),
    Lesson("12_experiment_tracking", "Experiment tracking", "automate experiment tracking", 35),
    Lesson("13_deployment", "Deployment", "deploy production models", 40),
    Lesson("14_production", "Production", "support production models", 35),
    Lesson("15_scaling_out", "Scaling out (extension)", "distributed training, pipelines", 25),
)
