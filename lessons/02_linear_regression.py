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
# - Read a fitted line and a residual plot.
#
# **Minutes**: 30 (20 teaching, 10 exercises) · **Prerequisites**: lesson 01; numpy arrays.

# %%
import inspect

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.linear_model import LinearRegression

from mlcourse import linear

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

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
axes[0].scatter(x, y, s=8, alpha=0.6)
grid = np.linspace(x.min(), x.max(), 2)
axes[0].plot(grid, m * grid + b, color="tab:red", label=f"y = {m:.0f}x + {b:.0f}")
axes[0].set_xlabel("BMI (scaled)")
axes[0].set_ylabel("progression")
axes[0].set_title("The best line through the data")
axes[0].legend()
residuals = y - (m * x + b)
axes[1].scatter(m * x + b, residuals, s=8, alpha=0.6)
axes[1].axhline(0, color="black", linewidth=1)
axes[1].set_xlabel("prediction")
axes[1].set_ylabel("residual (truth - prediction)")
axes[1].set_title("Residuals: what the line misses")
plt.tight_layout()

# %% [markdown]
# The residuals scatter evenly around zero with no pattern: a straight line is a
# fair summary, but BMI alone leaves most of the variation unexplained.
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
# a bowl, with our `m` at the bottom.

# %%
slopes = np.linspace(m - 1500, m + 1500, 101)
losses = [linear.mse(y, s * x + y.mean() - s * x.mean()) for s in slopes]
fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(slopes, losses)
ax.axvline(m, color="tab:red", linestyle="--", label="closed-form slope")
ax.set_xlabel("slope")
ax.set_ylabel("mean squared error")
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
# ## The closed form
#
# The trick for the intercept: append a column of ones to `X`, so `b` becomes
# one more weight. Then least squares has an exact answer, which
# `np.linalg.lstsq` computes in a numerically stable way. This is the course's
# reference implementation, which your exercise 2.3 will match:

# %%
print(inspect.getsource(linear.fit_least_squares))

# %%
w_hat, b_hat = linear.fit_least_squares(X, y)
sk = LinearRegression().fit(X, y)
difference = max(np.abs(w_hat - sk.coef_).max(), abs(b_hat - sk.intercept_))
print(f"largest difference from scikit-learn's LinearRegression: {difference:.1e}")
assert difference < 1e-8

# %% [markdown]
# Identical to scikit-learn, to rounding error: there is no magic in
# `LinearRegression`, just this algebra. The weights say how much each input
# moves the prediction. Two large weights of opposite sign on related blood
# measurements (s1, s2, s5) are a hint that those inputs overlap: lesson 07's
# regularization tames that.

# %%
fig, ax = plt.subplots(figsize=(6, 3.5))
order = np.argsort(np.abs(w_hat))
ax.barh(np.array(diabetes.feature_names)[order], w_hat[order], color="tab:blue")
ax.set_xlabel("weight (inputs are on the same scale)")
ax.set_title("What the ten-input model learned")
plt.tight_layout()
print("largest weights:", ", ".join(f"{name} {weight:+.0f}" for name, weight in
      sorted(zip(diabetes.feature_names, w_hat), key=lambda pair: -abs(pair[1]))[:3]))
print(f"training MSE: one input {linear.mse(y, m * x + b):.0f}, all ten {linear.mse(y, linear.predict(X, w_hat, b_hat)):.0f}")

# %% [markdown]
# The closed form is exact and fast for a few thousand features. Beyond that,
# or for models that are not linear, there is no formula: lesson 03 finds the
# bottom of the bowl by walking downhill instead.
#
# ## Keypoints
#
# - A linear model predicts y = Xw + b: one weight per input plus an intercept.
# - The mean squared error turns "how good is this line" into one number to minimise.
# - Least squares has a closed form; a column of ones folds the intercept into the weights.
# - Vectorized numpy (`X @ w`) replaces loops over samples and features.
# - Our closed form equals scikit-learn's `LinearRegression` to 1e-8.
