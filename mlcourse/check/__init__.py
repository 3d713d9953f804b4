"""Exercise checks: ``check.<exercise_function_name>(your_function)``.

Each check runs your function on several seeded inputs (edge cases included)
and compares with a reference. Right: one ✓ line. Wrong: an AssertionError
that says what was expected, what came back, and a hint.
"""

from mlcourse.check._core import REGISTRY
from mlcourse.check.autograd import autograd_gradient, train_linear_torch
from mlcourse.check.descent import gradient_descent, minibatches, mse_gradient
from mlcourse.check.overfitting import choose_degree, early_stopping_epoch
from mlcourse.check.prep import build_preprocessor, validate_batch
from mlcourse.check.problem import baseline_score, find_leaky_feature
from mlcourse.check.recreate import build_cnn, shuffle_features, summarize_runs
from mlcourse.check.regression import fit_least_squares, mse, predict
from mlcourse.check.selection import measure_model, pick_model
from mlcourse.check.splitting import group_split, honest_cv_score
from mlcourse.check.transfer import freeze, load_pretrained
from mlcourse.check.tuning import make_objective, search_space
from mlcourse.check.welcome import accuracy, missing_share

__all__ = [
    "REGISTRY",
    "accuracy",
    "autograd_gradient",
    "baseline_score",
    "build_cnn",
    "build_preprocessor",
    "choose_degree",
    "early_stopping_epoch",
    "find_leaky_feature",
    "fit_least_squares",
    "freeze",
    "gradient_descent",
    "group_split",
    "honest_cv_score",
    "load_pretrained",
    "make_objective",
    "measure_model",
    "minibatches",
    "missing_share",
    "mse",
    "mse_gradient",
    "pick_model",
    "predict",
    "search_space",
    "shuffle_features",
    "summarize_runs",
    "train_linear_torch",
    "validate_batch",
]
