"""Checks for lesson 12: choosing the best run, the reproduce verdict, pseudonyms."""

from __future__ import annotations

import hashlib
import hmac

import numpy as np
import pandas as pd

from mlcourse.check._core import call, describe, fail, passed, register

# --------------------------------------------------------------------------------------------
# 12.1 best_run
# --------------------------------------------------------------------------------------------


def _best_run_reference(runs, metric, higher_is_better):
    column = f"metrics.{metric}"
    done = runs[(runs["status"] == "FINISHED") & runs[column].notna()]
    if done.empty:
        raise ValueError(f"no finished run has {column}")
    ordered = done.sort_values([column, "start_time"], ascending=[not higher_is_better, True])
    return ordered["run_id"].iloc[0]


def _best_run_by_loop(runs, metric, higher_is_better):
    best = None
    for _, row in runs.sort_values("start_time").iterrows():
        value = row[f"metrics.{metric}"]
        if row["status"] != "FINISHED" or pd.isna(value):
            continue
        if best is None or (value > best[0] if higher_is_better else value < best[0]):
            best = (value, row["run_id"])
    if best is None:
        raise ValueError("no finished run")
    return best[1]


def _best_run_ignoring_status(runs, metric, higher_is_better):
    """A crashed run's last value wins: FAILED runs were not filtered out."""
    column = f"metrics.{metric}"
    ordered = runs.dropna(subset=[column]).sort_values([column, "start_time"], ascending=[not higher_is_better, True])
    return ordered["run_id"].iloc[0]


def _best_run_always_highest(runs, metric, higher_is_better):
    """The highest value wins even for a loss, where lower is better."""
    column = f"metrics.{metric}"
    done = runs[runs["status"] == "FINISHED"].sort_values([column, "start_time"], ascending=[False, True])
    return done["run_id"].iloc[0]


def _best_run_latest_tie(runs, metric, higher_is_better):
    """Of two runs with the same value, the later one is chosen."""
    column = f"metrics.{metric}"
    done = runs[runs["status"] == "FINISHED"].dropna(subset=[column])
    ordered = done.sort_values([column, "start_time"], ascending=[not higher_is_better, False])
    return ordered["run_id"].iloc[0]


def _best_run_returns_index(runs, metric, higher_is_better):
    """Returns the row's index label instead of the run's id."""
    column = f"metrics.{metric}"
    done = runs[runs["status"] == "FINISHED"].dropna(subset=[column])
    return done[column].idxmax() if higher_is_better else done[column].idxmin()


def _best_run_numpy_argmax(runs, metric, higher_is_better):
    """np.argmax/argmin over a column with a missing value (NaN) returns the NaN's position."""
    done = runs[runs["status"] == "FINISHED"]
    values = done[f"metrics.{metric}"].to_numpy()
    position = np.argmax(values) if higher_is_better else np.argmin(values)
    return done["run_id"].iloc[position]


def runs_frame(rows: list[tuple]) -> pd.DataFrame:
    """A frame shaped like ``mlflow.search_runs``: (run_id, status, minute started, val_loss, val_accuracy, test_accuracy)."""
    start = pd.Timestamp("2026-12-02 09:00", tz="UTC")
    frame = pd.DataFrame(rows, columns=["run_id", "status", "minute", "metrics.val_loss", "metrics.val_accuracy",
                                        "metrics.test_accuracy"])
    frame["start_time"] = start + pd.to_timedelta(frame.pop("minute"), unit="min")
    frame["params.learning_rate"] = [str(0.01 * (i + 1)) for i in range(len(frame))]
    return frame.iloc[::-1].reset_index(drop=True)  # search_runs lists the newest first


BEST_RUN_CASES = {
    # what the case tests: (rows, metric, higher_is_better, the expected run)
    "a loss: lower is better": (
        [("a1", "FINISHED", 0, 0.41, 0.83, 0.80), ("b2", "FINISHED", 1, 0.39, 0.86, 0.79),
         ("c3", "FINISHED", 2, 0.44, 0.88, 0.90)], "val_loss", False, "b2"),
    "an accuracy: higher is better": (
        [("a1", "FINISHED", 0, 0.41, 0.83, 0.95), ("b2", "FINISHED", 1, 0.39, 0.86, 0.79),
         ("c3", "FINISHED", 2, 0.44, 0.88, 0.80)], "val_accuracy", True, "c3"),
    "a crashed run with a better last value": (
        [("a1", "FINISHED", 0, 0.41, 0.83, 0.80), ("f9", "FAILED", 1, 0.30, 0.90, np.nan),
         ("b2", "FINISHED", 2, 0.40, 0.84, 0.81)], "val_loss", False, "b2"),
    "a tie: the earlier run": (
        [("a1", "FINISHED", 0, 0.45, 0.84, 0.80), ("b2", "FINISHED", 1, 0.40, 0.86, 0.80),
         ("c3", "FINISHED", 2, 0.40, 0.86, 0.82)], "val_loss", False, "b2"),
    "a run without the metric": (
        [("a1", "FINISHED", 0, np.nan, np.nan, np.nan), ("b2", "FINISHED", 1, 0.40, 0.86, 0.80),
         ("c3", "FINISHED", 2, 0.43, 0.81, 0.82)], "val_accuracy", True, "b2"),
}

BEST_RUN_HINTS = {
    "a loss: lower is better": "for a loss the smallest value is best: use higher_is_better",
    "an accuracy: higher is better": "for an accuracy the largest value is best: use higher_is_better",
    "a crashed run with a better last value": "keep only runs whose status is FINISHED: a crashed run's last value "
                                              "was measured part-way through training",
    "a tie: the earlier run": "break a tie by start_time, earliest first: search_runs lists the newest run first",
    "a run without the metric": "skip runs where the metric is missing (NaN) before you take the best",
}


@register(reference=_best_run_reference, also_right=[_best_run_by_loop],
          mistakes=[_best_run_ignoring_status, _best_run_always_highest, _best_run_latest_tie,
                    _best_run_returns_index, _best_run_numpy_argmax])
def best_run(fn) -> None:
    """Exercise 12.1: the best finished run by a validation metric, ties to the earliest."""
    for case, (rows, metric, higher, expected) in BEST_RUN_CASES.items():
        runs = runs_frame(rows)
        got = call(fn, runs.copy(), metric, higher, label=f"best_run(runs, {metric!r}, higher_is_better={higher})")
        if not isinstance(got, str):
            fail(f"best_run returned {describe(got)} for the case '{case}'; expected the run's id, a str such as "
                 f"{expected!r}. Hint: return the value in the run_id column, not the row's position or index.")
        if got != expected:
            fail(f"best_run chose run {got!r} in the case '{case}'; expected {expected!r}.\n"
                 f"The runs:\n{runs[['run_id', 'status', 'start_time', f'metrics.{metric}']].to_string(index=False)}\n"
                 f"Hint: {BEST_RUN_HINTS[case]}.")
    failed_only = runs_frame([("f1", "FAILED", 0, 0.3, 0.9, 0.9), ("f2", "RUNNING", 1, 0.2, 0.9, 0.9)])
    try:
        got = fn(failed_only.copy(), "val_loss", False)
    except NotImplementedError:
        raise
    except ValueError:
        pass
    except Exception as error:
        fail(f"best_run raised {type(error).__name__} ({error}) when no run had finished; expected a ValueError "
             "that says so. Hint: check for an empty selection and `raise ValueError(...)`.")
    else:
        fail(f"best_run returned {describe(got)} when no run had finished; expected a ValueError. Hint: with "
             "nothing to choose from, say so (`raise ValueError(...)`) instead of returning a crashed run.")
    passed("best_run", f"right on {len(BEST_RUN_CASES)} sweeps (direction, crashed runs, ties, missing values) "
                       "and refuses to choose when no run finished")


# --------------------------------------------------------------------------------------------
# 12.2 why_not_reproduced
# --------------------------------------------------------------------------------------------


def _why_reference(original, rerun, tolerance):
    reasons = {}
    if original["seed"] is None:
        reasons["seed"] = "the run was not seeded"
    for field in ("data_sha256", "source_sha256"):
        if original[field] != rerun[field]:
            reasons[field.removesuffix("_sha256")] = f"{field} differs"
    if original["packages"] != rerun["packages"]:
        changed = sorted(k for k in original["packages"].keys() | rerun["packages"].keys()
                         if original["packages"].get(k) != rerun["packages"].get(k))
        reasons["environment"] = f"packages differ: {', '.join(changed)}"
    for name, value in original["metrics"].items():
        if name not in rerun["metrics"]:
            reasons[f"metric:{name}"] = "missing from the re-run"
        elif abs(rerun["metrics"][name] - value) > tolerance:
            reasons[f"metric:{name}"] = f"differs by {abs(rerun['metrics'][name] - value):.3g}"
    return reasons


def _why_by_sets(original, rerun, tolerance):
    same = {"data": original["data_sha256"] == rerun["data_sha256"],
            "source": original["source_sha256"] == rerun["source_sha256"],
            "environment": set(original["packages"].items()) == set(rerun["packages"].items()),
            "seed": original["seed"] is not None}
    for name, value in original["metrics"].items():
        again = rerun["metrics"].get(name, np.nan)
        same[f"metric:{name}"] = bool(np.abs(again - value) <= tolerance)
    return {key: f"{key} does not match" for key, ok in same.items() if not ok}


def _why_exact_metrics(original, rerun, tolerance):
    """Metrics compared with ==: the tolerance is ignored, so a 1e-12 difference fails the run."""
    reasons = {k: v for k, v in _why_reference(original, rerun, tolerance).items() if not k.startswith("metric:")}
    for name, value in original["metrics"].items():
        if rerun["metrics"].get(name) != value:
            reasons[f"metric:{name}"] = "differs"
    return reasons


def _why_one_sided(original, rerun, tolerance):
    """Only a metric that grew is reported (rerun - original > tolerance): a drop passes."""
    reasons = {k: v for k, v in _why_reference(original, rerun, tolerance).items() if not k.startswith("metric:")}
    for name, value in original["metrics"].items():
        if name not in rerun["metrics"] or rerun["metrics"][name] - value > tolerance:
            reasons[f"metric:{name}"] = "differs"
    return reasons


def _why_trusts_the_seed_field(original, rerun, tolerance):
    """An unseeded run is not reported: its metrics may agree by luck, but it cannot be repeated."""
    return {k: v for k, v in _why_reference(original, rerun, tolerance).items() if k != "seed"}


def _why_package_names_only(original, rerun, tolerance):
    """Only the package names are compared: a new version of the same package passes."""
    reasons = {k: v for k, v in _why_reference(original, rerun, tolerance).items() if k != "environment"}
    if set(original["packages"]) != set(rerun["packages"]):
        reasons["environment"] = "packages differ"
    return reasons


def _why_skips_missing_metric(original, rerun, tolerance):
    """A metric missing from the re-run is skipped instead of reported."""
    return {k: v for k, v in _why_reference(original, rerun, tolerance).items()
            if not (k.startswith("metric:") and k.removeprefix("metric:") not in rerun["metrics"])}


def _record(**changes) -> dict:
    record = {"seed": 0, "data_sha256": "1b7a90c2" * 8, "source_sha256": "71c32608" * 8,
              "packages": {"numpy": "2.4.6", "scikit-learn": "1.9.1", "pandas": "3.1.1"},
              "metrics": {"val_loss": 0.3931, "val_accuracy": 0.8551}}
    return record | changes


WHY_CASES = {
    # what the case tests: (original, rerun, tolerance, the expected reasons)
    "the same run": (_record(), _record(), 1e-9, set()),
    "a difference within the tolerance": (_record(), _record(metrics={"val_loss": 0.3931 + 1e-12, "val_accuracy": 0.8551}),
                                          1e-9, set()),
    "edited data": (_record(), _record(data_sha256="99e40253" * 8), 1e-9, {"data"}),
    "a metric that dropped": (_record(), _record(metrics={"val_loss": 0.3702, "val_accuracy": 0.8551}), 1e-3,
                              {"metric:val_loss"}),
    "an unseeded run": (_record(seed=None), _record(seed=None, metrics={"val_loss": 0.4105, "val_accuracy": 0.8551}),
                        1e-3, {"seed", "metric:val_loss"}),
    "a newer scikit-learn": (_record(), _record(packages={"numpy": "2.4.6", "scikit-learn": "1.10.0", "pandas": "3.1.1"}),
                             1e-9, {"environment"}),
    "changed code and a lost metric": (_record(), _record(source_sha256="00ff" * 16, metrics={"val_loss": 0.3931}),
                                       1e-9, {"source", "metric:val_accuracy"}),
    "an unseeded run that agrees by luck": (_record(seed=None), _record(seed=None), 1e-9, {"seed"}),
}

WHY_HINTS = {
    "a difference within the tolerance": "compare metrics with the tolerance, |re-run - original| <= tolerance, "
                                         "not with ==",
    "a metric that dropped": "a metric can differ in either direction: compare the absolute difference",
    "an unseeded run": "a run without a seed cannot be repeated: report 'seed' whenever the original seed is None",
    "an unseeded run that agrees by luck": "report 'seed' whenever the original seed is None, even if the metrics agree",
    "a newer scikit-learn": "compare each package's version, not only which packages are installed",
    "changed code and a lost metric": "a metric missing from the re-run is a reason too",
}


@register(reference=_why_reference, also_right=[_why_by_sets],
          mistakes=[_why_exact_metrics, _why_one_sided, _why_trusts_the_seed_field, _why_package_names_only,
                    _why_skips_missing_metric])
def why_not_reproduced(fn) -> None:
    """Exercise 12.2: every reason a re-run does not reproduce a run, as {reason: explanation}."""
    for case, (original, rerun, tolerance, expected) in WHY_CASES.items():
        got = call(fn, original, rerun, tolerance, label="why_not_reproduced(original, rerun, tolerance)")
        if not isinstance(got, dict) or not all(isinstance(k, str) and isinstance(v, str) and v for k, v in got.items()):
            fail(f"why_not_reproduced returned {describe(got)} for '{case}'; expected a dict from each reason "
                 "('seed', 'data', 'source', 'environment', 'metric:<name>') to a non-empty explanation. "
                 "Hint: start from `reasons = {}` and add `reasons['data'] = '...'` for each difference; "
                 "return {} when the run reproduces.")
        if set(got) != expected:
            extra, missing = sorted(set(got) - expected), sorted(expected - set(got))
            hint = WHY_HINTS.get(case, "look at which fields differ between the two records")
            fail(f"for '{case}' (tolerance {tolerance:g}) why_not_reproduced gave the reasons {sorted(got)}; "
                 f"expected {sorted(expected)} (missing {missing}, not expected {extra}). Hint: {hint}.")
    passed("why_not_reproduced", f"right reasons in {len(WHY_CASES)} cases: data, source, environment, seed, "
                                 "metrics within the tolerance")


# --------------------------------------------------------------------------------------------
# 12.3 pseudonymize
# --------------------------------------------------------------------------------------------


def _pseudonym_reference(email, key):
    return hmac.new(key, email.strip().lower().encode(), hashlib.sha256).hexdigest()[:16]


def _pseudonym_blake2(email, key):
    return hashlib.blake2b(email.strip().casefold().encode(), key=key, digest_size=16).hexdigest()


def _pseudonym_unkeyed(email, key):
    """A plain SHA-256: anyone can hash a list of likely addresses and look the pseudonyms up."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def _pseudonym_not_normalized(email, key):
    """'Ana.Lopez@…' and 'ana.lopez@… ' are one person but get two pseudonyms."""
    return hmac.new(key, email.encode(), hashlib.sha256).hexdigest()


def _pseudonym_lower_only(email, key):
    """Lower-cased but not trimmed: a trailing space makes a second pseudonym for the same person."""
    return hmac.new(key, email.lower().encode(), hashlib.sha256).hexdigest()


def _pseudonym_too_short(email, key):
    """Four hex digits (65,536 values): different people collide on the same pseudonym."""
    return hmac.new(key, email.strip().lower().encode(), hashlib.sha256).hexdigest()[:4]


def _pseudonym_bytes(email, key):
    """Returns the raw digest bytes, which do not fit in a CSV column or a JSON record."""
    return hmac.new(key, email.strip().lower().encode(), hashlib.sha256).digest()


def _pseudonym_masked(email, key):
    """Masks the local part but keeps the domain and first letter: still readable, and not keyed."""
    local, domain = email.strip().lower().split("@")
    return local[0] + "***@" + domain


def _people(count: int) -> list[str]:
    rng = np.random.default_rng(12)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    names = {"".join(rng.choice(letters, 6)) + "." + "".join(rng.choice(letters, 7)) for _ in range(count)}
    return [f"{name}@palmer-station.example" for name in sorted(names)]


@register(reference=_pseudonym_reference, also_right=[_pseudonym_blake2],
          mistakes=[_pseudonym_unkeyed, _pseudonym_not_normalized, _pseudonym_lower_only, _pseudonym_too_short,
                    _pseudonym_bytes, _pseudonym_masked])
def pseudonymize(fn) -> None:
    """Exercise 12.3: a keyed pseudonym for an e-mail address."""
    key, other_key = b"course-key-0001", b"course-key-0002"
    email = "ana.lopez@palmer-station.example"
    label = "pseudonymize(email, key)"
    got = call(fn, email, key, label=label)
    if not isinstance(got, str):
        fail(f"pseudonymize returned {describe(got)}; expected a str of hex digits, e.g. 16 or more. "
             "Hint: `.hexdigest()` gives text; `.digest()` gives bytes.")
    if len(got) < 16:
        fail(f"pseudonymize returned {got!r}, {len(got)} characters; expected 16 or more hex digits. Hint: shorter "
             "pseudonyms collide, and two observers would be counted as one.")
    if "ana" in got.lower() or "palmer" in got.lower() or "@" in got:
        fail(f"pseudonymize returned {got!r}, which still shows part of the address; expected a hash of it. Hint: "
             "masking letters is not pseudonymizing: hash the whole address with the key.")
    if call(fn, email, key, label=label) != got:
        fail("pseudonymize gave two different pseudonyms for the same address and key; expected the same one. "
             "Hint: use no random salt: the same person must always get the same pseudonym.")
    for variant in ("Ana.Lopez@Palmer-Station.Example", " ana.lopez@palmer-station.example ", "ANA.LOPEZ@palmer-station.example\n"):
        if call(fn, variant, key, label=label) != got:
            fail(f"pseudonymize({variant!r}) differs from pseudonymize({email!r}); expected the same pseudonym for "
                 "the same person. Hint: trim the spaces and lower-case the address before you hash it.")
    unkeyed = {hashlib.sha256(text.encode()).hexdigest() for text in (email, email.upper())}
    if any(digest.startswith(got.lower()) for digest in unkeyed) or call(fn, email, other_key, label=label) == got:
        fail("pseudonymize gives the same pseudonym whatever the key; expected one that changes with the key. "
             "Hint: a plain hash of an e-mail can be reversed by hashing a list of likely addresses; use the key "
             "(hmac.new(key, ..., hashlib.sha256)).")
    people = _people(2000)
    pseudonyms = {call(fn, person, key, label=label) for person in people}
    if len(pseudonyms) < len(people):
        fail(f"pseudonymize gave {len(people)} different people only {len(pseudonyms)} pseudonyms; expected one "
             "each. Hint: keep at least 16 hex digits so that people do not collide.")
    passed("pseudonymize", f"keyed, the same for one person however typed, distinct for {len(people)} people")
