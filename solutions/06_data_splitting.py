# %% [markdown]
# # 06 · Data splitting: exercises
#
# A split that keeps groups whole; the honest score of a recipe that selects
# features; and a colleague's pipeline with two leaks to find and fix.
#
# **Minutes**: 20 (6.1: 6, 6.3: 14) + 5 self-paced (6.2) · **Grade yourself**: `mlcourse grade exercises/06_data_splitting.ipynb`

# %%
import numpy as np
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score

from mlcourse import check

# %% [markdown]
# **Exercise 6.1** — Write `group_split(groups, test_size, seed)` returning
# `(train_idx, test_idx)`, two arrays of row indices. `groups[i]` says which
# group (say, which patient) row `i` belongs to. Whole groups go to one side:
# no group may have rows on both. (This split ignores strata, the class
# shares: with a rare class, a grouped split can leave test with too few of it.
# scikit-learn's `StratifiedGroupKFold` keeps groups whole *and* the shares
# close; `group_split` gets no labels, so groups are all it can keep.)
#
# `test_size` is a share of the *rows*: with 0.25, about a quarter of the rows
# go to test. Since groups come whole, the share cannot be exact; the check
# accepts a test share within the largest group's share of the rows plus 5
# points of `test_size`. The same seed must give the same split, another seed
# another split.

# %%
def group_split(groups, test_size, seed):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 6.1: choose whole groups for the test set")
    groups = np.asarray(groups)
    test, count = [], 0
    for name in np.random.default_rng(seed).permutation(np.unique(groups)):  # the groups, in a seeded order
        if count >= test_size * len(groups):
            break
        test.append(name)
        count += np.sum(groups == name)
    in_test = np.isin(groups, test)
    return np.flatnonzero(~in_test), np.flatnonzero(in_test)
    # END SOLUTION


# %%
check.group_split(group_split)

# %% [markdown]
# **Exercise 6.2** (*Self-paced*) — In the lesson's rule-1 demo, selecting 20 of
# 2,000 noise columns on all rows made coin tosses look 95 % predictable. Write
# `honest_cv_score(X, y, k, cv)`: the cross-validated accuracy of the recipe
# "keep the `k` columns with the best F-test against the label
# (`SelectKBest(f_classif, k=k)`), then logistic regression", estimated so
# that no validation row takes part in choosing the columns. `cv` is anything
# `cross_val_score` accepts: a splitter, or a number of folds, which for a
# classifier means what `cross_val_score` uses, `StratifiedKFold(cv)` (not
# shuffled). Return one number, the mean over the folds. On coin tosses it must
# say chance.

# %%
def honest_cv_score(X, y, k, cv):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 6.2: no validation row may take part in choosing the columns")
    from sklearn.pipeline import make_pipeline

    model = make_pipeline(SelectKBest(f_classif, k=k), LogisticRegression(max_iter=1000))
    return cross_val_score(model, X, y, cv=cv).mean()
    # END SOLUTION


# %%
check.honest_cv_score(honest_cv_score)

# %% [markdown]
# **Exercise 6.3** — A colleague screens patients for a rare condition (a
# quarter of them have it). Their recipe: copy rows of the rare class until both
# classes are the same size (`oversample`, below), keep the 10 columns with the
# best F-test, fit logistic regression. They report **balanced accuracy**, the
# mean of the share of each class that is recognised, so 0.5 is chance whatever
# the class sizes. Here is their code and its score on data whose labels are
# coin flips:

# %%
def oversample(X, y):
    """Copy rows of the smaller classes (cycling through them in order) until every class is as large as the largest.

    Returns new arrays: the original rows first, then the copies.
    """
    classes, counts = np.unique(y, return_counts=True)
    copies = [np.resize(np.flatnonzero(y == c), counts.max() - count) for c, count in zip(classes, counts, strict=True)]
    rows = np.concatenate([np.arange(len(y)), *copies])
    return X[rows], y[rows]


def leaky_score(X, y, cv):
    """The colleague's cross-validated balanced accuracy of: oversample, keep the 10 best columns, logistic regression."""
    X_even, y_even = oversample(X, y)
    X_best = SelectKBest(f_classif, k=10).fit_transform(X_even, y_even)
    return cross_val_score(LogisticRegression(max_iter=1000), X_best, y_even, cv=cv, scoring="balanced_accuracy").mean()


rng = np.random.default_rng(6)
X_coins = rng.normal(size=(200, 1000))  # 200 patients, 1,000 measurements of noise
y_coins = (rng.permutation(200) < 50).astype(int)  # 50 of them "have the condition", at random
folds = StratifiedKFold(5, shuffle=True, random_state=0)
print(f"the colleague's balanced accuracy on coin flips: {leaky_score(X_coins, y_coins, folds):.2f}")

# %% [markdown]
# No recipe can beat 0.5 on coin flips, so this score leaks; there are two
# leaks. Write `fix_leaky_pipeline(X, y, cv)` returning the honest
# cross-validated balanced accuracy of the *same recipe* (same oversampling,
# same 10 columns chosen the same way, same model) on the folds that
# `cv.split(X, y)` gives: one number, the mean over the folds. On the coin flips
# above it should fall to chance, 0.5 give or take the noise of cross-validating
# 200 rows (about 0.4 to 0.6); the check also tries data with a real signal.
# Decide, for each step, which rows it may be fitted on, and which rows each
# fold is scored on.

# %%
def fix_leaky_pipeline(X, y, cv):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 6.3: find the two leaks, then score the same recipe honestly")
    from sklearn.metrics import balanced_accuracy_score

    scores = []
    for train, validation in cv.split(X, y):
        X_even, y_even = oversample(X[train], y[train])  # copies of training rows only
        selector = SelectKBest(f_classif, k=10).fit(X_even, y_even)  # columns chosen without validation labels
        model = LogisticRegression(max_iter=1000).fit(selector.transform(X_even), y_even)
        predicted = model.predict(selector.transform(X[validation]))  # the real validation rows, uncopied
        scores.append(balanced_accuracy_score(y[validation], predicted))
    return float(np.mean(scores))
    # END SOLUTION


# %%
check.fix_leaky_pipeline(fix_leaky_pipeline)
