# %% [markdown]
# # 01 · Problem definition: is this a machine learning problem, and can the data answer it?
#
# **Questions**
# - How does a business need become a prediction target, a metric and a baseline?
# - When is machine learning the right tool, and when is a report enough?
# - How do I check, before building anything big, that the data can support the approach?
#
# **Objectives**
# - Turn a user story into a target, a metric that fits it, a baseline and a go / no-go bar.
# - Look at inputs and outputs: distributions, scales, missing values.
# - Compare a baseline with one simple model across folds, and read a learning curve with its spread.
# - Spot a target leak (a feature too good to be true) using the training rows only.
# - *Self-paced*: measure how large chance is; class balance and a learning curve for a classification problem.
#
# **Minutes**: 30 (20 teaching, 10 exercises: 1.1 and 1.3) + 15 self-paced (how large chance is, the
# classification section, exercise 1.2) · **Prerequisites**: lesson 00.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy.stats import skew, spearmanr
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import make_scorer, mean_absolute_error
from sklearn.model_selection import (
    KFold,
    ShuffleSplit,
    StratifiedKFold,
    cross_val_score,
    cross_validate,
    learning_curve,
    train_test_split,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeRegressor
from threadpoolctl import threadpool_limits

SEED = 0
threadpool_limits(1)  # one linear-algebra thread: these models are small, and two threads only fight over the cores

# %% [markdown]
# ## From a user story to a target, a metric and a bar
#
# Projects start with a need, not a model. Write it as a user story:
#
# > *As a diabetes clinic, I want to know which patients' disease will progress
# > most over the next year, so that I can book them for early follow-up.*
#
# That sentence fixes four things before any code. The clinic does not need
# each patient's exact number: it needs the patients *in the right order*, the
# fastest progressors first. So the main metric measures the order.
#
# | decision | here |
# |---|---|
# | **target**: what to predict | a measure of disease progression one year after the first visit |
# | **metric**: how to judge the predictions | Spearman's rank correlation ρ between predicted and true progression: 1 if the model orders the patients exactly as they turn out, 0 if its order is no better than random. Beside it, the mean absolute error (MAE): how far one prediction is off, in the target's units |
# | **baseline**: what "no skill" scores | the average progression, predicted for everyone. It ranks nobody above anybody (ρ of a constant is not even defined), so booking from it is booking at random, and a random order scores ρ = 0 on average: we give the baseline 0 |
# | **go / no-go bar**, agreed before modelling | go if, across cross-validation folds, the model's ρ beats the baseline's by at least **0.5**, more than the folds' noise could explain. (0.5 is a convention, Cohen's threshold for a "large" correlation. In a real project the team agrees the bar with the clinic, best in the clinic's own terms: how many more of the fastest progressors a booking list must catch than booking at random.) |
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
# (lesson 05 shows how, and why). Note *with what*: the mean and spread of all
# 442 patients. Any test set we cut from these rows has already lent its
# statistics to the scaling of the training rows, a leak made before we got the
# data. Lesson 06 measures how much a leak of this kind matters, and when it does.
# Missing values, the usual trouble of real tables, there are none:

# %%
print(f"{X.shape[0]} patients, {X.shape[1]} inputs, {int(X.isna().sum().sum())} missing values")

# %% [markdown]
# Then the output:

# %% mystnb={"image": {"alt": "Histogram of disease progression after one year, with a dashed line at the mean: the distribution is mildly right-skewed, the mean above the bulk of patients, and no patient is below a floor of 25."}}
print(f"progression: {y.min():.0f} to {y.max():.0f}, median {y.median():.0f}, mean {y.mean():.0f}, "
      f"skewness {skew(y):.2f} (0 for a symmetric distribution)")
fig, ax = plt.subplots(figsize=(6, 3))
ax.hist(y, bins=30, color="C0")
ax.axvline(y.mean(), color="black", linestyle="--", label=f"mean = {y.mean():.0f}")
ax.set_xlabel("disease progression after one year (score)")
ax.set_ylabel("patients (count)")
ax.set_title("The target: mildly right-skewed, with a floor at 25")
ax.legend()
plt.tight_layout()

# %% [markdown]
# The target is mildly right-skewed (skewness 0.44): the mean sits above the
# median, pulled up by fewer patients who progress a lot. No patient is below 25,
# a floor that lesson 02's residual plot will show again.
#
# ## A baseline, then one simple model, across folds
#
# First hold out a test set and put it away: it is scored once, at the very end.
# On the training rows, compare the baseline with one simple model by 5-fold
# cross-validation: five times, fit on four fifths of the rows and score on the
# fifth. Five scores instead of one show how much a score moves by chance.

# %%
def spearman_rho(y_true, y_pred) -> float:
    """Rank correlation: 1 when the predicted order of patients is the true order, 0 for a random order."""
    return spearmanr(y_true, y_pred).statistic


rho = make_scorer(spearman_rho)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=SEED)
folds = KFold(n_splits=5, shuffle=True, random_state=SEED)
model_cv = cross_validate(LinearRegression(), X_train, y_train, cv=folds,
                          scoring={"rho": rho, "mae": "neg_mean_absolute_error"})
baseline_cv = cross_validate(DummyRegressor(strategy="mean"), X_train, y_train, cv=folds,
                             scoring={"mae": "neg_mean_absolute_error"})
per_fold = pd.DataFrame({
    "ρ model": model_cv["test_rho"],
    "ρ baseline": 0.0,  # ρ of a constant is undefined; booking from it is booking at random, which scores 0 on average
    "MAE model": -model_cv["test_mae"],  # scikit-learn maximises scores, so it reports the MAE negated
    "MAE baseline": -baseline_cv["test_mae"],
}, index=pd.RangeIndex(1, 6, name="fold"))
print(per_fold.round(2).to_string())
print(per_fold.agg(["mean", "std"]).round(2).to_string())

# %% [markdown]
# The model orders the patients with ρ = 0.69 ± 0.07 across the folds (mean ±
# standard deviation), 0.60 in its worst fold, against the baseline's 0. The MAE
# tells the other half: a single prediction is still off by about 44 on average,
# against 68 for the baseline. Good enough to rank patients; not to promise one
# patient a number.
#
# ### *Self-paced*: how large is chance?
#
# Is a ρ of 0.60 "far better than chance"? Measure chance: order the patients of
# one fold at random, many times.

# %%
rng = np.random.default_rng(SEED)
fold_size = len(y_train) // 5
chance = [spearman_rho(y_train.iloc[:fold_size], rng.permutation(fold_size)) for _ in range(1000)]
print(f"random orders of {fold_size} patients: ρ {np.mean(chance):+.2f} ± {np.std(chance):.2f} (1000 draws); "
      f"the model's worst fold: {per_fold['ρ model'].min():.2f}")

# %% [markdown]
# Random orders score 0.00 ± 0.13; the model's *worst* fold scores 0.60, more
# than four of those standard deviations above chance.
#
# ## Would more data help? The learning curve
#
# Train on growing shares of the training rows and score each on held-out rows.
# One split per size would give a jagged line whose wiggles are luck, so repeat
# over 20 random splits (`ShuffleSplit`) and draw the mean ± one standard
# deviation as a band: the band shows how much *one* split's score moves by luck.
# Two readings decide whether more data would help:
#
# - **Does the validation curve still rise at the right edge?** The band is the
#   wrong yardstick for a change in the *mean*. Compare the same 20 splits at two
#   sizes instead: the luck a split brings to both sizes cancels, and the standard
#   error of the paired change says how well the mean change is known.
# - **How far below the training curve does it sit?** With more data the training
#   score falls and the validation score rises towards the same value, so the gap
#   between them is roughly the most that more data of the same kind could add.

# %% mystnb={"image": {"alt": "Learning curve of linear regression on the diabetes data: mean Spearman rho over 20 splits, with bands of one standard deviation, against the number of training patients. The validation curve rises, then flattens a little below the training curve."}}
def plot_learning_curve(ax, model, X, y, title, scoring, ylabel):
    """Mean ± std over 20 random splits; returns the sizes and the training and validation scores per split."""
    splits = ShuffleSplit(n_splits=20, test_size=0.2, random_state=SEED)
    sizes, train_scores, val_scores = learning_curve(model, X, y, train_sizes=np.linspace(0.1, 1.0, 6),
                                                     cv=splits, scoring=scoring)
    for scores, name, marker, hatch in ((train_scores, "training", "o", "//"), (val_scores, "validation", "s", "\\\\")):
        mean, std = scores.mean(axis=1), scores.std(axis=1)
        ax.plot(sizes, mean, marker=marker, label=f"{name} (mean ± std)")
        ax.fill_between(sizes, mean - std, mean + std, alpha=0.25, hatch=hatch)
    ax.set_xlabel("training set size (examples)")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(loc="lower right")
    return sizes, train_scores, val_scores


def report_curve(sizes, train_scores, val_scores, cases: str) -> None:
    """Print the validation means by size, the paired change from about half the data to all of it, and the headroom.

    Row i of both score arrays is split i at every size, so the change per split
    cancels the luck the split brings to both sizes.
    """
    val_mean = val_scores.mean(axis=1)
    print("validation mean by training size:", ", ".join(f"{n}: {m:.3f}" for n, m in zip(sizes, val_mean, strict=True)))
    half = int(np.argmin(np.abs(sizes - sizes[-1] / 2)))
    change = val_scores[-1] - val_scores[half]
    standard_error = change.std(ddof=1) / np.sqrt(len(change))
    print(f"{sizes[half]} -> {sizes[-1]} {cases} ({sizes[-1] / sizes[half]:.1f}x): validation {change.mean():+.4f} "
          f"± {standard_error:.4f} (mean ± standard error of the change in the same {len(change)} splits), "
          f"up in {(change > 0).sum()} of them")
    train_last = train_scores[-1].mean()
    print(f"at {sizes[-1]} {cases}: training {train_last:.3f}, validation {val_mean[-1]:.3f}, "
          f"headroom {train_last - val_mean[-1]:.3f}")


fig, ax = plt.subplots(figsize=(6, 3.5))
curve = plot_learning_curve(ax, LinearRegression(), X_train, y_train, "Diabetes: linear regression", rho,
                            "Spearman ρ (rank correlation)")
plt.tight_layout()
report_curve(*curve, "patients")

# %% [markdown]
# The validation curve rises from 0.611 (26 patients) to 0.685 (121), then
# flattens. From 121 to 264 patients, 2.2 times as many, the same splits gain
# +0.010 ± 0.005 (mean ± standard error; up in 13 of the 20): a small rise. And
# the training curve leaves about 0.03 of headroom (0.726 against 0.695). So the
# limit is the model and the inputs, not the number of patients: more patients
# of the same kind would add a few hundredths of ρ at most.
#
# ## Too good to be true: a target leak
#
# A colleague adds a column from the follow-up visit, an HbA1c blood test taken
# *one year later*. It is measured after the outcome, so it will not exist when
# the clinic needs the prediction, at the first visit. Watch the score (same
# folds, training rows only):

# %%
leak_rng = np.random.default_rng(SEED + 1)
leaky = X.assign(hba1c_followup=np.log(y) + leak_rng.normal(0, 0.05, len(y)))
Xl_train, Xl_test = train_test_split(leaky, test_size=0.25, random_state=SEED)  # the same rows as X_train
with_leak = cross_val_score(LinearRegression(), Xl_train, y_train, cv=folds, scoring=rho).mean()
print(f"cross-validated ρ with the follow-up column: {with_leak:.3f}; without: {model_cv['test_rho'].mean():.3f}")

# %% [markdown]
# A jump like that from one column should make you suspicious, not happy. To find
# the culprit, score each column *alone* with a small model. A small tree sees
# curved relations too, which a correlation would miss. The hunt decides which
# column to drop, a modelling decision, so it uses the **training rows only**:
# deciding with the test rows would let the test set shape the model (lesson 06,
# rule 2).

# %% mystnb={"image": {"alt": "Horizontal bars of the cross-validated R² of a small tree on each column alone: the follow-up HbA1c column stands far above every real input, the mark of a leak."}}
tree = DecisionTreeRegressor(max_depth=4, random_state=SEED)
alone = pd.Series({column: cross_val_score(tree, Xl_train[[column]], y_train, cv=folds).mean()
                   for column in Xl_train.columns})
ax = alone.sort_values().plot.barh(figsize=(6, 3.5), color="C0")
ax.set_xlabel("R² of a small tree on this column alone (5-fold CV, training rows)")
ax.set_ylabel("column")
ax.set_title("One column predicts the target on its own: a leak")
plt.tight_layout()
print(f"best single column: {alone.idxmax()} (R² {alone.max():.3f}); next best: {alone.drop(alone.idxmax()).max():.3f}")

# %% [markdown]
# (R², the share of the target's variation a model explains, is scikit-learn's
# default score for regression: 1 is perfect, 0 is the baseline, below 0 is
# worse than the baseline.) Removing the leak brings the score back to the
# honest value, what the model can really do at the first visit:

# %%
honest = cross_val_score(LinearRegression(), Xl_train.drop(columns=alone.idxmax()), y_train, cv=folds, scoring=rho).mean()
print(f"cross-validated ρ before removing {alone.idxmax()}: {with_leak:.3f}, after: {honest:.3f}")

# %% [markdown]
# ## Go or no-go?
#
# Now put the numbers next to the bar set at the start: a gain in ρ of at least
# 0.5 over the baseline, beyond what the folds' noise could explain.

# %%
gain = per_fold["ρ model"] - per_fold["ρ baseline"]
print(f"gain in ρ over the baseline, per fold: {gain.round(2).tolist()}; required: 0.5")
print(f"mean {gain.mean():.2f} ± {gain.std():.2f} (std across folds), worst fold {gain.min():.2f}, best {gain.max():.2f}")

# %% [markdown]
# The gain is 0.60 to 0.78 across the folds, 0.69 ± 0.07 on average, against a
# bar of 0.5. The verdict: **go**. How much of the fold-to-fold spread a verdict
# must allow for is your decision in exercise 1.3. Had the gain not cleared the
# bar beyond the noise, the honest verdict would be "not shown": more data,
# better features, or a different question.
#
# Only now, once, score the chosen model on the test set, and translate it into
# the clinic's terms: if the clinic books the quarter of patients the model
# ranks highest, how many of them are truly among the quarter who progress most?

# %%
final = LinearRegression().fit(X_train, y_train)
predicted = final.predict(X_test)
booked = round(len(y_test) / 4)
fastest = set(np.argsort(-y_test.to_numpy())[:booked])
hits = len(set(np.argsort(-predicted)[:booked]) & fastest)
baseline_mae = mean_absolute_error(y_test, np.full(len(y_test), y_train.mean()))
print(f"test set, scored once ({len(y_test)} patients): ρ {spearman_rho(y_test, predicted):.2f}, "
      f"MAE {mean_absolute_error(y_test, predicted):.1f} (baseline {baseline_mae:.1f})")
print(f"booking the {booked} ranked highest: {hits} are among the {booked} who progress most")
booking_rng = np.random.default_rng(SEED + 2)
random_hits = np.array([len(fastest & set(booking_rng.choice(len(y_test), booked, replace=False)))
                        for _ in range(10_000)])
print(f"booking {booked} at random (10,000 lists): {random_hits.mean():.1f} ± {random_hits.std():.1f} caught; "
      f"{hits} or more in {np.mean(random_hits >= hits):.1%} of the lists")

# %% [markdown]
# On the test patients ρ is 0.62: within the range of the folds (0.60 to 0.78)
# and above the bar. The model's booking list catches 12 of the 28 fastest
# progressors; random lists catch 7.1 ± 2.0, and only 1.5 % of them catch 12 or
# more. That is the honest expectation to give the clinic: a clearly better list
# than chance, and far from a perfect one (28 of 28). Exercise 1.3 turns this decision into a function.
#
# ## *Self-paced*: a classification problem
#
# For a classification problem, look first at the *class balance*: if 90 % of
# cases are one class, a model that always says that class is 90 % accurate and
# useless. The breast cancer set (tumours described by 30 measurements each) is
# our example:

# %%
cancer = load_breast_cancer(as_frame=True)
balance = cancer.target.map(dict(enumerate(cancer.target_names))).value_counts()
print(balance.to_string(), f"\nmajority share: {balance.max() / balance.sum():.1%}")

# %% [markdown]
# The baseline here is the majority class; the simple model a logistic
# regression on standardized inputs (the `liblinear` solver is quick on small
# tables). Same recipe: a test set put away, folds on the training rows.

# %% mystnb={"image": {"alt": "Learning curve of logistic regression on the breast cancer data: mean accuracy over 20 splits, with bands of one standard deviation, against the number of training tumours. Validation accuracy rises quickly, then stays flat just below the training curve."}}
Xc_train, Xc_test, yc_train, yc_test = train_test_split(
    cancer.data, cancer.target, test_size=0.25, random_state=SEED, stratify=cancer.target
)
classifier = make_pipeline(StandardScaler(), LogisticRegression(solver="liblinear"))
class_folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED)
for name, model in (("majority class", DummyClassifier(strategy="most_frequent")), ("logistic regression", classifier)):
    scores = cross_val_score(model, Xc_train, yc_train, cv=class_folds)
    print(f"{name:>19}: accuracy {scores.mean():.3f} ± {scores.std():.3f} across 5 folds")

fig, ax = plt.subplots(figsize=(6, 3.5))
curve = plot_learning_curve(ax, classifier, Xc_train, yc_train, "Breast cancer: logistic regression", "accuracy",
                            "accuracy (share correct)")
plt.tight_layout()
report_curve(*curve, "tumours")

# %% [markdown]
# The classifier beats the majority class by far more than the folds' spread
# (0.981 ± 0.012 against 0.627 ± 0.005). Its learning curve rises from 0.951
# (34 tumours) to 0.977 (95), then stays between 0.977 and 0.979. From 156 to 340
# tumours the same splits change by −0.002 ± 0.004: no rise at all. The training
# curve (0.991) leaves only 0.014 of headroom. More tumours of the same kind
# would not help. A wiggle of a tenth of a point between two sizes is luck, not a
# trend.
#
# ## Keypoints
#
# - Write the user story first; it fixes the target, the metric, the baseline and the bar to clear.
# - Pick the metric the story needs: a ranking story needs a ranking metric (Spearman ρ), plus an error in the target's units (MAE).
# - Machine learning fits per-case predictions inside applications; reports fit human decisions.
# - Look at inputs and outputs before modelling: scales (and who computed them), skew, floors, class balance, missing values.
# - Compare a baseline and one simple model across the same folds: a difference the folds' noise could explain is no difference.
# - Read a learning curve over many splits: the change between two sizes, on the same splits, says whether it still rises; the gap to the training curve roughly bounds what more of the same data could add.
# - A score that jumps because of one column is a leak until proven otherwise; hunt it on the training rows only.
