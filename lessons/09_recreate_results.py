# %% [markdown]
# # 09 · Recreate a published result on a benchmark
#
# **Questions**
# - Why reproduce a paper's numbers before building on them?
# - How much do results vary from seed to seed, and how do we report that?
# - What do we check when our numbers do not match?
#
# **Objectives**
# - Rebuild the models of a published table from the paper's description.
# - Report accuracy as mean ± standard deviation over seeds, next to the published numbers.
# - Use the shuffled-positions experiment to explain *why* one model wins (inductive bias).
# - *Self-paced*: list where a reproduction departs from the reference code (the last section), and exercise 9.2.
#
# **Minutes**: 25 (15 teaching, 10 exercises) + 10 self-paced · **Prerequisites**: lessons 04, 06 and 08.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import stats
from tqdm.auto import tqdm

from mlcourse import data, paper
from mlcourse.reproducible import seed_everything

seed_everything(0)
STEPS, SEEDS = 2000, (0, 1, 2)

# %% [markdown]
# ## The paper
#
# *Scaling down deep learning* (Greydanus, 2020) introduced **MNIST-1D**: ten
# classes of one-dimensional signals of length 40, built from ten templates that
# are padded, shifted, sheared, scaled and blurred with noise. It is small enough
# to train in seconds on a laptop, yet it separates models the way large image
# benchmarks do. Its table, test accuracy in percent:

# %%
published = pd.DataFrame(paper.PUBLISHED, index=["published", "published, positions shuffled"]).T
published

# %% [markdown]
# ## Step 1: the same data
#
# The `mnist1d` package *generates* the data set from the paper's arguments and
# seed, on your machine. The first thing to check when recreating a result is
# that you have the same data: compare a fingerprint of the arrays with a
# reference one. The reference here is the course's own (`data.MNIST1D_SHA256`,
# a short SHA-256 of the signals and labels), recorded when the course was
# built from the package's default arguments; the paper publishes no
# fingerprint, so this check catches a changed generator or argument, not a
# difference from the paper's own arrays.

# %% mystnb={"image": {"alt": "Three training signals for each of the ten classes, each a wiggly curve 40 positions long; signals of one class share their shape only loosely, shifted, stretched and noisy, so the class is hard to read by eye."}}
d = data.load_mnist1d()
print(f"training {d['x'].shape}, test {d['x_test'].shape}; fingerprint {data.mnist1d_digest(d)} "
      f"({'matches' if data.mnist1d_digest(d) == data.MNIST1D_SHA256 else 'DIFFERS FROM'} the reference)")
fig, axes = plt.subplots(2, 5, figsize=(11, 3.5), sharex=True, sharey=True)
for digit, ax in enumerate(axes.ravel()):
    for example in np.flatnonzero(d["y"] == digit)[:3]:
        ax.plot(d["x"][example], linewidth=1)
    ax.set_title(f"class {digit}")
fig.supxlabel("position (0 to 39)")
fig.supylabel("signal value")
fig.suptitle("MNIST-1D: three training signals per class")
plt.tight_layout()

# %% [markdown]
# ## Step 2: the same models
#
# From the paper's reference code (`notebooks/models.py` in the `mnist1d`
# repository): logistic regression; an MLP with two hidden layers of 100, where
# the second layer's output is *added* to its input (`h = h + relu(linear2(h))`,
# a residual connection); a CNN of three 1-D convolutions (25 channels, kernels
# 5, 3, 3, stride 2) and a linear head; and a bidirectional GRU, which we leave
# out: it is slow on a CPU and adds nothing to the lesson's point. Count the
# parameters against the paper's figures (410, 15,210 and 5,210):

# %%
makers = {"logistic regression": paper.logistic, "MLP": paper.mlp, "CNN": paper.CNN}
pd.Series({name: paper.parameters(make()) for name, make in makers.items()}, name="parameters").to_frame()

# %% [markdown]
# The counts match, but a count is a weak test. A plain stack of the same three
# MLP layers, without the residual connection, has exactly 15,210 parameters
# too; so does a CNN with different padding. Read the forward pass, not only the
# layer list.

# %% [markdown]
# ## Step 3: the same training, several seeds
#
# Adam, learning rate 0.01, batches of 100. The reference code's training
# script (`notebooks/train.py`) runs 8,000 steps; to fit a live class we train
# for fewer (`STEPS` above) and say so next to the result. One seed is one
# draw: the initial weights and the batches change with it, and so does the
# score. Train each model with three seeds:

# %%
runs = {}
for name, make in tqdm(makers.items(), desc="models", unit="model"):
    runs[name] = [paper.train(paper.seeded(make, seed), d["x"], d["y"], STEPS, seed=seed,
                              eval_on=(d["x_test"], d["y_test"])) for seed in SEEDS]
ours = pd.DataFrame({name: [100 * h.accuracy[-1] for h in histories] for name, histories in runs.items()}).T
table = published.loc[list(makers), ["published"]].assign(
    ours_mean=ours.mean(axis=1), ours_std=ours.std(axis=1, ddof=1)
).round(1)
table["ours (mean ± std over seeds)"] = [f"{m:.1f} ± {s:.1f}" for m, s in zip(table.ours_mean, table.ours_std, strict=True)]
table[["published", "ours (mean ± std over seeds)"]]

# %% [markdown]
# The ranking matches the paper, and roughly the gaps: logistic regression is
# stuck near a third, the MLP does better, the CNN leads by far. Our MLP and
# CNN means land below the published 68 % and 94 %, but are they *really*
# below? Three seeds give a rough mean; a 95 % confidence interval for the mean
# (Student's t, which exercise 9.3 builds by hand) says how rough:

# %%
for name in ("MLP", "CNN"):
    mean = ours.loc[name].mean()
    low, high = stats.t.interval(0.95, len(SEEDS) - 1, loc=mean, scale=stats.sem(ours.loc[name]))
    inside = low <= paper.PUBLISHED[name][0] <= high
    print(f"{name}: mean {mean:.1f} %, 95 % t-interval over {len(SEEDS)} seeds [{low:.1f}, {high:.1f}]; published "
          f"{paper.PUBLISHED[name][0]} % is {'inside' if inside else 'outside'}")

# %% [markdown]
# Both published numbers lie inside our intervals: three seeds cannot show
# that we are below the paper. To show it, or to rule it out, we would need
# more seeds. Still, a question worth asking: would more steps help? (The
# reference code trains 8,000.) Look at the curves, and at the accuracy
# halfway and at the end, next to the noise of one score: one test accuracy
# near 65 % on 1,000 signals has a standard error of about 1.5 points.

# %% mystnb={"image": {"alt": "Test accuracy against training step, the mean of three seeds with a band from the worst to the best seed, and each model's published accuracy as a dotted line: the CNN climbs highest, the MLP sits in the middle and logistic regression lowest and flat, each ending near or a little below its published line."}}
fig, ax = plt.subplots(figsize=(7.5, 3.8))
for (name, histories), marker in zip(runs.items(), "os^", strict=True):
    curves = 100 * np.array([h.accuracy for h in histories])
    steps = histories[0].steps
    ax.plot(steps, curves.mean(axis=0), marker=marker, linestyle="-", label=name)
    ax.fill_between(steps, curves.min(axis=0), curves.max(axis=0), alpha=0.2)
    ax.axhline(paper.PUBLISHED[name][0], linestyle=":", color=ax.lines[-1].get_color())
ax.set_xlabel("training step (updates)")
ax.set_ylabel("test accuracy (%)")
ax.set_title("Accuracy over training (band: seeds; dotted: published)")
ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
plt.tight_layout()
half = runs["CNN"][0].steps.index(STEPS // 2)
for name, histories in runs.items():
    curves = 100 * np.array([h.accuracy for h in histories])
    gain = curves[:, -1] - curves[:, half]
    one_se = 100 * np.sqrt(curves[:, -1].mean() / 100 * (1 - curves[:, -1].mean() / 100) / len(d["y_test"]))
    verdict = (f"every seed gained more than one score's standard error ({one_se:.1f})" if gain.min() > one_se
               else f"no gain detectable over one score's standard error ({one_se:.1f})")
    print(f"{name:>19}: {curves[:, half].mean():4.1f} % at step {STEPS // 2} -> {curves[:, -1].mean():4.1f} % at step {STEPS} "
          f"(seeds gained {gain.min():+.1f} to {gain.max():+.1f}); {verdict}")

# %% [markdown]
# Read the second half of training from the printed lines, not from the shape
# of the curves. For logistic regression and the MLP, no gain is detectable
# over the noise of evaluation: the seeds' gains straddle zero, within a few
# standard errors of one score. For the CNN, every seed gained more than one
# standard error, so it may still be rising. Whether the reference's 8,000
# steps would lift either model is a question these 2,000 cannot answer: it
# takes the longer runs, with several seeds. The step count is one suspect
# among several, listed with the other departures from the reference code at
# the end of this lesson.
#
# We scored the test set every 250 steps, which looks like peeking. It does not
# break lesson 06's rule 3 (test once), because nothing is *chosen* with those
# scores: not the model, not the step to stop at. The table reports the last
# step, fixed in advance by `STEPS`; the curves are only for looking.

# %% [markdown]
# ## Why does the CNN win? Shuffle the positions
#
# A convolution looks at *neighbouring* positions with the same small filter
# everywhere along the signal: it assumes that nearby values belong together
# and that a pattern means the same thing wherever it appears. That assumption
# is its **inductive bias**. The MLP assumes nothing about order.
#
# Test it: apply one fixed random permutation to the 40 positions of every
# signal, training and test alike. No information is lost (the same permutation
# everywhere), but neighbours are no longer neighbours.

# %%
shuffled_x, shuffled_x_test = paper.shuffle_positions(d["x"], d["x_test"], seed=0)
for name in ("MLP", "CNN"):
    history = paper.train(paper.seeded(makers[name], 0), shuffled_x, d["y"], STEPS, seed=0,
                          eval_on=(shuffled_x_test, d["y_test"]))
    table.loc[name, "ours, shuffled (seed 0)"] = round(100 * history.accuracy[-1], 1)
table.assign(published_shuffled=published["published, positions shuffled"])[
    ["published", "ours (mean ± std over seeds)", "published_shuffled", "ours, shuffled (seed 0)"]
].loc[["MLP", "CNN"]]

# %% [markdown]
# The MLP does not notice: for it, the order of inputs never mattered. The CNN
# loses its whole edge and falls *below* the MLP, as in the paper (the table
# above, ours and published): its strength *was* the assumption that
# neighbours matter. Choosing an architecture is choosing assumptions about
# the data.
#
# ## When your numbers don't match
#
# Work down this list before concluding the paper is wrong:
#
# | check | here |
# |---|---|
# | **data version**: same generator, arguments, split? | the fingerprint of the arrays above |
# | **preprocessing**: same normalisation, same input shape? | the generator standardises the signals |
# | **architecture**: the same forward pass, not only the same layers? | read the reference code: the MLP's residual connection does not change the parameter count |
# | **seeds**: one lucky or unlucky seed? | report mean ± std over several |
# | **steps and schedule**: as long as the paper? | see the known departures below |
# | **batching**: how are batches drawn? | see the known departures below |
# | **metric**: same definition, same test set? | accuracy on the 1,000 test signals |
# | **library versions and hardware**: same numerics? | `mlcourse doctor` pins and reports versions |
#
# ### *Self-paced*: the known departures of this reproduction
#
# A reproduction says where it departs from the original. Ours, against the
# reference code (`notebooks/models.py` and `notebooks/train.py`):
#
# | | reference code | this lesson |
# |---|---|---|
# | training steps | 8,000 | `STEPS` (2,000) |
# | batches | in order: batch *k* is rows 100·*k* to 100·*k* + 99, cycling through the 4,000 signals | drawn at random, with replacement (`paper.train`) |
# | seeds | `seed: 42` in `train.py`'s defaults | seeds 0, 1, 2; mean ± std over them |
# | models | also a GRU | GRU left out |
#
# We have not measured what each departure costs. Training in order sees every
# signal once per pass; random draws skip some signals and repeat others within
# a pass. Three seeds cannot even show that we are below the paper (both
# published numbers lie inside our intervals), so there may be no gap to
# explain. Testing one departure at a time, with more seeds each, is how a
# reproduction settles such questions.
#
# ## Keypoints
#
# - Reproduce a published result before building on it; it validates your data, code and pipeline at once.
# - Check the data first: generate or load exactly what the paper used, and compare fingerprints.
# - Report mean ± standard deviation over seeds; one run is one draw.
# - The shuffled-positions experiment shows the CNN's edge comes from its inductive bias.
# - When numbers differ, check data, preprocessing, architecture, seeds, steps, batching, metric and versions, in that order.
# - A parameter count cannot tell two architectures apart; read the reference code's forward pass.
# - Say where your reproduction departs from the original.
# - Before explaining a gap to the paper, check it is real: with three seeds, a 95 % t-interval is wide.
