"""Exercise checks: ``check.<exercise_function_name>(your_function)``.

Each check runs your function on several seeded inputs (edge cases included)
and compares with a reference. Right: one ✓ line. Wrong: an AssertionError
that says what was expected, what came back, and a hint.

A check's module is imported the first time the check is used, so a notebook
pays only for the checks it calls: lesson 00's exercises never import torch.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from mlcourse.check._core import REGISTRY, Cases

# check name -> the module under mlcourse.check that defines it
MODULES = {
    "accuracy": "welcome", "missing_share": "welcome",
    "baseline_score": "problem", "find_leaky_feature": "problem", "go_no_go": "problem",
    "fit_least_squares": "regression", "mse": "regression", "predict": "regression",
    "gradient_descent": "descent", "minibatches": "descent", "mse_gradient": "descent",
    "autograd_gradient": "autograd", "train_linear_torch": "autograd",
    "build_preprocessor": "prep", "validate_batch": "prep",
    "group_split": "splitting", "honest_cv_score": "splitting", "fix_leaky_pipeline": "splitting",
    "choose_degree": "overfitting", "early_stopping_epoch": "overfitting",
    "measure_model": "selection", "pick_model": "selection",
    "build_cnn": "recreate", "shuffle_features": "recreate", "summarize_runs": "recreate",
    "make_objective": "tuning", "search_space": "tuning", "compare_samplers": "tuning",
    "freeze": "transfer", "load_pretrained": "transfer",
    "tracked_train": "tracking", "best_run": "tracking", "why_not_reproduced": "tracking",
    "make_app": "deployment", "score_folder": "deployment", "load_summary": "deployment",
    "psi": "production", "gate": "production", "should_roll_back": "production",
    "local_loss": "scaling", "step_seconds": "scaling", "batch_for_speedup": "scaling",
}

__all__ = ["MODULES", "registry", *sorted(MODULES)]


def __getattr__(name: str) -> Callable:
    if name not in MODULES:
        raise AttributeError(f"mlcourse.check has no check named {name!r}; the checks are: {', '.join(sorted(MODULES))}")
    check = getattr(importlib.import_module(f"mlcourse.check.{MODULES[name]}"), name)
    globals()[name] = check  # later look-ups skip this function
    return check


def __dir__() -> list[str]:
    return sorted(__all__)


def registry() -> dict[str, Cases]:
    """Every check with the answers it must accept and reject (imports all check modules)."""
    for module in sorted(set(MODULES.values())):
        importlib.import_module(f"mlcourse.check.{module}")
    return REGISTRY
