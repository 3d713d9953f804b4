# %% [markdown]
# # 02 · Linear regression: exercises
#
# Three small functions that together are linear regression: predict, measure
# the error, and fit the best line in closed form. Use numpy; no scikit-learn
# inside your functions. The first two are warm-ups, the lesson's formulas
# turned into numpy; the third asks you to choose how to solve.
#
# **Minutes**: 10, self-paced · **Grade yourself**: `mlcourse grade exercises/02_linear_regression.ipynb`

# %%
import numpy as np

from mlcourse import check

# %% [markdown]
# **Exercise 2.1** (*warm-up*) — Write `predict(X, w, b)`: the predictions `y = Xw + b` for
# a matrix `X` of shape `(n, d)` (one row per sample), weights `w` of shape
# `(d,)` and an intercept `b`. It must work for one sample and for one feature.

# %%
def predict(X, w, b):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 2.1: one prediction per row of X")
    return X @ w + b
    # END SOLUTION


# %%
check.predict(predict)

# %% [markdown]
# **Exercise 2.2** (*warm-up*) — Write `mse(y_true, y_pred)`: the mean squared error, the
# average over samples of `(y_true - y_pred) ** 2`.

# %%
def mse(y_true, y_pred):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 2.2: return the mean of the squared differences")
    return float(np.mean((y_true - y_pred) ** 2))
    # END SOLUTION


# %%
check.mse(mse)

# %% [markdown]
# **Exercise 2.3** — Write `fit_least_squares(X, y)` returning `(w, b)`: the
# weights (shape `(d,)`) and the intercept (a number) with the smallest mean
# squared error, for any number of inputs `d`. The lesson derived the equations
# the minimum satisfies; turn them into numpy, choosing how to solve them (the
# lesson says why one way is more accurate than another). The check uses
# correlated inputs, and inputs whose means are not zero. Its data sets are well
# conditioned, so every sound way of solving gives the same answer to many digits
# and the check does not grade your choice: say in a comment which you chose and
# why.

# %%
def fit_least_squares(X, y):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 2.3: return the (w, b) with the smallest squared error")
    # A column of ones makes the intercept one more weight. lstsq solves min ||A theta - y|| directly
    # (via the SVD) instead of forming A^T A, which would square the condition number.
    # np.linalg.solve(A.T @ A, A.T @ y) also passes here, on well-conditioned inputs.
    design = np.column_stack([X, np.ones(len(X))])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    return coef[:-1], coef[-1]
    # END SOLUTION


# %%
check.fit_least_squares(fit_least_squares)
