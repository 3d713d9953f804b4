# %% [markdown]
# # 04 · Tensors and autograd: the same model, the deep learning way
#
# **Questions**
# - What is a tensor, and how is it different from a numpy array?
# - How does PyTorch compute gradients without us writing the calculus?
# - What does a training loop in a deep learning library look like?
#
# **Objectives**
# - Create tensors, read their shape and dtype, and use broadcasting.
# - Follow the computation graph that autograd records for a loss.
# - Check that autograd's gradient equals the one derived by hand in lesson 03.
# - Train `nn.Linear` with `torch.optim.SGD` on mini-batches and land on the closed form.
#
# **Minutes**: 30 (15 teaching, 15 exercises) · **Prerequisites**: lessons 02 and 03.

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import load_diabetes
from torch import nn
from tqdm.auto import tqdm

from mlcourse import linear
from mlcourse.reproducible import seed_everything

rng = seed_everything(0)  # seeds numpy and torch, and runs torch on one thread (fast and repeatable on a laptop)

# %% [markdown]
# ## Tensors
#
# A tensor is, in practice, a multi-dimensional array: a number (0 dimensions), a
# vector (1), a matrix (2), a batch of images (4). PyTorch tensors look like numpy
# arrays and share memory with them, but add two things: they can live on a GPU,
# and they can remember how they were computed, for gradients.

# %%
scalar = torch.tensor(3.0)
vector = torch.tensor([1.0, 2.0, 3.0])
matrix = torch.arange(6, dtype=torch.float32).reshape(2, 3)
images = torch.zeros(8, 1, 28, 28)  # batch, channels, height, width
for name, t in {"scalar": scalar, "vector": vector, "matrix": matrix, "images": images}.items():
    print(f"{name:>6}: shape {tuple(t.shape)}, {t.ndim} dimensions, dtype {t.dtype}")

# %% [markdown]
# **Broadcasting** stretches size-1 dimensions to match, without copying: adding
# a vector of 3 to a (2, 3) matrix adds it to every row. It is how `X @ w + b`
# adds one intercept to every prediction.

# %%
print(matrix + vector)
print(matrix * torch.tensor([[10.0], [100.0]]))  # a column of 2 stretches across the 3 columns

# %% [markdown]
# **dtype** matters: PyTorch defaults to 32-bit floats (fast, enough for
# training), numpy to 64-bit. Converting keeps the values; mixing them in one
# operation promotes to the wider type.

# %%
from_numpy = torch.from_numpy(np.array([0.1, 0.2]))
print(from_numpy.dtype, from_numpy.float().dtype, (from_numpy + vector[:2]).dtype)

# %% [markdown]
# ## The computation graph
#
# Mark the parameters with `requires_grad=True` and every operation on them is
# recorded: the loss knows it came from a mean of squares of a subtraction of a
# matrix product plus a bias. That record is the **computation graph**. Walking
# it backwards, applying the chain rule at each node, gives the gradient: this
# is backpropagation, and `loss.backward()` runs it.

# %%
diabetes = load_diabetes()
X_np = (diabetes.data - diabetes.data.mean(axis=0)) / diabetes.data.std(axis=0)
y_np = diabetes.target
X, y = torch.tensor(X_np), torch.tensor(y_np)
w = torch.zeros(X.shape[1], dtype=torch.float64, requires_grad=True)
b = torch.zeros((), dtype=torch.float64, requires_grad=True)
loss = ((X @ w + b - y) ** 2).mean()


def print_graph(fn, depth=0):
    """Print the operations autograd recorded, from the loss back to the parameters."""
    print("    " * depth + type(fn).__name__.replace("Backward0", "").replace("AccumulateGrad", "parameter (w or b)"))
    for child, _ in fn.next_functions:
        if child is not None:
            print_graph(child, depth + 1)


print_graph(loss.grad_fn)

# %% [markdown]
# Read from the bottom up: the parameters feed a matrix-vector product (`Mv`),
# the bias is added, the target subtracted, the result squared (`Pow`) and
# averaged (`Mean`). Now let autograd differentiate, and compare with the
# formula we derived by hand in lesson 03:

# %%
loss.backward()
dw_hand, db_hand = linear.mse_gradient(X_np, y_np, np.zeros(X.shape[1]), 0.0)
print(f"largest difference, autograd vs by hand: dw {np.abs(w.grad.numpy() - dw_hand).max():.1e}, "
      f"db {abs(b.grad.item() - db_hand):.1e}")

# %% [markdown]
# Identical, to rounding error, and no calculus was written. For a network with
# millions of parameters and dozens of layers, that is what makes training possible.
#
# ## A training loop in PyTorch
#
# Deep learning code says the same things as lesson 03 with library pieces:
#
# | lesson 03 by hand | PyTorch |
# |---|---|
# | `w`, `b` and `predict` | `nn.Linear(d, 1)` holds them and computes `X @ w + b` |
# | `mse` | `nn.functional.mse_loss` |
# | `mse_gradient` | `loss.backward()` |
# | `w -= lr * dw` | `torch.optim.SGD(...).step()` |
# | `minibatches` | shuffled index batches (or a `DataLoader`) |
#
# One detail: PyTorch *adds* new gradients to `.grad`, so each step starts with
# `optimizer.zero_grad()`. The progress bar shows the loss as it falls.

# %%
Xf, yf = X.float(), y.float()
model = nn.Linear(X.shape[1], 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.02)
epoch_losses = []
for epoch in (bar := tqdm(range(60), desc="training", unit="epoch")):
    for batch in linear.minibatches(len(yf), 32, rng):
        optimizer.zero_grad()
        batch_loss = nn.functional.mse_loss(model(Xf[batch]).squeeze(1), yf[batch])
        batch_loss.backward()
        optimizer.step()
    with torch.no_grad():
        epoch_losses.append(nn.functional.mse_loss(model(Xf).squeeze(1), yf).item())
    bar.set_postfix(mse=f"{epoch_losses[-1]:.0f}")

# %%
w_closed, b_closed = linear.fit_least_squares(X_np, y_np)
floor = linear.mse(y_np, linear.predict(X_np, w_closed, b_closed))
fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
axes[0].plot(epoch_losses, label="nn.Linear + SGD")
axes[0].axhline(floor, color="black", linestyle=":", label="closed form (lesson 02)")
axes[0].set_yscale("log")
axes[0].set_xlabel("epoch")
axes[0].set_ylabel("MSE on all data")
axes[0].set_title("The torch loop converges to the closed-form loss")
axes[0].legend()
learned = model.weight.detach().numpy().ravel()
axes[1].scatter(w_closed, learned)
for name, a, b_ in zip(diabetes.feature_names, w_closed, learned):
    axes[1].annotate(name, (a, b_), textcoords="offset points", xytext=(4, 4), fontsize=8)
lims = [min(w_closed.min(), learned.min()), max(w_closed.max(), learned.max())]
axes[1].plot(lims, lims, color="black", linewidth=1)
axes[1].set_xlabel("weight, closed form")
axes[1].set_ylabel("weight, learned by SGD")
axes[1].set_title("Same loss, not quite the same weights")
plt.tight_layout()
gap = np.abs(learned - w_closed)
print(f"final MSE {epoch_losses[-1]:.1f} vs closed form {floor:.1f} ({epoch_losses[-1] / floor - 1:+.1%})")
print("weights that differ most:", ", ".join(f"{diabetes.feature_names[i]} ({w_closed[i]:+.1f} vs {learned[i]:+.1f})"
                                             for i in np.argsort(gap)[::-1][:2]))

# %% [markdown]
# The loss lands within about one percent of the exact minimum, yet the blood
# measurements' weights (s1 to s6) wander off the diagonal, s1 and s2 most of
# all. Those inputs are strongly correlated, so raising one weight while
# lowering another leaves the loss almost unchanged: along such directions the
# bowl is nearly flat, and SGD, jittering with its batches, has no reason to
# find the exact point. The weights the other inputs get agree.
# Lesson 07's regularization pins such weights down. For a linear model the
# closed form is better; the point is that this loop, unchanged, also trains
# models that have no closed form, which is every model from lesson 08 on.
#
# ## Keypoints
#
# - A tensor is a multi-dimensional array with a shape and a dtype; broadcasting stretches size-1 dimensions.
# - Operations on tensors with `requires_grad=True` build a computation graph.
# - `loss.backward()` walks the graph with the chain rule; it equals the hand-derived gradient.
# - A PyTorch training loop: zero the gradients, compute the loss, backward, step, for every mini-batch.
# - Seed everything and fix torch's thread count so training is repeatable.
