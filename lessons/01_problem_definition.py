# %% [markdown]
# # 01 · Problem definition: is this a machine learning problem, and can the data answer it?
#
# **Questions**
# - How does a business need become a prediction target, a metric and a baseline?
# - When is machine learning the right tool, and when is a report enough?
# - How do I check, before building anything big, that the data can support the approach?
#
# **Objectives**
# - Turn a user story into a target, a metric and a baseline score.
# - Look at inputs and outputs: distributions, class balance, missing values.
# - Compare a dummy baseline with one simple model, and read a learning curve.
# - Spot a target leak: a feature that is too good to be true.
#
# **Minutes**: 25 (15 teaching, 10 exercises) · **Prerequisites**: lesson 00.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import cross_val_score, learning_curve, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeRegressor

SEED = 0

# %% [markdown]
# ## From a user story to a target
#
# Projects start with a need, not a model. Write it as a user story:
#
# > *As a diabetes clinic, I want to know which patients' disease will progress
# > most over the next year, so that I can book them for early follow-up.*
#
# That sentence fixes three things before any code:
#
# | decision | here |
# |---|---|
# | **target**: what to predict | a measure of disease progression one year after the first visit |
# | **metric**: how to judge a prediction | R² (share of the variation explained) and the mean absolute error, in the target's units |
# | **baseline**: what "no skill" scores | predicting the average progression for everyone |
#
# ## Machine learning or a report?
#
# Not every data question needs a model. The distinction from the class:

# %%
pd.DataFrame(
    {
        "traditional analytics / BI": ["structured", "summaries and reports, some prediction", "reports, graphs", "human decision makers"],
        "machine learning": ["structured and unstructured", "prediction, some summaries", "trained models, applications", "application developers"],
    },
    index=pd.Index(["data suited for", "typical application", "artifacts", "used by"], name=""),
)

# %% [markdown]
# The clinic's question is a prediction, per patient, made inside an application:
# machine learning. A model is a *black box function*: numbers go in (age, body
# mass index, blood pressure, six blood measurements), one number comes out.
# Training finds the function from examples of inputs and known outputs.
#
# Data comes in two kinds. **Structured** data is a table: named columns, one row
# per case, like our patients. **Unstructured** data is images, sound and text,
# where the meaning is spread over thousands of raw values; deep learning
# (lessons 04 and 08 onwards) shines there.
#
# ## Look at your data
#
# Scikit-learn ships the diabetes study inside the package, so no download is
# needed. Inputs first:

# %%
diabetes = load_diabetes(as_frame=True)
X, y = diabetes.data, diabetes.target
X.describe().round(3)

# %% [markdown]
# Every input has mean 0 and the same spread: the publisher already scaled them
# (lesson 05 shows how, and why). Missing values, the usual trouble of real
# tables, there are none:

# %%
print(f"{X.shape[0]} patients, {X.shape[1]} inputs, {int(X.isna().sum().sum())} missing values")

# %% [markdown]
# Then the output. The target is skewed: many patients progress little, a few a lot.

# %%
fig, ax = plt.subplots(figsize=(6, 3))
ax.hist(y, bins=30, color="tab:blue")
ax.axvline(y.mean(), color="black", linestyle="--", label=f"mean = {y.mean():.0f}")
ax.set_xlabel("disease progression after one year")
ax.set_ylabel("patients")
ax.set_title("The target: skewed, with a long tail")
ax.legend()
plt.tight_layout()

# %% [markdown]
# For a classification problem, look at the *class balance*: if 90 % of cases
# are one class, a model that always says that class is 90 % accurate and useless.
# The breast cancer set (tumours described by 30 measurements each) is our example:

# %%
cancer = load_breast_cancer(as_frame=True)
balance = cancer.target.map(dict(enumerate(cancer.target_names))).value_counts()
print(balance.to_string(), f"\nmajority share: {balance.max() / balance.sum():.1%}")

# %% [markdown]
# ## A baseline, then one simple model
#
# Hold out a test set, then compare a *dummy* model (the best constant) with one
# simple model. If the simple model barely beats the dummy, either the inputs do
# not carry the signal or the approach is wrong; stop and rethink before
# building anything bigger.

# %%
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=SEED)
dummy = DummyRegressor(strategy="mean").fit(X_train, y_train)
simple = LinearRegression().fit(X_train, y_train)
print(f"diabetes, R² on test: dummy {dummy.score(X_test, y_test):.3f}, linear regression {simple.score(X_test, y_test):.3f}")

Xc_train, Xc_test, yc_train, yc_test = train_test_split(
    cancer.data, cancer.target, test_size=0.25, random_state=SEED, stratify=cancer.target
)
dummy_c = DummyClassifier(strategy="most_frequent").fit(Xc_train, yc_train)
simple_c = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(Xc_train, yc_train)
print(f"breast cancer, accuracy on test: dummy {dummy_c.score(Xc_test, yc_test):.3f}, "
      f"logistic regression {simple_c.score(Xc_test, yc_test):.3f}")

# %% [markdown]
# Both simple models beat their baselines clearly: the data can answer these
# questions. The diabetes model explains only part of the variation, which is
# honest for a medical outcome; the cancer model is right on nearly every test tumour.
#
# ## Would more data help? The learning curve
#
# Train on growing shares of the data and score each on held-out folds. If the
# validation score is still climbing at the right edge, more data would help;
# if it has flattened, spend your effort on features or models instead.

# %%
def plot_learning_curve(ax, model, X, y, title, scoring):
    sizes, train_scores, val_scores = learning_curve(
        model, X, y, train_sizes=np.linspace(0.1, 1.0, 8), cv=5, scoring=scoring, shuffle=True, random_state=SEED
    )
    ax.plot(sizes, train_scores.mean(axis=1), "o-", label="training")
    ax.plot(sizes, val_scores.mean(axis=1), "o-", label="validation")
    ax.set_xlabel("training examples")
    ax.set_ylabel(scoring)
    ax.set_title(title)
    ax.legend()
    return sizes, val_scores.mean(axis=1)


fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
_, diabetes_curve = plot_learning_curve(axes[0], LinearRegression(), X, y, "Diabetes: linear regression", "r2")
_, cancer_curve = plot_learning_curve(axes[1], simple_c, cancer.data, cancer.target, "Breast cancer: logistic regression", "accuracy")
plt.tight_layout()
print(f"gain over the last step of data: diabetes {diabetes_curve[-1] - diabetes_curve[-2]:+.3f} R², "
      f"cancer {cancer_curve[-1] - cancer_curve[-2]:+.3f} accuracy")

# %% [markdown]
# The diabetes curve has flattened: more patients of the same kind would add
# little, and with the training curve close above it, the limit is the model and
# the inputs, not the data volume. The cancer curve still creeps up, by less
# than a point per step: more data would help a little, at a cost to weigh.
#
# ## Too good to be true: a target leak
#
# A colleague adds a column from the follow-up visit, an HbA1c blood test taken
# *one year later*. It is measured after the outcome, so it will not exist when
# the clinic needs the prediction, at the first visit. Watch the score:

# %%
rng = np.random.default_rng(SEED)
leaky = X.assign(hba1c_followup=np.log(y) + rng.normal(0, 0.05, len(y)))
Xl_train, Xl_test = train_test_split(leaky, test_size=0.25, random_state=SEED)
with_leak = LinearRegression().fit(Xl_train, y_train).score(Xl_test, y_test)
print(f"linear regression, R² on test with the follow-up column: {with_leak:.3f}, without: {simple.score(X_test, y_test):.3f}")

# %% [markdown]
# A jump like that from one column should make you suspicious, not happy. To find
# the culprit, score each column *alone* with a small model. A small tree sees
# curved relations too, which a correlation would miss.

# %%
tree = DecisionTreeRegressor(max_depth=4, random_state=SEED)
alone = pd.Series({column: cross_val_score(tree, leaky[[column]], y, cv=3).mean() for column in leaky.columns})
ax = alone.sort_values().plot.barh(figsize=(6, 3.5), color="tab:blue")
ax.set_xlabel("R² of a small tree on this column alone (3-fold CV)")
ax.set_title("One column predicts the target on its own: a leak")
plt.tight_layout()
print(f"best single column: {alone.idxmax()} (R² {alone.max():.3f}); next best: {alone.drop(alone.idxmax()).max():.3f}")

# %% [markdown]
# Removing the leak brings the score back to the honest value, what the model
# can really do at the first visit:

# %%
honest = LinearRegression().fit(Xl_train.drop(columns=alone.idxmax()), y_train).score(Xl_test.drop(columns=alone.idxmax()), y_test)
print(f"R² before removing {alone.idxmax()}: {with_leak:.3f}, after: {honest:.3f}")

# %% [markdown]
# ## Go or no-go?
#
# Put the numbers side by side and decide before investing: the simple model
# must beat the baseline by a margin that matters to the user story. Here the
# clinic gets a ranking of patients that is far better than chance: **go**, with
# the honest expectation printed above: part of the variation explained, not all.
#
# ## Keypoints
#
# - Write the user story first; it fixes the target, the metric and the baseline.
# - Machine learning fits per-case predictions inside applications; reports fit human decisions.
# - Look at inputs and outputs before modelling: scales, skew, class balance, missing values.
# - A dummy baseline and one simple model tell you whether the data can answer the question.
# - A flat validation curve means more of the same data will not help.
# - A score that jumps because of one column is a leak until proven otherwise.
