"""Checks for lesson 08 (model selection): measure_model, pick_model."""

from __future__ import annotations

import pickle
import time

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.tree import DecisionTreeClassifier

from mlcourse import selection
from mlcourse.check._core import call, fail, passed, register

KEYS = {"accuracy", "train_seconds", "size_bytes", "latency_ms"}


def _measure_by_hand(model, X_train, y_train, X_test, y_test):
    start = time.perf_counter()
    model.fit(X_train, y_train)
    fitted = time.perf_counter() - start
    latencies = []
    for i in range(20):
        start = time.perf_counter()
        model.predict(X_test[i : i + 1])
        latencies.append((time.perf_counter() - start) * 1000)
    return {"accuracy": np.mean(model.predict(X_test) == y_test), "train_seconds": fitted,
            "size_bytes": len(pickle.dumps(model)), "latency_ms": float(np.median(latencies))}


def _measure_unfitted_size(model, X_train, y_train, X_test, y_test):
    """Serializes the model before fitting it, so the size misses everything it learned."""
    size = len(pickle.dumps(model))
    return selection.measure_model(model, X_train, y_train, X_test, y_test) | {"size_bytes": size}


def _measure_batch_average(model, X_train, y_train, X_test, y_test):
    """Times one prediction over the whole test set and divides by its size: not the latency of one request."""
    result = selection.measure_model(model, X_train, y_train, X_test, y_test)
    start = time.perf_counter()
    model.predict(X_test)
    return result | {"latency_ms": (time.perf_counter() - start) * 1000 / len(X_test)}


def _measure_training_accuracy(model, X_train, y_train, X_test, y_test):
    """Reports accuracy on the training data, which flatters every model."""
    result = selection.measure_model(model, X_train, y_train, X_test, y_test)
    return result | {"accuracy": float(model.score(X_train, y_train))}


@register(reference=selection.measure_model, also_right=[_measure_by_hand],
          mistakes=[_measure_unfitted_size, _measure_batch_average, _measure_training_accuracy])
def measure_model(fn) -> None:
    """Exercise 8.1: ``fn(model, X_train, y_train, X_test, y_test)`` returns one row of the trade-off table."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
    models = [KNeighborsClassifier(n_neighbors=3), DecisionTreeClassifier(random_state=0)]
    for model in models:
        label = f"measure_model({model!r}, ...)"
        started = time.perf_counter()
        row = call(fn, clone(model), X_train, y_train, X_test, y_test, label=label)
        elapsed = time.perf_counter() - started
        if not isinstance(row, dict) or set(row) != KEYS:
            fail(f"{label} returned {row!r}; expected a dict with exactly the keys {sorted(KEYS)}")
        reference = clone(model).fit(X_train, y_train)
        expected = {"accuracy": reference.score(X_test, y_test), "size_bytes": len(pickle.dumps(reference)),
                    "latency_ms": selection.single_latency_ms(reference, X_test)}
        if not np.isclose(row["accuracy"], expected["accuracy"]):
            fail(f"{label}: accuracy {row['accuracy']:.3f}; expected {expected['accuracy']:.3f} on the test set. "
                 "Hint: fit on the training data, score on the test data.")
        if not 0 < row["train_seconds"] <= elapsed:
            fail(f"{label}: train_seconds {row['train_seconds']!r}; expected a positive time shorter than the whole "
                 f"call ({elapsed:.3f} s). Hint: time only model.fit with time.perf_counter().")
        if not 0.5 <= row["size_bytes"] / expected["size_bytes"] <= 2:
            fail(f"{label}: size_bytes {row['size_bytes']}; expected about {expected['size_bytes']} for the fitted model. "
                 "Hint: serialize the model *after* fitting it, e.g. len(pickle.dumps(model)).")
        if not 0.2 <= row["latency_ms"] / expected["latency_ms"] <= 5:
            fail(f"{label}: latency_ms {row['latency_ms']:.4f}; expected about {expected['latency_ms']:.3f} ms for one "
                 "sample. Hint: time model.predict on a single row (X_test[i:i + 1]) many times and take the median.")
    passed("measure_model", f"accuracy, training time, size and single-sample latency right for {len(models)} models")


def _pick_reference(table, max_latency_ms, max_size_bytes):
    fits = table[(table["latency_ms"] <= max_latency_ms) & (table["size_bytes"] <= max_size_bytes)]
    if fits.empty:
        too_slow = bool((table["latency_ms"] > max_latency_ms).all())
        too_big = bool((table["size_bytes"] > max_size_bytes).all())
        reasons = [f"latency <= {max_latency_ms} ms"] * too_slow + [f"size <= {max_size_bytes} bytes"] * too_big
        detail = " and ".join(reasons) if reasons else "the latency and size budgets together"
        raise ValueError(f"no model meets {detail}")
    return fits.sort_values(["accuracy", "size_bytes"], ascending=[False, True]).index[0]


def _pick_loop(table, max_latency_ms, max_size_bytes):
    best = None
    for name, row in table.iterrows():
        if row.latency_ms <= max_latency_ms and row.size_bytes <= max_size_bytes:
            if best is None or (row.accuracy, -row.size_bytes) > (table.accuracy[best], -table.size_bytes[best]):
                best = name
    if best is None:
        slow = all(table.latency_ms > max_latency_ms)
        big = all(table.size_bytes > max_size_bytes)
        raise ValueError("nothing fits: " + ", ".join(["latency too high"] * slow + ["size too large"] * big + ["budgets"] * (not slow and not big)))
    return best


def _pick_ignores_size(table, max_latency_ms, max_size_bytes):
    """Applies the latency budget but not the size budget."""
    return _pick_reference(table, max_latency_ms, np.inf)


def _pick_first_of_ties(table, max_latency_ms, max_size_bytes):
    """Breaks ties by table order instead of preferring the smaller model."""
    fits = table[(table["latency_ms"] <= max_latency_ms) & (table["size_bytes"] <= max_size_bytes)]
    if fits.empty:
        raise ValueError("no model meets the latency and size budgets")
    return fits["accuracy"].idxmax()


def _pick_returns_none(table, max_latency_ms, max_size_bytes):
    """Returns None when no model fits, instead of raising an error that says which budget failed."""
    try:
        return _pick_reference(table, max_latency_ms, max_size_bytes)
    except ValueError:
        return None


TABLE = pd.DataFrame(
    {"accuracy": [0.95, 0.86, 0.98, 0.97, 0.98, 0.96],
     "latency_ms": [0.05, 0.08, 4.0, 0.6, 0.9, 0.3],
     "size_bytes": [5_000, 40_000, 9_000_000, 300_000, 120_000, 60_000]},
    index=["logistic regression", "decision tree", "random forest", "gradient boosting", "small CNN", "MLP"],
)


@register(reference=_pick_reference, also_right=[_pick_loop],
          mistakes=[_pick_ignores_size, _pick_first_of_ties, _pick_returns_none])
def pick_model(fn) -> None:
    """Exercise 8.2: ``fn(table, max_latency_ms, max_size_bytes)`` names the most accurate model within budget."""
    cases = [(1.0, 1_000_000), (1.0, 100_000), (5.0, 500_000), (0.1, 10_000_000), (5.0, 10_000_000)]
    for latency, size in cases:
        label = f"pick_model(table, max_latency_ms={latency}, max_size_bytes={size:_})"
        got = call(fn, TABLE.copy(), latency, size, label=label)
        expected = _pick_reference(TABLE, latency, size)
        if got != expected:
            row = TABLE.loc[got] if got in TABLE.index else None
            if row is not None and row.size_bytes > size:
                hint = f"{got} is {row.size_bytes:_} bytes, over the size budget"
            elif row is not None and row.accuracy == TABLE.loc[expected].accuracy:
                hint = "on equal accuracy, prefer the smaller model"
            else:
                hint = "keep the models within both budgets, then take the most accurate"
            fail(f"{label} returned {got!r}; expected {expected!r}. Hint: {hint}.")
    for latency, size, budget in ((0.01, 10_000_000, "latency"), (10.0, 1_000, "size")):
        label = f"pick_model(table, max_latency_ms={latency}, max_size_bytes={size:_})"
        try:
            got = fn(TABLE.copy(), latency, size)
        except ValueError as error:
            if budget not in str(error).lower():
                fail(f"{label} raised ValueError({str(error)!r}); expected its message to say the {budget} budget failed.")
            continue
        fail(f"{label} returned {got!r}; expected a ValueError, since no model meets the {budget} budget. "
             "Hint: raise ValueError with a message naming the budget that no model meets.")
    passed("pick_model", f"right on all {len(cases)} budgets, ties to the smaller model, and a clear error when nothing fits")
