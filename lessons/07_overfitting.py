# %% [markdown]
# # 07 · Overfitting: when a model learns the noise
#
# **Questions**
# - Why does a more flexible model do better on training data and worse on new data?
# - How do regularization and early stopping keep a model honest?
# - How do we read learning and validation curves?
#
# **Objectives**
# - Pick a model's capacity (here, a polynomial degree) by validation error.
# - Shrink a flexible model with ridge regularization and choose its strength.
# - Stop training at the epoch with the best validation loss.
#
# **Minutes**: 25 (15 teaching, 10 exercises) · **Prerequisites**: lessons 02, 04 and 06.

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
# Thirty noisy measurements of a smooth curve. Fit polynomials of growing
# degree: a straight line (degree 1) cannot bend enough, degree 15 can pass
# through every training point, noise included.

# %%
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
for ax, degree in zip(axes, (1, 4, 15)):
    model = polynomial(degree).fit(x_train[:, None], y_train)
    ax.scatter(x_train, y_train, s=12, color="black", label="training points")
    ax.plot(grid, curve(grid), color="gray", linestyle=":", label="true curve")
    ax.plot(grid, model.predict(grid[:, None]), color="tab:red", label=f"degree {degree}")
    ax.set_ylim(-2, 2)
    ax.set_title(f"degree {degree}: validation MSE {mean_squared_error(y_val, model.predict(x_val[:, None])):.3f}")
    ax.set_xlabel("x")
    ax.legend(fontsize=7)
axes[0].set_ylabel("y")
plt.tight_layout()

# %% [markdown]
# The overfitting picture: training error only falls as the degree grows;
# validation error falls, bottoms out, and climbs again. The bottom is the model
# to keep, and only validation data can find it.

# %%
degrees = np.arange(1, 16)
errors = {"training": [], "validation": []}
for degree in degrees:
    model = polynomial(degree).fit(x_train[:, None], y_train)
    errors["training"].append(mean_squared_error(y_train, model.predict(x_train[:, None])))
    errors["validation"].append(mean_squared_error(y_val, model.predict(x_val[:, None])))
best_degree = degrees[int(np.argmin(errors["validation"]))]
fig, ax = plt.subplots(figsize=(6, 3.5))
for name, values in errors.items():
    ax.plot(degrees, values, "o-", label=name)
ax.axvline(best_degree, color="black", linestyle=":", label=f"best by validation: {best_degree}")
ax.set_yscale("log")
ax.set_xlabel("polynomial degree (capacity)")
ax.set_ylabel("MSE")
ax.set_title("Training error keeps falling; validation error turns up")
ax.legend()
plt.tight_layout()

# %% [markdown]
# ## Regularization: keep the capacity, shrink the weights
#
# Instead of lowering the degree, **ridge** regression keeps degree 15 and adds
# a penalty on the size of the weights, `alpha * sum(w²)`, to the loss. Wild
# curves need huge weights, so the penalty tames them. Too small an `alpha` still
# overfits; too large flattens the curve. A **validation curve** scores each
# `alpha` with cross-validation on the training data:

# %%
alphas = np.logspace(-6, 2, 17)
train_scores, val_scores = validation_curve(
    polynomial(15, alpha=1.0), x_train[:, None], y_train, param_name="ridge__alpha", param_range=alphas,
    cv=5, scoring="neg_mean_squared_error",
)
best_alpha = alphas[int(np.argmax(val_scores.mean(axis=1)))]
fig, axes = plt.subplots(1, 2, figsize=(11, 3.5))
axes[0].plot(alphas, -train_scores.mean(axis=1), "o-", label="training")
axes[0].plot(alphas, -val_scores.mean(axis=1), "o-", label="validation (5-fold)")
axes[0].axvline(best_alpha, color="black", linestyle=":", label=f"best alpha {best_alpha:.0e}")
axes[0].set_xscale("log")
axes[0].set_yscale("log")
axes[0].set_xlabel("alpha (regularization strength)")
axes[0].set_ylabel("MSE")
axes[0].set_title("Validation curve for ridge, degree 15")
axes[0].legend()
for alpha, style in ((1e-6, "--"), (best_alpha, "-"), (10.0, ":")):
    model = polynomial(15, alpha).fit(x_train[:, None], y_train)
    axes[1].plot(grid, model.predict(grid[:, None]), style, label=f"alpha {alpha:.0e}: |w| = {np.linalg.norm(model[-1].coef_):.1f}")
axes[1].scatter(x_train, y_train, s=12, color="black")
axes[1].set_ylim(-2, 2)
axes[1].set_xlabel("x")
axes[1].set_title("Same degree, shrinking weights")
axes[1].legend(fontsize=8)
plt.tight_layout()

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

# %%
fig, ax = plt.subplots(figsize=(6, 3.5))
for name, values in history.items():
    ax.plot(values, label=name)
ax.axvline(best_epoch, color="black", linestyle=":", label=f"kept: epoch {best_epoch}")
ax.axvspan(best_epoch, epoch, color="gray", alpha=0.15, label=f"patience ({patience} epochs)")
ax.set_yscale("log")
ax.set_xlabel("epoch")
ax.set_ylabel("cross-entropy loss")
ax.set_title("Validation loss turns up while training loss keeps falling")
ax.legend()
plt.tight_layout()

# %% [markdown]
# Keras (`EarlyStopping`), PyTorch Lightning and scikit-learn's
# `MLPClassifier(early_stopping=True)` all implement this loop.
#
# ## Keypoints
#
# - Training error always rewards capacity; only held-out data reveals overfitting.
# - Choose capacity (degree, size, depth) by validation error, never by training error.
# - Regularization keeps a flexible model but penalises large weights; choose its strength on validation data.
# - Early stopping keeps the weights of the best validation epoch and stops after `patience` epochs without improvement.
