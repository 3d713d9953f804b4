# %% [markdown]
# # 10 · Hyperparameter tuning: searching for the settings that train the best model
#
# **Questions**
# - Which settings are hyperparameters, and what range should we search?
# - Why does random search beat grid search, and what does Bayesian optimization add?
# - How do we tune without fooling ourselves?
#
# **Objectives**
# - Write a search space, with the learning rate on a log scale.
# - Compare grid, random and Bayesian (TPE) search at the same budget.
# - Prune hopeless trials early, and score the test set once, at the end.
#
# **Minutes**: 30 (15 teaching, 15 exercises) · **Prerequisites**: lessons 06 and 09.

# %%
import matplotlib.pyplot as plt
import numpy as np
import optuna

from mlcourse import data, paper, tuning
from mlcourse.reproducible import seed_everything

seed_everything(0)
optuna.logging.set_verbosity(optuna.logging.WARNING)
BUDGET = 16  # trials per search strategy

d = data.load_mnist1d()
X_train, y_train, X_val, y_val = d["x"][:3000], d["y"][:3000], d["x"][3000:], d["y"][3000:]  # the test set waits
objective = tuning.make_objective(X_train, y_train, X_val, y_val)

# %% [markdown]
# ## The search space
#
# Hyperparameters are the settings training does not learn: here, for the MLP
# of lesson 09, the learning rate, the activation function and the dropout rate
# (the share of units switched off at random during training, a regularizer).
# The class's space:
#
# | hyperparameter | search space |
# |---|---|
# | learning rate | from 1e-4 to 1e-1 |
# | activation | relu or sigmoid |
# | dropout | uniform from 0.1 to 0.9 |
#
# *Why search the learning rate on a log scale?* Its effect depends on its order
# of magnitude, not its digits: 0.0001 and 0.001 differ as much as 0.01 and 0.1.
# Sweep it and see where the good values live:

# %%
rates = np.logspace(-4, -1, 10)
sweep = [objective(optuna.trial.FixedTrial({"lr": lr, "activation": "relu", "dropout": 0.1})) for lr in rates]
fig, axes = plt.subplots(1, 2, figsize=(11, 3.3))
for ax, scale in zip(axes, ("linear", "log")):
    ax.plot(rates, sweep, "o-")
    ax.set_xscale(scale)
    ax.set_xlabel(f"learning rate ({scale} axis)")
    ax.set_ylabel("validation accuracy")
uniform_share = np.mean(np.random.default_rng(0).uniform(1e-4, 1e-1, 10_000) < 1e-2)
axes[0].set_title(f"Uniform draws: only {uniform_share:.0%} fall below 0.01")
axes[1].set_title("Log axis: every decade gets its share")
plt.tight_layout()

# %% [markdown]
# ## Grid or random? Bergstra and Bengio's picture
#
# Often only a few hyperparameters matter much, and we do not know which in
# advance. Take a made-up score that depends strongly on `x` and hardly on `y`.
# Nine grid points try only three values of `x`; nine random points try nine.

# %%
def made_up_score(x, y):
    return np.exp(-((x - 0.63) ** 2) / 0.01) + 0.05 * y


rng = np.random.default_rng(0)
grid_points = np.array([(x, y) for x in (0.2, 0.5, 0.8) for y in (0.2, 0.5, 0.8)])
random_points = rng.uniform(0, 1, (9, 2))
fig, axes = plt.subplots(1, 2, figsize=(9, 4), sharey=True)
xs = np.linspace(0, 1, 200)
for ax, points, name in zip(axes, (grid_points, random_points), ("grid", "random")):
    ax.scatter(points[:, 0], points[:, 1], color="tab:blue")
    ax.plot(xs, 0.05 + 0.25 * np.exp(-((xs - 0.63) ** 2) / 0.01), color="tab:green", label="effect of x (important)")
    ax.set_xlabel("x (important)")
    best = made_up_score(points[:, 0], points[:, 1]).max()
    ax.set_title(f"{name}: {len(set(np.round(points[:, 0], 6)))} distinct x, best score {best:.2f}")
    ax.legend(loc="upper left", fontsize=8)
axes[0].set_ylabel("y (unimportant)")
plt.tight_layout()

# %% [markdown]
# ## Three strategies, one budget
#
# Optuna runs each search. A **grid** over a few values per setting; **random**
# search; and **TPE** (Tree-structured Parzen Estimator), a form of Bayesian
# optimization: after a few random trials, it models which regions scored well
# and samples more there. Same objective, same number of trials each.

# %%
grid = optuna.samplers.GridSampler(
    {"lr": [1e-4, 1e-3, 1e-2, 1e-1], "activation": ["relu", "sigmoid"], "dropout": [0.1, 0.5]}, seed=0
)
samplers = {"grid": grid, "random": optuna.samplers.RandomSampler(seed=0),
            "TPE (Bayesian)": optuna.samplers.TPESampler(seed=0, n_startup_trials=5)}
studies = {}
for name, sampler in samplers.items():
    studies[name] = optuna.create_study(direction="maximize", sampler=sampler)
    studies[name].optimize(objective, n_trials=BUDGET)

fig, ax = plt.subplots(figsize=(6.5, 3.8))
for name, study in studies.items():
    values = [t.value for t in study.trials]
    ax.plot(range(1, len(values) + 1), np.maximum.accumulate(values), "o-", markersize=3, label=name)
ax.set_xlabel("trial")
ax.set_ylabel("best validation accuracy so far")
ax.set_title(f"Best-so-far over {BUDGET} trials")
ax.legend()
plt.tight_layout()
for name, study in studies.items():
    print(f"{name:>15}: best {study.best_value:.3f} with {study.best_params}")

# %% [markdown]
# With a small budget, each strategy's result depends on luck too; run it with
# other seeds before drawing conclusions. The pattern usually holds: the grid
# wastes trials on settings that do not matter, random search covers more
# values, and TPE spends its later trials near the good region. Bayesian
# optimization tuned AlphaGo; it is the default in Optuna for a reason.
#
# ## Pruning: stop hopeless trials early
#
# A trial with a tiny learning rate is visibly bad after a few dozen steps. A
# **pruner** compares each trial's intermediate score with the others' at the
# same step and stops the ones below the median, saving their remaining budget.

# %%
pruned_objective = tuning.make_objective(X_train, y_train, X_val, y_val, report_every=50)
pruning = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=1),
                              pruner=optuna.pruners.MedianPruner(n_startup_trials=4, n_warmup_steps=50))
pruning.optimize(pruned_objective, n_trials=BUDGET)
states = [t.state for t in pruning.trials]
steps_run = sum(max(t.intermediate_values, default=0) for t in pruning.trials)
print(f"{states.count(optuna.trial.TrialState.PRUNED)} of {len(states)} trials pruned; "
      f"{steps_run} training steps instead of {len(states) * tuning.TRIAL_STEPS}; best {pruning.best_value:.3f}")

# %% [markdown]
# ## The test set, once
#
# Every number above is a *validation* score, and the search chose the best of
# many: that best is optimistic (lesson 06, rules 2 and 3). Now, and only now,
# train the chosen settings and score the untouched test set, once.

# %%
best = max((study for study in studies.values()), key=lambda s: s.best_value).best_params
model = paper.seeded(lambda: tuning.mlp(best["activation"], best["dropout"]), 0)
paper.train(model, X_train, y_train, tuning.TRIAL_STEPS, seed=0, lr=best["lr"])
print(f"chosen {best}: validation {objective(optuna.trial.FixedTrial(best)):.3f}, "
      f"test {paper.accuracy(model, d['x_test'], d['y_test']):.3f} (reported once)")

# %% [markdown]
# ## Beyond hyperparameters
#
# **Neural architecture search** (NAS) treats the architecture itself (layers,
# branches, skip connections) as the search space; **AutoML** systems such as
# auto-sklearn or AutoGluon search models and preprocessing together. They cost
# far more compute and follow the same rules: search on validation data, score
# the test set once.
#
# ## Keypoints
#
# - Search a learning rate on a log scale; its effect depends on its order of magnitude.
# - At equal budget, random search beats a grid when few hyperparameters matter.
# - Bayesian optimization (Optuna's TPE) learns from earlier trials where to look next.
# - Pruning stops hopeless trials early and saves budget.
# - Tune on validation data only; the best validation score is optimistic; score the test set once.
