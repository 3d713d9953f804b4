# %% [markdown]
# # 10 · Hyperparameter tuning: exercises
#
# Write the class's search space for Optuna, an objective that keeps the test
# set out of the search, and a fair comparison of two samplers.
#
# **Minutes**: 15 live (exercises 10.1 and 10.2) + 10 self-paced (exercise 10.3) ·
# **Grade yourself**: `mlcourse grade exercises/10_hyperparameter_tuning.ipynb`

# %%
import numpy as np
import optuna

from mlcourse import check, paper
from mlcourse.reproducible import seed_everything

seed_everything(0)
optuna.logging.set_verbosity(optuna.logging.WARNING)

# %% [markdown]
# **Exercise 10.1** — Write `search_space(trial)`: draw the class's three
# hyperparameters from the Optuna `trial` and return them as a dict with the
# keys `lr`, `activation` and `dropout`. The space is the one in the lesson's
# table: learning rate 1e-4 to 1e-1 on the log scale the lesson argued for,
# relu or sigmoid, dropout uniform from 0.1 to 0.9. Each must be drawn by the
# trial under its own name, so Optuna knows what it searches. A trial draws
# values with its `suggest_float` and `suggest_categorical` methods;
# `help(trial.suggest_float)` lists their options.

# %%
def search_space(trial):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 10.1: draw lr, activation and dropout from the trial")
    return {
        "lr": trial.suggest_float("lr", 1e-4, 1e-1, log=True),
        "activation": trial.suggest_categorical("activation", ["relu", "sigmoid"]),
        "dropout": trial.suggest_float("dropout", 0.1, 0.9),
    }
    # END SOLUTION


# %%
check.search_space(search_space)

# %% [markdown]
# **Exercise 10.2** — Write `make_objective(X_train, y_train, X_val, y_val)`
# returning an `objective(trial)` that Optuna can maximize: it scores one
# setting drawn by your `search_space(trial)` with the lesson-09 MLP,
# `paper.mlp(activation, dropout)`, trained briefly (a few hundred steps) at
# that learning rate. A search compares these scores, so the score must be
# honest (it must not reward memorising, and the test set must never appear)
# and repeatable (the same setting must always score the same, or noise passes
# for a difference). `paper.train` and `paper.accuracy` will do the work; read
# their `help()` for what they take.

# %%
def make_objective(X_train, y_train, X_val, y_val):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 10.2: return an objective that trains on train and scores on validation")
    def objective(trial):
        params = search_space(trial)
        model = paper.seeded(lambda: paper.mlp(params["activation"], params["dropout"]), 0)
        paper.train(model, X_train, y_train, steps=300, seed=0, lr=params["lr"])
        return paper.accuracy(model, X_val, y_val)

    return objective
    # END SOLUTION


# %%
check.make_objective(make_objective)

# %% [markdown]
# **Exercise 10.3** (*self-paced*) — Write
# `compare_samplers(objective, samplers, budget, searches)` that compares
# search strategies fairly. `samplers` maps a name to a function that makes that
# sampler from a seed (`samplers["TPE"](seed)`); `objective` is a cheap score to
# maximize. Run `searches` searches per sampler of `budget` trials each, and
# return `{name: (mean, std)}`: the mean and the sample standard deviation of
# the best value each search found. Make it a comparison you would defend in a
# review: the lesson showed what makes two strategies look alike, or
# different, when they are not.

# %%
def compare_samplers(objective, samplers, budget, searches):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 10.3: run each sampler's searches and summarise their best values")
    results = {}
    for k, (name, make) in enumerate(samplers.items()):
        best = []
        for i in range(searches):
            study = optuna.create_study(direction="maximize", sampler=make(1000 * k + i))  # seeds never shared
            study.optimize(objective, n_trials=budget)
            best.append(study.best_value)
        results[name] = (float(np.mean(best)), float(np.std(best, ddof=1)))
    return results
    # END SOLUTION


# %%
check.compare_samplers(compare_samplers)
