"""Checks for lesson 08 (model selection): measure_model, pick_model."""

from __future__ import annotations

import math
import pickle
import time

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.tree import DecisionTreeClassifier
from threadpoolctl import threadpool_limits

from mlcourse import selection
from mlcourse.check._core import call, fail, passed, register

KEYS = {"accuracy", "train_seconds", "size_bytes", "latency_ms"}


def _is_number(value) -> bool:
    """A single finite real number (a bool is not one)."""
    return (isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))
            and math.isfinite(value))


# ---------------------------------------------------------------- Exercise 8.1
class SlowToServe(ClassifierMixin, BaseEstimator):
    """A nearest-centroid classifier whose fit, predictions and pickling each take a known time.

    ``fit`` sleeps 50 ms, ``predict`` 0.5 ms per row (so scoring 450 rows takes
    over 200 ms while one request stays fast), and pickling sleeps 100 ms. A
    ``train_seconds`` that timed scoring or serialization along with ``fit``
    is then too long by far more than timer noise.
    """

    FIT_SECONDS, PREDICT_SECONDS_PER_ROW, PICKLE_SECONDS = 0.05, 0.0005, 0.1
    last_fit_seconds: float | None = None  # on the class: also seen when a learner clones the model first

    def fit(self, X, y):
        started = time.perf_counter()
        time.sleep(self.FIT_SECONDS)
        X, y = np.asarray(X, dtype=float), np.asarray(y)
        self.classes_ = np.unique(y)
        self.centroids_ = np.stack([X[y == label].mean(axis=0) for label in self.classes_])
        type(self).last_fit_seconds = time.perf_counter() - started
        return self

    def predict(self, X):
        X = np.asarray(X, dtype=float)
        time.sleep(self.PREDICT_SECONDS_PER_ROW * len(X))
        distances = ((X[:, None, :] - self.centroids_[None, :, :]) ** 2).sum(axis=2)
        return self.classes_[distances.argmin(axis=1)]

    def __getstate__(self):
        time.sleep(self.PICKLE_SECONDS)
        return super().__getstate__()


def _measure_by_hand(model, X_train, y_train, X_val, y_val):
    start = time.perf_counter()
    model.fit(X_train, y_train)
    fitted = time.perf_counter() - start
    latencies = []
    for i in range(20):
        start = time.perf_counter()
        model.predict(X_val[i : i + 1])
        latencies.append((time.perf_counter() - start) * 1000)
    return {"accuracy": np.mean(model.predict(X_val) == y_val), "train_seconds": fitted,
            "size_bytes": len(pickle.dumps(model)), "latency_ms": float(np.median(latencies))}


def _measure_unfitted_size(model, X_train, y_train, X_val, y_val):
    """Serializes the model before fitting it, so the size misses everything it learned."""
    size = len(pickle.dumps(model))
    return selection.measure_model(model, X_train, y_train, X_val, y_val) | {"size_bytes": size}


def _measure_batch_average(model, X_train, y_train, X_val, y_val):
    """Times one prediction over the whole validation set and divides by its size: not the latency of one request."""
    result = selection.measure_model(model, X_train, y_train, X_val, y_val)
    start = time.perf_counter()
    model.predict(X_val)
    return result | {"latency_ms": (time.perf_counter() - start) * 1000 / len(X_val)}


def _measure_training_accuracy(model, X_train, y_train, X_val, y_val):
    """Reports accuracy on the training data, which flatters every model."""
    result = selection.measure_model(model, X_train, y_train, X_val, y_val)
    return result | {"accuracy": float(model.score(X_train, y_train))}


def _measure_times_scoring_too(model, X_train, y_train, X_val, y_val):
    """Stops the training clock only after scoring the validation set, so train_seconds includes predictions."""
    start = time.perf_counter()
    model.fit(X_train, y_train)
    accuracy = float(model.score(X_val, y_val))
    train_seconds = time.perf_counter() - start
    return {"accuracy": accuracy, "train_seconds": train_seconds, "size_bytes": selection.serialized_size(model),
            "latency_ms": selection.single_latency_ms(model, X_val)}


def _measure_times_pickling_too(model, X_train, y_train, X_val, y_val):
    """Times fit and pickle.dumps together as train_seconds: serializing is not training."""
    start = time.perf_counter()
    model.fit(X_train, y_train)
    size = len(pickle.dumps(model))
    train_seconds = time.perf_counter() - start
    return {"accuracy": float(model.score(X_val, y_val)), "train_seconds": train_seconds, "size_bytes": size,
            "latency_ms": selection.single_latency_ms(model, X_val)}


def _row_problem(row) -> str | None:
    """What is wrong with the shape of one returned row, or None."""
    if not isinstance(row, dict) or set(row) != KEYS:
        return f"expected a dict with exactly the keys {sorted(KEYS)}"
    wrong = {key: value for key, value in row.items() if not _is_number(value)}
    if wrong:
        return f"expected every value to be a single finite number, but got {wrong!r}"
    return None


@register(reference=selection.measure_model, also_right=[_measure_by_hand],
          mistakes=[_measure_unfitted_size, _measure_batch_average, _measure_training_accuracy,
                    _measure_times_scoring_too, _measure_times_pickling_too])
def measure_model(fn) -> None:
    """Exercise 8.1: ``fn(model, X_train, y_train, X_val, y_val)`` returns one row of the trade-off table."""
    X, y = load_digits(return_X_y=True)
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.25, random_state=0)
    models = [KNeighborsClassifier(n_neighbors=3), DecisionTreeClassifier(random_state=0), SlowToServe()]
    with threadpool_limits(limits=1):  # one thread: timings stay comparable on a busy machine
        for model in models:
            _measure_one(fn, model, X_train, y_train, X_val, y_val)
    passed("measure_model", f"accuracy, training time (fit alone), size and single-sample latency right for {len(models)} models")


def _measure_one(fn, model, X_train, y_train, X_val, y_val) -> None:
    """Run the learner's measure_model on one model and compare each entry with a reference measurement."""
    label = f"measure_model({model!r}, ...)"
    SlowToServe.last_fit_seconds = None
    started = time.perf_counter()
    row = call(fn, clone(model), X_train, y_train, X_val, y_val, label=label)
    elapsed = time.perf_counter() - started
    fit_seconds = SlowToServe.last_fit_seconds
    problem = _row_problem(row)
    if problem:
        fail(f"{label} returned {row!r}; {problem}. Hint: return a dict like "
             "{'accuracy': 0.97, 'train_seconds': 0.12, 'size_bytes': 50_000, 'latency_ms': 0.3}.")
    reference = clone(model).fit(X_train, y_train)
    expected = {"accuracy": reference.score(X_val, y_val), "size_bytes": len(pickle.dumps(reference)),
                "latency_ms": selection.single_latency_ms(reference, X_val)}
    if not np.isclose(row["accuracy"], expected["accuracy"]):
        fail(f"{label}: accuracy {row['accuracy']:.3f}; expected {expected['accuracy']:.3f} on the validation rows. "
             "Hint: fit on the training data, score on the validation data.")
    if not 0 < row["train_seconds"] <= elapsed:
        fail(f"{label}: train_seconds {row['train_seconds']!r}; expected a positive time shorter than the whole "
             f"call ({elapsed:.3f} s). Hint: time only model.fit, with time.perf_counter() before and after it.")
    if fit_seconds is not None and not 0.98 * fit_seconds <= row["train_seconds"] <= fit_seconds + 0.04:
        fail(f"{label}: train_seconds {row['train_seconds']:.3f}; expected about {fit_seconds:.3f}, the time its fit "
             f"took (this model takes {SlowToServe.PREDICT_SECONDS_PER_ROW * 1000:.1f} ms per predicted row and "
             f"{SlowToServe.PICKLE_SECONDS:.1f} s to pickle). Hint: stop the clock right after model.fit returns, "
             "before scoring or serializing.")
    if not 0.5 <= row["size_bytes"] / expected["size_bytes"] <= 2:
        fail(f"{label}: size_bytes {row['size_bytes']}; expected about {expected['size_bytes']} for the fitted model. "
             "Hint: serialize the model *after* fitting it, e.g. len(pickle.dumps(model)).")
    if not 0.2 <= row["latency_ms"] / expected["latency_ms"] <= 5:
        fail(f"{label}: latency_ms {row['latency_ms']:.4f}; expected about {expected['latency_ms']:.3f} ms for one "
             "sample. Hint: time model.predict on a single row (X_val[i:i + 1]) many times and take the median.")


# ---------------------------------------------------------------- Exercise 8.2
def _pick_reference(table, max_latency_ms, max_size_bytes):
    fits = table[(table["latency_ms"] <= max_latency_ms) & (table["size_bytes"] <= max_size_bytes)]
    if fits.empty:
        too_slow = bool((table["latency_ms"] > max_latency_ms).all())
        too_big = bool((table["size_bytes"] > max_size_bytes).all())
        reasons = [f"latency <= {max_latency_ms} ms"] * too_slow + [f"size <= {max_size_bytes} bytes"] * too_big
        detail = " and ".join(reasons) if reasons else "the latency and size budgets together"
        raise ValueError(f"no model meets {detail}")
    return fits.sort_values(["val_accuracy", "size_bytes"], ascending=[False, True]).index[0]


def _pick_loop(table, max_latency_ms, max_size_bytes):
    best = None
    for name, row in table.iterrows():
        if row.latency_ms <= max_latency_ms and row.size_bytes <= max_size_bytes:
            if best is None or (row.val_accuracy, -row.size_bytes) > (table.val_accuracy[best], -table.size_bytes[best]):
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
    return fits["val_accuracy"].idxmax()


def _pick_returns_none(table, max_latency_ms, max_size_bytes):
    """Returns None when no model fits, instead of raising an error that says which budget failed."""
    try:
        return _pick_reference(table, max_latency_ms, max_size_bytes)
    except ValueError:
        return None


def _pick_strict_budgets(table, max_latency_ms, max_size_bytes):
    """Treats a budget as a bound to stay strictly under (`<`), so a model that uses exactly the budget is refused."""
    fits = table[(table["latency_ms"] < max_latency_ms) & (table["size_bytes"] < max_size_bytes)]
    if fits.empty:
        raise ValueError("no model meets the latency and size budgets")
    return fits.sort_values(["val_accuracy", "size_bytes"], ascending=[False, True]).index[0]


TABLE = pd.DataFrame(
    {"val_accuracy": [0.95, 0.86, 0.98, 0.97, 0.98, 0.96],
     "latency_ms": [0.05, 0.08, 4.0, 0.6, 0.9, 0.3],
     "size_bytes": [5_000, 40_000, 9_000_000, 300_000, 120_000, 60_000]},
    index=["logistic regression", "decision tree", "random forest", "gradient boosting", "small CNN", "MLP"],
)


@register(reference=_pick_reference, also_right=[_pick_loop],
          mistakes=[_pick_ignores_size, _pick_first_of_ties, _pick_returns_none, _pick_strict_budgets])
def pick_model(fn) -> None:
    """Exercise 8.2: ``fn(table, max_latency_ms, max_size_bytes)`` names the most accurate model within budget."""
    # the last two budgets equal a model's latency (0.9 ms) and size (120,000 bytes): exactly at the budget fits
    cases = [(1.0, 1_000_000), (1.0, 100_000), (5.0, 500_000), (0.1, 10_000_000), (5.0, 10_000_000),
             (0.9, 1_000_000), (5.0, 120_000)]
    for latency, size in cases:
        label = f"pick_model(table, max_latency_ms={latency}, max_size_bytes={size:_})"
        got = call(fn, TABLE.copy(), latency, size, label=label)
        expected = _pick_reference(TABLE, latency, size)
        if not isinstance(got, str) or got not in TABLE.index:
            fail(f"{label} returned {got!r} ({type(got).__name__}); expected the name of one model, a string from the "
                 f"table's index, here {expected!r}. Hint: return the index label of the chosen row, not the row, "
                 "its position or its accuracy.")
        if got != expected:
            row, chosen = TABLE.loc[got], TABLE.loc[expected]
            if row.size_bytes > size:
                hint = f"{got} is {int(row.size_bytes):_} bytes, over the size budget"
            elif row.latency_ms > latency:
                hint = f"{got} takes {row.latency_ms} ms, over the latency budget"
            elif chosen.latency_ms == latency or chosen.size_bytes == size:
                hint = (f"{expected} uses exactly the budget ({chosen.latency_ms} ms, {int(chosen.size_bytes):_} bytes); "
                        "a budget is a maximum, so a model at the budget meets it (<=, not <)")
            elif row.val_accuracy == chosen.val_accuracy:
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
                fail(f"{label} raised ValueError({str(error)!r}); expected its message to say the {budget} budget failed. "
                     f"Hint: name the budget no model meets.")
            continue
        except Exception as error:
            fail(f"{label} raised {type(error).__name__}: {error}; expected a ValueError, since no model meets the "
                 f"{budget} budget. Hint: check for an empty choice and raise ValueError yourself.")
        fail(f"{label} returned {got!r}; expected a ValueError, since no model meets the {budget} budget. "
             "Hint: raise ValueError with a message naming the budget that no model meets.")
    passed("pick_model", f"right on all {len(cases)} budgets (two exactly at a model's latency or size), ties to the "
                         "smaller model, and a clear error when nothing fits")
