# %% [markdown]
# # 10 · Hyperparameter tuning: searching for the settings that train the best model
#
# **Questions**
# - Which settings are hyperparameters, and what range should we search?
# - Is random search better than a grid, and what does Bayesian optimization add?
# - How do we tune without fooling ourselves?
#
# **Objectives**
# - Write a search space, with the learning rate on a log scale.
# - Compare grid, random and Bayesian (TPE) search at the same budget, over many seeds, and call a gap a difference only when it exceeds the noise.
# - Prune hopeless trials early; re-score the finalists at the full training budget; score the test set once.
# - *Self-paced*: compare samplers at equal budget yourself (exercise 10.3).
#
# **Minutes**: 30 (15 teaching, 15 exercises) + 10 self-paced · **Prerequisites**: lessons 06 and 09.

# %%
import matplotlib.pyplot as plt
import numpy as np
import optuna

from mlcourse import data, paper, tuning
from mlcourse.reproducible import seed_everything

seed_everything(0)
optuna.logging.set_verbosity(optuna.logging.WARNING)

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
# | learning rate | from 1e-4 to 1e-1, **log-uniform** (the slide says uniform) |
# | activation | relu or sigmoid |
# | dropout | uniform from 0.1 to 0.9 |
#
# The slide draws the learning rate *uniformly*; this course draws it on a log
# scale instead. Its effect depends on its order of magnitude, not its digits:
# 0.0001 and 0.001 differ as much as 0.01 and 0.1. To see where the good values
# live, train the MLP once at every combination of seven learning rates (half a
# decade apart), both activations and three dropout rates. Each of these 42
# *trials* trains for `tuning.TRIAL_STEPS` steps on the training part and is
# scored on the validation part; we keep the table of scores for later.

# %%
RATES, DROPOUTS = np.logspace(-4, -1, 7), (0.1, 0.5, 0.9)
table = tuning.score_table(objective, RATES, DROPOUTS)

fig, axes = plt.subplots(1, 2, figsize=(11, 3.3))
for ax, scale in zip(axes, ("linear", "log")):
    for activation, scores in table.items():
        ax.plot(RATES, scores[:, 0], "o-", label=f"{activation}, dropout {DROPOUTS[0]}")
    ax.set_xscale(scale)
    ax.set_xlabel(f"learning rate ({scale} axis)")
    ax.set_ylabel("validation accuracy")
    ax.legend(fontsize=8)
uniform_share = np.mean(np.random.default_rng(0).uniform(1e-4, 1e-1, 10_000) < 1e-2)
axes[0].set_title(f"Uniform draws: only {uniform_share:.0%} fall below 0.01")
axes[1].set_title("Log axis: every decade gets its share")
plt.tight_layout()
top = max((table[a][i, j], a, RATES[i], DROPOUTS[j]) for a in table for i in range(len(RATES)) for j in range(len(DROPOUTS)))
print(f"best of the {sum(s.size for s in table.values())} trials: {top[0]:.3f} (lr {top[2]:.2g}, {top[1]}, dropout {top[3]})")

# %% [markdown]
# On the linear axis the good rates are squeezed against the left edge, where a
# uniform draw rarely lands; on the log axis they get room. The slide's
# "uniform" would spend nine trials in ten above 0.01.
#
# ## Grid or random? Bergstra and Bengio's picture
#
# Often only a few hyperparameters matter much, and we do not know which in
# advance (Bergstra and Bengio, 2012). Take a made-up score that depends
# strongly on `x` and hardly on `y`. Nine grid points try only three values of
# `x`; nine random points try nine.

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
# ## Three strategies, one budget, many seeds
#
# Optuna runs each search: a **grid** (5 learning rates × 2 activations × 3
# dropouts = 30 points, visited in an order the seed shuffles); **random**
# search; and **TPE** (Tree-structured Parzen Estimator), a form of Bayesian
# optimization and Optuna's default sampler: its first 10 trials are random (its
# start-up), then it models which settings the good trials had and samples more
# of those. Each gets the same budget of 30 trials, so TPE's model drives 20.
#
# One search is one draw, like one training seed, so we run each strategy ten
# times with different seeds. The seeds differ *between* strategies too: with the
# same seed, TPE's random start-up would replay random search's first 10 trials
# exactly, and the two curves would be one draw, not two.
#
# That is 900 trials (3 strategies × 10 searches × 30 trials); trained for
# real, they would take several minutes, when the 42 above already take about
# half of this notebook's run time. So, as papers that compare optimizers do, we
# answer each trial from the table above instead of training (a *surrogate*
# benchmark), interpolating between the table's points. The scores are real
# validation scores, and a trial costs milliseconds instead of a second.

# %%
BUDGET, SEARCHES = 30, 10
surrogate = tuning.surrogate_objective(table, RATES, DROPOUTS)
grid_space = {"lr": list(np.logspace(-4, -1, 5)), "activation": ["relu", "sigmoid"], "dropout": list(DROPOUTS)}
strategies = {  # name: (first seed, the sampler for a seed); the seeds never overlap
    "grid": (200, lambda seed: optuna.samplers.GridSampler(grid_space, seed=seed)),
    "random": (0, lambda seed: optuna.samplers.RandomSampler(seed=seed)),
    "TPE (Bayesian)": (100, lambda seed: optuna.samplers.TPESampler(seed=seed)),
}
curves = {name: np.array([tuning.best_so_far(surrogate, make(first + i), BUDGET) for i in range(SEARCHES)])
          for name, (first, make) in strategies.items()}

fig, ax = plt.subplots(figsize=(7.5, 3.8))
trials = np.arange(1, BUDGET + 1)
for name, runs in curves.items():
    mean, two_se = runs.mean(axis=0), 2 * runs.std(axis=0, ddof=1) / np.sqrt(SEARCHES)
    ax.plot(trials, mean, label=name)
    ax.fill_between(trials, mean - two_se, mean + two_se, alpha=0.15)
ax.axvline(10, color="grey", linestyle=":", label="TPE's random start-up ends")
ax.set_xlabel("trial")
ax.set_ylabel("best validation accuracy so far")
ax.set_title(f"Best-so-far, mean of {SEARCHES} searches (band: ± two standard errors)")
ax.legend(loc="lower right", fontsize=8)
plt.tight_layout()

print(f"best so far after n trials, mean ± std over {SEARCHES} searches")
print("trials  " + "".join(f"{name:>18}" for name in curves))
for n in (5, 10, 20, BUDGET):
    print(f"{n:>6}  " + "".join(f"{runs[:, n - 1].mean():>11.3f} ± {runs[:, n - 1].std(ddof=1):.3f}" for runs in curves.values()))

# %% [markdown]
# Is a gap a difference? Compare it with its noise: two standard errors of the
# difference between two means over ten searches. And keep in mind the noise
# the surrogate hides: a real trial's score is one draw of 1,000 validation
# signals.

# %%
def gap(a, b):
    """Mean of a minus mean of b, and two standard errors of that difference."""
    return a.mean() - b.mean(), 2 * np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))


for n in (10, BUDGET):
    for first, second in (("TPE (Bayesian)", "random"), ("TPE (Bayesian)", "grid"), ("grid", "random")):
        diff, noise = gap(curves[first][:, n - 1], curves[second][:, n - 1])
        verdict = "within noise" if abs(diff) <= noise else f"{first if diff > 0 else second} ahead"
        print(f"after {n:>2} trials, {first} − {second}: {diff:+.3f} ± {noise:.3f} -> {verdict}")
print(f"one real validation score of {top[0]:.2f} on {len(y_val):,} signals: standard error "
      f"{np.sqrt(top[0] * (1 - top[0]) / len(y_val)):.3f}")

# %% [markdown]
# Read the verdicts, not the curves. After 10 trials TPE has only done its
# random start-up, and it is within noise of random search, as it must be.
# After 30, with 20 trials guided by its model, TPE is ahead of random search:
# it learned where the good settings are.
#
# The grid is the surprise: at its full 30 points it is ahead of random search,
# and within noise of TPE. Bergstra and Bengio's argument holds when few of many
# hyperparameters matter. Here all three matter, and the best setting sits at
# the edge of the dropout range (0.1, see the table's best above), which the
# grid tries exactly and random draws rarely come close to. A grid is only as
# good as the values you put in it.
#
# The surrogate answers each setting with one fixed score. A real search also
# draws noise: each real score carries the standard error printed last, about
# half the gaps between strategies here. So on *one* real search, a gap of a
# few hundredths between two strategies proves nothing.
#
# ## Pruning: stop hopeless trials early
#
# A trial with a tiny learning rate is visibly bad after a few dozen steps. A
# **pruner** compares each trial's intermediate score with the others' at the
# same step and stops the ones below the median, saving their remaining budget.
# Here is a real search (no surrogate): TPE with a median pruner.

# %%
pruned_objective = tuning.make_objective(X_train, y_train, X_val, y_val, report_every=50)
pruning = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=1),
                              pruner=optuna.pruners.MedianPruner(n_startup_trials=4, n_warmup_steps=50))
pruning.optimize(pruned_objective, n_trials=16)
states = [t.state for t in pruning.trials]
steps_run = sum(max(t.intermediate_values, default=0) for t in pruning.trials)
print(f"{states.count(optuna.trial.TrialState.PRUNED)} of {len(states)} trials pruned; "
      f"{steps_run:,} training steps instead of {len(states) * tuning.TRIAL_STEPS:,}; best {pruning.best_value:.3f}")

# %% [markdown]
# ## Short trials are a screen: the short-horizon bias
#
# Every trial above stopped at `tuning.TRIAL_STEPS` (300) steps; lesson 09
# trains 2,000. A short trial rewards settings that learn *fast*, which are not
# always the settings that end *best*: a large learning rate gets ahead early, a
# smaller one may overtake it later. This is the **short-horizon bias** of
# truncated trials (Wu et al., 2018, *Understanding short-horizon bias in
# stochastic meta-optimization*). So treat the short scores as a screen: take
# the two best settings of all the real trials above (the table and the pruned
# search), and train each for the full 2,000 steps, still on the training part
# only, scored on validation.

# %%
FULL_STEPS = 2000  # lesson 09's budget


def describe(params):
    return f"lr {params['lr']:.2g}, {params['activation']}, dropout {params['dropout']:.2f}"


screened = [({"lr": lr, "activation": a, "dropout": p}, table[a][i, j])
            for a in table for i, lr in enumerate(RATES) for j, p in enumerate(DROPOUTS)]
screened += [(t.params, t.value) for t in pruning.trials if t.state == optuna.trial.TrialState.COMPLETE]
finalists = sorted(screened, key=lambda s: s[1], reverse=True)[:2]

fig, ax = plt.subplots(figsize=(7.5, 3.5))
full = []
for params, short_score in finalists:
    model = paper.seeded(lambda: paper.mlp(params["activation"], params["dropout"]), 0)
    history = paper.train(model, X_train, y_train, FULL_STEPS, seed=0, lr=params["lr"], eval_on=(X_val, y_val), eval_every=100)
    full.append(history.accuracy[-1])
    ax.plot(history.steps, history.accuracy, label=describe(params))
    print(f"{describe(params)}: validation {short_score:.3f} after {tuning.TRIAL_STEPS} steps, "
          f"{history.accuracy[-1]:.3f} after {FULL_STEPS}")
ax.axvline(tuning.TRIAL_STEPS, color="grey", linestyle=":", label="trials stop here")
ax.set_xlabel("training step")
ax.set_ylabel("validation accuracy")
ax.set_title("The two finalists trained to the full budget")
ax.legend(loc="lower right", fontsize=8)
plt.tight_layout()
chosen = finalists[int(np.argmax(full))][0]
se = np.sqrt(max(full) * (1 - max(full)) / len(y_val))
print(f"chosen: {describe(chosen)}; the 300-step order {'held' if np.argmax(full) == 0 else 'flipped'}; the two differ by "
      f"{abs(full[0] - full[1]):.3f} at the full budget, {'within' if abs(full[0] - full[1]) <= 2 * se else 'beyond'} "
      f"two standard errors ({2 * se:.3f})")

# %% [markdown]
# Both finalists gain far more from the extra steps than the gap that ranked
# them at 300: a 300-step score is not the model's score, only a screen. Had
# we stopped there and tested the screen's winner, we would have reported an
# unfinished model. The last line says whether the order held at the full
# budget and whether the gap is beyond noise; when it is not, either setting is
# a fine choice, and we take the higher.
#
# ## The test set, once
#
# Every number above is a *validation* score, and the searches chose the best
# of many: that best is optimistic (lesson 06, rules 2 and 3). Now, and only
# now, train the chosen settings at the full budget on *all* the data we may
# learn from, training and validation together (the choice is made, so
# validation has nothing left to judge), and score the untouched test set, once.

# %%
model = paper.seeded(lambda: paper.mlp(chosen["activation"], chosen["dropout"]), 0)
paper.train(model, d["x"], d["y"], FULL_STEPS, seed=0, lr=chosen["lr"])
print(f"chosen {describe(chosen)}, trained {FULL_STEPS:,} steps on {len(d['x']):,} signals: "
      f"test accuracy {paper.accuracy(model, d['x_test'], d['y_test']):.3f} (reported once)")

# %% [markdown]
# This is one seed, trained the way lesson 09 trained its MLP (the same 2,000
# steps, the same 4,000 training signals), so compare it with the MLP row of
# lesson 09's table, mean ± std over seeds: a gap smaller than that spread is
# no evidence that tuning helped. What the search bought for certain is a
# setting chosen without looking at the test set, and a test score that is
# still an honest estimate.
#
# ## Beyond hyperparameters
#
# The seed's example: DeepMind tuned AlphaGo's hyperparameters with Bayesian
# optimization several times during its development, and report that tuning
# before the match with Lee Sedol raised its self-play win rate from 50 % to
# 66.5 % (Chen et al., 2018, *Bayesian Optimization in AlphaGo*). They used
# Gaussian-process Bayesian optimization, which models the score as a function
# of the settings. TPE is a different surrogate: it models which settings the
# good trials had and which the bad ones had. Both learn from earlier trials
# where to look next.
#
# **Neural architecture search** (NAS) treats the architecture itself (layers,
# branches, skip connections) as the search space; **AutoML** systems such as
# auto-sklearn or AutoGluon search models and preprocessing together. Hutter
# and Vanschoren's NeurIPS 2018 tutorial *Automatic Machine Learning (AutoML)*,
# which the seed slides credit, surveys these methods. They cost far more
# compute and follow the same rules: search on validation data, score the test
# set once.
#
# ## Keypoints
#
# - Search a learning rate on a log scale; its effect depends on its order of magnitude.
# - One search is one draw: compare strategies over many seeds, at equal budget, with seeds that differ between strategies.
# - Call a gap a difference only when it exceeds its noise (two standard errors of the difference).
# - Random search beats a grid when few hyperparameters matter; a grid that holds the right values can do well when all matter.
# - TPE starts with random trials; its model helps only once the budget leaves it trials to guide.
# - Pruning stops hopeless trials early and saves budget.
# - Short trials are biased toward settings that learn fast: re-score the finalists at the full budget.
# - Tune on validation data only; retrain the choice on training and validation data; score the test set once.
