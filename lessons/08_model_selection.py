# %% [markdown]
# # 08 · Model selection: accuracy is one column of the trade-off
#
# **Questions**
# - Which model should I try first, and when is a learned architecture worth it?
# - What does a model cost besides accuracy: memory, latency, training time?
# - How do I see what a model relies on?
#
# **Objectives**
# - Use a decision list (the scikit-learn cheat-sheet) to pick preliminary models.
# - Measure accuracy, size, single-sample latency, batch throughput and training time on one task.
# - Choose a model under a latency and memory budget.
# - Read coefficients and permutation importance.
#
# **Minutes**: 35 (20 teaching, 15 exercises) · **Prerequisites**: lessons 04 to 07.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.datasets import load_digits
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier
from tqdm.auto import tqdm

from mlcourse import selection
from mlcourse.reproducible import seed_everything

seed_everything(0)

# %% [markdown]
# ## Hand-engineered or learned?
#
# | | hand engineered | learned |
# |---|---|---|
# | how | experience and the recommendations of experts; standard architectures | AutoML for hyperparameters and simple architecture choices; neural architecture search for the whole architecture |
# | when | the best place to start | an advanced technique, once a hand-engineered baseline exists |
#
# Start with prior art: a standard model that worked on a similar problem. For
# tabular and small data, scikit-learn's algorithm cheat-sheet is a good
# decision list. For classification it reads, roughly:
#
# 1. Fewer than 50 samples? Get more data first.
# 2. Fewer than 100,000 samples: try a linear model (logistic regression, linear SVC);
#    if that is not enough, nearest neighbours, then kernel SVMs or tree ensembles.
# 3. More: stochastic gradient descent classifiers, or kernel approximation.
# 4. Images, sound or text: neural networks, starting from a pretrained one (lesson 11).
#
# Gradient-boosted trees are today's strong default for tables. Whatever the
# list says, *measure*: the rest of this lesson does.
#
# ## The task: handwritten digits
#
# Scikit-learn ships a set of handwritten digits as 8×8 images, inside the package.

# %%
digits = load_digits()
X_train, X_test, y_train, y_test = train_test_split(
    digits.data, digits.target, test_size=0.25, random_state=0, stratify=digits.target
)
fig, axes = plt.subplots(1, 8, figsize=(8, 1.3))
for ax, image, label in zip(axes, digits.images, digits.target):
    ax.imshow(image, cmap="gray_r")
    ax.set_title(str(label))
    ax.axis("off")
fig.suptitle("Eight of the digits (8×8 pixels)")
plt.tight_layout()
print(f"{len(X_train)} training and {len(X_test)} test images")

# %% [markdown]
# ## The trade-off table, measured here
#
# The class's table rated models from "very low" to "very high" on each
# criterion. Here are six real models on this task, measured on the machine you
# are using: accuracy on the test set, size of the fitted model, latency of a
# single prediction (one request to a server), throughput on a whole batch, and
# training time.

# %%
models = {
    "logistic regression": make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)),
    "decision tree": DecisionTreeClassifier(random_state=0),
    "random forest": RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=1),
    "gradient boosting": HistGradientBoostingClassifier(max_iter=50, random_state=0),
    "MLP": make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(64,), max_iter=300, random_state=0)),
    "small CNN": selection.TinyCNN(epochs=15, seed=0),
}
rows = {}
for name, model in tqdm(models.items(), desc="measuring", unit="model"):
    rows[name] = selection.measure_model(model, X_train, y_train, X_test, y_test)
    rows[name]["throughput_per_s"] = selection.throughput(model, X_test)
table = pd.DataFrame(rows).T
table.assign(size_kb=table.size_bytes / 1000).drop(columns="size_bytes").round(
    {"accuracy": 3, "train_seconds": 2, "latency_ms": 3, "throughput_per_s": 0, "size_kb": 1}
)

# %% [markdown]
# Accuracy against latency, with each model's size as the area of its disc:
# the best models sit top left and small.

# %%
fig, ax = plt.subplots(figsize=(6.5, 4))
ax.scatter(table.latency_ms, table.accuracy, s=20 + 400 * table.size_bytes / table.size_bytes.max(), alpha=0.5)
for name, row in table.iterrows():
    ax.annotate(name, (row.latency_ms, row.accuracy), textcoords="offset points", xytext=(6, -3), fontsize=8)
ax.set_xscale("log")
ax.set_xlabel("latency of one prediction (ms, log scale)")
ax.set_ylabel("test accuracy")
ax.set_title("No model wins every column")
plt.tight_layout()
print("most accurate:", table.accuracy.idxmax(), "| fastest single prediction:", table.latency_ms.idxmin(),
      "| smallest:", table.size_bytes.idxmin(), "| quickest to train:", table.train_seconds.idxmin())

# %% [markdown]
# Read the table against a deployment. A phone keyboard needs a tiny model that
# answers in a millisecond; a nightly batch job cares about throughput and
# accuracy, not latency. Note that latency and throughput disagree: a model can
# be slow per request yet fast per sample on a batch, because batching spreads
# the fixed cost of each call. Exercise 8.2 turns a budget into a choice.
#
# ## What does the model look at?
#
# **Coefficients**: logistic regression has one weight per pixel per class.
# Drawn as images, red pixels vote for the class, blue against.

# %%
logistic = models["logistic regression"][-1]
fig, axes = plt.subplots(1, 5, figsize=(9, 2))
limit = np.abs(logistic.coef_).max()
for ax, digit in zip(axes, (0, 1, 3, 7, 8)):
    ax.imshow(logistic.coef_[digit].reshape(8, 8), cmap="RdBu_r", vmin=-limit, vmax=limit)
    ax.set_title(f"class {digit}")
    ax.axis("off")
fig.suptitle("Logistic regression weights per pixel")
plt.tight_layout()

# %% [markdown]
# **Permutation importance** works for any model: shuffle one column, and the
# drop in accuracy says how much the model relied on it. Here, for the random
# forest, pixel by pixel:

# %%
forest = models["random forest"]
importance = permutation_importance(forest, X_test, y_test, n_repeats=3, random_state=0, n_jobs=1)
fig, ax = plt.subplots(figsize=(4.5, 3.3))
shown = ax.imshow(importance.importances_mean.reshape(8, 8), cmap="viridis")
fig.colorbar(shown, ax=ax, label="accuracy drop")
ax.set_title("Random forest: pixel importance")
ax.axis("off")
plt.tight_layout()
print(f"the border pixels matter least: mean drop {importance.importances_mean.reshape(8, 8)[:, [0, 7]].mean():.4f} "
      f"vs centre {importance.importances_mean.reshape(8, 8)[2:6, 2:6].mean():.4f}")

# %% [markdown]
# ## Keypoints
#
# - Start from prior art and a hand-engineered model; AutoML and architecture search come later.
# - A cheat-sheet narrows the candidates; measurement on your data decides.
# - Accuracy, memory, single-sample latency, throughput and training time trade against each other.
# - Choose under the deployment's budgets, not by accuracy alone.
# - Coefficients explain linear models; permutation importance works for any model.
