# %% [markdown]
# # 03 · Gradient descent: exercises
#
# The three pieces of every training loop: the gradient, the update, and the
# batches. Use numpy.
#
# **Minutes**: 15 · **Grade yourself**: `mlcourse grade exercises/03_gradient_descent.ipynb`

# %%
import numpy as np

from mlcourse import check

# %% [markdown]
# **Exercise 3.1** — Write `mse_gradient(X, y, w, b)` returning `(dw, db)`, the
# gradient of the mean squared error `mean((X @ w + b - y) ** 2)` with respect to
# `w` (shape `(d,)`) and `b` (a number). The check compares with finite
# differences: nudge each parameter a little and watch the loss.

# %%
def mse_gradient(X, y, w, b):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 3.1: compute dw and db")
    residual = X @ w + b - y
    return 2 * X.T @ residual / len(y), 2 * residual.mean()
    # END SOLUTION


# %%
check.mse_gradient(mse_gradient)

# %% [markdown]
# **Exercise 3.2** — Write `gradient_descent(X, y, lr, steps, w0=None, b0=0.0)`
# returning `(w, b, losses)`. Start from `w0` (zeros when `None`) and `b0`; at
# each of the `steps` steps, append the current MSE to `losses` *before*
# updating, then move `w` and `b` one step of size `lr` against the gradient.

# %%
def gradient_descent(X, y, lr, steps, w0=None, b0=0.0):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 3.2: loop: record the loss, then step against the gradient")
    w = np.zeros(X.shape[1]) if w0 is None else np.array(w0, dtype=float)
    b, losses = b0, []
    for _ in range(steps):
        losses.append(float(np.mean((X @ w + b - y) ** 2)))
        dw, db = mse_gradient(X, y, w, b)
        w, b = w - lr * dw, b - lr * db
    return w, b, losses
    # END SOLUTION


# %%
check.gradient_descent(gradient_descent)

# %% [markdown]
# **Exercise 3.3** — Write `minibatches(n, batch_size, rng)`, a generator of
# index arrays for one epoch of mini-batch training. Every index `0..n-1`
# appears exactly once; each batch holds `batch_size` indices, except one
# smaller batch with the rest, which is kept. *Which* rows share a batch must be
# random, drawn from the numpy Generator `rng`, so that the same seed gives the
# same batches and another seed different ones. Why it matters: data files are
# often sorted (lesson 05's penguins come sorted by species), and batches of
# neighbouring rows would each see a single species.

# %%
def minibatches(n, batch_size, rng):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 3.3: shuffle with rng, then yield slices")
    order = rng.permutation(n)
    for start in range(0, n, batch_size):
        yield order[start : start + batch_size]
    # END SOLUTION


# %%
check.minibatches(minibatches)
