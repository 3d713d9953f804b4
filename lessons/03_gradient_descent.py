# %% [markdown]
# # 03 · Gradient descent: walking downhill to the best model
#
# **Questions**
# - How do we minimise a loss when there is no closed form?
# - How large should each step be, and what happens when it is too large?
# - Why does scaling the inputs matter, and why train on mini-batches?
#
# **Objectives**
# - Compute the gradient of the mean squared error and apply the update rule.
# - Recognise a learning rate that is too small, good, or too large from its loss curve.
# - Explain how feature scaling changes the number of steps to converge.
# - Compare batch, stochastic and mini-batch descent: noise and cost per epoch.
#
# **Minutes**: 35 (20 teaching, 15 exercises) · **Prerequisites**: lesson 02.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes

from mlcourse import linear

diabetes = load_diabetes(as_frame=True)
y = diabetes.target.to_numpy()
bmi = diabetes.data["bmi"].to_numpy()
x = ((bmi - bmi.mean()) / bmi.std()).reshape(-1, 1)  # one standardized input, shape (n, 1)
w_best, b_best = linear.fit_least_squares(x, y)
best_loss = linear.mse(y, linear.predict(x, w_best, b_best))

# %% [markdown]
# ## The gradient and the update rule
#
# The loss of lesson 02 is a bowl over the parameters. The **gradient** is the
# direction in which the loss rises fastest; its components for the mean squared
# error are
#
# $$\frac{\partial L}{\partial w} = \frac{2}{n} X^\top (Xw + b - y), \qquad
#   \frac{\partial L}{\partial b} = \frac{2}{n} \sum_i (x_i w + b - y_i).$$
#
# Gradient descent takes a small step the other way, again and again:
# `w ← w − lr · ∂L/∂w` and `b ← b − lr · ∂L/∂b`. The step size `lr` is the
# **learning rate**. One step from the origin already lowers the loss:

# %%
w0, b0 = np.zeros(1), 0.0
dw, db = linear.mse_gradient(x, y, w0, b0)
w1, b1 = w0 - 0.1 * dw, b0 - 0.1 * db
print(f"gradient at the start: dw = {dw[0]:.1f}, db = {db:.1f}")
print(f"loss before the step {linear.mse(y, linear.predict(x, w0, b0)):.0f}, after {linear.mse(y, linear.predict(x, w1, b1)):.0f}"
      f" (minimum {best_loss:.0f})")

# %% [markdown]
# ## Too small, about right, too large
#
# A rate that is too small crawls; a good one gets there in a few dozen steps; a
# rate that is too large jumps past the minimum to a point higher up the other
# side, each jump bigger than the last: the loss *grows*.

# %%
rates = {"too small (0.01)": 0.01, "good (0.3)": 0.3, "too large (1.05)": 1.05}
fig, ax = plt.subplots(figsize=(6, 3.5))
for label, lr in rates.items():
    ax.plot(linear.gradient_descent(x, y, lr=lr, steps=30).losses, label=label)
ax.axhline(best_loss, color="black", linestyle=":", label="minimum (closed form)")
ax.set_yscale("log")
ax.set_xlabel("step")
ax.set_ylabel("MSE")
ax.set_title("The learning rate decides whether descent converges")
ax.legend()
plt.tight_layout()

# %% [markdown]
# Seen from above, the loss is a set of rings, one per level. Here we draw it
# for the same input measured in units three times larger, which stretches the
# bowl: the steep direction (w) now limits the rate. A small rate creeps, a
# good one curves in, and the largest one that still converges zig-zags across
# the valley.

# %%
x_wide = 3 * x
ws, bs = np.meshgrid(np.linspace(-5, 35, 120), np.linspace(-10, 200, 120))
surface = np.mean((ws[..., None] * x_wide[:, 0] + bs[..., None] - y) ** 2, axis=-1)
fig, ax = plt.subplots(figsize=(6, 4.5))
ax.contour(ws, bs, surface, levels=np.geomspace(best_loss, surface.max(), 15), cmap="Greys", linewidths=0.8)
for lr, color in ((0.01, "tab:blue"), (0.05, "tab:green"), (0.105, "tab:orange")):
    path = [linear.gradient_descent(x_wide, y, lr=lr, steps=steps)[:2] for steps in range(0, 21)]
    ax.plot([w[0] for w, _ in path], [b for _, b in path], "o-", color=color, markersize=3, label=f"lr = {lr}")
ax.plot(w_best[0] / 3, b_best, "k*", markersize=12, label="minimum")
ax.set_xlabel("w (weight)")
ax.set_ylabel("b (intercept)")
ax.set_title("Twenty steps of descent on a stretched loss surface")
ax.legend()
plt.tight_layout()

# %% [markdown]
# ## Feature scaling changes everything
#
# Real inputs come in their own units: BMI around 26, age around 48 years. Their
# different sizes stretch the bowl into a long, narrow valley. The largest
# learning rate that does not diverge is then set by the steep direction, and
# progress along the flat direction is painfully slow. Standardizing each input
# (subtract its mean, divide by its standard deviation) makes the bowl round.
# Below, each version runs with the largest safe rate, computed from the data.

# %%
raw = np.column_stack([
    26.4 + diabetes.data["bmi"] / diabetes.data["bmi"].std() * 4.4,   # BMI in kg/m²
    48.5 + diabetes.data["age"] / diabetes.data["age"].std() * 13.1,  # age in years
])
scaled = (raw - raw.mean(axis=0)) / raw.std(axis=0)


def safe_rate(features):
    """1 / (largest curvature of the loss): the biggest step that cannot diverge."""
    design = np.column_stack([features, np.ones(len(features))])
    return 1 / np.linalg.eigvalsh(2 * design.T @ design / len(features)).max()


budget = 5000
fig, ax = plt.subplots(figsize=(6, 3.5))
for name, features in (("raw units", raw), ("standardized", scaled)):
    w, b = linear.fit_least_squares(features, y)
    floor = linear.mse(y, linear.predict(features, w, b))
    excess = np.array(linear.gradient_descent(features, y, lr=safe_rate(features), steps=budget).losses) / floor - 1
    converged = np.flatnonzero(excess <= 0.01)
    when = f"within 1% of the minimum after {converged[0]} steps" if converged.size else (
        f"still {excess[-1]:.0%} above the minimum after {budget} steps")
    print(f"{name:>12}: learning rate {safe_rate(features):.2g}, {when}")
    ax.plot(np.maximum(excess, 1e-6), label=name)
ax.set_xscale("symlog")
ax.set_yscale("log")
ax.set_xlabel("step")
ax.set_ylabel("loss above the minimum (relative)")
ax.set_title("Scaled inputs converge in a few steps; raw ones crawl")
ax.legend()
plt.tight_layout()

# %% [markdown]
# That is why lesson 05 scales inputs before training: it is not cosmetic.
#
# ## Batch, stochastic and mini-batch descent
#
# Each step above used *all* samples to compute the gradient: **batch** descent.
# With a million samples, one step is expensive. **Stochastic** gradient descent
# (SGD) uses one random sample per step: cheap and noisy. **Mini-batches** of,
# say, 32 samples sit in between, and are what deep learning uses. One pass over
# the data is an **epoch**; every variant touches each sample once per epoch, but
# makes a different number of updates.

# %%
X = diabetes.data.to_numpy()
X = (X - X.mean(axis=0)) / X.std(axis=0)
w_opt, b_opt = linear.fit_least_squares(X, y)
floor = linear.mse(y, linear.predict(X, w_opt, b_opt))


def train(batch_size, lr, epochs=15, seed=0):
    """Mini-batch descent; returns the full-data loss after every update and the seconds per epoch."""
    rng, w, b, losses = np.random.default_rng(seed), np.zeros(X.shape[1]), 0.0, []
    started = time.perf_counter()
    for _ in range(epochs):
        for batch in linear.minibatches(len(y), batch_size, rng):
            dw, db = linear.mse_gradient(X[batch], y[batch], w, b)
            w, b = w - lr * dw, b - lr * db
            losses.append(linear.mse(y, linear.predict(X, w, b)))
    return np.array(losses), (time.perf_counter() - started) / epochs


variants = {"batch (all 442)": (len(y), 0.1), "mini-batch (32)": (32, 0.02), "stochastic (1)": (1, 0.002)}
runs = {name: train(size, lr) for name, (size, lr) in variants.items()}
fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
for name, (losses, _) in runs.items():
    axes[0].plot(np.linspace(0, 15, len(losses)), losses, label=name, linewidth=1)
axes[0].axhline(floor, color="black", linestyle=":", label="minimum")
axes[0].set_ylim(floor * 0.95, floor * 1.6)
axes[0].set_xlabel("epoch")
axes[0].set_ylabel("MSE on all data")
axes[0].set_title("Smaller batches: more updates, more noise")
axes[0].legend()
updates = [len(losses) / 15 for losses, _ in runs.values()]
axes[1].bar(list(runs), updates, color="tab:blue")
axes[1].set_yscale("log")
axes[1].set_ylabel("updates per epoch")
axes[1].set_title("Same data per epoch, different number of steps")
plt.tight_layout()
for name, (losses, seconds) in runs.items():
    print(f"{name:>16}: {len(losses) // 15:>3} updates per epoch, {seconds * 1000:5.1f} ms per epoch here, "
          f"final loss {losses[-1] / floor - 1:+.1%} vs the minimum")

# %% [markdown]
# Batch descent moves smoothly but only once per epoch. SGD makes hundreds of
# cheap, noisy moves and never quite settles (its small rate is the price of
# stability). Mini-batches get most of the progress of SGD with far less noise,
# and on real hardware a batch of 32 costs hardly more than one sample, since
# the arithmetic is vectorized. In practice, `torch.optim.SGD` and
# `sklearn.linear_model.SGDRegressor` implement these loops for you.
#
# ## Keypoints
#
# - The gradient points uphill; descent steps against it, scaled by the learning rate.
# - Too small a rate crawls; too large a rate makes the loss grow without bound.
# - Unscaled inputs make the loss a narrow valley; standardizing makes descent fast.
# - Mini-batches trade the smoothness of batch descent for many cheap updates per epoch.
