# %% [markdown]
# # 12 · Experiment tracking: exercises
#
# Three things every tracked project does: make a training run repeatable and
# recorded, choose the best of many runs, and decide whether a re-run
# reproduces a run.
#
# **Minutes**: 15 · **Grade yourself**: `mlcourse grade exercises/12_experiment_tracking.ipynb`

# %%
import pandas as pd
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mlcourse import check, data

FEATURES = ["bill_depth_mm", "flipper_length_mm", "body_mass_g"]
NOTES = data.path(data.FIELD_NOTES_FILE)  # the lesson's table

# %% [markdown]
# **Exercise 12.1** — Here is a training function as many projects start: it
# works, and nobody can say afterwards which data, settings or library versions
# gave its number, nor get the same number again.

# %%
def train_penguins(path, alpha):
    table = pd.read_csv(path).dropna(subset=[*FEATURES, "species"])
    train_rows, val_rows = train_test_split(table, test_size=0.25)
    model = make_pipeline(StandardScaler(), SGDClassifier(loss="log_loss", alpha=alpha))
    model.fit(train_rows[FEATURES], train_rows["species"])
    return model.score(val_rows[FEATURES], val_rows["species"])


print([round(train_penguins(NOTES, 1e-3), 3) for _ in range(3)])

# %% [markdown]
# Write `tracked_train(path, alpha, seed)`: the same training, made so that the
# same arguments always give the same number and another seed gives another
# draw, returning the run's record instead of a bare number:
# `{"params": {...}, "data_sha256": ..., "packages": {...}, "metrics": {"val_accuracy": ...}}`.
# The record must let someone else start the run again and check that they used
# the same data (the hash `sha256sum` would print for the file) and the same
# versions of the packages the training uses.

# %%
def tracked_train(path, alpha, seed):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 12.1: train repeatably and return the run record")
    import hashlib
    from importlib.metadata import version

    notes = pd.read_csv(path).dropna(subset=FEATURES + ["species"])
    # one seed drives the split and the shuffling; the lesson's operation fixes the split instead, so that
    # every run is scored on the same rows. Either is reproducible, as long as the record says which.
    fit_rows, held_rows = train_test_split(notes, test_size=0.25, random_state=seed)
    model = make_pipeline(StandardScaler(), SGDClassifier(loss="log_loss", alpha=alpha, random_state=seed))
    model.fit(fit_rows[FEATURES], fit_rows["species"])
    with open(path, "rb") as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()
    return {
        "params": {"alpha": alpha, "seed": seed},
        "data_sha256": digest,
        "packages": {name: version(name) for name in ("numpy", "pandas", "scikit-learn")},
        "metrics": {"val_accuracy": model.score(held_rows[FEATURES], held_rows["species"])},
    }
    # END SOLUTION


# %%
check.tracked_train(tracked_train)

# %% [markdown]
# **Exercise 12.2** — Write `best_run(runs, metric, higher_is_better)`, which
# returns the `run_id` of the run a sweep should pick by the validation metric
# `metric` (e.g. `"val_loss"`, where lower is better: `higher_is_better=False`).
# `runs` is what `mlflow.search_runs` returns for a whole experiment, newest run
# first: every run, whatever its status, with `run_id`, `status`, `start_time`
# and a `metrics.<name>` column per metric logged.
#
# Decide which runs may be picked at all. When two runs tie, pick the one that
# started first: the later one adds nothing. When no run can be picked, raise a
# `ValueError` that says why.

# %%
def best_run(runs, metric, higher_is_better):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 12.2: the run_id of the best finished run by `metric`")
    column = f"metrics.{metric}"
    done = runs[(runs["status"] == "FINISHED") & runs[column].notna()]
    if done.empty:
        raise ValueError(f"no finished run has a value for {column}")
    ordered = done.sort_values([column, "start_time"], ascending=[not higher_is_better, True])
    return ordered["run_id"].iloc[0]
    # END SOLUTION


# %%
check.best_run(best_run)

# %% [markdown]
# **Exercise 12.3** — Write `why_not_reproduced(original, rerun, tolerance)`,
# which says whether a re-run reproduces a run. Each record is a dict
# with `seed` (an int, or `None` for an unseeded run), `data_sha256`,
# `source_sha256`, `packages` (`{"numpy": "2.4.6", ...}`) and `metrics`
# (`{"val_loss": 0.3931, ...}`).
#
# Return a dict from each reason the re-run does not reproduce the original to a
# short explanation, `{}` when it does. The reasons are `"seed"`, `"data"`,
# `"source"`, `"environment"` and `"metric:<name>"` (one per metric of the
# original; `tolerance` is the largest difference a metric may show). Decide
# when each one applies: can an unseeded run whose metrics agree be said to
# reproduce? Does a package installed since the run count?

# %%
def why_not_reproduced(original, rerun, tolerance):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 12.3: a dict of every reason the re-run differs")
    reasons = {}
    if original["seed"] is None:
        reasons["seed"] = "the run was not seeded, so its random choices cannot be repeated"
    if original["data_sha256"] != rerun["data_sha256"]:
        reasons["data"] = "the data file has changed since the run"
    if original["source_sha256"] != rerun["source_sha256"]:
        reasons["source"] = "the code has changed since the run"
    if original["packages"] != rerun["packages"]:
        changed = sorted(name for name in original["packages"].keys() | rerun["packages"].keys()
                         if original["packages"].get(name) != rerun["packages"].get(name))
        reasons["environment"] = f"packages differ: {', '.join(changed)}"
    for name, value in original["metrics"].items():
        if name not in rerun["metrics"]:
            reasons[f"metric:{name}"] = "missing from the re-run"
        elif abs(rerun["metrics"][name] - value) > tolerance:
            reasons[f"metric:{name}"] = f"{value} then, {rerun['metrics'][name]} now"
    return reasons
    # END SOLUTION


# %%
check.why_not_reproduced(why_not_reproduced)

