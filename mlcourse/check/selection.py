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
from mlcourse.check._core import call, fail, is_number, passed, register

KEYS = {"accuracy", "train_seconds", "size_bytes", "latency_ms"}


# ---------------------------------------------------------------- Exercise 8.1
class SlowToServe(ClassifierMixin, BaseEstimator):
    """A nearest-centroid classifier whose fit, predictions and pickling each take a known time.

    ``fit`` sleeps 50 ms, ``predict`` 0.5 ms per row (so scoring 450 rows takes
    over 200 ms while one request stays fast), and pickling sleeps 100 ms. A
    ``train_seconds`` that timed scoring or serialization along with ``fit``
    is then too long by far more than timer noise.
    """

    FIT_SECONDS, PREDICT_SECONDS_PER_ROW, PICKLE_SECONDS = 0.05, 0.0005, 0.1
    fit_durations: list[float] = []  # every fit's duration, on the class: also seen when a learner clones the model

    def fit(self, X, y):
        started = time.perf_counter()
        time.sleep(self.FIT_SECONDS)
        X, y = np.asarray(X, dtype=float), np.asarray(y)
        self.classes_ = np.unique(y)
        self.centroids_ = np.stack([X[y == label].mean(axis=0) for label in self.classes_])
        type(self).fit_durations.append(time.perf_counter() - started)
        return self

    def predict(self, X):
        X = np.asarray(X, dtype=float)
        time.sleep(self.PREDICT_SECONDS_PER_ROW * len(X))
        distances = ((X[:, None, :] - self.centroids_[None, :, :]) ** 2).sum(axis=2)
        return self.classes_[distances.argmin(axis=1)]

    def __getstate__(self):
        time.sleep(self.PICKLE_SECONDS)
        return super().__getstate__()


def _measure_reference(model, X_train, y_train, X_val, y_val):
    started = time.perf_counter()
    model.fit(X_train, y_train)
    train_seconds = time.perf_counter() - started
    return {"accuracy": float(model.score(X_val, y_val)), "train_seconds": train_seconds,
            "size_bytes": len(pickle.dumps(model)), "latency_ms": selection.single_latency_ms(model, X_val)}


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


def _measure_best_of_three_fits(model, X_train, y_train, X_val, y_val):
    fits = []
    for _ in range(3):  # the fastest of three fits: less disturbed by other programs
        start = time.perf_counter()
        model.fit(X_train, y_train)
        fits.append(time.perf_counter() - start)
    return _measure_reference(model, X_train, y_train, X_val, y_val) | {"train_seconds": min(fits)}


def _measure_unfitted_size(model, X_train, y_train, X_val, y_val):
    """Serializes the model before fitting it, so the size misses everything it learned."""
    size = len(pickle.dumps(model))
    return _measure_reference(model, X_train, y_train, X_val, y_val) | {"size_bytes": size}


def _measure_batch_average(model, X_train, y_train, X_val, y_val):
    """Times one prediction over the whole validation set and divides by its size: not the latency of one request."""
    result = _measure_reference(model, X_train, y_train, X_val, y_val)
    start = time.perf_counter()
    model.predict(X_val)
    return result | {"latency_ms": (time.perf_counter() - start) * 1000 / len(X_val)}


def _measure_training_accuracy(model, X_train, y_train, X_val, y_val):
    """Reports accuracy on the training data, which flatters every model."""
    result = _measure_reference(model, X_train, y_train, X_val, y_val)
    return result | {"accuracy": float(model.score(X_train, y_train))}


def _measure_times_scoring_too(model, X_train, y_train, X_val, y_val):
    """Stops the training clock only after scoring the validation set, so train_seconds includes predictions."""
    start = time.perf_counter()
    model.fit(X_train, y_train)
    accuracy = float(model.score(X_val, y_val))
    train_seconds = time.perf_counter() - start
    return {"accuracy": accuracy, "train_seconds": train_seconds, "size_bytes": len(pickle.dumps(model)),
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
    wrong = {key: value for key, value in row.items() if not is_number(value)}
    if wrong:
        return f"expected every value to be a single finite number, but got {wrong!r}"
    return None


@register(reference=_measure_reference, also_right=[_measure_by_hand, _measure_best_of_three_fits],
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
    SlowToServe.fit_durations = []
    started = time.perf_counter()
    row = call(fn, clone(model), X_train, y_train, X_val, y_val, label=label)
    elapsed = time.perf_counter() - started
    fits = list(SlowToServe.fit_durations)  # a learner may fit several times and keep the fastest
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
    if fits and not 0.98 * min(fits) <= row["train_seconds"] <= max(fits) + 0.04:
        took = f"{fits[0]:.3f} s" if len(fits) == 1 else f"{min(fits):.3f}–{max(fits):.3f} s over {len(fits)} fits"
        fail(f"{label}: train_seconds {row['train_seconds']:.3f}; expected about the time its fit took ({took}; "
             f"this model takes {SlowToServe.PREDICT_SECONDS_PER_ROW * 1000:.1f} ms per predicted row and "
             f"{SlowToServe.PICKLE_SECONDS:.1f} s to pickle). Hint: stop the clock right after model.fit returns, "
             "before scoring or serializing.")
    if not 0.5 <= row["size_bytes"] / expected["size_bytes"] <= 2:
        fail(f"{label}: size_bytes {row['size_bytes']}; expected about {expected['size_bytes']} for the fitted model. "
             "Hint: serialize the model *after* fitting it, e.g. len(pickle.dumps(model)).")
    if not 0.2 <= row["latency_ms"] / expected["latency_ms"] <= 5:
        fail(f"{label}: latency_ms {row['latency_ms']:.4f}; expected about {expected['latency_ms']:.3f} ms for one "
             "sample. Hint: time model.predict on a single row (X_val[i:i + 1]) many times and take the median.")


# ---------------------------------------------------------------- Exercise 8.2
def _within_budget(table, max_latency_ms, max_size_bytes):
    return table[(table["latency_ms"] <= max_latency_ms) & (table["size_bytes"] <= max_size_bytes)]


def _smallest_within_noise(candidates):
    """The smallest of the candidates whose accuracy is within two of the best one's standard errors."""
    best = candidates["val_accuracy"].idxmax()
    floor = candidates.loc[best, "val_accuracy"] - 2 * candidates.loc[best, "val_se"]
    return candidates[candidates["val_accuracy"] >= floor]["size_bytes"].idxmin()


def _budget_error(table, max_latency_ms, max_size_bytes) -> ValueError:
    """The error that names which budget no model meets."""
    too_slow = bool((table["latency_ms"] > max_latency_ms).all())
    too_big = bool((table["size_bytes"] > max_size_bytes).all())
    if too_slow and not too_big:
        return ValueError(f"no model meets the latency budget of {max_latency_ms} ms")
    if too_big and not too_slow:
        return ValueError(f"no model meets the size budget of {max_size_bytes} bytes")
    if too_slow and too_big:
        return ValueError(f"no model meets the latency budget ({max_latency_ms} ms) nor the size budget "
                          f"({max_size_bytes} bytes)")
    return ValueError(f"some models meet the latency budget ({max_latency_ms} ms), others the size budget "
                      f"({max_size_bytes} bytes), none both together")


def _pick_reference(table, max_latency_ms, max_size_bytes):
    fits = _within_budget(table, max_latency_ms, max_size_bytes)
    if fits.empty:
        raise _budget_error(table, max_latency_ms, max_size_bytes)
    return _smallest_within_noise(fits)


def _pick_loop(table, max_latency_ms, max_size_bytes):
    fast = [name for name in table.index if table.latency_ms[name] <= max_latency_ms]
    small = [name for name in table.index if table.size_bytes[name] <= max_size_bytes]
    both = [name for name in fast if name in small]
    if not both:
        problems = (["latency too high for every model"] * (not fast) + ["size too large for every model"] * (not small)
                    or ["the latency and size budgets are never met by one model"])
        raise ValueError("; ".join(problems))
    top = max(both, key=lambda name: table.val_accuracy[name])
    good = [name for name in both if table.val_accuracy[top] - table.val_accuracy[name] <= 2 * table.val_se[top]]
    return sorted(good, key=lambda name: table.size_bytes[name])[0]


def _pick_highest_within_budget(table, max_latency_ms, max_size_bytes):
    """Returns the single most accurate model within budget: choosing on noise, when smaller models are as good."""
    fits = _within_budget(table, max_latency_ms, max_size_bytes)
    if fits.empty:
        raise _budget_error(table, max_latency_ms, max_size_bytes)
    return fits.sort_values(["val_accuracy", "size_bytes"], ascending=[False, True]).index[0]


def _pick_fastest_within_noise(table, max_latency_ms, max_size_bytes):
    """Among the models within noise of the best, takes the fastest instead of the smallest."""
    fits = _within_budget(table, max_latency_ms, max_size_bytes)
    if fits.empty:
        raise _budget_error(table, max_latency_ms, max_size_bytes)
    best = fits["val_accuracy"].idxmax()
    near = fits[fits["val_accuracy"] >= fits.loc[best, "val_accuracy"] - 2 * fits.loc[best, "val_se"]]
    return near["latency_ms"].idxmin()


def _pick_noise_from_overall_best(table, max_latency_ms, max_size_bytes):
    """Measures the noise band from the best model of the whole table, which may be over budget."""
    best = table["val_accuracy"].idxmax()
    near = table[table["val_accuracy"] >= table.loc[best, "val_accuracy"] - 2 * table.loc[best, "val_se"]]
    fits = _within_budget(near, max_latency_ms, max_size_bytes)
    if fits.empty:
        raise _budget_error(table, max_latency_ms, max_size_bytes)
    return fits["size_bytes"].idxmin()


def _pick_ignores_size(table, max_latency_ms, max_size_bytes):
    """Applies the latency budget but not the size budget."""
    return _pick_reference(table, max_latency_ms, np.inf)


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
        raise _budget_error(table, max_latency_ms, max_size_bytes)
    return _smallest_within_noise(fits)


def _pick_generic_error(table, max_latency_ms, max_size_bytes):
    """Raises a ValueError that does not say which budget no model meets."""
    if _within_budget(table, max_latency_ms, max_size_bytes).empty:
        raise ValueError("no model fits the budgets")
    return _pick_reference(table, max_latency_ms, max_size_bytes)


def _pick_always_blames_both(table, max_latency_ms, max_size_bytes):
    """Always blames both budgets, even when only one of them is out of reach."""
    if _within_budget(table, max_latency_ms, max_size_bytes).empty:
        raise ValueError("no model meets the latency and size budgets")
    return _pick_reference(table, max_latency_ms, max_size_bytes)


def _pick_blames_latency_first(table, max_latency_ms, max_size_bytes):
    """Blames the latency budget whenever some model is too slow, even when the two budgets only fail together."""
    if _within_budget(table, max_latency_ms, max_size_bytes).empty:
        if (table["latency_ms"] > max_latency_ms).any() and not (table["size_bytes"] > max_size_bytes).all():
            raise ValueError(f"no model meets the latency budget of {max_latency_ms} ms")
        raise _budget_error(table, max_latency_ms, max_size_bytes)
    return _pick_reference(table, max_latency_ms, max_size_bytes)


_ACCURACY = {"logistic regression": 0.950, "decision tree": 0.860, "random forest": 0.980, "gradient boosting": 0.970,
             "small CNN": 0.980, "MLP": 0.970, "lookup table": 0.900, "pruned CNN": 0.972}
TABLE = pd.DataFrame(
    {"val_accuracy": list(_ACCURACY.values()),
     "val_se": [round(math.sqrt(p * (1 - p) / 337), 4) for p in _ACCURACY.values()],
     "latency_ms": [0.05, 0.08, 4.0, 0.6, 0.9, 0.3, 0.02, 2.0],
     "size_bytes": [5_000, 40_000, 9_000_000, 300_000, 120_000, 60_000, 2_000_000, 30_000]},
    index=list(_ACCURACY),
)
# (latency, size) budgets, each with a reason; "pruned CNN" is the smallest near-best model but also the slowest
NAME_CASES = [
    ((1.0, 1_000_000), "smaller models within noise of the most accurate"),
    ((5.0, 1_000_000), "the smallest near-best model is the slowest"),
    ((5.0, 10_000_000), "every model in budget"),
    ((1.0, 50_000), "the size budget rules out the near-best models"),
    ((0.1, 10_000_000), "the best in budget is far below the best overall"),
    ((2.0, 1_000_000), "a model exactly at the latency budget"),
    ((5.0, 30_000), "a model exactly at the size budget"),
]
# (latency, size) budgets no model meets, and which budgets the error must name
ERROR_CASES = [((0.01, 10_000_000), {"latency"}), ((10.0, 1_000), {"size"}),
               ((0.04, 30_000), {"latency", "size"}), ((0.01, 1_000), {"latency", "size"})]


def _strict_answer(latency, size):
    """What the strict-budget mistake (`<` instead of `<=`) answers here, or None where it raises."""
    try:
        return _pick_strict_budgets(TABLE, latency, size)
    except ValueError:
        return None


def _name_hint(got, expected, latency, size) -> str:
    row, chosen = TABLE.loc[got], TABLE.loc[expected]
    if row.size_bytes > size:
        return f"{got} is {int(row.size_bytes):_} bytes, over the size budget"
    if row.latency_ms > latency:
        return f"{got} takes {row.latency_ms} ms, over the latency budget"
    if (chosen.latency_ms == latency or chosen.size_bytes == size) and got == _strict_answer(latency, size):
        return (f"{expected} uses exactly the budget ({chosen.latency_ms} ms, {int(chosen.size_bytes):_} bytes); "
                "a budget is a maximum, so a model at the budget meets it (<=, not <)")
    if got == _pick_highest_within_budget(TABLE, latency, size):
        return (f"{got} is the most accurate within budget, but {expected} is within two of its standard errors and "
                "smaller: the highest number alone is choosing on noise")
    if got == _pick_fastest_within_noise(TABLE, latency, size):
        return f"{got} is the fastest of the models within noise of the best; take the smallest (size_bytes) instead"
    return ("among the models within both budgets, find the most accurate; keep those no more than two of its "
            "standard errors below it; return the smallest")


@register(reference=_pick_reference, also_right=[_pick_loop],
          mistakes=[_pick_highest_within_budget, _pick_fastest_within_noise, _pick_noise_from_overall_best,
                    _pick_ignores_size, _pick_returns_none, _pick_strict_budgets, _pick_generic_error,
                    _pick_always_blames_both, _pick_blames_latency_first])
def pick_model(fn) -> None:
    """Exercise 8.2: ``fn(table, max_latency_ms, max_size_bytes)`` names the smallest model within budget and within noise of the best."""
    for (latency, size), why in NAME_CASES:
        label = f"pick_model(table, max_latency_ms={latency}, max_size_bytes={size:_}) ({why})"
        expected = _pick_reference(TABLE, latency, size)
        try:
            got = fn(TABLE.copy(), latency, size)
        except ValueError as error:
            fits = ", ".join(_within_budget(TABLE, latency, size).index)
            fail(f"{label} raised ValueError({str(error)!r}); expected {expected!r}, since {fits} meet both budgets. "
                 "Hint: find the best model *within budget* first, and measure the noise band from it.")
        except Exception:
            got = call(fn, TABLE.copy(), latency, size, label=label)  # raises again, with the standard message
        if not isinstance(got, str) or got not in TABLE.index:
            fail(f"{label} returned {got!r} ({type(got).__name__}); expected the name of one model, a string from the "
                 f"table's index, here {expected!r}. Hint: return the index label of the chosen row, not the row, "
                 "its position or its accuracy.")
        if got != expected:
            fail(f"{label} returned {got!r}; expected {expected!r}. Hint: {_name_hint(got, expected, latency, size)}.")
    for (latency, size), failing in ERROR_CASES:
        _expect_budget_error(fn, latency, size, failing)
    passed("pick_model", f"right on all {len(NAME_CASES)} budgets (two exactly at a model's latency or size, one where "
                         "the smallest near-best model is the slowest), and an error naming the failing budget")


def _expect_budget_error(fn, latency, size, failing: set[str]) -> None:
    """``fn`` must raise ValueError naming exactly the budgets in ``failing``."""
    label = f"pick_model(table, max_latency_ms={latency}, max_size_bytes={size:_})"
    if failing == {"latency", "size"}:
        alone = {"latency": bool((TABLE.latency_ms <= latency).any()), "size": bool((TABLE.size_bytes <= size).any())}
        why = ("some model meets each budget alone, none both together" if all(alone.values())
               else "no model meets either budget")
    else:
        why = f"no model meets the {next(iter(failing))} budget, while some meet the other"
    try:
        got = fn(TABLE.copy(), latency, size)
    except ValueError as error:
        named = {budget for budget in ("latency", "size") if budget in str(error).lower()}
        if named != failing:
            fail(f"{label} raised ValueError({str(error)!r}); expected its message to name "
                 f"{' and '.join(sorted(failing))} ({why}), and {'only that' if len(failing) == 1 else 'both'}. "
                 "Hint: say which budget no model meets, so the caller knows which one to relax.")
        return
    except Exception as error:
        fail(f"{label} raised {type(error).__name__}: {error}; expected a ValueError ({why}). "
             "Hint: check for an empty choice and raise ValueError yourself.")
    fail(f"{label} returned {got!r}; expected a ValueError ({why}). "
         "Hint: raise ValueError with a message naming the budget that no model meets.")
