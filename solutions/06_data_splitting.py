# %% [markdown]
# # 06 · Data splitting: exercises
#
# Two splits that do not leak: one that keeps groups whole, and a
# cross-validation that keeps feature selection inside each fold.
#
# **Minutes**: 15 · **Grade yourself**: `mlcourse grade exercises/06_data_splitting.ipynb`

# %%
import numpy as np
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupShuffleSplit, cross_val_score
from sklearn.pipeline import make_pipeline

from mlcourse import check

# %% [markdown]
# **Exercise 6.1** — Write `group_split(groups, test_size, seed)` returning
# `(train_idx, test_idx)`, two arrays of row indices. `groups[i]` says which
# group (say, which patient) row `i` belongs to. No group may have rows on both
# sides; the test set should hold about `test_size` of the rows; the same seed
# gives the same split and another seed another split.

# %%
def group_split(groups, test_size, seed):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 6.1: choose whole groups for the test set")
    splitter = GroupShuffleSplit(n_splits=1, test_size=test_size, random_state=seed)
    return next(splitter.split(np.zeros(len(groups)), groups=groups))
    # END SOLUTION


# %%
check.group_split(group_split)

# %% [markdown]
# **Exercise 6.2** — Write `honest_cv_score(X, y, k, cv)`: the mean
# cross-validated accuracy of "keep the `k` best features
# (`SelectKBest(f_classif, k=k)`), then logistic regression", where the
# selection is fitted *inside* each fold. `cv` is what `cross_val_score` accepts
# (a number of folds or a splitter). On random labels it must score near chance.

# %%
def honest_cv_score(X, y, k, cv):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 6.2: cross-validate selection and model together")
    model = make_pipeline(SelectKBest(f_classif, k=k), LogisticRegression(max_iter=1000))
    return cross_val_score(model, X, y, cv=cv).mean()
    # END SOLUTION


# %%
check.honest_cv_score(honest_cv_score)
