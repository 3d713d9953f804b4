# %% [markdown]
# # 07 · Overfitting: when a model learns the noise
#
# **Questions**
# - Why does a more flexible model do better on training data and worse on new data?
# - How do regularization and early stopping keep a model honest?
# - How do we read a validation curve, and why can a flexible model with a penalty still lose?
#
# **Objectives**
# - Pick a model's capacity (here, a polynomial degree) by validation error.
# - Shrink a flexible model with ridge regularization, choose its strength, and compare it with the
#   chosen degree: both chosen the same way, both scored on the same validation data.
# - Stop training at the epoch with the best validation loss.
#
# **Minutes**: 20 live (12 teaching, 8 exercises) + 5 self-paced · **Prerequisites**: lessons 02, 04 and 06.
#
# A *validation curve* (this lesson) puts capacity on the x axis; a *learning curve* (lesson 01) puts
# the amount of training data there instead. Both read the same way: the gap between the training
# and the validation error is the sign of overfitting.

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import train_test_split, validation_curve
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler
from torch import nn

from mlcourse.reproducible import seed_everything

rng = seed_everything(0)

# %% [markdown]
# ## Capacity against data
#
# Thirty noisy measurements of a smooth curve (noise with standard deviation
# 0.25, so variance 0.0625: even the true curve makes that error on average).
# Fit polynomials of growing degree: a straight line (degree 1) cannot bend
# enough; degree 15, with 16 coefficients for 30 points, bends enough to chase
# the noise.

# %% mystnb={"image": {"alt": "Three panels, each with the same thirty noisy training points and the dotted true curve: the degree-1 line cannot bend to follow the curve, degree 4 follows it closely, and degree 15 wiggles between the points to chase the noise."}}
def curve(x):
    return np.sin(2.5 * x)


x_train = rng.uniform(-1, 1, 30)
y_train = curve(x_train) + rng.normal(0, 0.25, 30)
x_val = rng.uniform(-1, 1, 200)
y_val = curve(x_val) + rng.normal(0, 0.25, 200)


def polynomial(degree, alpha=0.0):
    regression = Ridge(alpha=alpha) if alpha else LinearRegression()
    return make_pipeline(PolynomialFeatures(degree), StandardScaler(), regression)


grid = np.linspace(-1, 1, 300)
fig, axes = plt.subplots(1, 3, figsize=(12, 3.2), sharey=True)
for ax, degree in zip(axes, (1, 4, 15), strict=True):
    model = polynomial(degree).fit(x_train[:, None], y_train)
    ax.scatter(x_train, y_train, s=12, color="black", label="training points")
    ax.plot(grid, curve(grid), color="gray", linestyle=":", label="true curve")
    ax.plot(grid, model.predict(grid[:, None]), color="C0", label=f"degree {degree}")
    ax.set_ylim(-2, 2)
    ax.set_title(f"degree {degree}: validation MSE {mean_squared_error(y_val, model.predict(x_val[:, None])):.3f}")
    ax.set_xlabel("x (input)")
    ax.legend(fontsize=7)
axes[0].set_ylabel("y (target)")
plt.tight_layout()

# %% [markdown]
# The overfitting picture: training error only falls as the degree grows;
# validation error falls, bottoms out, and drifts up again. The bottom is the
# model to keep, and only held-out data can find it. To tell a real difference
# from noise, compare two degrees point by point on the same 200 validation
# points: the mean gap in squared error, with its standard error.

# %% mystnb={"image": {"alt": "Training and validation MSE against polynomial degree, log scale: training error keeps falling, ending below the dashed noise variance, while validation error falls to a bottom at a low degree, marked by a dotted line, and drifts up again on a plateau."}}
def squared_errors(model, x, y):
    return (y - model.predict(x[:, None])) ** 2


def gap(model, baseline):
    """Mean extra squared error of `model` over `baseline` on the validation points, and its standard error."""
    extra = squared_errors(model, x_val, y_val) - squared_errors(baseline, x_val, y_val)
    return extra.mean(), extra.std(ddof=1) / np.sqrt(len(extra))


degrees = np.arange(1, 16)
fitted = {degree: polynomial(degree).fit(x_train[:, None], y_train) for degree in degrees}
errors = {
    "training": [squared_errors(fitted[d], x_train, y_train).mean() for d in degrees],
    "validation": [squared_errors(fitted[d], x_val, y_val).mean() for d in degrees],
}
best_degree = degrees[int(np.argmin(errors["validation"]))]
fig, ax = plt.subplots(figsize=(6, 3.5))
for (name, values), marker in zip(errors.items(), "os", strict=True):
    ax.plot(degrees, values, marker=marker, label=name)
ax.axhline(0.25**2, color="gray", linestyle="--", label="noise variance 0.0625")
ax.axvline(best_degree, color="black", linestyle=":", label=f"lowest validation error: {best_degree}")
ax.set_yscale("log")
ax.set_xlabel("polynomial degree (capacity)")
ax.set_ylabel("loss (MSE)")
ax.set_title(f"Training error keeps falling; validation error is lowest at degree {best_degree}")
ax.legend(fontsize=8)
plt.tight_layout()
print(f"degree 15: training MSE {errors['training'][-1]:.3f}, below the noise variance {0.25**2:.4f}: it fits noise")
print("validation MSE by degree:", " ".join(f"{d}:{e:.3f}" for d, e in zip(degrees, errors["validation"], strict=True)))
for degree in (1, 4, 15):
    mean, se = gap(fitted[degree], fitted[best_degree])
    print(f"degree {degree} vs {best_degree}: {mean:+.4f} ± {se:.4f} (mean extra squared error ± standard error)")

# %% [markdown]
# Read the printed numbers, not just the picture. Degree 15 does not pass
# through its 30 points (16 coefficients cannot), but its training MSE sits far
# below the noise variance: it has bent to follow the noise. The U is gentle:
# validation MSE drops from 0.162 at degree 1 to 0.074 at degree 3, then sits on
# a plateau of about 0.10–0.12 from degree 5 up. Degree 4 is within noise of
# degree 3 (its gap is smaller than its standard error), so either would do;
# degrees 1 and 15 are worse by several standard errors.
#
# ## Regularization: keep the capacity, shrink the weights
#
# Instead of lowering the degree, **ridge** regression keeps degree 15 and adds
# a penalty on the size of the weights, `alpha * sum(w²)`, to the loss. Wild
# curves need large weights, so the penalty tames them. Too small an `alpha` still
# overfits; too large flattens the curve. A validation curve scores each
# `alpha` with 5-fold cross-validation on the 30 training points:

# %% mystnb={"image": {"alt": "Left: training and cross-validated MSE of degree-15 ridge against alpha, log scales: training error rises with alpha, validation error is lowest at the dotted best alpha. Right: the fitted curves for a tiny, the best and a large alpha; the tiny one wiggles, the best one is smooth, the large one is flattened."}}
alphas = np.logspace(-6, 2, 17)
train_scores, val_scores = validation_curve(
    polynomial(15, alpha=1.0), x_train[:, None], y_train, param_name="ridge__alpha", param_range=alphas,
    cv=5, scoring="neg_mean_squared_error",
)
best_alpha = alphas[int(np.argmax(val_scores.mean(axis=1)))]
fig, axes = plt.subplots(1, 2, figsize=(11, 3.5))
axes[0].plot(alphas, -train_scores.mean(axis=1), marker="o", label="training")
axes[0].plot(alphas, -val_scores.mean(axis=1), marker="s", label="validation (5-fold)")
axes[0].axvline(best_alpha, color="black", linestyle=":", label=f"best alpha {best_alpha:.2g}")
axes[0].set_xscale("log")
axes[0].set_yscale("log")
axes[0].set_xlabel("alpha (regularization strength)")
axes[0].set_ylabel("loss (MSE)")
axes[0].set_title("Validation curve for ridge, degree 15")
axes[0].legend()
for alpha, style in ((1e-6, "--"), (best_alpha, "-"), (10.0, ":")):
    model = polynomial(15, alpha).fit(x_train[:, None], y_train)
    axes[1].plot(grid, model.predict(grid[:, None]), style, label=f"alpha {alpha:.2g}: |w| = {np.linalg.norm(model[-1].coef_):.1f}")
axes[1].scatter(x_train, y_train, s=12, color="black", label="training points")
axes[1].set_ylim(-2, 2)
axes[1].set_xlabel("x (input)")
axes[1].set_ylabel("y (target)")
axes[1].set_title("Same degree, shrinking weights")
axes[1].legend(fontsize=8)
plt.tight_layout()
print(f"best alpha by 5-fold CV on the 30 points: {best_alpha:.2g} (CV MSE {-val_scores.mean(axis=1).max():.3f})")

# %% [markdown]
# Did ridge beat choosing the degree? A fair race chooses both knobs the same
# way and scores both on the same points. The degree above was chosen on the
# 200 validation points, `alpha` by cross-validation on the 30 training points:
# not the same race. Run it twice, once per way of choosing, and score on the
# 200 validation points, next to the floor set by the noise (the true curve's
# own error there):

# %%
degree_train, degree_cv = validation_curve(
    polynomial(1), x_train[:, None], y_train, param_name="polynomialfeatures__degree", param_range=degrees,
    cv=5, scoring="neg_mean_squared_error",
)
cv_degree = degrees[int(np.argmax(degree_cv.mean(axis=1)))]
ridge = polynomial(15, best_alpha).fit(x_train[:, None], y_train)
ridges = {alpha: polynomial(15, alpha).fit(x_train[:, None], y_train) for alpha in alphas}
val_alpha = min(alphas, key=lambda alpha: squared_errors(ridges[alpha], x_val, y_val).mean())
races = {
    "chosen by 5-fold CV on the 30 training points": (fitted[cv_degree], f"degree {cv_degree}", ridge, best_alpha),
    "chosen on the 200 validation points (optimistic)": (fitted[best_degree], f"degree {best_degree}", ridges[val_alpha], val_alpha),
}
for how, (plain, degree_name, shrunk, alpha) in races.items():
    mean, se = gap(shrunk, plain)
    print(f"{how}: {degree_name} {squared_errors(plain, x_val, y_val).mean():.3f}, "
          f"ridge alpha {alpha:.2g} {squared_errors(shrunk, x_val, y_val).mean():.3f}; ridge − degree {mean:+.4f} ± {se:.4f}")
print(f"the true curve itself (noise floor): validation MSE {np.mean((y_val - curve(x_val)) ** 2):.3f}")
print(f"best alpha's 5-fold CV estimate on the 30 points: {-val_scores.mean(axis=1).max():.3f}")

# %% [markdown]
# Chosen the same fair way, by cross-validation on the training points, the
# degree and ridge tie: their gap is within its standard error (the first line).
# Chosen on the validation points, plain degree 3 beats the best ridge by
# several standard errors (the second line), but both of those numbers are
# optimistic: each is the best of many candidates scored on the very points it
# is reported on. So ridge loses only in the optimistic race; in the fair one,
# CV on the 30 points picked degree 6 (the first line), which ties with ridge.
# Two things are worth understanding rather than hiding:
#
# - **The penalty shrinks, it does not remove.** All 15 powers of `x` stay in
#   the model with small weights, and with 30 points, small weights are still
#   enough to wiggle between them. Degree 3, when something picks it, removes
#   those directions altogether, and the true curve, `sin(2.5x)` on [−1, 1], is
#   close to a cubic; CV's degree 6 keeps some of them, and does no better than
#   ridge.
# - **Choosing `alpha` on only 30 points cost little.** The `alpha` that is best
#   on the 200 validation points does barely better than the one CV chose
#   (compare the two ridge numbers). What 30 points get wrong is the *estimate*:
#   the best `alpha`'s CV error (the last line) is below the noise variance
#   (0.0625), an error no model can reach on new data on average. With six
#   points per fold and the best of 17 values kept, it is noisy and optimistic.
#
# Regularization is a second knob, not a guaranteed upgrade. Choose the
# candidates (a degree, a penalty, or both) the same way, compare them on the
# same held-out data, and keep what wins there by more than the noise.

# %% [markdown]
# *Self-paced* (5 min): where does the ridge curve go wrong? Compare it with
# degree 3 (the validation points' pick, the optimistic race's winner) and the
# true curve on a fine grid, in the middle of the range and near its
# ends, where `x¹⁵` changes fastest.

# %%
fine = np.linspace(-1, 1, 2001)
middle = np.abs(fine) < 0.8
for name, model in ((f"degree {best_degree}", fitted[best_degree]), ("ridge, degree 15", ridge)):
    off = (model.predict(fine[:, None]) - curve(fine)) ** 2
    print(f"{name:17s} mean squared distance from the true curve: middle {off[middle].mean():.3f}, "
          f"ends (|x| ≥ 0.8) {off[~middle].mean():.3f}")

# %% [markdown]
# The ridge curve is further from the truth in the middle (0.033 against 0.007)
# and near the ends (0.058 against 0.021): its extra bends are spread over the
# whole range, not only at the edges. Try it: draw the 30 training points again
# with other seeds and rerun the two races. How often does ridge lose to the
# degree each way?

# %% [markdown]
# ## Early stopping on a real training curve
#
# Neural networks overfit over *time*: each epoch fits the training data more
# closely, and after a while the validation loss starts to rise. **Early
# stopping** watches the validation loss, keeps the weights of the best epoch,
# and stops after `patience` epochs without improvement. A deliberately large
# network on 300 handwritten digits:

# %%
digits = load_digits()
X_train, X_val, y_train_d, y_val_d = train_test_split(
    digits.data / 16, digits.target, train_size=300, test_size=600, random_state=0, stratify=digits.target
)
X_train, X_val = torch.tensor(X_train, dtype=torch.float32), torch.tensor(X_val, dtype=torch.float32)
y_train_d, y_val_d = torch.tensor(y_train_d), torch.tensor(y_val_d)
network = nn.Sequential(nn.Linear(64, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
optimizer = torch.optim.Adam(network.parameters(), lr=1e-3)
patience, best, best_epoch, best_state, history = 10, float("inf"), 0, None, {"training": [], "validation": []}
for epoch in range(200):
    for batch in torch.randperm(300).split(32):
        optimizer.zero_grad()
        nn.functional.cross_entropy(network(X_train[batch]), y_train_d[batch]).backward()
        optimizer.step()
    with torch.no_grad():
        history["training"].append(nn.functional.cross_entropy(network(X_train), y_train_d).item())
        history["validation"].append(nn.functional.cross_entropy(network(X_val), y_val_d).item())
    if history["validation"][-1] < best:
        best, best_epoch = history["validation"][-1], epoch
        best_state = {name: value.clone() for name, value in network.state_dict().items()}
    elif epoch - best_epoch >= patience:
        break
network.load_state_dict(best_state)
print(f"stopped after epoch {epoch}; kept epoch {best_epoch} (validation loss {best:.3f})")
print(f"from epoch {best_epoch} to {epoch}: training loss {history['training'][best_epoch]:.3f} -> {history['training'][-1]:.3f}, "
      f"validation loss {best:.3f} -> {history['validation'][-1]:.3f}")

# %% mystnb={"image": {"alt": "Training and validation cross-entropy against epoch, log scale: training loss keeps falling, validation loss bottoms out at the dotted kept epoch and creeps up through the shaded patience window, where training stopped."}}
fig, ax = plt.subplots(figsize=(6, 3.5))
for name, values in history.items():
    ax.plot(values, label=name)
ax.axvline(best_epoch, color="black", linestyle=":", label=f"kept: epoch {best_epoch}")
ax.axvspan(best_epoch, epoch, color="gray", alpha=0.15, label=f"patience ({patience} epochs)")
ax.set_yscale("log")
ax.set_xlabel("epoch (passes over the training data)")
ax.set_ylabel("loss (cross-entropy)")
ax.set_title("Validation loss turns up while training loss keeps falling")
ax.legend()
plt.tight_layout()

# %% [markdown]
# The libraries implement this stop, but not all keep the best weights unless
# asked:
#
# - **Keras** `EarlyStopping(patience=...)` stops, but keeps the *last* epoch's
#   weights unless you pass `restore_best_weights=True`. Its `min_delta` sets how
#   much a loss must beat the best so far to count as an improvement.
# - **PyTorch Lightning**'s `EarlyStopping` callback only stops; to keep the best
#   weights, add a `ModelCheckpoint(monitor="val_loss")` callback and load its
#   `best_model_path` after training.
# - **scikit-learn**'s `MLPClassifier(early_stopping=True)` holds out 10 % of
#   the training data, watches the validation *accuracy* (not the loss), stops
#   once more than `n_iter_no_change=10` epochs in a row bring no gain of at
#   least `tol=1e-4`, and does restore the best weights.
#
# ## Keypoints
#
# - Training error always rewards capacity; only held-out data reveals overfitting.
# - Choose capacity (degree, size, depth) by validation error, never by training error.
# - Regularization keeps a flexible model but penalises large weights; choose its strength on held-out data,
#   then race it against the other candidates chosen the *same* way, on the *same* validation set: here, chosen
#   by CV, ridge and the chosen degree tied; a candidate chosen on the validation set looks better than it is.
# - A gap is a difference only when it is larger than its noise: compare models point by point on the same data.
# - Early stopping keeps the weights of the best validation epoch and stops after `patience` epochs without
#   improvement; check that your library really keeps the best weights.
