# %% [markdown]
# # 04 · Tensors and autograd: exercises
#
# Let PyTorch do the calculus of lesson 03, then train the same linear model
# the way deep learning code does.
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
# **Exercise 4.1** — Write `autograd_gradient(X, y, w, b)` returning `(dw, db)`
# as numpy values: the gradient of the MSE, computed by autograd. Make `w` and
# `b` tensors with `requires_grad=True`, compute the loss with torch, call
# `loss.backward()`, and read `.grad`.

# %%
def autograd_gradient(X, y, w, b):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 4.1: compute the loss with torch and call backward()")
    X, y = torch.as_tensor(X), torch.as_tensor(y)
    w = torch.tensor(w, requires_grad=True)
    b = torch.tensor(b, dtype=X.dtype, requires_grad=True)
    loss = ((X @ w + b - y) ** 2).mean()
    loss.backward()
    return w.grad.numpy(), b.grad.item()
    # END SOLUTION


# %%
check.autograd_gradient(autograd_gradient)

# %% [markdown]
# **Exercise 4.2** — Write `train_linear_torch(X, y, lr, epochs, batch_size, seed)`
# returning `(w, b)` as numpy: seed torch with `seed`, make an `nn.Linear(d, 1)`
# and a `torch.optim.SGD` optimizer, and for each epoch loop over shuffled
# mini-batches (zero the gradients, compute the MSE loss, `backward()`,
# `step()`). Return the weights as an array of shape `(d,)` and the bias as a
# number. They should land close to the closed-form answer of lesson 02.

# %%
def train_linear_torch(X, y, lr, epochs, batch_size, seed):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 4.2: nn.Linear + SGD over mini-batches")
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
