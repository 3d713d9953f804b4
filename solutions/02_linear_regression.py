# %% [markdown]
# # 02 · Linear regression: exercises
#
# Three small functions that together are linear regression: predict, measure
# the error, and fit the best line in closed form. Use numpy; no scikit-learn
# inside your functions.
#
# **Minutes**: 10 · **Grade yourself**: `mlcourse grade exercises/02_linear_regression.ipynb`

# %%
import numpy as np

from mlcourse import check

# %% [markdown]
# **Exercise 2.1** — Write `predict(X, w, b)`: the predictions `y = Xw + b` for
# a matrix `X` of shape `(n, d)` (one row per sample), weights `w` of shape
# `(d,)` and an intercept `b`. It must work for one sample and for one feature.

# %%
def predict(X, w, b):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 2.1: return X @ w + b")
    return X @ w + b
    # END SOLUTION


# %%
check.predict(predict)

# %% [markdown]
# **Exercise 2.2** — Write `mse(y_true, y_pred)`: the mean squared error, the
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
# weights and intercept with the smallest squared error. Append a column of ones
# to `X` so the intercept is one more weight, solve with `np.linalg.lstsq`, then
# split the solution into `w` and `b`.

# %%
def fit_least_squares(X, y):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 2.3: solve least squares with an intercept column")
    design = np.column_stack([X, np.ones(len(X))])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    return coef[:-1], coef[-1]
    # END SOLUTION


# %%
check.fit_least_squares(fit_least_squares)
