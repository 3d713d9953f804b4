# %% [markdown]
# # 08 · Model selection: exercises
#
# Measure a model like a deployment sees it, then choose under a budget, on
# validation numbers only: the test set waits for the one model you keep.
#
# **Minutes**: 12 · **Grade yourself**: `mlcourse grade exercises/08_model_selection.ipynb`

# %%
import pickle
import time

import numpy as np

from mlcourse import check

# %% [markdown]
# **Exercise 8.1** — Write `measure_model(model, X_train, y_train, X_val, y_val)`
# returning one row of the trade-off table, a dict with four entries:
# `accuracy` on the validation rows; `train_seconds`, the time `fit` takes and
# nothing else (not scoring, not serializing: those belong to other columns,
# and counting them would make a model look slower to train than it is);
# `size_bytes`, the length of the *fitted* model serialized with
# `pickle.dumps` (we only measure it; never unpickle a file you did not make);
# and `latency_ms`, the typical time to answer one request, that is to
# predict a *single* sample, in milliseconds. Single timings are noisy: decide
# how to make yours robust.

# %%
def measure_model(model, X_train, y_train, X_val, y_val):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 8.1: return accuracy, train_seconds, size_bytes and latency_ms")
    started = time.perf_counter()
    model.fit(X_train, y_train)
    train_seconds = time.perf_counter() - started
    latencies = []
    for row in X_val[:50]:
        started = time.perf_counter()
        model.predict(row.reshape(1, -1))
        latencies.append(time.perf_counter() - started)
    return {
        "accuracy": model.score(X_val, y_val),
        "train_seconds": train_seconds,
        "size_bytes": len(pickle.dumps(model)),
        "latency_ms": 1000 * float(np.median(latencies)),
    }
    # END SOLUTION


# %%
check.measure_model(measure_model)

# %% [markdown]
# **Exercise 8.2** — Write `pick_model(table, max_latency_ms, max_size_bytes)`.
# `table` is a DataFrame with one row per model (the index is its name) and the
# columns `val_accuracy` and `val_se` (its standard error, both measured on
# validation data: the test set plays no part in choosing), `latency_ms` and
# `size_bytes`. A budget is a maximum: a model that uses exactly the budget
# meets it. Among the models within both budgets, find the most accurate; the
# highest number alone would be choosing on noise, so return the name of the
# *smallest* model within budget whose accuracy is no more than two of the
# best one's standard errors below it (`val_accuracy >= best − 2 × best's
# val_se`; the table has no per-image results for the lesson's paired
# standard error, so the best model's own standard error stands in for the
# noise of each gap). When no model fits, raise `ValueError` with a message
# naming only the budget that no model meets (latency, or size), or both when
# each budget alone is met by some model but no model meets the two together.

# %%
def pick_model(table, max_latency_ms, max_size_bytes):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 8.2: return the name of the model to ship")
    fast = table["latency_ms"] <= max_latency_ms
    small = table["size_bytes"] <= max_size_bytes
    if not fast.any() and not small.any():
        raise ValueError(f"no model meets the latency budget ({max_latency_ms} ms) or the size budget ({max_size_bytes} bytes)")
    if not fast.any():
        raise ValueError(f"no model meets the latency budget of {max_latency_ms} ms")
    if not small.any():
        raise ValueError(f"no model meets the size budget of {max_size_bytes} bytes")
    if not (fast & small).any():
        raise ValueError("no model meets the latency and size budgets together")
    candidates = table[fast & small]
    best = candidates["val_accuracy"].idxmax()
    floor = candidates.loc[best, "val_accuracy"] - 2 * candidates.loc[best, "val_se"]
    return candidates[candidates["val_accuracy"] >= floor]["size_bytes"].idxmin()
    # END SOLUTION


# %%
check.pick_model(pick_model)
