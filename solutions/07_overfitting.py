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
# degree you would ship. The degree with the lowest validation error may win
# only by noise, and a simpler polynomial is cheaper and safer away from the
# data, so ship the *smallest* degree that is within one standard error of the
# best one: compare each degree with the best, point by point on the same
# validation points (as the lesson's `gap` does), and accept it when its mean
# extra squared error is at most the standard error of that extra error.
# Return the degree itself (an element of `degrees`). Decide which points each
# step may see; any way of fitting a polynomial by least squares is fine.

# %%
def choose_degree(x_train, y_train, x_val, y_val, degrees):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 7.1: return the degree to ship")
    squared = {d: (np.polyval(np.polyfit(x_train, y_train, d), x_val) - y_val) ** 2 for d in degrees}
    best = min(squared, key=lambda d: squared[d].mean())
    for degree in sorted(degrees):
        extra = squared[degree] - squared[best]
        if extra.mean() <= extra.std(ddof=1) / np.sqrt(len(extra)):
            return degree
    # END SOLUTION


# %%
check.choose_degree(choose_degree)

# %% [markdown]
# **Exercise 7.2** — Write `early_stopping_epoch(val_losses, patience, min_delta)`,
# the rule of Keras's `EarlyStopping` with its best weights restored. Walk
# through the validation losses epoch by epoch, as training would. An epoch
# improves only if its loss beats the best loss so far by *more than*
# `min_delta` (with `min_delta = 0`, a loss equal to the best is no
# improvement); a smaller gain does not count and does not change the best.
# Stop as soon as `patience` epochs in a row bring no improvement; return the
# index of the best epoch, whose weights you keep. Never look at losses after
# the stop: training would not have computed them.

# %%
def early_stopping_epoch(val_losses, patience, min_delta):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 7.2: return the index of the epoch to keep")
    best, best_epoch, waited = float("inf"), 0, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best - min_delta:
            best, best_epoch, waited = loss, epoch, 0
        else:
            waited += 1
            if waited >= patience:
                break
    return best_epoch
    # END SOLUTION


# %%
check.early_stopping_epoch(early_stopping_epoch)
