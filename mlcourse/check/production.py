"""Checks for lesson 14: the population stability index, the promotion gate's decision, a canary rollback rule."""

from __future__ import annotations

import math

import numpy as np

from mlcourse import drift
from mlcourse.check._core import call, describe, fail, is_number, passed, register

# --------------------------------------------------------------------------------------------
# 14.1 psi
# --------------------------------------------------------------------------------------------

FLOOR = 1e-4


_psi_reference = drift.psi  # the course's own: quantile bins of the reference, a floor of 1e-4


def _psi_digitize(expected, actual, bins=10):
    inner = np.quantile(expected, [i / bins for i in range(1, bins)])
    edges = np.concatenate([[-np.inf], inner, [np.inf]])
    e = np.histogram(expected, edges)[0] / len(expected)
    a = np.histogram(actual, edges)[0] / len(actual)
    e, a = np.clip(e, 1e-6, None), np.clip(a, 1e-6, None)
    return float(((a - e) * np.log(a / e)).sum())


def _psi_equal_width(expected, actual, bins=10):
    """Equal-width bins over the reference's range: a skewed feature crowds most rows into a few bins."""
    edges = np.linspace(np.min(expected), np.max(expected), bins + 1)
    edges[0], edges[-1] = -np.inf, np.inf
    e = np.maximum(np.histogram(expected, edges)[0] / len(expected), FLOOR)
    a = np.maximum(np.histogram(actual, edges)[0] / len(actual), FLOOR)
    return float(np.sum((a - e) * np.log(a / e)))


def _psi_drops_outliers(expected, actual, bins=10):
    """Quantile edges from the minimum to the maximum: np.histogram drops the values outside them."""
    edges = np.quantile(expected, np.linspace(0, 1, bins + 1))
    e = np.maximum(np.histogram(expected, edges)[0] / len(expected), FLOOR)
    a = np.histogram(actual, edges)[0]
    a = np.maximum(a / max(a.sum(), 1), FLOOR)
    return float(np.sum((a - e) * np.log(a / e)))


def _psi_no_floor(expected, actual, bins=10):
    """No floor for empty bins: one empty bin makes ln(0), an infinite or NaN score."""
    edges = np.quantile(expected, np.linspace(0, 1, bins + 1)[1:-1])
    e = np.bincount(np.searchsorted(edges, expected), minlength=bins) / len(expected)
    a = np.bincount(np.searchsorted(edges, actual), minlength=bins) / len(actual)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.sum((a - e) * np.log(a / e)))


def _psi_bins_from_actual(expected, actual, bins=10):
    """Bins cut at the live traffic's quantiles instead of the reference's: the yardstick moves with the drift."""
    return _psi_reference(actual, expected, bins)


def _psi_counts(expected, actual, bins=10):
    """Counts instead of shares: the score grows with the number of rows."""
    edges = np.unique(np.quantile(expected, np.linspace(0, 1, bins + 1)[1:-1]))
    e = np.maximum(np.bincount(np.searchsorted(edges, expected), minlength=len(edges) + 1), FLOOR)
    a = np.maximum(np.bincount(np.searchsorted(edges, actual), minlength=len(edges) + 1), FLOOR)
    return float(np.sum((a - e) * np.log(a / e)))


def _psi_cases():
    rng = np.random.default_rng(14)
    reference = rng.lognormal(5.3, 0.25, 3000)  # skewed, like a mass or a latency
    return {
        "the same sample": (reference, reference, 10),
        "a fresh sample of the same distribution": (reference, rng.lognormal(5.3, 0.25, 2000), 10),
        "a 10 % shift": (reference, rng.lognormal(5.3, 0.25, 2000) * 1.10, 10),
        "a 30 % shift": (reference, rng.lognormal(5.3, 0.25, 2000) * 1.30, 10),
        "5 bins": (reference, rng.lognormal(5.3, 0.25, 1000) * 1.10, 5),
        "a small live sample": (reference, rng.lognormal(5.3, 0.25, 500) * 1.05, 10),
        "a fifth of the traffic beyond the reference's largest value": (
            reference, np.concatenate([rng.lognormal(5.3, 0.25, 800), np.full(200, reference.max() * 2)]), 10),
    }


@register(reference=_psi_reference, also_right=[_psi_digitize],
          mistakes=[_psi_equal_width, _psi_drops_outliers, _psi_no_floor, _psi_bins_from_actual, _psi_counts])
def psi(fn) -> None:
    """Exercise 14.1: the population stability index of live traffic against a reference sample."""
    label = "psi(expected, actual, bins)"
    for name, (expected, actual, bins) in _psi_cases().items():
        got = call(fn, expected.copy(), actual.copy(), bins, label=label)
        if not is_number(got):
            fail(f"{label} on {name} returned {describe(got)}; expected one finite number. Hint: "
                 "return float(np.sum(...)); an empty bin needs a floor (e.g. 1e-4) before the logarithm.")
        want = _psi_reference(expected, actual, bins)
        if not math.isclose(got, want, rel_tol=2e-2, abs_tol=2e-3):  # quantile methods differ a little
            if name == "the same sample":
                hint = "a sample against itself has the same share in every bin: PSI 0"
            elif got > 10 * want:
                hint = "use shares (counts divided by the sample's size), not counts or percentages"
            elif math.isclose(got / want, math.log10(math.e), rel_tol=0.05):
                hint = "use the natural logarithm (np.log), not log10"
            elif "beyond" in name:
                hint = ("values above the reference's largest one belong in the last bin: give the outer bins no "
                        "limit (np.histogram drops values outside its first and last edges)")
            elif 0.3 < got / want < 0.7:
                hint = "PSI adds up (a - e) * ln(a / e) over the bins: both the difference and the logarithm"
            else:
                hint = ("cut the bins at the reference's quantiles (np.quantile(expected, ...)), not at equal widths "
                        "and not at the live traffic's quantiles; give the outer bins no limit, so nothing falls "
                        "outside")
            fail(f"{label} on {name} gave {got:.4f}; expected {want:.4f}. Hint: {hint}.")
    # degenerate inputs: they must not crash or give inf/NaN
    for name, expected, actual in (("a reference of one repeated value", np.full(200, 5.0), np.full(200, 9.0)),
                                   ("traffic far outside the reference", np.arange(100.0), np.arange(100.0) + 1e6),
                                   ("an empty bin", np.arange(1000.0), np.full(50, 10.0))):
        got = call(fn, expected, actual, 10, label=label)
        if not is_number(got) or got < 0:
            fail(f"{label} on {name} returned {describe(got)}; expected a finite score of at least 0. Hint: floor "
                 "each share (e.g. at 1e-4) before dividing and taking the logarithm; give the outer bins no limit.")
    got = call(fn, np.arange(100.0), np.arange(100.0) + 1e6, 10, label=label)
    if got < 1:
        fail(f"{label} gave {got:.3f} for traffic a million units above every reference value; expected a large "
             "score. Hint: values above the last quantile belong in the last bin; np.histogram drops values outside "
             "its first and last edges, so make those -inf and +inf.")
    passed("psi", "quantile bins from the reference, shares with a floor; 0 for the same sample, large for a shift")


# --------------------------------------------------------------------------------------------
# 14.2 gate
# --------------------------------------------------------------------------------------------

def _gate_reference(candidate, champion, margin):
    reasons = []
    if candidate["status"] != "FINISHED":
        reasons.append(f"its run did not finish ({candidate['status']})")
    if not candidate["data_tests_passed"]:
        reasons.append("its data tests failed")
    if champion is not None and champion["val_loss"] - candidate["val_loss"] < margin:
        reasons.append(f"val_loss {candidate['val_loss']} does not beat the champion's {champion['val_loss']} by {margin}")
    return not reasons, reasons


def _gate_by_checklist(candidate, champion, margin):
    checks = {
        "run finished": candidate["status"] == "FINISHED",
        "data tests passed": bool(candidate["data_tests_passed"]),
        "beats the champion on validation": champion is None or candidate["val_loss"] <= champion["val_loss"] - margin,
    }
    failed = [f"not {name}" for name, ok in checks.items() if not ok]
    return len(failed) == 0, failed


def _gate_on_test(candidate, champion, margin):
    """Compares test losses: the test set picks the model, and stops being a fair final estimate."""
    reasons = [] if candidate["status"] == "FINISHED" and candidate["data_tests_passed"] else ["not ready"]
    if champion is not None and champion["test_loss"] - candidate["test_loss"] < margin:
        reasons.append("no better on test")
    return not reasons, reasons


def _gate_no_margin(candidate, champion, margin):
    """Promotes any candidate that is better at all: a gain within noise replaces the champion."""
    return _gate_reference(candidate, champion, 0.0)


def _gate_forgets_data_tests(candidate, champion, margin):
    """Never looks at the data tests: a model trained on broken data goes to production."""
    return _gate_reference({**candidate, "data_tests_passed": True}, champion, margin)


def _gate_forgets_status(candidate, champion, margin):
    """Promotes a run that crashed, if its last logged loss looked good."""
    return _gate_reference({**candidate, "status": "FINISHED"}, champion, margin)


def _gate_needs_a_champion(candidate, champion, margin):
    """Crashes when there is no champion yet, the first time the pipeline runs."""
    reasons = [] if champion["val_loss"] - candidate["val_loss"] >= margin else ["not better"]
    return _gate_reference(candidate, champion, margin)[0] and not reasons, reasons


def _gate_first_reason_only(candidate, champion, margin):
    """Stops at the first failure: the team fixes one problem, runs the pipeline, and meets the next."""
    promote, reasons = _gate_reference(candidate, champion, margin)
    return promote, reasons[:1]


CHAMPION = {"status": "FINISHED", "val_loss": 0.420, "test_loss": 0.450, "data_tests_passed": True}
GATE_CASES = [  # (what, candidate, champion, should promote, failed criteria)
    ("a clearly better candidate", {"status": "FINISHED", "val_loss": 0.380, "test_loss": 0.470, "data_tests_passed": True},
     CHAMPION, True, 0),
    ("better on validation, worse on test", {"status": "FINISHED", "val_loss": 0.380, "test_loss": 0.600,
                                             "data_tests_passed": True}, CHAMPION, True, 0),
    ("the first model, crashed, with failed data tests", {"status": "FAILED", "val_loss": 0.380, "test_loss": 0.400,
                                                          "data_tests_passed": False}, None, False, 2),
    ("the first model, no champion yet", {"status": "FINISHED", "val_loss": 0.500, "test_loss": 0.520,
                                          "data_tests_passed": True}, None, True, 0),
    ("a gain within the margin", {"status": "FINISHED", "val_loss": 0.415, "test_loss": 0.400, "data_tests_passed": True},
     CHAMPION, False, 1),
    ("better on test but worse on validation", {"status": "FINISHED", "val_loss": 0.430, "test_loss": 0.300,
                                                "data_tests_passed": True}, CHAMPION, False, 1),
    ("a failed data test", {"status": "FINISHED", "val_loss": 0.300, "test_loss": 0.310, "data_tests_passed": False},
     CHAMPION, False, 1),
    ("a crashed run with every problem", {"status": "FAILED", "val_loss": 0.419, "test_loss": 0.300,
                                          "data_tests_passed": False}, CHAMPION, False, 3),
]


@register(reference=_gate_reference, also_right=[_gate_by_checklist],
          mistakes=[_gate_on_test, _gate_no_margin, _gate_forgets_data_tests, _gate_forgets_status,
                    _gate_needs_a_champion, _gate_first_reason_only])
def gate(fn) -> None:
    """Exercise 14.2: the promotion gate's decision, with every reason a candidate is refused."""
    label = "gate(candidate, champion, margin)"
    for what, candidate, champion, should, failures in GATE_CASES:
        if champion is None:
            try:
                got = fn(dict(candidate), None, 0.01)
            except NotImplementedError:
                raise
            except (TypeError, KeyError, AttributeError) as error:
                fail(f"for {what}, {label} raised {type(error).__name__}: {error}; expected a decision. Hint: the "
                     "first time the pipeline runs there is no champion (champion is None): then only the candidate's "
                     "own checks decide.")
        else:
            got = call(fn, dict(candidate), dict(champion), 0.01, label=label)
        if not (isinstance(got, tuple) and len(got) == 2 and isinstance(got[0], (bool, np.bool_))
                and isinstance(got[1], list)):
            fail(f"{label} returned {describe(got)}; expected a tuple (promote: bool, reasons: list of str). "
                 "Hint: return promote, reasons.")
        promote, reasons = got
        if bool(promote) != should:
            fail(f"for {what}, {label} says promote={promote}; expected {should}. Hint: promote only a finished run "
                 "whose data tests pass and whose val_loss beats the champion's by at least the margin (or when there "
                 "is no champion yet); never decide on the test set.")
        if should and reasons:
            fail(f"for {what} the gate promotes but gives reasons {reasons}; expected an empty list. Hint: reasons "
                 "are what stands in the way.")
        if len(reasons) < failures:
            fail(f"for {what} the gate gave {len(reasons)} reason(s), {reasons}; expected all {failures}. Hint: check "
                 "every criterion and collect each failure, so one run of the pipeline shows everything to fix.")
    passed("gate", "validation loss with a margin, data tests and run status; every reason named; works without a champion")


# --------------------------------------------------------------------------------------------
# 14.3 should_roll_back
# --------------------------------------------------------------------------------------------

def _rollback_reference(outcomes, canary, min_labelled=50, margin=0.02):
    canary_results = [correct for version, correct in outcomes if version == canary]
    champion_results = [correct for version, correct in outcomes if version != canary]
    if len(canary_results) < min_labelled or len(champion_results) < min_labelled:
        return False
    p_canary = 1 - sum(canary_results) / len(canary_results)
    p_champion = 1 - sum(champion_results) / len(champion_results)
    se = math.sqrt(p_canary * (1 - p_canary) / len(canary_results) + p_champion * (1 - p_champion) / len(champion_results))
    return p_canary - p_champion > margin + 2 * se


def _rollback_numpy(outcomes, canary, min_labelled=50, margin=0.02):
    versions = np.array([v for v, _ in outcomes])
    wrong = ~np.array([c for _, c in outcomes], dtype=bool)
    mine, theirs = wrong[versions == canary], wrong[versions != canary]
    if min(len(mine), len(theirs)) < min_labelled:
        return False
    gap = mine.mean() - theirs.mean()
    return bool(gap - margin > 2 * np.sqrt(mine.var() / len(mine) + theirs.var() / len(theirs)))


def _rollback_no_minimum(outcomes, canary, min_labelled=50, margin=0.02):
    """Decides on however few labels there are: three unlucky answers roll a good canary back."""
    return _rollback_reference(outcomes, canary, 1, margin)


def _rollback_no_noise(outcomes, canary, min_labelled=50, margin=0.02):
    """Compares the error rates without their standard error: noise alone rolls an equal canary back."""
    canary_results = [c for v, c in outcomes if v == canary]
    champion_results = [c for v, c in outcomes if v != canary]
    if min(len(canary_results), len(champion_results)) < min_labelled:
        return False
    return (1 - np.mean(canary_results)) - (1 - np.mean(champion_results)) > margin


def _rollback_counts(outcomes, canary, min_labelled=50, margin=0.02):
    """Compares error counts: the canary answers a fifth of the traffic, so it always has fewer errors."""
    canary_errors = sum(not c for v, c in outcomes if v == canary)
    champion_errors = sum(not c for v, c in outcomes if v != canary)
    return canary_errors > champion_errors


def _rollback_backwards(outcomes, canary, min_labelled=50, margin=0.02):
    """Rolls back when the canary is better: accuracy and error rate swapped."""
    flipped = [(v, not c) for v, c in outcomes]
    return _rollback_reference(flipped, canary, min_labelled, margin)


def _stream(seed, n, champion_error, canary_error, share=0.2):
    rng = np.random.default_rng(seed)
    is_canary = rng.random(n) < share
    wrong = rng.random(n) < np.where(is_canary, canary_error, champion_error)
    return [("v2" if c else "v1", bool(not w)) for c, w in zip(is_canary, wrong, strict=True)]


def _fixed(champion_errors: int, canary_errors: int, n: int = 1000):
    return ([("v1", i >= champion_errors) for i in range(n)] + [("v2", i >= canary_errors) for i in range(n)])


def _rollback_one_se(outcomes, canary, min_labelled=50, margin=0.02):
    """Requires only 1 standard error: a real gap within 2 standard errors rolls a canary back (so does chance, more often)."""
    mine = [c for v, c in outcomes if v == canary]
    theirs = [c for v, c in outcomes if v != canary]
    if min(len(mine), len(theirs)) < min_labelled:
        return False
    p1, p2 = 1 - np.mean(mine), 1 - np.mean(theirs)
    return p1 - p2 > margin + math.sqrt(p1 * (1 - p1) / len(mine) + p2 * (1 - p2) / len(theirs))


@register(reference=_rollback_reference, also_right=[_rollback_numpy],
          mistakes=[_rollback_no_minimum, _rollback_no_noise, _rollback_counts, _rollback_backwards, _rollback_one_se])
def should_roll_back(fn) -> None:
    """Exercise 14.3: roll a canary back when its error rate is clearly worse than the champion's."""
    label = "should_roll_back(outcomes, canary)"
    cases = [("a canary clearly worse (30 % errors against 15 %)", _stream(1, 2000, 0.15, 0.30), True),
             ("v2 with 200 errors in 1000, v1 with 150 in 1000 (a gap of 5 points, within margin + 2 SE)",
              _fixed(150, 200), False),
             ("v2 with 230 errors in 1000, v1 with 150 in 1000 (a gap of 8 points)", _fixed(150, 230), True),
             ("a canary as good as the champion", _stream(2, 4000, 0.15, 0.15), False),
             ("a canary a little worse, within noise on few answers", _stream(3, 400, 0.15, 0.18), False),
             ("a terrible canary with only a few labelled answers", _stream(4, 60, 0.15, 0.9), False),
             ("a terrible canary, but few answers from the champion", _stream(7, 120, 0.10, 0.6, share=0.9), False),
             ("a canary better than the champion", _stream(5, 3000, 0.20, 0.10), False),
             ("a canary worse on a large sample", _stream(6, 20000, 0.15, 0.20), True)]
    for what, outcomes, should in cases:
        got = call(fn, list(outcomes), "v2", label=label)
        if not isinstance(got, (bool, np.bool_)):
            fail(f"{label} returned {describe(got)}; expected True or False. Hint: return the comparison itself.")
        if bool(got) != should:
            fail(f"for {what}, {label} says {got}; expected {should}. Hint: wait for at least min_labelled answers of "
                 "each model; compare error *rates*; roll back only when the canary's is higher by more than the "
                 "margin plus 2 standard errors of the difference.")
    # an equal canary, many times: the rule must rarely fire by chance
    alarms = sum(bool(call(fn, _stream(100 + seed, 1500, 0.15, 0.15), "v2", label=label)) for seed in range(40))
    if alarms > 2:
        fail(f"{label} rolled back {alarms} of 40 canaries exactly as good as the champion; expected at most 2. "
             "Hint: the error rates of two samples differ by chance; require the gap to exceed 2 standard errors.")
    passed("should_roll_back", "rolls back a clearly worse canary, waits for enough labels, and rarely fires on noise")
