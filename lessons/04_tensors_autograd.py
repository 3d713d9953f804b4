# %% [markdown]
# # 04 · Tensors and autograd: the same model, the deep learning way
#
# **Questions**
# - What is a tensor, and how is it different from a numpy array?
# - How does PyTorch compute gradients without us writing the calculus?
# - What is the "flow graph", and how do TensorFlow and PyTorch build it?
# - What does a training loop in a deep learning library look like, and why does it land on
#   the closed-form loss but not on its weights?
#
# **Objectives**
# - Create tensors, read their shape and dtype, use broadcasting, and know when a tensor shares
#   memory with a numpy array.
# - Follow the computation graph that autograd records for a loss.
# - Check that autograd's gradient equals the one derived by hand in lesson 03.
# - Train `nn.Linear` with `torch.optim.SGD` on mini-batches, compare it with full-batch descent,
#   and explain the weights both get wrong with lesson 03's condition number.
#
# **Minutes**: self-paced, 30 (15 reading, 15 exercises) · **Prerequisites**: lessons 02 and 03.

# %%
import copy

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.fx
from sklearn.datasets import load_diabetes
from torch import nn
from tqdm.auto import tqdm

from mlcourse import linear
from mlcourse.reproducible import seed_everything

rng = seed_everything(0)  # seeds numpy and torch, and runs torch on one thread (fast and repeatable on a laptop)

# %% [markdown]
# ## Tensors
#
# The seed slide defines a tensor as a "linear relation between vectors, scalars,
# or other tensors", then adds "practically: multi-dimensional array". Both are
# right, at two levels. In mathematics and physics a tensor *is* the relation: a
# multilinear map. A matrix is the familiar case: it turns a vector into another
# vector, linearly; the stress tensor in a material turns a direction into the
# force per unit area on a surface facing that way. Write such a map down in one
# choice of axes and you get a table of numbers, an array with one dimension per
# input or output. Deep learning libraries keep only the array, and call *any*
# multi-dimensional array a tensor, whether or not it means a linear map: a number
# (0 dimensions), a vector (1), a matrix (2), a batch of images (4). That
# practical meaning is the one we use.

# %%
scalar = torch.tensor(3.0)
vector = torch.tensor([1.0, 2.0, 3.0])
matrix = torch.arange(6, dtype=torch.float32).reshape(2, 3)
images = torch.zeros(8, 1, 28, 28)  # batch, channels, height, width
for name, t in {"scalar": scalar, "vector": vector, "matrix": matrix, "images": images}.items():
    print(f"{name:>6}: shape {tuple(t.shape)}, {t.ndim} dimensions, dtype {t.dtype}")

# %% [markdown]
# PyTorch tensors look like numpy arrays and add two things: they can live on a
# GPU, and they can remember how they were computed, for gradients. Moving
# between the two is cheap, but it is not always the same memory:
# `torch.from_numpy(a)` and `t.numpy()` share it (change one and the other
# changes), while `torch.tensor(a)` makes a copy.

# %%
a = np.array([1.0, 2.0])
shared, copied = torch.from_numpy(a), torch.tensor(a)
a[0] = 100.0
print(f"after a[0] = 100: torch.from_numpy(a)[0] is {shared[0].item()}, torch.tensor(a)[0] is still {copied[0].item()}")

# %% [markdown]
# **Broadcasting** lets tensors of different shapes meet in one operation,
# without copying. The shapes are lined up from the right; where one tensor has
# fewer dimensions, size-1 dimensions are added at its front, and then every
# size-1 dimension stretches to match the other tensor. A vector of 3 added to a
# (2, 3) matrix is first treated as (1, 3), then stretched to (2, 3): it is added
# to every row. It is how `X @ w + b` adds one intercept to every prediction.

# %%
print(matrix + vector)
print(matrix * torch.tensor([[10.0], [100.0]]))  # a column of 2 stretches across the 3 columns

# %% [markdown]
# **dtype** matters: PyTorch defaults to 32-bit floats (fast, and enough for
# training), numpy to 64-bit. Converting to 32 bits rounds every value to about
# seven significant digits. Mixing two tensors of different float types in one
# operation promotes the result to the wider type, with one exception: a
# 0-dimensional tensor or a Python number takes the type of the tensor with
# dimensions, so a float64 scalar added to a float32 vector gives float32.

# %%
from_numpy = torch.from_numpy(np.array([0.1, 0.2]))
print(f"from numpy: {from_numpy.dtype}; .float(): {from_numpy.float().dtype}; "
      f"float64 vector + float32 vector: {(from_numpy + vector[:2]).dtype}")
print(f"float32 vector + float64 scalar tensor: {(vector + torch.tensor(1.0, dtype=torch.float64)).dtype}; "
      f"+ a Python float: {(vector + 1.0).dtype}")
print(f"0.1 in float64 is {from_numpy[0].item():.12f}, in float32 {from_numpy.float()[0].item():.12f}")

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


def print_graph(fn, names, depth=0):
    """Print the operations autograd recorded, from the loss back to the parameters (named by ``names``)."""
    node = type(fn).__name__.replace("Backward0", "")
    if node == "AccumulateGrad":  # where a gradient is stored: a parameter
        node = f"parameter {names[id(fn.variable)]}"
    print("    " * depth + node)
    for child, _ in fn.next_functions:
        if child is not None:
            print_graph(child, names, depth + 1)


print_graph(loss.grad_fn, {id(w): "w", id(b): "b"})

# %% [markdown]
# Read from the bottom up: only `w` feeds the matrix-vector product (`Mv`); `b`
# joins at the addition (`Add`); then the target is subtracted, the result
# squared (`Pow`) and averaged (`Mean`). Now let autograd differentiate, and
# compare with the formula we derived by hand in lesson 03:

# %%
loss.backward()
dw_hand, db_hand = linear.mse_gradient(X_np, y_np, np.zeros(X.shape[1]), 0.0)
print(f"largest difference, autograd vs by hand: dw {np.abs(w.grad.numpy() - dw_hand).max():.1e}, "
      f"db {abs(b.grad.item() - db_hand):.1e}")

# %% [markdown]
# Identical, to rounding error, and no calculus was written. For a network with
# millions of parameters and dozens of layers, that is what makes training possible.
#
# ## Flow graphs: built first, or recorded as the code runs
#
# The seed's "flow graph" is TensorFlow's: the library is named for tensors
# flowing through a graph of operations. In TensorFlow 1 you first *built* that
# dataflow graph from symbols, with no numbers in it, and then ran it on data in
# a session. Because the whole graph existed before it ran, the library could
# optimise it, place its parts on devices, and ship it to run without Python.
# PyTorch works the other way round, **define-by-run**: the graph above was
# recorded as a tape while ordinary Python ran, and is recorded afresh on every
# forward pass, so a Python `if` or `for` is simply part of the model, and a
# debugger or a `print` works anywhere. The two ideas have since met. TensorFlow 2
# runs eagerly by default, and `tf.function` traces a Python function into a
# graph; PyTorch's `torch.fx` and `torch.compile` capture a graph from Python
# code, to optimise or export it. Here is the graph `torch.fx` captures from this
# lesson's loss, written as a module:

# %%
class LinearMSE(nn.Module):
    """The mean squared error of a linear model, as a module that torch.fx can trace."""

    def __init__(self, d):
        super().__init__()
        self.linear = nn.Linear(d, 1)

    def forward(self, X, y):
        return ((self.linear(X).squeeze(1) - y) ** 2).mean()


print(torch.fx.symbolic_trace(LinearMSE(X.shape[1])).graph)

# %% [markdown]
# Each line is one node: two inputs (`placeholder`), the linear layer, then the
# squeeze, subtraction, square and mean, the same chain autograd recorded above,
# but captured as data before any number flowed through it.
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
start = copy.deepcopy(model.state_dict())  # to start full-batch descent from the same point below
optimizer = torch.optim.SGD(model.parameters(), lr=0.02)
epoch_losses, updates = [], 0
for _ in (bar := tqdm(range(60), desc="training", unit="epoch")):
    for batch in linear.minibatches(len(yf), 32, rng):
        optimizer.zero_grad()
        batch_loss = nn.functional.mse_loss(model(Xf[batch]).squeeze(1), yf[batch])
        batch_loss.backward()
        optimizer.step()
        updates += 1
    with torch.no_grad():
        epoch_losses.append(nn.functional.mse_loss(model(Xf).squeeze(1), yf).item())
    bar.set_postfix(mse=f"{epoch_losses[-1]:.0f}")

# %% [markdown]
# ## Same loss, not the same weights
#
# Does SGD land where the closed form of lesson 02 does? To tell the noise of its
# mini-batches apart from everything else, run **full-batch** descent next to it:
# the same start, the same rate and the same number of updates, but the gradient
# of all 442 rows at every step, so no noise at all.

# %% mystnb={"image": {"alt": "Left: loss against update, log scale, for full-batch descent and for SGD at the end of each epoch; both fall onto the closed-form loss and stay there. Right: learned against closed-form weights; the two runs sit on top of each other, on the diagonal for most inputs but well off it for the blood measurements, s1 and s2 most of all."}}
full = nn.Linear(X.shape[1], 1)
full.load_state_dict(start)
optimizer = torch.optim.SGD(full.parameters(), lr=0.02)
full_losses = []
for _ in range(updates):
    optimizer.zero_grad()
    full_loss = nn.functional.mse_loss(full(Xf).squeeze(1), yf)
    full_loss.backward()
    optimizer.step()
    full_losses.append(full_loss.item())

w_closed, b_closed = linear.fit_least_squares(X_np, y_np)
floor = linear.mse(y_np, linear.predict(X_np, w_closed, b_closed))
learned = {"SGD, batches of 32": model, "full-batch descent": full}
weights = {name: m.weight.detach().numpy().ravel() for name, m in learned.items()}
with torch.no_grad():
    final = {name: nn.functional.mse_loss(m(Xf).squeeze(1), yf).item() for name, m in learned.items()}
print(f"{updates} updates at lr 0.02 from the same start")
print(f"{'weight':>8} {'closed form':>12} {'full batch':>11} {'SGD':>8}")
for i, name in enumerate(diabetes.feature_names):
    print(f"{name:>8} {w_closed[i]:>+12.1f} {weights['full-batch descent'][i]:>+11.1f} {weights['SGD, batches of 32'][i]:>+8.1f}")
print(f"{'MSE':>8} {floor:>12.1f} {final['full-batch descent']:>11.1f} {final['SGD, batches of 32']:>8.1f}")
print(f"{'vs min':>8} {'':>12} {final['full-batch descent'] / floor - 1:>+11.1%} {final['SGD, batches of 32'] / floor - 1:>+8.1%}")

fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
per_epoch = updates // len(epoch_losses)
axes[0].plot(np.arange(1, updates + 1), full_losses, label="full-batch descent")
axes[0].plot(np.arange(1, len(epoch_losses) + 1) * per_epoch, epoch_losses, "o", markersize=2, label="SGD (end of each epoch)")
axes[0].axhline(floor, color="black", linestyle=":", label="closed form (lesson 02)")
axes[0].set_yscale("log")
axes[0].set_xlabel("update (steps)")
axes[0].set_ylabel("loss on all data (MSE)")
axes[0].set_title("Both end within 1 % of the closed-form loss")
axes[0].legend()
for (name, w_learned), marker in zip(weights.items(), ("o", "x"), strict=True):
    axes[1].scatter(w_closed, w_learned, marker=marker, label=name)
for name, a_, b_ in zip(diabetes.feature_names, w_closed, weights["SGD, batches of 32"], strict=True):
    axes[1].annotate(name, (a_, b_), textcoords="offset points", xytext=(4, 4), fontsize=8)
lims = [w_closed.min() - 3, w_closed.max() + 3]
axes[1].plot(lims, lims, color="black", linewidth=1, label="learned = closed form")
axes[1].set_xlabel("weight, closed form")
axes[1].set_ylabel("weight, learned")
axes[1].set_title("Both get the same weights wrong")
axes[1].legend()
plt.tight_layout()

# %% [markdown]
# Both runs end within about half a percent of the minimum loss, yet the blood
# measurements' weights are off, s1 and s2 most of all, and full-batch descent is
# off *the same way* as SGD. Without any batch noise it lands on nearly the same
# wrong weights, so the noise is not the cause. The cause is the shape of the
# bowl, lesson 03's **conditioning**. s1 is total serum cholesterol, which is
# roughly the sum of LDL (s2), HDL (s3) and the cholesterol carried with the
# triglycerides; s5 (`ltg`, in scikit-learn's words "possibly log of serum
# triglycerides level") tracks that last part. So raise s1's weight while
# lowering the others' and the predictions hardly change. Along that direction
# the bowl is nearly flat. Measure it:

# %%
correlation = np.corrcoef(X_np, rowvar=False)
eigenvalues, eigenvectors = np.linalg.eigh(correlation)
flat = eigenvectors[:, 0]
lam_min, lam_max = linear.curvatures(X_np).min(), linear.curvatures(X_np).max()
print(f"eigenvalues of the inputs' correlation matrix: {eigenvalues.min():.4f} to {eigenvalues.max():.2f} "
      f"(ratio {eigenvalues.max() / eigenvalues.min():.0f}, lesson 03's condition number)")
print("the flattest direction:", ", ".join(f"{diabetes.feature_names[i]} {flat[i]:+.2f}" for i in np.argsort(-np.abs(flat))[:4]))
print(f"curvatures of the loss: λmin = {lam_min:.4f} (along that direction), λmax = {lam_max:.2f}")
print(f"after {updates} updates at lr 0.02, (1 - lr·λmin)^{updates} = {(1 - 0.02 * lam_min) ** updates:.2f} "
      "of the starting error along the flattest direction is left")

rate = 1 / lam_max
patient = linear.gradient_descent(X_np, y_np, lr=rate, steps=3000)
print(f"lesson 03's full-batch descent at lr = 1/λmax = {rate:.3f}, 3000 updates: "
      + ", ".join(f"{name} {patient.w[i]:+.1f}" for i, name in enumerate(diabetes.feature_names) if name in ("s1", "s2")))

# %% [markdown]
# The flattest direction is mostly s1 against s2, s3 and s5, as the physiology
# said. Its curvature is tiny, so each update removes only `lr·λmin` of the
# error along it, and after 840 updates about three quarters of it is still
# there, for SGD and full-batch descent alike. The loss barely notices (that is
# what flat means), the weights do. Give descent six times the rate (lesson 03's
# `1/λmax`) and 3000 updates and it reaches the closed-form weights; exercise 4.2
# asks the same of mini-batches, on a budget of epochs. Lesson 07's
# regularization pins such weights down another way, by making the flat
# direction steeper. For a linear model the closed form is better anyway; the
# point of the loop is that it also trains models that have no closed form,
# which is every model from lesson 08 on.
#
# ## Keypoints
#
# - In mathematics a tensor is a multilinear map; in deep learning, any multi-dimensional array
#   with a shape and a dtype. Broadcasting lines shapes up from the right, adds missing leading
#   dimensions of size 1, then stretches every size-1 dimension.
# - `torch.from_numpy` and `.numpy()` share memory; `torch.tensor` copies. float64 → float32 rounds.
# - Operations on tensors with `requires_grad=True` build a computation graph as the code runs
#   (define-by-run); TensorFlow 1 built its dataflow graph first, and `torch.fx` / `torch.compile`
#   capture one from PyTorch code.
# - `loss.backward()` walks the graph with the chain rule; it equals the hand-derived gradient.
# - A PyTorch training loop: zero the gradients, compute the loss, backward, step, for every mini-batch.
# - Reaching the minimum loss is not reaching the best weights: along a flat direction of an
#   ill-conditioned bowl, full-batch descent is as slow as SGD.
# - Seed everything and fix torch's thread count so training is repeatable.
