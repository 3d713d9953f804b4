# %% [markdown]
# # 08 · Model selection: accuracy is one column of the trade-off
#
# **Questions**
# - Which model should I try first, and when is a learned architecture worth it?
# - What does a model cost besides accuracy: memory, latency, training time and money?
# - How do I choose among models without spending the test set?
# - What does a healthy training run look like, and how do gradients vanish or explode?
# - How do I see what a model relies on?
#
# **Objectives**
# - Use a decision list (scikit-learn's estimator flow chart) to pick preliminary models, and know its limits.
# - Measure validation accuracy, size, single-sample latency, batch throughput and training time on one task.
# - Choose on validation numbers, within their noise; score only the chosen model, once, on the test set.
# - Read training progress: epochs to convergence, vanishing and exploding gradients.
# - Read coefficients and permutation importance.
#
# **Minutes**: 30 live (18 teaching, 12 exercises) + 15 self-paced · **Prerequisites**: lessons 04 to 07.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier
from threadpoolctl import threadpool_limits
from torch import nn
from tqdm.auto import tqdm

from mlcourse import selection
from mlcourse.reproducible import seed_everything

threadpool_limits(1)  # one BLAS/OpenMP thread, like torch below: every model is timed on one core
rng = seed_everything(0)

# %% [markdown]
# ## Picking an algorithm
#
# The class slides give a recipe for picking an algorithm: look at your data,
# your inputs and your outputs; "phone a friend": the scikit-learn flow chart,
# "or just use deep learning, it's cool"; and keep interpretability in mind.
# First, though, a question of method:
#
# | | hand engineered | learned |
# |---|---|---|
# | how | experience and the recommendations of experts; standard architectures | AutoML for hyperparameters and simple architecture choices; neural architecture search for the whole architecture |
# | when | the best place to start | an advanced technique, once a hand-engineered baseline exists |
#
# Start with prior art: a standard model that worked on a similar problem.
#
# **Phone a friend.** Asking someone who has solved a similar problem is the
# cheapest prior art there is. Scikit-learn's "Choosing the right estimator"
# flow chart (scikit-learn.org/stable/machine_learning_map.html) is such a
# friend, in a box. Here it is, redrawn by the course: questions in blue ovals,
# estimators in green boxes; a blue arrow is "yes", a vermillion one "no", a
# dashed orange one "not working" (try the next box); each arrow also says so
# in words. In bold, the route our task takes.

# %% mystnb={"image": {"alt": "scikit-learn's estimator flow chart, redrawn in four regions: classification, clustering, regression and dimensionality reduction. The bold route for the digits runs from start through labelled categories and fewer than 100K samples to Linear SVC, then, not text data, to k-nearest neighbours, then to SVC or ensemble classifiers."}}
route = ["start", "samples", "category", "labeled", "cls_100k", "linear_svc", "text", "kneighbors", "svc_ensemble"]
ax = selection.plot_estimator_map(route)
ax.set_title("scikit-learn's estimator flow chart, redrawn (bold: the route for 1,797 labelled digit images)")
plt.tight_layout()

# %% [markdown]
# For classification, the chart says exactly this:
#
# 1. Fewer than 50 samples: get more data.
# 2. Labelled categories and fewer than 100K samples: **Linear SVC** first. If
#    that is not working: for text data, **Naive Bayes**; otherwise
#    **k-nearest neighbours**, and if that is not working either, **SVC** (a
#    kernel SVM) or **ensemble classifiers** (random forests, boosted trees).
# 3. 100K samples or more: an **SGD classifier**, then **kernel approximation**.
#
# Two notes are the course's, not the chart's. The chart has no neural
# networks: for images, sound or long text, the usual start today is a neural
# network, best a pretrained one (lesson 11). And among ensembles,
# gradient-boosted trees are a common strong default for tables.
#
# Our task, 1,797 labelled 8×8 digit images, is not text, so the chart's route
# is Linear SVC, then k-nearest neighbours, then SVC or ensembles. We measure a
# linear model (logistic regression, which the slides' table names and which,
# like Linear SVC, draws straight boundaries between classes), k-nearest
# neighbours and two ensembles from the chart, a single decision tree (what the
# ensembles are made of), and an MLP and a small CNN from the course's note.
#
# "Or just use deep learning, it's cool" is the slide's joke, and half true:
# deep networks win on unstructured data (pixels, sound, text), where they
# learn the features themselves, when data is plentiful or a pretrained model
# exists. On small data they cost more to train and may not win; whether they
# also cost more to *serve* (memory, time per request) is a separate column,
# and the table below measures it on a small image task.
#
# ## The task, and a test set locked away
#
# Scikit-learn ships the digits inside the package. We choose among seven
# models, so lesson 06's rules apply: a quarter of the images is the **test
# set**, used once, at the very end, for the one model we keep. The rest is
# split again into images to **fit** on and images to **validate** on: every
# comparison and every choice below uses the validation images only.

# %% mystnb={"image": {"alt": "The first eight digit images, 0 to 7, each a coarse 8×8 grid of grey pixels with its label above it."}}
digits = load_digits()
X_train, X_test, y_train, y_test = train_test_split(
    digits.data, digits.target, test_size=0.25, random_state=0, stratify=digits.target
)
X_fit, X_val, y_fit, y_val = train_test_split(X_train, y_train, test_size=0.25, random_state=0, stratify=y_train)
fig, axes = plt.subplots(1, 8, figsize=(8, 1.3))
for ax, image, label in zip(axes, digits.images[:8], digits.target[:8], strict=True):
    ax.imshow(image, cmap="gray_r")
    ax.set_title(str(label))
    ax.axis("off")
fig.suptitle("Eight of the digits (8×8 pixels)")
plt.tight_layout()
print(f"{len(X_fit)} images to fit, {len(X_val)} to validate and choose, {len(X_test)} locked away for one final test")

# %% [markdown]
# ## The trade-off table: the slide's, and ours measured
#
# The class's slide rated four models on an image-classification task:
#
# | | logistic regression | 3-layer CNN | ResNet-50 | NASNET |
# |---|---|---|---|---|
# | accuracy | low | medium | high | very high |
# | inference memory | very low | low | high | very high |
# | inference latency | very low | low | high | very high |
# | training time | very low | low | high | very high |
# | training cost | very low | very low | medium | medium |
#
# Below, seven models measured on this task, on the machine you are using. Our
# small CNN (two convolutions and a linear layer) plays the slide's 3-layer CNN;
# ResNet-50 and NASNET are built for photos a few hundred pixels wide and need
# GPUs to train, so they are left out. Each model is fitted on the fit images
# and scored on the validation images: **validation accuracy** with its
# standard error `sqrt(p(1 − p) / n)` (the noise of scoring on 337 images, not
# the spread over training seeds), **training time** (`fit` alone),
# **size**, the **latency** of a single prediction (one request to a server)
# and the **throughput** on a whole batch. Size stands for the slide's
# *inference memory*: it is the fitted model serialized in memory (`pickle` for
# the scikit-learn models, `torch.save` of the weights for the CNN), i.e. what
# the learned parameters take. A running server needs more (Python, the
# libraries, the intermediate activations), which this number does not count.

# %%
models = {
    "logistic regression": make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)),
    "k-nearest neighbours": KNeighborsClassifier(n_neighbors=5),
    "decision tree": DecisionTreeClassifier(random_state=0),
    "random forest": RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=1),
    "gradient boosting": HistGradientBoostingClassifier(max_iter=50, random_state=0),
    "MLP": make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(64,), max_iter=300, random_state=0)),
    "small CNN": selection.TinyCNN(epochs=15, seed=0),
}
# correct[name]: which validation images the model got right, for paired comparisons below
table, correct = selection.trade_off_table(
    models, X_fit, y_fit, X_val, y_val, progress=lambda names: tqdm(names, desc="measuring", unit="model")
)
table.assign(size_kb=table.size_bytes / 1000).drop(columns="size_bytes").round(
    {"val_accuracy": 3, "val_se": 3, "train_seconds": 3, "latency_ms": 3, "throughput_per_s": 0, "size_kb": 1}
)

# %% [markdown]
# The slide's two end points that we can run, side by side: how much more does
# the CNN cost than the linear model, and what does it buy? Both models are
# scored on the *same* 337 images, so compare them image by image: the
# standard error of the gap comes from the images where they disagree
# (`selection.paired_gap`), and is smaller than the two accuracies' standard
# errors combined.

# %%
cnn, linear = table.loc["small CNN"], table.loc["logistic regression"]
lead, lead_se = selection.paired_gap(correct["small CNN"], correct["logistic regression"])
print(f"validation accuracy: small CNN {cnn.val_accuracy:.3f}, logistic regression {linear.val_accuracy:.3f}: "
      f"gap {lead:+.3f} ± {lead_se:.3f} (paired standard error), {lead / lead_se:.1f} standard errors")
print(f"the CNN against the linear model: size ×{cnn.size_bytes / linear.size_bytes:.1f}, "
      f"training time ×{cnn.train_seconds / linear.train_seconds:.0f}, latency ×{cnn.latency_ms / linear.latency_ms:.1f} "
      f"({'faster' if cnn.latency_ms < linear.latency_ms else 'slower'} per request)")
print(f"logistic regression: {1000 / linear.throughput_per_s:.4f} ms per image inside a batch, "
      f"{linear.latency_ms:.3f} ms for a request of one image")

# %% [markdown]
# Size and training time follow the slide's ordering: the CNN is larger and
# much slower to train (the ratios above). Latency need not: for models this
# small, a single request costs mostly a fixed overhead per call (scikit-learn
# checks its input at every step of a pipeline), not arithmetic. The last line
# shows it: inside a batch, logistic regression needs a tiny fraction of the
# time it takes for a request of one image. So compare the printed latency
# ratio rather than trusting the slide. And the CNN's accuracy lead, 1.5
# points, 1.7 paired standard errors (the first line), is not clearly beyond
# noise: on 8×8 digits the linear model is far from the slide's "low". Ratings like "low" and "high" belong to one task
# and one runtime; measure them on yours.
#
# Accuracy against latency, with each model's size as the area of its disc
# and its standard error as a bar: the best models sit top left and small.

# %% mystnb={"image": {"alt": "Validation accuracy against the latency of one prediction, log scale, for the seven models, each disc's area showing the model's size and each bar its standard error: several models sit within noise of the most accurate, at very different latencies and sizes, so no model wins every column."}}
fig, ax = plt.subplots(figsize=(6.5, 4))
ax.errorbar(table.latency_ms, table.val_accuracy, yerr=table.val_se, fmt="none", ecolor="gray", capsize=3)
ax.scatter(table.latency_ms, table.val_accuracy, s=20 + 400 * table.size_bytes / table.size_bytes.max(), alpha=0.5)
for name, row in table.iterrows():
    ax.annotate(name, (row.latency_ms, row.val_accuracy), textcoords="offset points", xytext=(6, -3), fontsize=8)
ax.set_xscale("log")
ax.set_xlabel("latency of one prediction (ms, log scale)")
ax.set_ylabel("validation accuracy (share correct, ± 1 SE)")
ax.set_title("No model wins every column")
plt.tight_layout()
print("most accurate:", table.val_accuracy.idxmax(), "| fastest single prediction:", table.latency_ms.idxmin(),
      "| smallest:", table.size_bytes.idxmin(), "| quickest to train:", table.train_seconds.idxmin())

# %% [markdown]
# ## Choosing, then testing once
#
# On 337 validation images, one standard error is about one point of
# accuracy, so several models are within noise of the best one. Picking the
# single highest number would be choosing on noise. A rule that respects it:
# compare every model with the best, image by image (the paired gap and its
# standard error, as above); among the models whose gap is under two of its
# standard errors, keep the cheapest to serve, here the smallest. (It is a
# cousin of the "one-standard-error rule" for choosing a simpler model.)

# %%
best = table.val_accuracy.idxmax()
gaps = pd.DataFrame([selection.paired_gap(correct[best], correct[name]) for name in table.index],
                    index=table.index, columns=["gap", "gap_se"])
within = table[gaps.gap <= 2 * gaps.gap_se]
chosen = within.size_bytes.idxmin()
print(f"best on validation: {best}, {table.val_accuracy[best]:.3f}")
for name, (gap, gap_se) in gaps.drop(index=best).iterrows():
    print(f"  {best} − {name:20s} {gap:+.3f} ± {gap_se:.3f} (paired SE): "
          f"{'within' if gap <= 2 * gap_se else 'beyond'} two standard errors")
print(f"within two standard errors of the best: {', '.join(within.index)}")
print(f"chosen: the smallest of those, {chosen} ({table.size_bytes[chosen] / 1000:.1f} kB)")

# %% [markdown]
# The choice is made, so the chosen model is refitted on all the training
# images (fit and validation together: more data, same recipe) and scored on
# the test set, once:

# %%
final = clone(models[chosen]).fit(X_train, y_train)
print(f"{chosen}, refitted on {len(X_train)} images: test accuracy {final.score(X_test, y_test):.3f} on {len(X_test)} images "
      f"(validation said {table.val_accuracy[chosen]:.3f} ± {table.val_se[chosen]:.3f})")
print(f"{chosen} among the {len(table)} models: size rank {table.size_bytes.rank()[chosen]:.0f} (1 = smallest), "
      f"latency rank {table.latency_ms.rank()[chosen]:.0f} (1 = fastest), training-time rank "
      f"{table.train_seconds.rank(ascending=False)[chosen]:.0f} (1 = slowest)")

# %% [markdown]
# That is the lesson's one and only test score, and it is an honest estimate
# because nothing was chosen with it. We never look at the other models' test
# scores: had we scored all seven on the test set and kept the best, that best
# score would be flattered by the choice (lesson 06, rule 2), and the test set
# would have turned into a validation set (rule 3).
#
# Back to the slide's joke. The model we kept is the small CNN, and on this
# task it does not cost more to serve: it is the second-smallest model and
# among the quickest to answer one request (the ranks printed). It is among
# the slowest to train (its rank printed), and its accuracy is within noise of the best,
# k-nearest neighbours (the paired gap printed). The standard errors here cover only the luck of
# which images landed in the validation set; a CNN trained from another seed
# scores differently too (a self-paced cell below measures that).
#
# Read the table against a deployment. A phone keyboard needs a tiny model that
# answers in a millisecond; a nightly batch job cares about throughput and
# accuracy, not latency. Latency and throughput disagree: a model can be slow
# per request yet fast per sample on a batch, because batching spreads the
# fixed cost of each call. Exercise 8.2 turns a latency and a size budget into a
# choice, on validation numbers like these.
#
# ## Training cost: time is trials, and trials are money
#
# The slides' *training performance criteria* are training progress (training
# and validation loss, time or epochs to convergence, vanishing or exploding
# gradients), time to train, and cost. Time to train varies by orders of
# magnitude between models, and it decides how many experiments fit in a day:

# %%
trained = table.drop(index="k-nearest neighbours")  # it only stores the images: nothing to train
slow, quick = trained.train_seconds.idxmax(), trained.train_seconds.idxmin()
print(f"training time: {quick} {trained.train_seconds[quick]:.3f} s ... {slow} {trained.train_seconds[slow]:.2f} s "
      f"(×{trained.train_seconds[slow] / trained.train_seconds[quick]:.0f})")
print(f"trials in one hour of this core: {quick} {3600 / trained.train_seconds[quick]:,.0f}, "
      f"{slow} {3600 / trained.train_seconds[slow]:,.0f}")
knn = table.loc["k-nearest neighbours"]
print(f"k-nearest neighbours 'trains' in {knn.train_seconds * 1000:.1f} ms and pays at prediction time instead: "
      f"{knn.throughput_per_s:,.0f} images per second on a batch (logistic regression {linear.throughput_per_s:,.0f}), "
      f"{knn.size_bytes / 1000:.0f} kB (it keeps every training image; logistic regression {linear.size_bytes / 1000:.0f} kB)")

# %% [markdown]
# On a laptop these are seconds. On real models they are GPU hours, and
# rented GPU (or HPC) time is billed by the hour, whether the run helps or
# not: the **direct cost** is hours × price. The larger cost is usually the
# **opportunity cost**: every hour one slow model trains is an hour in which
# other models, or other settings of this one (lesson 10's search), were not
# tried. A model that trains ten times longer buys ten times fewer trials for
# the same budget, and its results reach users later.
#
# ## *Self-paced*: the training seed is noise too
#
# The standard errors above come from the validation images only. Training the
# same CNN from other seeds (other initial weights, other batch orders) moves
# its score as well:

# %%
seed_correct = {0: correct["small CNN"]} | {
    seed: clone(models["small CNN"]).set_params(seed=seed).fit(X_fit, y_fit).predict(X_val) == y_val for seed in (1, 2)
}
for seed, right in seed_correct.items():
    gap, gap_se = selection.paired_gap(correct[best], right)
    print(f"small CNN, seed {seed}: validation accuracy {right.mean():.3f}; {best} − CNN {gap:+.3f} ± {gap_se:.3f}: "
          f"{'within' if gap <= 2 * gap_se else 'beyond'} two standard errors")

# %% [markdown]
# The seed moves the CNN's accuracy by about as much as one paired standard
# error (compare the accuracies printed), and whether the CNN stays within two
# standard errors of the best can depend on the seed (the verdicts printed).
# A choice between models this close rests on luck twice over: which images
# were drawn for validation, and which seed trained the model. A careful
# comparison repeats the training over seeds and reports the spread, as
# lesson 10 does.
#
# ## *Self-paced*: training progress, vanishing and exploding gradients
#
# Training progress is read from the loss and validation curves (lesson 07):
# how many epochs, and how many seconds, until the validation score stops
# improving? Deep networks add a failure of their own. Backpropagation
# multiplies one factor per layer, so over many layers the gradient can shrink
# towards zero (**vanishing**: the early layers stop learning) or grow without
# bound (**exploding**: the loss becomes `nan`). A sigmoid's slope is at most
# 0.25, so with weights of ordinary size every sigmoid layer shrinks the
# gradient; weights drawn too large grow it. ReLU with **He initialization** (weights of standard deviation
# `sqrt(2 / fan_in)`) keeps its size from layer to layer.
#
# Three networks of ten hidden layers, 64 units each, on the same digits: the
# gradient of the loss for each layer's weights, after one backward pass.

# %% mystnb={"image": {"alt": "Gradient norm per layer, log scale, for three networks of ten hidden layers: with sigmoids it shrinks by orders of magnitude towards the input, with ReLU and He initialization it keeps its size from layer to layer, and with twice He's weights it is far larger throughout."}}
scaler = StandardScaler().fit(X_fit)
inputs, targets = torch.tensor(scaler.transform(X_fit), dtype=torch.float32), torch.tensor(y_fit)
val_inputs, val_targets = torch.tensor(scaler.transform(X_val), dtype=torch.float32), torch.tensor(y_val)
setups = {
    "sigmoid, PyTorch's default init": dict(activation=nn.Sigmoid),
    "ReLU, He init": dict(activation=nn.ReLU, init_gain=np.sqrt(2)),
    "ReLU, init twice He": dict(activation=nn.ReLU, init_gain=2 * np.sqrt(2)),
}
norms = {name: selection.layer_gradient_norms(selection.deep_mlp(**setup), inputs, targets) for name, setup in setups.items()}
fig, ax = plt.subplots(figsize=(6.5, 3.5))
for (name, values), marker in zip(norms.items(), "so^", strict=True):
    ax.plot(range(1, len(values) + 1), values, marker=marker, label=name)
    print(f"{name:32s} gradient norm: first layer {values[0]:.1e}, output layer {values[-1]:.1e}")
with torch.no_grad():  # the forward signal: how much the last hidden layer's output differs between images
    last_hidden = selection.deep_mlp(**setups["sigmoid, PyTorch's default init"])[:-1](inputs)
print(f"sigmoid network, last hidden layer: spread across images {last_hidden.std(dim=0).mean():.1e} "
      f"(around a mean of {last_hidden.mean():.2f})")
ax.set_yscale("log")
ax.set_xlabel("layer (1 = next to the input, 11 = output)")
ax.set_ylabel("norm of the weight gradient (L2)")
ax.set_title("Sigmoid layers shrink the gradient; too-large weights blow it up")
ax.legend(fontsize=8)
plt.tight_layout()

# %% [markdown]
# With sigmoids, the first layer's gradient is many orders of magnitude smaller
# than the output layer's (the printed norms): the layers near the input
# barely move. The forward signal fades too: by the last hidden layer, every
# image produces almost the same output (the tiny spread printed), so the
# output layer has nothing to tell the digits apart with. With weights twice as large as He's, the gradients are hundreds
# to thousands of times larger than with He's. Now train each for twelve epochs with the same
# SGD with momentum (no adaptive steps), and watch training progress:

# %% mystnb={"image": {"alt": "Training loss and validation accuracy against epoch for the three networks: only the ReLU network with He initialization lowers its loss and climbs to high accuracy; the sigmoid network stays at a uniform guess and chance accuracy, and the one with twice He's weights has no finite loss to draw and sits near chance."}}
progress = {
    name: selection.train_progress(selection.deep_mlp(**setup), inputs, targets, val_inputs, val_targets, epochs=12)
    for name, setup in setups.items()
}
fig, axes = plt.subplots(1, 2, figsize=(11, 3.5))
styles = {"sigmoid, PyTorch's default init": "s-", "ReLU, He init": "o-", "ReLU, init twice He": "^--"}
for name, history in progress.items():
    epochs = range(1, len(history["seconds"]) + 1)
    axes[0].plot(epochs, history["training loss"], styles[name], label=name)
    axes[1].plot(epochs, history["validation accuracy"], styles[name], label=name, alpha=0.8)
    reached = [epoch for epoch, accuracy in zip(epochs, history["validation accuracy"], strict=True) if accuracy >= 0.9]
    when = (f"90 % validation accuracy after epoch {reached[0]} ({history['seconds'][reached[0] - 1]:.1f} s of training)"
            if reached else "never reaches 90 % validation accuracy in 12 epochs")
    broken = [epoch for epoch, loss in zip(epochs, history["training loss"], strict=True) if not np.isfinite(loss)]
    accuracy = history["validation accuracy"]
    print(f"{name:32s} training loss after epoch 1: {history['training loss'][0]:.3g}, after 12: "
          f"{history['training loss'][-1]:.3g}{f' (nan from epoch {broken[0]})' if broken else ''}; "
          f"validation accuracy {min(accuracy):.3f}–{max(accuracy):.3f}; {when}")
print(f"(a loss of ln 10 = {np.log(10):.3f} is a uniform guess over the 10 classes; chance accuracy is 0.1)")
axes[0].set_yscale("log")
axes[0].set_ylabel("training loss (cross-entropy)")
axes[1].set_ylabel("validation accuracy (share correct)")
axes[0].set_title("Training loss (nan is not drawn)")
axes[1].set_title("Validation accuracy")
for ax in axes:
    ax.set_xlabel("epoch (passes over the fit images)")
axes[1].legend(fontsize=8)
fig.suptitle("Time to convergence: only the well-initialized network gets there")
plt.tight_layout()

# %% [markdown]
# The sigmoid network's loss sits at ln 10, a uniform guess, and its
# validation accuracy stays at chance (the printed range, around 0.1): its
# gradients vanished and its forward signal with them. The network with twice
# He's weights has a `nan` loss from the first epoch on: its gradients
# exploded (a `nan` output predicts one class for every image, so it too sits
# near chance: its triangles overlap the sigmoid's squares near 0.1). Only the ReLU network with He initialization converges, in the
# number of epochs and seconds printed above. The usual remedies: ReLU-like
# activations, He or Glorot initialization, normalization layers, residual
# connections, and gradient clipping against explosions.
#
# ## *Self-paced*: what does the model look at?
#
# **Coefficients**: logistic regression has one weight per pixel per class.
# Drawn as images, red pixels vote for the class, blue against (white: no say).

# %% mystnb={"image": {"alt": "Logistic regression's weights for classes 0, 1, 3, 7 and 8, each drawn as an 8×8 image, red where ink votes for the class and blue where it votes against; class 0, for instance, votes against ink in the centre, where a zero has its hole."}}
logistic = models["logistic regression"][-1]
fig, axes = plt.subplots(1, 5, figsize=(9, 2))
limit = np.abs(logistic.coef_).max()
for ax, digit in zip(axes, (0, 1, 3, 7, 8), strict=True):
    shown = ax.imshow(logistic.coef_[digit].reshape(8, 8), cmap="RdBu_r", vmin=-limit, vmax=limit)
    ax.set_title(f"class {digit}")
    ax.axis("off")
fig.suptitle("Logistic regression weights per pixel")
plt.tight_layout()
fig.colorbar(shown, ax=axes, shrink=0.8, label="weight")

# %% [markdown]
# **Permutation importance** works for any model: shuffle one column, and the
# drop in accuracy says how much the model relied on it. Here, pixel by pixel,
# for the model we chose, as fitted on the fit images, measured on the
# validation images it has not seen:

# %% mystnb={"image": {"alt": "Permutation importance of each pixel for the chosen model, as an 8×8 map: shuffling a border pixel costs about nothing, a few centre pixels cost the most, and even the largest drop is only a few points of accuracy."}}
importance = permutation_importance(models[chosen], X_val, y_val, n_repeats=3, random_state=0, n_jobs=1)
drop = importance.importances_mean.reshape(8, 8)
fig, ax = plt.subplots(figsize=(4.5, 3.3))
shown = ax.imshow(drop, cmap="viridis")
fig.colorbar(shown, ax=ax, label="accuracy drop (share correct)")
ax.set_title(f"{chosen}: pixel importance")
ax.set_xlabel("pixel column")
ax.set_ylabel("pixel row")
plt.tight_layout()
ink = (X_fit > 0).mean(axis=0).reshape(8, 8)  # share of images with any ink at each pixel
print(f"mean accuracy drop when one pixel is shuffled: left and right columns {drop[:, [0, 7]].mean():.4f}, "
      f"top and bottom rows {drop[[0, 7], 1:7].mean():.4f}, centre 4×4 {drop[2:6, 2:6].mean():.4f}; "
      f"largest single pixel {drop.max():.4f}")
print(f"share of images with ink there: left and right columns {ink[:, [0, 7]].min():.2f}–{ink[:, [0, 7]].max():.2f}; "
      f"top and bottom rows, middle pixels (columns 2–4) {ink[[0, 7], 2:5].min():.2f}–{ink[[0, 7], 2:5].max():.2f}")

# %% [markdown]
# Shuffling a pixel of the border costs no measurable accuracy (mean drops of
# about zero, printed above). The left and right columns are nearly blank in
# every image (the ink shares printed), so they carry nothing to lose. The top
# and bottom rows are inked in most images, yet shuffling them costs about
# nothing too: whatever they say about the digit, the model does not need it
# or finds it in other pixels. The centre pixels carry the decision, yet even the most important single pixel
# costs only a few points (the largest drop printed): neighbouring pixels are
# correlated, so when one is shuffled the model still sees much of the same
# information in the others (a known limit of permutation importance, noted in
# scikit-learn's user guide).
#
# ## Keypoints
#
# - Start from prior art and a hand-engineered model; a flow chart like scikit-learn's narrows the candidates,
#   AutoML and architecture search come later.
# - The slide's ratings ("low" … "very high") belong to one task: measure accuracy, memory, latency, throughput
#   and training time on yours.
# - Choose on validation numbers, within their noise; then score the one chosen model on the test set, once.
# - Training time is trials: a slower model buys fewer experiments for the same budget (opportunity cost).
# - Vanishing and exploding gradients stall or wreck deep networks; activations and initialization decide it.
# - Coefficients explain linear models; permutation importance works for any model.
