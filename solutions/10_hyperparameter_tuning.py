# %% [markdown]
# # 10 · Hyperparameter tuning: exercises
#
# Write the class's search space for Optuna, and an objective that keeps the
# test set out of the search.
#
# **Minutes**: 15 · **Grade yourself**: `mlcourse grade exercises/10_hyperparameter_tuning.ipynb`

# %%
import optuna

from mlcourse import check, paper, tuning
from mlcourse.reproducible import seed_everything

seed_everything(0)
optuna.logging.set_verbosity(optuna.logging.WARNING)

# %% [markdown]
# **Exercise 10.1** — Write `search_space(trial)` returning a dict with three
# hyperparameters drawn from the Optuna `trial`, under these names: `lr`, from
# 1e-4 to 1e-1 on a log scale; `activation`, `"relu"` or `"sigmoid"`; and
# `dropout`, uniform from 0.1 to 0.9. (`trial.suggest_float`,
# `trial.suggest_categorical`.)

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
# returning an `objective(trial)` function for Optuna. It draws the settings with
# your `search_space(trial)`, builds `tuning.mlp(activation, dropout)` seeded with
# `paper.seeded(..., 0)`, trains it on the *training* data with
# `paper.train(model, X_train, y_train, steps=300, seed=0, lr=...)`, and returns
# `paper.accuracy` on the *validation* data. The test set never appears.

# %%
def make_objective(X_train, y_train, X_val, y_val):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 10.2: return an objective that trains on train and scores on validation")
    def objective(trial):
        params = search_space(trial)
        model = paper.seeded(lambda: tuning.mlp(params["activation"], params["dropout"]), 0)
        paper.train(model, X_train, y_train, steps=300, seed=0, lr=params["lr"])
        return paper.accuracy(model, X_val, y_val)

    return objective
    # END SOLUTION


# %%
check.make_objective(make_objective)
