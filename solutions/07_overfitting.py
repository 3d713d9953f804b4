# %% [markdown]
# # 07 · Overfitting: exercises
#
# Choose a model's capacity with validation data, and stop training at the
# right moment.
#
# **Minutes**: 8 · **Grade yourself**: `mlcourse grade exercises/07_overfitting.ipynb`

# %%
import numpy as np

from mlcourse import check

# %% [markdown]
# **Exercise 7.1** — A colleague hands you noisy measurements of one input
# `x` and a target `y`, already split into training and validation points, and
# a list of candidate polynomial degrees (in any order). Write
# `choose_degree(x_train, y_train, x_val, y_val, degrees)` that returns the
# degree you would ship: the one whose polynomial, fitted by least squares,
# should make the smallest mean squared error on new points from the same
# source. Return the degree itself (an element of `degrees`). Decide which
# points each step may see, and why; any way of fitting a polynomial is fine.

# %%
def choose_degree(x_train, y_train, x_val, y_val, degrees):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 7.1: return the degree to ship")
    errors = [np.mean((np.polyval(np.polyfit(x_train, y_train, d), x_val) - y_val) ** 2) for d in degrees]
    return degrees[int(np.argmin(errors))]
    # END SOLUTION


# %%
check.choose_degree(choose_degree)

# %% [markdown]
# **Exercise 7.2** — Write `early_stopping_epoch(val_losses, patience)`. Walk
# through the validation losses epoch by epoch, as training would; stop as soon
# as `patience` epochs in a row bring no improvement over the best loss so far
# (a loss equal to the best is not an improvement); return the index of the
# best epoch, whose weights you keep. Never look at losses after the stop:
# training would not have computed them.

# %%
def early_stopping_epoch(val_losses, patience):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 7.2: return the index of the epoch to keep")
    best, best_epoch, waited = float("inf"), 0, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best:
            best, best_epoch, waited = loss, epoch, 0
        else:
            waited += 1
            if waited >= patience:
                break
    return best_epoch
    # END SOLUTION


# %%
check.early_stopping_epoch(early_stopping_epoch)
