# %% [markdown]
# # 01 · Problem definition: exercises
#
# Before any big model: what does the simplest possible predictor score, is any
# feature too good to be true, and do the numbers say go? Replace each
# `raise NotImplementedError(...)` with your code, then run the check cell under it.
#
# **Minutes**: 10 live (exercises 1.1 and 1.3) + 5 self-paced (exercise 1.2) ·
# **Grade yourself**: `mlcourse grade exercises/01_problem_definition.ipynb`

# %%
import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, r2_score

from mlcourse import check

# %% [markdown]
# **Exercise 1.1** — Write `baseline_score(y_train, y_test, task)`: the test
# score of the best *constant* predictor (one value, predicted for every row),
# learned from the training targets only. With `task="regression"` the score is
# R² (`r2_score`); with `task="classification"` it is accuracy. Which constant
# is best depends on the score: that choice is yours. Any model worth deploying
# must beat this number.

# %%
def baseline_score(y_train, y_test, task):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 1.1: score the best constant learned from y_train on y_test")
    y_train = pd.Series(y_train)
    if task == "regression":
        constant = y_train.mean()  # the mean minimises the squared error, so it maximises R²
        return r2_score(y_test, np.full(len(y_test), constant))
    constant = y_train.mode()[0]  # the most frequent class is right most often
    return accuracy_score(y_test, np.repeat(constant, len(y_test)))
    # END SOLUTION


# %%
check.baseline_score(baseline_score)

# %% [markdown]
# **Exercise 1.2** (*self-paced*) — Write `find_leaky_feature(X, y)`: the name
# of the column of the table `X` that leaks the numeric target `y`, that is, a
# column that predicts `y` far better than any honest feature could. The leak may
# be a near copy of the target, a curved function of it, or its negative, and it
# sits among honest features and a record number. How you measure "predicts `y`"
# is your choice; the lesson showed one way, and there are others.

# %%
def find_leaky_feature(X, y):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 1.2: return the name of the column that predicts y too well")
    from sklearn.model_selection import cross_val_score
    from sklearn.tree import DecisionTreeRegressor

    # Each column alone, scored on rows its tree did not see: a small tree follows curved leaks that a
    # correlation misses, and cross-validation stops it from memorising a column of distinct values.
    # (Mutual information or a rank correlation would also find these leaks.)
    tree = DecisionTreeRegressor(max_depth=4, random_state=0)
    scores = {column: cross_val_score(tree, X[[column]], y, cv=3).mean() for column in X.columns}
    return max(scores, key=scores.get)
    # END SOLUTION


# %%
check.find_leaky_feature(find_leaky_feature)

# %% [markdown]
# **Exercise 1.3** — The decision the lesson builds up to, as a function you can
# reuse on any project. Write `go_no_go(model_scores, baseline_scores, margin,
# higher_is_better=True)`, returning `True` for go and `False` for no-go:
#
# - `model_scores` and `baseline_scores` are numpy arrays, the scores of the
#   model and of the baseline in each fold of the *same* cross-validation
#   (fold *i* of one matches fold *i* of the other);
# - `margin` is the smallest gain over the baseline that matters to the user
#   story, in the metric's units;
# - `higher_is_better` is `False` for a loss, such as the MAE.
#
# Say go only if the model beats the baseline by at least `margin`, and by more
# than the fold-to-fold noise could explain. How you allow for the noise is your
# decision: say which rule you chose, in a comment.

# %%
def go_no_go(model_scores, baseline_scores, margin, higher_is_better=True):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 1.3: return True (go) or False (no-go)")
    model, baseline = np.asarray(model_scores, dtype=float), np.asarray(baseline_scores, dtype=float)
    gain = model - baseline if higher_is_better else baseline - model  # positive when the model is better
    # Rule: the mean gain must clear the margin even after taking off one standard deviation of the
    # per-fold gains. Other sound rules: the worst fold's gain clears the margin; the mean minus two
    # standard errors does; or a one-sided t-test of the gains against the margin. Comparing the folds in
    # pairs removes the noise the two share (an easy fold is easy for both).
    return bool(gain.mean() - gain.std() >= margin)
    # END SOLUTION


# %%
check.go_no_go(go_no_go)
