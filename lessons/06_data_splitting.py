# %% [markdown]
# # 06 · Data splitting: training, validation and test sets that do not leak
#
# **Questions**
# - Why does a model's score on data it has seen mean nothing?
# - What are the rules that keep validation and test scores honest?
# - How do groups, duplicates and time order break a random split?
#
# **Objectives**
# - State the four rules of data splitting, and recognise a score inflated by breaking each.
# - Choose between stratified, grouped and time-ordered splits, and cross-validate.
# - Keep every fitted step (scaling, feature selection) inside the training folds.
#
# **Minutes**: 30 (15 teaching, 15 exercises) · **Prerequisites**: lessons 01 and 05.

# %%
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (GroupKFold, KFold, StratifiedKFold, TimeSeriesSplit, cross_val_score,
                                     train_test_split)
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mlcourse import data

SEED = 0
rng = np.random.default_rng(SEED)

# %% [markdown]
# ## The four rules
#
# A model is only useful on data it has not seen, so we always hold some back.
# The **validation** set is for choices made during development (which model,
# which settings); the **test** set is for the final score. From the class:
#
# | rule | what breaking it looks like |
# |---|---|
# | 1. The training algorithm never sees validation or test data | scaling or selecting features on all rows before splitting |
# | 2. The training *orchestrator* (you, your tuning script) never sees test data | picking the model with the best test score |
# | 3. Test data is used once, for the final score; after that it is validation data | reporting a test score after a second round of changes |
# | 4. Validation and test data have the same distribution as the training data | testing on a population the model never trained on |
#
# Each demo below breaks one rule on purpose and shows the score it inflates.
#
# ## Rule 1: selection before splitting
#
# 60 samples, 2,000 columns of pure noise, labels from a coin toss. No model can
# beat 50 % here. But select the 20 columns that best match the labels *on all
# rows*, then cross-validate, and the score looks excellent:

# %%
noise = rng.normal(size=(60, 2000))
coin = rng.integers(0, 2, 60)
selected = SelectKBest(f_classif, k=20).fit_transform(noise, coin)
leaky = cross_val_score(LogisticRegression(max_iter=1000), selected, coin, cv=5).mean()
honest = cross_val_score(make_pipeline(SelectKBest(f_classif, k=20), LogisticRegression(max_iter=1000)), noise, coin, cv=5).mean()
print(f"accuracy on coin tosses: selected before splitting {leaky:.2f}, selected inside each fold {honest:.2f}")

# %% [markdown]
# The selection saw the labels of the validation folds: it picked the columns
# that happen to match *those* labels. Inside a `Pipeline`, each fold refits the
# selection on its training part only, and the score falls to chance, the truth.
# Scaling before splitting leaks the same way, only less visibly.
#
# ## Rules 2 and 3: choosing on the test set
#
# Now try 200 models (here: different random feature subsets) on the same coin
# tosses, and keep the one with the best *test* score. The winner's test score
# is high; on fresh data from the same source it is a coin toss again.

# %%
X_dev, X_fresh, y_dev, y_fresh = train_test_split(noise, coin, test_size=0.5, random_state=SEED)
X_train, X_test, y_train, y_test = train_test_split(X_dev, y_dev, test_size=0.5, random_state=SEED)
trials = []
for trial in range(200):
    columns = rng.choice(noise.shape[1], 10, replace=False)
    model = LogisticRegression(max_iter=1000).fit(X_train[:, columns], y_train)
    trials.append((model.score(X_test[:, columns], y_test), columns, model))
best_test, best_columns, best_model = max(trials, key=lambda t: t[0])
print(f"best of 200 on the test set: {best_test:.2f}; the same model on fresh data: "
      f"{best_model.score(X_fresh[:, best_columns], y_fresh):.2f}")

# %% [markdown]
# Choosing by test score made the test set part of training. That is why the
# test set is used **once**: after you have looked at it and changed anything,
# its score is no longer an estimate for new data, and it has become validation
# data. Tune on validation (or cross-validation); score on test at the very end.
#
# ## Rule 4: a different distribution
#
# Penguins on Biscoe and Torgersen islands include no Chinstraps. Train there,
# then test on Dream island, home to many Chinstraps:

# %%
penguins = data.load_penguins().dropna()
features = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
seen = penguins[penguins.island != "Dream"]
dream = penguins[penguins.island == "Dream"]
model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
inside = cross_val_score(model, seen[features], seen.species, cv=5).mean()
outside = model.fit(seen[features], seen.species).score(dream[features], dream.species)
print(f"Chinstrap share: training {np.mean(seen.species == 'Chinstrap'):.0%}, Dream {np.mean(dream.species == 'Chinstrap'):.0%}")
print(f"accuracy: validation inside the training islands {inside:.2f}, on Dream {outside:.2f}")

# %% [markdown]
# Validation promised near-perfect; production delivers far less, because
# production is not the population the data came from. The split must mirror
# how the model will be used.
#
# ## Groups and duplicates
#
# Medical data often has several rows per patient: visits. A random split puts
# visits of the same patient on both sides, and the model scores well by
# recognising *patients*, not by learning the disease. Here each patient has a
# personal signature in the measurements and a label that has nothing to do
# with it:

# %%
patients = np.repeat(np.arange(60), 5)  # 60 patients, 5 visits each
signature = rng.normal(size=(60, 8))[patients]
visits = signature + rng.normal(0, 0.1, signature.shape)
label = rng.integers(0, 2, 60)[patients]  # per patient, unrelated to the signature
knn = make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=1))
random_split = cross_val_score(knn, visits, label, cv=KFold(5, shuffle=True, random_state=SEED)).mean()
grouped = cross_val_score(knn, visits, label, cv=GroupKFold(5), groups=patients).mean()
print(f"accuracy with visits split at random {random_split:.2f}, with whole patients per fold {grouped:.2f}")

# %% [markdown]
# With whole patients held out, the model has nothing to go on, and the score
# falls to no better than a coin toss, the truth. Exact duplicate rows leak the same way; so do near-duplicates such as
# two photos of one object.
#
# ## Time order
#
# When data arrives over time, the model will always predict the *future*. A
# shuffled split lets it peek: it predicts Tuesday from Monday *and Wednesday*.

# %%
days = np.arange(400)
demand = np.cumsum(rng.normal(0, 1, 400)) + 50  # a drifting series
days_X = days.reshape(-1, 1)
knn_time = KNeighborsRegressor(n_neighbors=5)
shuffled = cross_val_score(knn_time, days_X, demand, cv=KFold(5, shuffle=True, random_state=SEED)).mean()
forward = cross_val_score(knn_time, days_X, demand, cv=TimeSeriesSplit(5)).mean()
print(f"R² predicting demand from the day: shuffled folds {shuffled:.2f}, always predicting later days {forward:.2f}")

# %% [markdown]
# ## Splits, drawn
#
# Cross-validation repeats the split: with 5 folds, every row is validation data
# exactly once and the score is averaged. The choice of folds encodes the rules.
# Each row below is one fold's split of 60 rows (blue: training, orange:
# validation, grey: not used in that fold).

# %%
ROLES = ListedColormap(["tab:blue", "tab:orange", "lightgray"])


def draw(ax, splitter, title, y=None, groups=None):
    for fold, (train, val) in enumerate(splitter.split(np.zeros((60, 1)), y, groups)):
        role = np.full(60, 2)
        role[train], role[val] = 0, 1
        ax.scatter(np.arange(60), np.full(60, fold), c=role, cmap=ROLES, vmin=0, vmax=2, marker="s", s=18)
    ax.set_title(title)
    ax.set_xlabel("row")
    ax.set_ylabel("fold")


classes = np.array([0] * 45 + [1] * 15)
groups = np.repeat(np.arange(12), 5)
fig, axes = plt.subplots(1, 3, figsize=(13, 3))
draw(axes[0], StratifiedKFold(5), "stratified: each fold keeps the 3:1 class ratio", classes)
draw(axes[1], GroupKFold(5), "grouped: blocks of 5 rows (one group) stay together", groups=groups)
draw(axes[2], TimeSeriesSplit(5), "time-ordered: validate only on later rows")
plt.tight_layout()

# %% [markdown]
# ## Keypoints
#
# - Training never sees validation or test data; the orchestrator never sees test data.
# - Fit every data-dependent step (scaling, selection, imputation) inside the training folds: use a `Pipeline`.
# - The test set scores once; after that it is validation data.
# - Split the way the model will be used: by group when rows share a source, by time when it predicts the future.
# - Validation and test data must come from the same distribution as production.
