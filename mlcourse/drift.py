"""Data drift: has the traffic moved away from the data the model was trained on?

Two scores per feature, computed over windows of live traffic against a
reference sample (the training data, or a week of traffic known to be good):

- the **population stability index** (PSI): bin the reference at its
  quantiles, count both samples in those bins, and add up
  ``(actual share - expected share) * ln(actual share / expected share)``.
  A common rule of thumb reads under 0.1 as stable, 0.1-0.25 as a moderate
  shift and above 0.25 as a large one; a floor on empty bins keeps it finite;
- the two-sample **Kolmogorov-Smirnov** test (scipy's ``ks_2samp``): the
  largest gap between the two empirical distribution functions, and a p-value
  that, on large windows, calls tiny and harmless shifts significant.

In practice a team uses a monitoring library: Evidently, NannyML, alibi-detect
or whylogs compute these and other tests per feature, choose tests by data
type, correct for many features at once, and produce reports and dashboards.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

EMPTY_BIN_SHARE = 1e-4  # the share an empty bin counts as, so that ln(0) never happens


def quantile_edges(reference, bins: int = 10) -> np.ndarray:
    """The inner bin edges: the reference's quantiles, each once (a feature with few values has fewer bins)."""
    values = np.asarray(reference, dtype=float)
    if values.min() == values.max():  # a constant: bins below it, at it, and above it
        return np.array([np.nextafter(values[0], -np.inf), values[0]])
    return np.unique(np.quantile(values, np.linspace(0, 1, bins + 1)[1:-1]))


def shares(values, edges: np.ndarray) -> np.ndarray:
    """The share of ``values`` in each bin (``len(edges) + 1`` bins, the outer ones open), floored.

    Bins are closed on the right: a value equal to an edge counts below it.
    """
    counts = np.bincount(np.searchsorted(edges, np.asarray(values, dtype=float), side="left"),
                         minlength=len(edges) + 1)
    return np.maximum(counts / max(counts.sum(), 1), EMPTY_BIN_SHARE)


def psi(expected, actual, bins: int = 10) -> float:
    """Population stability index of ``actual`` against ``expected``, on quantile bins of ``expected``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> round(psi(rng.normal(size=5000), rng.normal(size=5000)), 3) < 0.01
    True
    >>> psi(rng.normal(size=5000), rng.normal(1.0, 1.0, size=5000)) > 0.25
    True
    """
    edges = quantile_edges(expected, bins)
    e, a = shares(expected, edges), shares(actual, edges)
    return float(np.sum((a - e) * np.log(a / e)))


def ks(expected, actual) -> tuple[float, float]:
    """The Kolmogorov-Smirnov statistic and its p-value (scipy.stats.ks_2samp)."""
    from scipy.stats import ks_2samp

    result = ks_2samp(np.asarray(expected, dtype=float), np.asarray(actual, dtype=float))
    return float(result.statistic), float(result.pvalue)


def over_windows(reference: pd.DataFrame, traffic: pd.DataFrame, features: list[str], window: int,
                 step: int | None = None, bins: int = 10) -> pd.DataFrame:
    """PSI and KS of each feature on sliding windows of ``traffic`` (in arrival order) against ``reference``.

    One row per window and feature: ``start`` (the window's first row),
    ``feature``, ``psi``, ``ks`` and ``ks_p``.
    """
    step = step or window
    rows = []
    for start in range(0, len(traffic) - window + 1, step):
        part = traffic.iloc[start:start + window]
        for feature in features:
            statistic, p_value = ks(reference[feature], part[feature])
            rows.append({"start": start, "feature": feature, "psi": psi(reference[feature], part[feature], bins),
                         "ks": statistic, "ks_p": p_value})
    return pd.DataFrame(rows)


PSI_LIMIT = 0.25  # the rule of thumb's "large shift"


def retrain_reasons(psi_by_feature: dict[str, float], accuracy: float | None, baseline_accuracy: float,
                    psi_limit: float = PSI_LIMIT, accuracy_drop: float = 0.05) -> list[str]:
    """Why the model should be retrained now (an empty list: not yet), from the two signals production has.

    Drift comes first, because it needs no labels; accuracy confirms it days
    later, when the labels arrive (``accuracy`` is None until they do).
    """
    reasons = [f"{feature} has drifted (PSI {score:.2f} > {psi_limit})"
               for feature, score in psi_by_feature.items() if score > psi_limit]
    if accuracy is not None and accuracy < baseline_accuracy - accuracy_drop:
        reasons.append(f"accuracy on labelled traffic is {accuracy:.3f}, down from {baseline_accuracy:.3f}")
    return reasons
