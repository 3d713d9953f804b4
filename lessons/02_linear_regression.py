# %% [markdown]
# # 02 · Linear regression: the first model, by hand
#
# **Questions**
# - What does "fitting a line" mean, exactly, and how does it grow to many inputs?
# - What is a loss function, and how do we find the parameters that minimise it?
# - Does our hand-made fit agree with scikit-learn?
#
# **Objectives**
# - Write a linear model as y = Xw + b with matrices, for any number of inputs.
# - Measure a fit with the mean squared error, and find its minimum in closed form.
# - Read a fitted line and a residual plot: centre, spread, edges.
# - Tell a fit that is better on its training rows from one that is better on new rows.
#
# **Minutes**: self-paced, 30 (20 reading, 10 exercises), best done before the day ·
# **Prerequisites**: lesson 01; numpy arrays.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.datasets import load_diabetes
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from mlcourse import linear

threadpool_limits(1)  # one linear-algebra thread: these fits are small, and two threads only fight over the cores
diabetes = load_diabetes(as_frame=True)
X_all, y = diabetes.data, diabetes.target.to_numpy()

# %% [markdown]
# ## One input: y = mx + b
#
# Start with a single input, the body mass index (BMI, scaled), and the disease
# progression of lesson 01. A line has a slope `m` and an intercept `b`. For one
# input, the best line (in the squared-error sense) has a formula: the slope is
# the covariance of x and y over the variance of x, and the line passes through
# the two means.

# %%
x = X_all["bmi"].to_numpy()
m = np.cov(x, y, ddof=0)[0, 1] / np.var(x)
b = y.mean() - m * x.mean()
print(f"slope m = {m:.1f}, intercept b = {b:.1f}")

# %% mystnb={"image": {"alt": "Left: progression against scaled BMI, with the best straight line rising through the cloud. Right: residuals against prediction, a funnel that widens to the right, its lower edge following the dashed floor line."}}
fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
axes[0].scatter(x, y, s=8, alpha=0.6)
grid = np.linspace(x.min(), x.max(), 2)
axes[0].plot(grid, m * grid + b, color="C1", label=f"y = {m:.0f}x + {b:.0f}")
axes[0].set_xlabel("BMI (scaled)")
axes[0].set_ylabel("progression (score)")
axes[0].set_title("The best line through the data")
axes[0].legend()
prediction = m * x + b
residuals = y - prediction
axes[1].scatter(prediction, residuals, s=8, alpha=0.6)
axes[1].axhline(0, color="black", linewidth=1)
span = np.array([prediction.min(), prediction.max()])
axes[1].plot(span, y.min() - span, color="C1", linestyle="--", label=f"floor: {y.min():.0f} - prediction")
axes[1].set_xlabel("predicted progression (score)")
axes[1].set_ylabel("residual, truth - prediction (score)")
axes[1].set_title("Residuals: wider to the right, above a floor")
axes[1].legend(loc="lower left")
plt.tight_layout()

# %% [markdown]
# A residual plot answers three questions. Is the cloud **centred** on zero
# everywhere (if not, the line misses a curve)? Is its **spread** the same
# everywhere? Does it have hard **edges**? Numbers first, per third of the
# predictions:

# %%
third = pd.qcut(prediction, 3, labels=["lowest", "middle", "highest"])
by_third = pd.Series(residuals).groupby(third, observed=True).agg(["count", "mean", "std", "min", "max"])
by_third.insert(0, "predictions", [f"{prediction[third == t].min():.0f} to {prediction[third == t].max():.0f}"
                                   for t in by_third.index])
print(by_third.round(1).to_string())
print(f"smallest target: {y.min():.0f}, so no residual can lie below {y.min():.0f} - prediction")
print(f"R² of the BMI line: {1 - np.mean(residuals**2) / np.var(y):.2f} "
      "(the share of the variation in progression the line explains)")

# %% [markdown]
# - **Centre**: the mean residual is within a few units of zero in every third:
#   the line misses no obvious curve.
# - **Spread**: not even. The residuals spread by about 50 (their standard
#   deviation) in the lowest third of predictions and about 68 in the other two:
#   a *funnel*, wider to the right.
#   Patients predicted to progress more are also predicted less precisely. They
#   contribute most to the squared error, and an error bar of one fixed width
#   would be too wide on the left and too narrow on the right.
#   (Statisticians call this heteroscedasticity. Modelling the logarithm of the
#   target, or the spread itself, are the usual remedies.)
# - **Edges**: the bottom of the cloud slopes down from left to right, like the
#   dashed line. No patient progresses less than 25, so a residual can
#   never be below 25 − prediction: the lowest residual is −81 in the lowest
#   third and −165 in the highest. A straight edge in a residual plot usually
#   means a bound on the target, not a property of the model.
#
# So a straight line is a fair first summary, with uneven noise. And BMI alone
# leaves most of the variation unexplained: the line explains a share R² = 0.34
# of it (lesson 01's R²: 1 is perfect, 0 is the average for everyone).
#
# ## How wrong is a line? The loss
#
# To compare lines we need one number per line: the **mean squared error**,
# the average of the squared residuals. Squaring makes every miss positive and
# punishes big misses more. "The best line" means the one with the smallest loss,
#
# $$\arg\min_{w,b} \; \frac{1}{n}\sum_i (w x_i + b - y_i)^2 .$$
#
# Slide the slope away from the best value and the loss rises on both sides:
# a bowl. To draw it in one dimension, the intercept is re-fitted for each slope
# (the best intercept for slope `s` is `mean(y) - s * mean(x)`). That makes it a
# *profile* of the loss over (slope, intercept), and it is why its minimum sits
# exactly at the closed-form `m`.

# %% mystnb={"image": {"alt": "Mean squared error against the slope, the intercept re-fitted for each slope: a bowl whose bottom sits exactly at the dashed line of the closed-form slope."}}
slopes = np.linspace(m - 1500, m + 1500, 101)
losses = [linear.mse(y, s * x + y.mean() - s * x.mean()) for s in slopes]
fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(slopes, losses)
ax.axvline(m, color="C3", linestyle="--", label="closed-form slope")
ax.set_xlabel("slope (progression per unit of scaled BMI)")
ax.set_ylabel("loss (MSE, best intercept per slope)")
ax.set_title("The loss is a bowl; the best slope sits at the bottom")
ax.legend()
plt.tight_layout()

# %% [markdown]
# ## More inputs: y = w₁x₁ + w₂x₂ + … + b = Xw + b
#
# With two inputs the line becomes a plane, y = w₁x₁ + w₂x₂ + b. With all ten,
# writing each term out is tedious; matrices say it at once. Stack the samples
# as rows of a matrix `X` of shape (n, d), the weights as a vector `w` of shape
# (d,): then `X @ w + b` computes all n predictions in one operation. That is
# *vectorization*: no Python loop, and numpy runs it in optimised C.

# %%
X = X_all.to_numpy()
w = np.ones(X.shape[1])
print(f"X {X.shape} @ w {w.shape} + b -> predictions {(X @ w + 1.0).shape}")

# %% [markdown]
# ## The closed form: the normal equations
#
# The trick for the intercept: append a column of ones to `X`. Call the result
# `A`, of shape (n, d + 1), and stack the weights and the intercept into one
# vector θ = (w₁, …, w_d, b). Then all n predictions are `A θ`, and the loss is
#
# $$L(\theta) = \frac{1}{n}\lVert A\theta - y\rVert^2
#   = \frac{1}{n}\left(\theta^\top A^\top A\,\theta - 2\,\theta^\top A^\top y + y^\top y\right).$$
#
# This is a bowl in d + 1 dimensions. At its bottom the slope is zero in every
# direction, that is, the gradient vanishes:
#
# $$\nabla L(\theta) = \frac{2}{n}\left(A^\top A\,\theta - A^\top y\right) = 0
#   \quad\Longleftrightarrow\quad A^\top A\,\theta = A^\top y .$$
#
# These are the **normal equations**: d + 1 linear equations in d + 1 unknowns.
# `AᵀA` is invertible, and the solution unique, exactly when `A` has full column
# rank: no column of `A`, the column of ones included, is an exact combination of
# the others. That needs at least as many samples as unknowns (n ≥ d + 1), and
# rules out, for instance, an input that is constant. (With one input the normal
# equations reduce to the slope and intercept formulas above.) How to solve them
# well is exercise 2.3; a hint: forming `AᵀA` squares the condition number of
# `A`, so numerical libraries prefer to solve the least-squares problem
# `min ‖Aθ − y‖` directly.
#
# The course's reference implementation, `linear.fit_least_squares`, does it for
# all ten inputs. Compare it with scikit-learn:

# %%
w_hat, b_hat = linear.fit_least_squares(X, y)
sk = LinearRegression().fit(X, y)
difference = max(np.abs(w_hat - sk.coef_).max(), abs(b_hat - sk.intercept_))
print(f"largest difference from scikit-learn's LinearRegression: {difference:.1e}")
assert difference < 1e-8

# %% [markdown]
# Identical to scikit-learn, to rounding error: there is no magic in
# `LinearRegression`, just this algebra. The weights say how much each input
# moves the prediction:

# %% mystnb={"image": {"alt": "Horizontal bars of the ten weights, sorted by size: the largest sit on blood measurements, s1 negative and s5 positive, and s1 and s2, nearly the same measurement, get large weights of opposite sign."}}
fig, ax = plt.subplots(figsize=(6, 3.5))
order = np.argsort(np.abs(w_hat))
ax.barh(np.array(diabetes.feature_names)[order], w_hat[order], color="C0")
ax.set_xlabel("weight (progression per unit of input; inputs are on the same scale)")
ax.set_ylabel("input")
ax.set_title("What the ten-input model learned")
plt.tight_layout()
weights = pd.Series(w_hat, index=diabetes.feature_names)
print("largest weights:", ", ".join(f"{name} {weight:+.0f}" for name, weight in
      weights.reindex(weights.abs().sort_values(ascending=False).index)[:3].items()))
print(f"blood measurements: s1 {weights['s1']:+.0f}, s2 {weights['s2']:+.0f}, s5 {weights['s5']:+.0f}; "
      f"correlation of s1 with s2 {X_all['s1'].corr(X_all['s2']):.2f}, with s5 {X_all['s1'].corr(X_all['s5']):.2f}")

# %% [markdown]
# Large weights of opposite sign sit on related blood measurements: s1 gets −792
# and s2 +477, yet s1 and s2 correlate at 0.90, nearly the same measurement
# pulled in opposite directions (s5, +751, correlates with s1 at 0.52). When
# inputs overlap like that, the fit can move weight from one to the other at
# little cost in error, so large opposite weights are a sign of overlap, not of
# two strong opposite effects. Lesson 07's regularization tames that.

# %% [markdown]
# ## Are ten inputs better than one? Ask rows the fit has not seen
#
# Adding inputs can never make the *training* error worse: the bigger model
# could always set the new weights to zero and be the smaller one. So the
# training error always says "more is better", even when the new inputs are
# noise. To see what an input is worth, fit on three quarters of the patients and
# measure the error on the quarter the fit has not seen, the *validation* rows.
# One split is one draw of luck, so repeat over 20 random splits, each candidate
# on the same split. Three candidates: BMI alone, all ten inputs, and all ten plus
# 100 columns of pure random noise.

# %%
rng = np.random.default_rng(0)
candidates = {
    "BMI only": X_all[["bmi"]].to_numpy(),
    "all ten inputs": X,
    "ten inputs + 100 noise columns": np.hstack([X, rng.normal(0, X.std(), size=(len(X), 100))]),  # same scale, no signal
}
rows = []
for split in range(20):
    for name, inputs in candidates.items():
        inputs_train, inputs_val, y_train, y_val = train_test_split(inputs, y, test_size=0.25, random_state=split)
        w_fit, b_fit = linear.fit_least_squares(inputs_train, y_train)
        rows.append({"split": split, "candidate": name,
                     "training MSE": linear.mse(y_train, linear.predict(inputs_train, w_fit, b_fit)),
                     "validation MSE": linear.mse(y_val, linear.predict(inputs_val, w_fit, b_fit))})
scores = pd.DataFrame(rows)
by_candidate = scores.groupby("candidate", sort=False)
summary = pd.DataFrame({"training MSE": by_candidate["training MSE"].mean(),
                        "validation MSE": by_candidate["validation MSE"].mean(),
                        "± std": by_candidate["validation MSE"].std()})
print(f"mean over {scores['split'].nunique()} splits (± the validation MSE's std across them):")
print(summary.round(0).to_string())
validation = scores.pivot(index="split", columns="candidate", values="validation MSE")
ten_beats_bmi = (validation["all ten inputs"] < validation["BMI only"]).sum()
noise_hurts = (validation["ten inputs + 100 noise columns"] > validation["all ten inputs"]).sum()
print(f"ten inputs better than BMI only in {ten_beats_bmi} of {len(validation)} splits; "
      f"the noise columns worse than without them in {noise_hurts} of {len(validation)}")

# %% [markdown]
# The training MSE falls at every step, also when the 100 added columns are pure
# noise (2839 to 1976, on average). The validation MSE tells the truth: ten
# inputs beat BMI alone on new patients too (3009 ± 237 against 3867 ± 462,
# better in 20 of the 20 splits), while the noise columns raise it to
# 4452 ± 500, worse than without them in 20 of 20. Judge a model on rows it has
# not seen, and over more than one split.
# Lesson 07 studies this gap (overfitting) and how to choose between models
# without fooling yourself.
#
# The closed form is exact and fast for a few thousand features. Beyond that,
# or for models that are not linear, there is no formula: lesson 03 finds the
# bottom of the bowl by walking downhill instead.
#
# ## Keypoints
#
# - A linear model predicts y = Xw + b: one weight per input plus an intercept.
# - The mean squared error turns "how good is this line" into one number to minimise.
# - Read a residual plot for its centre, its spread (here a funnel) and its edges (here the target's floor).
# - Least squares has a closed form, the normal equations AᵀAθ = Aᵀy; a column of ones folds the intercept into the weights.
# - Vectorized numpy (`X @ w`) replaces loops over samples and features.
# - Our closed form equals scikit-learn's `LinearRegression` to 1e-8.
# - More inputs never raise the training error; only validation rows, over several splits, show whether they help.
