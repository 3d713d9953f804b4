# %% [markdown]
# # 05 · Data preparation: from a raw table to model-ready numbers
#
# **Questions**
# - Why do models need inputs on similar scales, and what is whitening?
# - What do we do with missing values, continuous values we want in bins, and text categories?
# - How do we make a new file from a customer safe to score?
#
# **Objectives**
# - Standardize, whiten and bin numeric columns, and see the effect of each.
# - Impute missing values while telling the model where they were.
# - Chain all steps into one scikit-learn `Pipeline` from raw table to prediction.
# - Validate an incoming file against the training schema and refuse bad rows.
#
# **Minutes**: 35 (20 teaching, 15 exercises) · **Prerequisites**: lessons 01 and 03.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import PCA
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import KBinsDiscretizer, OneHotEncoder, StandardScaler

from mlcourse import data, validation

penguins = data.load_penguins()
NUMERIC = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
CATEGORICAL = ["island", "sex"]
X, y = penguins[NUMERIC + CATEGORICAL], penguins["species"]
X.head()

# %% [markdown]
# The Palmer penguins: bill, flipper and body measurements of three species on
# three islands. The task: predict the species. Notice the scales: body mass is
# in the thousands, bill depth in the tens.

# %%
X[NUMERIC].describe().loc[["mean", "std", "min", "max"]].round(1)

# %% [markdown]
# ## Normalizing and whitening
#
# Lesson 03 showed that inputs on very different scales make gradient descent
# crawl; distance-based models (nearest neighbours, SVMs) are worse still, since
# the largest column dominates every distance. **Standardizing** subtracts each
# column's mean and divides by its standard deviation. **Whitening** goes further:
# it also removes the correlations between columns (here with PCA), so every
# direction has the same spread.

# %%
pair = X[["bill_length_mm", "body_mass_g"]].dropna()
standardized = StandardScaler().fit_transform(pair)
whitened = PCA(whiten=True).fit_transform(standardized)
fig, axes = plt.subplots(1, 3, figsize=(12, 3.5))
labels = {"raw": ("bill length (mm)", "body mass (g)"), "standardized": ("bill length (std units)", "body mass (std units)"),
          "whitened": ("component 1", "component 2")}
for ax, values, title in zip(axes, (pair.to_numpy(), standardized, whitened), labels):
    ax.scatter(values[:, 0], values[:, 1], s=6, alpha=0.6)
    ax.set_title(f"{title}: correlation {np.corrcoef(values.T)[0, 1]:+.2f}")
    ax.set_xlabel(labels[title][0])
    ax.set_ylabel(labels[title][1])
axes[1].set_aspect("equal")
axes[2].set_aspect("equal")
fig.suptitle("Bill length against body mass")
plt.tight_layout()

# %% [markdown]
# Standardizing changes the units, not the shape: the cloud is still tilted.
# Whitening rotates and rescales it into a round blob with zero correlation.
# Standardizing is the everyday default; whitening helps some models (and is a
# step inside others) but makes columns harder to interpret.
#
# ## Binning
#
# Sometimes a range matters more than the exact value: "heavy" rather than
# 5,430 g. **Binning** cuts a numeric column into intervals. Quantile bins hold
# the same number of penguins each.

# %%
mass = X[["body_mass_g"]].dropna()
binner = KBinsDiscretizer(n_bins=4, encode="ordinal", strategy="quantile", quantile_method="averaged_inverted_cdf")
bins = binner.fit_transform(mass).ravel()
edges = binner.bin_edges_[0]
fig, ax = plt.subplots(figsize=(6, 3))
ax.hist(mass["body_mass_g"], bins=40, color="lightgray")
for edge in edges[1:-1]:
    ax.axvline(edge, color="tab:red")
ax.set_xlabel("body mass (g)")
ax.set_ylabel("penguins")
ax.set_title("Four quantile bins: red lines are the edges")
plt.tight_layout()
print("penguins per bin:", np.bincount(bins.astype(int)).tolist(), "edges:", np.round(edges).astype(int).tolist())

# %% [markdown]
# ## Missing values
#
# Real data has holes. Dropping every row with a hole throws data away (and at
# prediction time you cannot drop the customer's row). **Imputing** fills a hole
# with a typical value, such as the median; a **missing indicator** column
# keeps the fact that the value was missing, which can itself be informative.

# %%
holes = X[X[NUMERIC].isna().any(axis=1)]
imputer = SimpleImputer(strategy="median", add_indicator=True).fit(X[NUMERIC])
filled = pd.DataFrame(imputer.transform(holes[NUMERIC]), columns=imputer.get_feature_names_out(), index=holes.index)
pd.concat({"before": holes[NUMERIC], "after": filled}, axis=1).round(1)

# %% [markdown]
# ## Categories
#
# Models need numbers. **One-hot encoding** turns a category column into one 0/1
# column per value. Set it to ignore categories it never saw, or a new island
# in production crashes the model.

# %%
encoder = OneHotEncoder(handle_unknown="ignore").fit(X[["island"]])
pd.DataFrame(encoder.transform(pd.DataFrame({"island": ["Biscoe", "Dream", "Anvers"]})).toarray(),
             columns=encoder.get_feature_names_out(), index=["Biscoe", "Dream", "Anvers (unknown)"])

# %% [markdown]
# ## One pipeline from the raw table to the model
#
# A `ColumnTransformer` applies the right steps to the right columns; a
# `Pipeline` chains it with the model. Fitting the pipeline fits every step on
# the training data only, and predicting applies exactly the same steps: no
# step can be forgotten or fitted on the wrong data (lesson 06 shows why that
# matters).

# %%
preprocess = ColumnTransformer([
    ("numeric", make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler()), NUMERIC),
    ("categorical", make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")), CATEGORICAL),
])
model = make_pipeline(preprocess, LogisticRegression(max_iter=1000))
scores = cross_val_score(model, X, y, cv=5)
print(f"5-fold accuracy from the raw table: {scores.mean():.3f} ± {scores.std():.3f}")
model.fit(X, y)

# %% [markdown]
# ## A new CSV from a customer
#
# The model is deployed. A customer sends a file of 40 penguins to classify.
# Straight into the model:

# %%
batch = data.load_customer_batch()
try:
    model.predict(batch)
except Exception as error:
    print(f"{type(error).__name__}: {error}")
batch.head()

# %% [markdown]
# A crash is the *good* outcome: someone notices. The dangerous one is the quick
# fix that makes the error go away. Rename the column, strip the " mm", and the
# model happily predicts:

# %%
patched = batch.rename(columns={"culmen_length_mm": "bill_length_mm"}).assign(
    flipper_length_mm=lambda df: df.flipper_length_mm.str.removesuffix(" mm").astype(float), sex=np.nan
)
originals = penguins.dropna(subset=NUMERIC + CATEGORICAL).sample(40, random_state=data.CUSTOMER_SEED)  # the same 40 rows
truth = originals["species"].to_numpy()
predicted = model.predict(patched)
print(f"predicted species: {pd.Series(predicted).value_counts().to_dict()}")
print(f"right on {np.mean(predicted == truth):.0%} of the batch (the model scored {scores.mean():.0%} in validation)")

# %% [markdown]
# Silent nonsense. The body mass came in kilograms, some islands are unknown,
# depths are missing or negative; the model cannot know. The fix is to check
# every batch against what the model was trained on *before* scoring, and to
# report problems instead of predictions:

# %%
reference = X  # the schema comes from the training table only
for problem in validation.validate_batch(batch, reference):
    print("-", problem)

# %% [markdown]
# Every problem names its column, so the batch goes back to the customer with
# this list. Suppose they fix the columns and the units. Validating again
# leaves only row-level problems (an unknown island, an impossible depth, a
# hole): those rows are refused and the rest scored.

# %%
fixed = patched.assign(body_mass_g=patched.body_mass_g * 1000, sex=originals["sex"].to_numpy())
for problem in validation.validate_batch(fixed, reference):
    print("-", problem)
refused = validation.bad_rows(fixed, reference)
scored = model.predict(fixed[~refused])
print(f"scored {len(scored)} rows, right on {np.mean(scored == truth[~refused.to_numpy()]):.0%}; refused {refused.sum()} rows")

# %% [markdown]
# In production, libraries such as pandera or Great Expectations hold these
# schemas and checks; the idea is the one you just saw, and the one you write in
# exercise 5.2.
#
# ## Keypoints
#
# - Standardize numeric inputs; whitening also removes correlations, at a cost in interpretability.
# - Binning turns a value into a range; quantile bins hold equal counts.
# - Impute missing values and add an indicator, so the model knows which values were filled.
# - One-hot encode categories, ignoring unknown ones at prediction time.
# - One `Pipeline` fits every step on training data and applies the same steps at prediction.
# - Validate each incoming batch against the training schema; refuse what does not fit instead of predicting silently.
