# %% [markdown]
# # 01 · Problem definition: exercises
#
# Before any model: what does the simplest possible predictor score, and is any
# feature too good to be true? Replace each `raise NotImplementedError(...)` with
# your code, then run the check cell under it.
#
# **Minutes**: 10 · **Grade yourself**: `mlcourse grade exercises/01_problem_definition.ipynb`

# %%
import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import cross_val_score
from sklearn.tree import DecisionTreeRegressor

from mlcourse import check

# %% [markdown]
# **Exercise 1.1** — Write `baseline_score(y_train, y_test, task)`: the test
# score of the best *constant* predictor, learned from the training targets only.
# For `task="regression"` the constant is the mean of `y_train` and the score is
# R² (`sklearn.metrics.r2_score`); for `task="classification"` it is the most
# frequent class of `y_train` and the score is accuracy. Any model worth
# deploying must beat this number. (`sklearn.dummy` has these baselines ready-made.)

# %%
def baseline_score(y_train, y_test, task):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 1.1: score the best constant learned from y_train on y_test")
    y_train = pd.Series(y_train)
    if task == "regression":
        constant = y_train.mean()
        return r2_score(y_test, np.full(len(y_test), constant))
    constant = y_train.mode()[0]
    return accuracy_score(y_test, np.repeat(constant, len(y_test)))
    # END SOLUTION


# %%
check.baseline_score(baseline_score)

# %% [markdown]
# **Exercise 1.2** — Write `find_leaky_feature(X, y)`: the name of the column of
# the table `X` that leaks the numeric target `y`, that is, a column that
# predicts `y` far better than any honest feature could. The leak may be a near
# copy of the target, or a curved function of it. As in the lesson, score each
# column *alone* with a small model (e.g. `DecisionTreeRegressor(max_depth=4)`,
# cross-validated with `cross_val_score(..., cv=3)`) and return the best one.

# %%
def find_leaky_feature(X, y):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 1.2: return the name of the column that predicts y too well")
    tree = DecisionTreeRegressor(max_depth=4, random_state=0)
    scores = {column: cross_val_score(tree, X[[column]], y, cv=3).mean() for column in X.columns}
    return max(scores, key=scores.get)
    # END SOLUTION


# %%
check.find_leaky_feature(find_leaky_feature)
