# %% [markdown]
# # 04 · Tensors and autograd: exercises
#
# Let PyTorch do calculus that lesson 03 did not do, then train the same linear
# model the way deep learning code does, repeatably.
#
# **Minutes**: 15 · **Grade yourself**: `mlcourse grade exercises/04_tensors_autograd.ipynb`

# %%
import numpy as np
import torch
from torch import nn

from mlcourse import check
from mlcourse.reproducible import seed_everything

seed_everything(0)

# %% [markdown]
# **Exercise 4.1** — Autograd differentiates any loss you can write with tensor
# operations, not only the one lesson 03 derived by hand. The **mean absolute
# error**, `mean(|X @ w + b - y|)`, punishes a large error less than the squared
# error does, so a few outliers pull the fit less. Write
# `autograd_gradient(X, y, w, b)` returning its gradient `(dw, db)` with respect
# to `w` (shape `(d,)`) and `b` (a number), as numpy values, computed by
# autograd: no calculus of your own. The inputs are numpy arrays (float64) and a
# float.

# %%
def autograd_gradient(X, y, w, b):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 4.1: the mean absolute error with torch, then backward()")
    X, y = torch.as_tensor(X), torch.as_tensor(y)
    w = torch.tensor(w, requires_grad=True)
    b = torch.tensor(b, dtype=X.dtype, requires_grad=True)
    loss = (X @ w + b - y).abs().mean()
    loss.backward()
    return w.grad.numpy(), b.grad.item()
    # END SOLUTION


# %%
check.autograd_gradient(autograd_gradient)

# %% [markdown]
# **Exercise 4.2** — Write `train_linear_torch(X, y, lr, epochs, batch_size, seed)`
# returning `(w, b)` as numpy (`w` of shape `(d,)`, `b` a number): train
# PyTorch's linear layer with its SGD optimizer at rate `lr`, on mini-batches of
# `batch_size` rows, for `epochs` epochs, to minimise the mean squared error.
# The weights must land close to the closed form of lesson 02, and a run must be
# repeatable: the same `seed` gives exactly the same weights, another seed a
# different run. The seed decides the starting weights and which rows share a
# mini-batch, drawn afresh every epoch.

# %%
def train_linear_torch(X, y, lr, epochs, batch_size, seed):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 4.2: a seeded training loop over shuffled mini-batches")
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    X, y = torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y, dtype=torch.float32)
    model = nn.Linear(X.shape[1], 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(epochs):
        for batch in torch.randperm(len(X), generator=generator).split(batch_size):
            optimizer.zero_grad()
            loss = nn.functional.mse_loss(model(X[batch]).squeeze(1), y[batch])
            loss.backward()
            optimizer.step()
    return model.weight.detach().numpy().ravel(), model.bias.item()
    # END SOLUTION


# %%
check.train_linear_torch(train_linear_torch)
