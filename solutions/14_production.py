# %% [markdown]
# # 14 · Production: exercises
#
# Three decisions production asks for every day: has the traffic drifted, may
# this model replace the one in production, and must the canary be rolled back.
#
# **Minutes**: 15 · **Grade yourself**: `mlcourse grade exercises/14_production.ipynb`

# %%
import math

import numpy as np

from mlcourse import check

# %% [markdown]
# **Exercise 14.1** — Write `psi(expected, actual, bins=10)`, the population
# stability index of the live sample `actual` against the reference sample
# `expected` (two arrays of one feature's values):
#
# 1. cut `bins` bins at the reference's quantiles (so each holds about the same
#    share of the reference), the first and last bins open-ended;
# 2. take the share of each sample in each bin, with a floor of `1e-4` for an
#    empty bin;
# 3. add up `(actual share - expected share) * ln(actual share / expected share)`.

# %%
def psi(expected, actual, bins=10):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 14.1: the population stability index")
    expected, actual = np.asarray(expected, dtype=float), np.asarray(actual, dtype=float)
    inner_edges = np.quantile(expected, np.linspace(0, 1, bins + 1)[1:-1])  # the outer bins have no limit
    expected_share = np.bincount(np.searchsorted(inner_edges, expected), minlength=bins) / len(expected)
    actual_share = np.bincount(np.searchsorted(inner_edges, actual), minlength=bins) / len(actual)
    expected_share, actual_share = np.maximum(expected_share, 1e-4), np.maximum(actual_share, 1e-4)
    return float(np.sum((actual_share - expected_share) * np.log(actual_share / expected_share)))
    # END SOLUTION


# %%
check.psi(psi)

# %% [markdown]
# **Exercise 14.2** — Write `gate(candidate, champion, margin)`, the promotion
# gate's decision. `candidate` and `champion` are dicts with `status`
# (`"FINISHED"` or `"FAILED"`), `val_loss`, `test_loss` and `data_tests_passed`;
# `champion` is `None` the first time, when nothing is in production yet.
#
# Return `(promote, reasons)`: promote only a finished run whose data tests
# passed and whose validation loss is lower than the champion's by at least
# `margin`; `reasons` lists every criterion the candidate failed (empty when it
# is promoted). Which loss must the gate never look at?

# %%
def gate(candidate, champion, margin):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 14.2: (promote, reasons)")
    reasons = []
    if candidate["status"] != "FINISHED":
        reasons.append(f"the run did not finish ({candidate['status']})")
    if not candidate["data_tests_passed"]:
        reasons.append("the data tests failed")
    # validation only: the test set is kept for one final, unbiased estimate
    if champion is not None and champion["val_loss"] - candidate["val_loss"] < margin:
        reasons.append(f"val_loss {candidate['val_loss']} does not beat {champion['val_loss']} by {margin}")
    return not reasons, reasons
    # END SOLUTION


# %%
check.gate(gate)

# %% [markdown]
# **Exercise 14.3** — A canary answers a share of the traffic. When the labels
# come back, each answer becomes an outcome `(version, correct)`. Write
# `should_roll_back(outcomes, canary, min_labelled=50, margin=0.02)`: `True`
# when both the canary and the champion (every other version) have at least
# `min_labelled` outcomes, and the canary's error rate is higher than the
# champion's by more than `margin` plus 2 standard errors of the difference
# (`sqrt(p1 (1 - p1) / n1 + p2 (1 - p2) / n2)`).

# %%
def should_roll_back(outcomes, canary, min_labelled=50, margin=0.02):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 14.3: roll the canary back?")
    mine = [correct for version, correct in outcomes if version == canary]
    theirs = [correct for version, correct in outcomes if version != canary]
    if len(mine) < min_labelled or len(theirs) < min_labelled:
        return False  # too few labels to tell a bad canary from bad luck
    p_mine, p_theirs = 1 - sum(mine) / len(mine), 1 - sum(theirs) / len(theirs)
    noise = math.sqrt(p_mine * (1 - p_mine) / len(mine) + p_theirs * (1 - p_theirs) / len(theirs))
    return p_mine - p_theirs > margin + 2 * noise
    # END SOLUTION


# %%
check.should_roll_back(should_roll_back)
