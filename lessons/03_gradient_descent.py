# %% [markdown]
# # 03 · Gradient descent: walking downhill to the best model
#
# **Questions**
# - How do we minimise a loss when there is no closed form?
# - How large may each step be, and what happens when it is too large?
# - Why does standardizing the inputs matter, and which half of it matters most?
# - Why train on mini-batches, and what does an epoch cost?
#
# **Objectives**
# - Compute the gradient of the mean squared error and apply the update rule.
# - Recognise a learning rate that is too small, good, or too large from its loss curve, and
#   compute the edge, 2 / (largest curvature), above which descent diverges.
# - Explain with the condition number why centring the inputs, and then scaling them, cuts the
#   number of steps.
# - Compare batch, stochastic and mini-batch descent at the same learning rate: progress and
#   noise per epoch.
# - *Self-paced*: see descent's path on the loss surface; time an epoch without the monitoring;
#   let SGD settle with a decaying learning rate.
#
# **Minutes**: 30 (15 teaching, 15 exercises) + 10 self-paced (the bowl seen from above, the cost of an epoch, a decaying rate) · **Prerequisites**: lesson 02.

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
# How large may a step be? That depends on how sharply the bowl bends, its
# **curvature** λ (for the MSE, the eigenvalues of `2/n DᵀD`, with `D` the inputs
# plus a column of ones; `linear.curvatures` computes them). Along a direction of
# curvature λ, one step multiplies the distance to the minimum by `1 − lr·λ`:
#
# - `lr < 1/λ`: the factor is between 0 and 1, the step falls short and creeps in;
# - `1/λ < lr < 2/λ`: it is between −1 and 0, the step jumps past the minimum but
#   lands closer than it started;
# - `lr > 2/λ`: it is below −1, each jump lands further out, and the loss *grows*.
#
# So **2/λmax is the edge**, set by the most sharply bent direction. For one
# standardized input the bowl bends equally (λ = 2) along w and b, so the edge is
# `lr = 1`. Four rates, two of them just either side of it:

# %% mystnb={"image": {"alt": "Loss against step, on a log scale, for four learning rates: the smallest falls slowly, the good rate reaches the minimum within a few steps, the rate just under the edge converges more slowly, and the rate just over it climbs steadily away."}}
edge = 2 / linear.curvatures(x).max()
print(f"curvatures {linear.curvatures(x)}, so the edge is 2/λmax = {edge:.2f}")
rates = {"too small (0.01)": 0.01, "good (0.3)": 0.3,
         f"just under the edge ({0.95 * edge:.2f})": 0.95 * edge, f"just over the edge ({1.05 * edge:.2f})": 1.05 * edge}
fig, ax = plt.subplots(figsize=(6, 3.5))
for label, lr in rates.items():
    losses = linear.gradient_descent(x, y, lr=lr, steps=30).losses
    ax.plot(losses, label=label)
    print(f"{label:>30}: loss {losses[-1]:>10,.0f} after 30 steps (minimum {best_loss:,.0f})")
ax.axhline(best_loss, color="black", linestyle=":", label="minimum (closed form)")
ax.set_yscale("log")
ax.set_xlabel("step (updates)")
ax.set_ylabel("loss (MSE)")
ax.set_title("Below 2/λmax descent converges; above it, it diverges")
ax.legend(fontsize=8)
plt.tight_layout()

# %% [markdown]
# Just under the edge the loss still falls, to within 2 % of the minimum in 30
# steps; a rate only 10 % larger and it climbs far above where it started. There
# is no gentle middle ground.
#
# ## Centring and scaling: which half matters?
#
# How many steps descent needs depends on the shape of the bowl. Its
# **condition number** κ = λmax / λmin says how stretched it is. The rate must
# stay below 2/λmax, set by the steepest direction; at such a rate each step
# multiplies the error along the flattest direction by `1 − lr·λmin`, barely
# less than 1. At `lr = 1/λmax` that factor is `1 − 1/κ`: the flattest direction
# needs on the order of κ steps.
#
# Real inputs come in their own units: BMI around 26 (standard deviation 4.4),
# age around 48 years (standard deviation 13). **Standardizing** does two things:
# it subtracts each input's mean (*centring*) and divides by its standard
# deviation (*scaling*). Below we take BMI and age in those units and apply each
# half alone, then both. Each version runs at `lr = 1/λmax`, half the edge: that
# step takes out the steepest direction without bouncing. We also try 1.9 and
# 2.1 times 1/λmax, either side of the edge.

# %% mystnb={"image": {"alt": "Loss above the minimum against step, both on log scales, at lr = 1/λmax for four versions of BMI and age: raw units still sit well above the minimum at the end, centring alone gets there sooner than scaling alone, and standardized inputs drop out of the plot within a few steps."}}
raw = np.column_stack([
    26.4 + diabetes.data["bmi"] / diabetes.data["bmi"].std() * 4.4,   # BMI in kg/m²
    48.5 + diabetes.data["age"] / diabetes.data["age"].std() * 13.1,  # age in years
])
versions = {"raw units": raw, "centred only": raw - raw.mean(axis=0), "scaled only": raw / raw.std(axis=0),
            "standardized": (raw - raw.mean(axis=0)) / raw.std(axis=0)}
budget = 5000


def excess_curve(features, lr, steps=budget):
    """Loss above the minimum after each step, relative (0.01 = 1 % above); inf once it overflows."""
    w, b = linear.fit_least_squares(features, y)
    floor = linear.mse(y, linear.predict(features, w, b))
    with np.errstate(over="ignore", invalid="ignore"):
        return np.array(linear.gradient_descent(features, y, lr=lr, steps=steps).losses) / floor - 1


def steps_to_one_percent(excess):
    """First step within 1 % of the minimum, or what happened instead, as text."""
    within = np.flatnonzero(excess <= 0.01)
    if within.size:
        return f"{within[0]} steps"
    return "diverges" if not np.isfinite(excess[-1]) or excess[-1] > excess[0] else f">{budget} ({excess[-1]:+.0%})"


fig, ax = plt.subplots(figsize=(6, 3.5))
print(f"{'':>12}  {'κ':>9}   steps to within 1 % of the minimum at lr = ... × 1/λmax")
print(f"{'':>12}  {'':>9}   {'1':>12} {'1.9':>12} {'2.1':>12}")
condition = {}
for name, features in versions.items():
    bends = linear.curvatures(features)
    condition[name] = bends.max() / bends.min()
    curves = [excess_curve(features, factor / bends.max(), steps=budget if factor < 2 else 300) for factor in (1, 1.9, 2.1)]
    print(f"{name:>12}  {condition[name]:>9,.{0 if condition[name] > 10 else 2}f}   " + " ".join(f"{steps_to_one_percent(c):>12}" for c in curves))
    ax.plot(curves[0], label=f"{name} (κ = {condition[name]:,.{0 if condition[name] > 10 else 2}f})")
print(f"centring first divides κ by {condition['raw units'] / condition['centred only']:,.0f}, "
      f"then scaling by another {condition['centred only'] / condition['standardized']:,.0f}")
print(f"scaling first divides κ by {condition['raw units'] / condition['scaled only']:,.0f}, "
      f"then centring by another {condition['scaled only'] / condition['standardized']:,.0f}")
ax.set_xscale("symlog")
ax.set_yscale("log")
ax.set_ylim(1e-6, 10)  # a curve leaves the plot at the bottom once it is within a millionth of the minimum
ax.set_xlabel("step (updates)")
ax.set_ylabel("loss above the minimum (relative)")
ax.set_title("At lr = 1/λmax: centring does most, scaling finishes")
ax.legend(fontsize=8)
plt.tight_layout()

# %% [markdown]
# Read the table by rows. In raw units κ is about 141,000, and 5,000 steps still
# end 10 % above the minimum. Centring alone divides κ by about 800 and descent
# arrives in 549 steps; scaling alone divides it by only 60, and descent needs
# 2,834. Whichever half comes first, centring is the larger factor (about 800
# first, about 1,600 second) and scaling the smaller (60 first, about 120
# second); together they bring κ to 1.45, and two steps suffice. **Subtracting
# the mean is the bigger half**; dividing by the standard deviation finishes the
# job. (A non-zero mean ties each weight to the intercept: raise w by δ and every
# prediction rises by about δ times the mean, which only lowering b can undo.)
#
# Read it by columns and the edge holds for every version: at 1.9/λmax none
# diverges (the centred and the scaled ones even get there faster, in 288 and
# 1,491 steps, while the standardized one now bounces, 18 steps instead of 2);
# at 2.1/λmax all diverge. We use 1/λmax as a safe margin below the edge, not
# the edge itself. (The best fixed rate for a bowl like this, 2/(λmax + λmin),
# lies between the two.)
#
# That is why lesson 05 standardizes inputs before training: it is not cosmetic.
#
# ## Batch, stochastic and mini-batch descent
#
# Each step above used *all* samples to compute the gradient: **batch** descent.
# With a million samples, one step is expensive. **Stochastic** gradient descent
# (SGD) uses one random sample per step: cheap and noisy. **Mini-batches** of,
# say, 32 samples sit in between, and are what deep learning uses. One pass over
# the data is an **epoch**; every variant touches each sample once per epoch, but
# makes a different number of updates. Now all ten standardized inputs, and, to
# compare like with like, the *same* learning rate (0.01) for all three. The
# training loop only keeps the parameters; the loss on all data is computed
# afterwards (so that the training alone can be timed, in a self-paced part
# below).

# %% mystnb={"image": {"alt": "Loss above the minimum against epoch, log scale, at the same learning rate: batch descent falls slowly and smoothly, the mini-batch steadily and furthest, and stochastic descent drops at once, then hops noisily."}}
X = diabetes.data.to_numpy()
X = (X - X.mean(axis=0)) / X.std(axis=0)
w_opt, b_opt = linear.fit_least_squares(X, y)
floor = linear.mse(y, linear.predict(X, w_opt, b_opt))
EPOCHS, SEEDS = 15, range(5)


def train(batch_size, lr, seed=0, epochs=EPOCHS):
    """Mini-batch descent from zeros; returns (w, b) after every update.

    ``lr`` is a number, or a function of the update count t (a schedule).
    Nothing is measured inside the loop, so timing it times the training alone.
    """
    rng, w, b, path = np.random.default_rng(seed), np.zeros(X.shape[1]), 0.0, []
    for _ in range(epochs):
        for batch in linear.minibatches(len(y), batch_size, rng):
            step = lr(len(path)) if callable(lr) else lr
            dw, db = linear.mse_gradient(X[batch], y[batch], w, b)
            w, b = w - step * dw, b - step * db
            path.append((w, b))
    return path


def excess_losses(path):
    """Loss on all data after each update, relative to the minimum (0.01 = 1 % above)."""
    ws, bs = np.array([w for w, _ in path]), np.array([b for _, b in path])
    return np.mean((ws @ X.T + bs[:, None] - y) ** 2, axis=1) / floor - 1


def summarize(name, curves):
    """Final loss above the minimum over the seeds, and how far the last epoch wanders."""
    per_epoch = len(curves[0]) // EPOCHS
    first = np.mean([curve[per_epoch - 1] for curve in curves])
    finals = np.array([curve[-1] for curve in curves])
    last = np.concatenate([curve[-per_epoch:] for curve in curves])
    print(f"{name:>28} {per_epoch:>7} {first:>+9.1%} {finals.mean():>+9.1%} ± {finals.std():<5.1%} "
          f"{last.min():>+7.1%} to {last.max():+.1%}")


def header():
    print(f"{'':>28} {'updates':>7}  loss above the minimum after     range during")
    print(f"{'':>28} {'/epoch':>7} {'1 epoch':>9} {EPOCHS:>9} epochs ± std   the last epoch")


variants = {"batch (all 442)": len(y), "mini-batch (32)": 32, "stochastic (1)": 1}
same_rate = 0.01
runs = {name: [excess_losses(train(size, same_rate, seed)) for seed in SEEDS] for name, size in variants.items()}
print(f"lr = {same_rate} for all; means over {len(SEEDS)} seeds")
header()
for name, curves in runs.items():
    summarize(name, curves)
fig, ax = plt.subplots(figsize=(6, 3.5))
for (name, curves), marker in zip(runs.items(), "os^", strict=True):  # a marker once per epoch
    ax.plot(np.arange(1, len(curves[0]) + 1) * EPOCHS / len(curves[0]), curves[0], label=name, linewidth=1,
            marker=marker, markevery=len(curves[0]) // EPOCHS, markersize=5)
ax.set_yscale("log")
ax.set_xlabel("epoch (passes over the data)")
ax.set_ylabel("loss above the minimum (relative)")
ax.set_title("Same rate: smaller batches, more progress, more noise")
ax.legend(loc="lower left")
plt.tight_layout()

# %% [markdown]
# With the step size held equal, only the batch differs. After one epoch SGD,
# with 442 updates, is already within about 20 % of the minimum, while the
# mini-batch (14 updates) and batch descent (one) are still several times above
# it. But each sample pulls its own way: after 15 epochs SGD has the widest spread
# over seeds, and within its last epoch the loss jumps by tens of percent. The
# mini-batch ends closest, about 1 % above, and its last epoch barely moves. Batch
# descent is smooth and, at this rate, simply slow: 15 updates leave it at
# about +470 %.
#
# ## *Self-paced*: the bowl seen from above
#
# Seen from above, the loss is a set of rings, one per level. Two ways to spoil
# a round bowl, drawn for the one standardized input of the first sections: on
# the left measured in units three times larger (`3 * x`), on the right shifted
# so that its mean is 3 instead of 0 (`x + 3`). Each panel runs twenty steps
# from the same start at three rates, given as fractions of its own edge; each
# title gives its condition number κ.

# %% mystnb={"image": {"alt": "Two contour maps of the loss over weight and intercept, each with twenty steps at three rates. Left, units three times larger: round-ish rings, and every path heads to the star at the minimum. Right, mean moved to 3: a long slanted valley, and all three paths stall on its floor far from the star."}}
fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), sharey=True)
ws, bs = np.meshgrid(np.linspace(-10, 70, 150), np.linspace(-40, 200, 150))
for ax, (title, feature) in zip(axes, (("units 3× larger (3 * x)", 3 * x), ("mean moved to 3 (x + 3)", x + 3)), strict=True):
    bends, (w_min, b_min) = linear.curvatures(feature), linear.fit_least_squares(feature, y)
    surface = np.mean((ws[..., None] * feature[:, 0] + bs[..., None] - y) ** 2, axis=-1)
    levels = np.geomspace(linear.mse(y, linear.predict(feature, w_min, b_min)), surface.max(), 15)
    ax.contour(ws, bs, surface, levels=levels, colors="0.7", linewidths=0.8)
    for fraction, color, marker in ((0.95, "C1", "o"), (0.5, "C2", "s"), (0.1, "C0", "^")):
        path = [linear.gradient_descent(feature, y, lr=fraction * 2 / bends.max(), steps=steps, w0=[0.0], b0=100.0)[:2]
                for steps in range(0, 21)]
        ax.plot([w[0] for w, _ in path], [b for _, b in path], marker=marker, linestyle="-", color=color, markersize=3,
                label=f"lr = {fraction} × edge")
    ax.plot(w_min[0], b_min, "k*", markersize=12, label="minimum")
    ax.set_xlabel("w, weight (progression per unit of input)")
    ax.set_title(f"{title}: κ = {bends.max() / bends.min():.0f}")
    ax.legend(fontsize=8)
axes[0].set_ylabel("b, intercept (progression score)")
fig.suptitle("Twenty steps of descent: a larger scale stretches the bowl, a non-zero mean tilts it")
plt.tight_layout()

# %% [markdown]
# On the left the rings are ellipses along the axes (κ = 9): a small rate creeps,
# half the edge walks straight in, and 0.95 of the edge zig-zags across but gets
# there. On the right (κ = 119) the rings are a long valley on a slant, because a
# non-zero mean ties the weight to the intercept: raise w by δ and every
# prediction rises by about 3δ, which only lowering b by 3δ can undo. All three
# rates drop into the valley quickly and then crawl along its floor; after twenty
# steps none is close to the star.
#
# ## *Self-paced*: what an epoch costs
#
# Time the training loop alone (the best of three tries, the one least disturbed
# by other programs), and separately what it would cost to evaluate the loss on
# all the data after every update, as a naive loop does:

# %%
def seconds_per_epoch(batch_size, tries=3):
    """Training alone, timed over about 442 updates, per epoch: the best of a few tries."""
    epochs = max(1, len(y) // -(-len(y) // batch_size))  # batch: 442 epochs of 1 update; SGD: 1 epoch of 442
    times = []
    for seed in range(tries):
        started = time.perf_counter()
        train(batch_size, same_rate, seed, epochs=epochs)
        times.append((time.perf_counter() - started) / epochs)
    return min(times)


started = time.perf_counter()
for _ in range(200):
    linear.mse(y, linear.predict(X, w_opt, b_opt))
monitor = (time.perf_counter() - started) / 200
per_update = {}
for name, size in variants.items():
    updates = -(-len(y) // size)
    seconds = seconds_per_epoch(size)
    per_update[name] = seconds / updates
    print(f"{name:>16}: {seconds * 1e3:6.2f} ms per epoch of training, {per_update[name] * 1e6:5.1f} µs per update; "
          f"a full-data loss after every update would add {updates * monitor * 1e3:5.2f} ms "
          f"({updates * monitor / seconds:.0%} more)")
print(f"an update costs {per_update['mini-batch (32)'] / per_update['stochastic (1)']:.1f} times as much on 32 rows as on one, "
      f"{per_update['batch (all 442)'] / per_update['stochastic (1)']:.1f} times on all 442")


# %% [markdown]
# On this CPU an update on 32 rows costs barely more than an update on one, and
# one on all 442 rows only a few times more (the last line): numpy does the
# arithmetic for all rows at once, and much of the time goes to Python's
# overhead per call. So an SGD epoch, with 442 updates, costs far more than a
# mini-batch epoch of 14, and that one more than a batch epoch of one. (These
# timings move with whatever else the machine is doing; the ratios move less.)
# Note the last column: evaluating the loss on all the data after every update
# would add a large fraction of the training's own cost (the percentage in
# brackets), and a timing taken with it would largely measure the monitoring.
# Time what you mean to time, and monitor once per epoch, or on a sample.
#
# ## *Self-paced*: a learning rate that decays
#
# With a constant rate, SGD never settles: every update follows one sample's
# gradient, and steps of a fixed size keep it hopping around the minimum. A
# smaller rate hops less but walks more slowly. A **learning-rate schedule**
# gets both: big steps first, ever smaller ones later. A classic one (used in
# Géron's *Hands-On Machine Learning*, chapter 4) is `lr(t) = t0 / (t + t1)`, with
# `t` counting updates: it starts at `t0 / t1` and has halved by `t = t1`. Below,
# the mini-batch starts at 0.1 and SGD at 0.01, and both halve after one epoch
# (`t1` = the updates of one epoch; we tried a few starts and kept these). Each
# schedule runs next to its starting rate held constant (for SGD, the run
# above), so that the schedule is the only difference. Batch descent has no
# noise to damp, so it keeps a constant rate, the larger 0.1 (just below its
# 1/λmax, printed below).

# %% mystnb={"image": {"alt": "Loss above the minimum against epoch, log scale, for three SGD runs: the constant rate 0.01 keeps hopping highest, the smaller constant rate starts slower and ends lower, and the decaying rate settles lowest and steadiest."}}
def decaying(start, t1):
    """The schedule lr(t) = t0 / (t + t1) with t0 = start * t1: lr(0) = start, lr(t1) = start / 2."""
    return lambda t: start * t1 / (t + t1)


settings = {
    "batch, lr 0.1": (len(y), 0.1),
    "mini-batch, lr 0.1": (32, 0.1),
    "mini-batch, 0.1 decaying": (32, decaying(0.1, t1=14)),
    "stochastic, lr 0.002": (1, 0.002),
    "stochastic, 0.01 decaying": (1, decaying(0.01, t1=len(y))),
}
paths = {name: [train(size, lr, seed) for seed in SEEDS] for name, (size, lr) in settings.items()}
scheduled = {name: [excess_losses(path) for path in runs_] for name, runs_ in paths.items()}
scheduled |= {"mini-batch, lr 0.01 (above)": runs["mini-batch (32)"], "stochastic, lr 0.01 (above)": runs["stochastic (1)"]}
print(f"batch descent's safe rate here: 1/λmax = {1 / linear.curvatures(X).max():.3f}")
header()
for name, curves in scheduled.items():
    summarize(name, curves)
fig, ax = plt.subplots(figsize=(6, 3.5))
for name, color, marker in (("stochastic, lr 0.01 (above)", "C2", "^"), ("stochastic, lr 0.002", "C1", "s"),
                            ("stochastic, 0.01 decaying", "C0", "o")):
    curve = scheduled[name][0]
    ax.plot(np.arange(1, len(curve) + 1) * EPOCHS / len(curve), curve, color=color, label=name, linewidth=0.8,  # a marker
            marker=marker, markevery=len(curve) // EPOCHS, markersize=5)  # once per epoch
ax.set_yscale("log")
ax.set_ylim(1e-3, 10)
ax.set_xlabel("epoch (passes over the data)")
ax.set_ylabel("loss above the minimum (relative)")
ax.set_title("SGD: constant rates keep hopping, a decaying one settles")
ax.legend(fontsize=8)
plt.tight_layout()


# %% [markdown]
# The mini-batch rows isolate the schedule: from the same start, 0.1, the
# constant rate ends about 2.5 % above the minimum with a spread over seeds of
# about 0.6 %, and its last epoch reaches +16 %; the decaying one ends at about
# +0.7 %, with almost no spread, and its last epoch barely moves. For SGD the
# schedule ends closest of the three SGD runs (about +0.6 %), with the smallest
# spread, and its last epoch wanders least. The smaller constant rate, 0.002, is
# quieter than 0.01 but slower at the start (compare the first-epoch column).
# Batch descent at 0.1 is smooth; its +1.9 % only says that 15 updates are not
# enough.
#
# None of them reaches the minimum exactly, though, and what is left is not
# noise. Split what is left of the decaying SGD run (seed 0) along the axes of the
# bowl, the eigenvectors of the Hessian:

# %%
design = np.column_stack([X, np.ones(len(y))])
bends, axes_of_bowl = np.linalg.eigh(2 * design.T @ design / len(y))
w_end, b_end = paths["stochastic, 0.01 decaying"][0][-1]
error = axes_of_bowl.T @ (np.append(w_end, b_end) - np.append(w_opt, b_opt))
share = bends[0] * error[0] ** 2 / (bends @ error**2)
print(f"ten inputs: curvatures from {bends[0]:.3f} to {bends[-1]:.2f}, condition number {bends[-1] / bends[0]:.0f}")
print(f"{share:.0%} of the loss left above the minimum lies along the flattest direction")


# %% [markdown]
# Most of what remains lies along the one flattest direction of the bowl, even
# though these inputs are standardized: some of them are strongly correlated, and
# no scaling undoes that (κ is 470, not 1). Lesson 04 meets this direction again,
# in the weights.
#
# In practice, `torch.optim.SGD` (with a scheduler from `torch.optim.lr_scheduler`)
# and `sklearn.linear_model.SGDRegressor` (whose default schedule, `invscaling`,
# also decays) implement these loops for you.
#
# ## Keypoints
#
# - The gradient points uphill; descent steps against it, scaled by the learning rate.
# - Along a direction of curvature λ a step multiplies the error by 1 − lr·λ: the rate 2/λmax is
#   the edge between converging and diverging; 1/λmax is a safe choice below it.
# - The condition number λmax/λmin says roughly how many steps the flattest direction needs.
#   Centring the inputs shrinks it most, whichever half comes first (a non-zero mean ties weights
#   to the intercept); scaling finishes the job.
# - At the same rate, smaller batches make more progress per epoch and more noise.
# - *Self-paced*: time the training without the monitoring (a full-data loss after every update
#   adds a large fraction of the updates' own cost); a decaying schedule lets SGD settle.
