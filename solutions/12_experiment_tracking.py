# %% [markdown]
# # 12 · Experiment tracking: exercises
#
# Three decisions every tracked project makes: which run is the best one, whether
# a re-run reproduces a run, and how personal data is kept out of runs.
#
# **Minutes**: 15 · **Grade yourself**: `mlcourse grade exercises/12_experiment_tracking.ipynb`

# %%
import pandas as pd

from mlcourse import check, data

# %% [markdown]
# **Exercise 12.1** — Write `best_run(runs, metric, higher_is_better)`. `runs` is
# a DataFrame shaped like the one `mlflow.search_runs` returns: one row per run,
# newest first, with the columns `run_id`, `status` (`"FINISHED"`, `"FAILED"`,
# `"RUNNING"`), `start_time` and `metrics.<name>` for every metric logged
# (`metrics.val_loss`, `metrics.val_accuracy`, and also `metrics.test_accuracy`).
# Return the `run_id` of the best run by the validation metric `metric` (for
# example `"val_loss"`, where lower is better, so `higher_is_better=False`).
#
# Choose among runs that finished and have a value for the metric: a crashed
# run's last value was measured part-way. When two runs tie, choose the one
# that started first (the later one adds nothing). When no run qualifies, raise
# a `ValueError` that says so.

# %%
def best_run(runs, metric, higher_is_better):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 12.1: the run_id of the best finished run by `metric`")
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
# **Exercise 12.2** — Write `why_not_reproduced(original, rerun, tolerance)`:
# the reproduce check of the lesson, on two short records. Each record is a dict
# with `seed` (an int, or `None` for an unseeded run), `data_sha256`,
# `source_sha256`, `packages` (`{"numpy": "2.4.6", ...}`) and `metrics`
# (`{"val_loss": 0.3931, ...}`).
#
# Return a dict from each reason the re-run does not reproduce the original to a
# short explanation, `{}` when it does. The reasons are `"seed"` (the original
# had no seed: it cannot be repeated), `"data"`, `"source"`, `"environment"`
# (any package or version differs) and `"metric:<name>"` for each metric of the
# original that is missing from the re-run or differs from it by more than
# `tolerance`.

# %%
def why_not_reproduced(original, rerun, tolerance):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 12.2: a dict of every reason the re-run differs")
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

# %% [markdown]
# **Exercise 12.3** — Write `pseudonymize(email, key)`, which turns an e-mail
# address into a pseudonym before the data reaches a run: the same person must
# always get the same pseudonym, however the address was typed (capitals,
# spaces around it); different people must get different ones; and nobody
# without `key` (bytes) may be able to go back from a pseudonym to the person.
# Return text (hex digits, at least 16).
#
# The lesson showed why a plain SHA-256 of the address is not enough.

# %%
def pseudonymize(email, key):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 12.3: a keyed pseudonym for the address")
    import hashlib
    import hmac

    normalized = email.strip().lower()
    return hmac.new(key, normalized.encode(), hashlib.sha256).hexdigest()
    # END SOLUTION


# %%
check.pseudonymize(pseudonymize)

# %% [markdown]
# Try your `pseudonymize` on the lesson's table: how many observers are there
# before and after?

# %%
notes = pd.read_csv(data.path(data.FIELD_NOTES_FILE))
try:
    before, after = notes["observer_email"].nunique(), notes["observer_email"].map(lambda e: pseudonymize(e, b"k")).nunique()
    print(f"{before} different ways the addresses are written, {after} observers")
except NotImplementedError:
    print("write pseudonymize above first")
