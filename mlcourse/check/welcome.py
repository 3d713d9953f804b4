"""Checks for lesson 00 (welcome): two warm-up exercises."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from mlcourse.check._core import call, fail, passed, register


# ---------------------------------------------------------------- Exercise 0.1
def _accuracy_reference(y_true, y_pred):
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))


def _accuracy_loop(y_true, y_pred):
    matches = sum(1 for truth, guess in zip(y_true, y_pred, strict=True) if truth == guess)
    return matches / len(y_true)


def _accuracy_counts(y_true, y_pred):
    """Returns the number of matches, not their share."""
    return int(np.sum(np.asarray(y_true) == np.asarray(y_pred)))


def _accuracy_error_rate(y_true, y_pred):
    """Counts the mismatches (the error rate) instead of the matches."""
    return float(np.mean(np.asarray(y_true) != np.asarray(y_pred)))


def _accuracy_rounded(y_true, y_pred):
    """Rounds the share to 2 decimals: 2 right out of 3 comes back as 0.67 instead of 2/3."""
    return round(float(np.mean(np.asarray(y_true) == np.asarray(y_pred))), 2)


def _accuracy_percent(y_true, y_pred):
    """Returns a percentage (0 to 100) instead of a share between 0 and 1."""
    return 100 * float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))


def _accuracy_list_equality(y_true, y_pred):
    """Compares two Python lists with `==`, which gives one True/False for the whole list."""
    return float(np.mean(y_true == y_pred))


def _accuracy_cases():
    """Seeded label pairs: lists and arrays, one sample, string labels, and 2 right out of 3 (not a round number)."""
    rng = np.random.default_rng(0)
    cases = [([1], [1]), ([1], [0]), (["cat", "dog", "dog", "cat"], ["cat", "cat", "dog", "cat"]),
             (["cat", "dog", "bird"], ["cat", "dog", "cat"])]
    for n in (5, 20):
        y_true = rng.integers(0, 3, size=n)
        y_pred = np.where(rng.random(n) < 0.7, y_true, rng.integers(0, 3, size=n))
        cases.append((y_true.tolist(), y_pred.tolist()))
        cases.append((y_true, y_pred))
    return cases


def _accuracy_hint(got, expected, y_true, y_pred):
    n = len(y_true)
    if math.isnan(got):
        return "nan comes from 0 / 0 or the mean of nothing: check that you divide by the number of samples"
    if math.isclose(got, 100 * expected) and expected > 0:
        return "this looks like a percentage; return the share, between 0 and 1 (no factor 100)"
    if math.isclose(got, expected * n) and n > 1:
        return "this is the number of matches; divide by the number of samples"
    if math.isclose(got, 1 - expected):
        return "this is the share of *mismatches* (the error rate); count the matches instead"
    if isinstance(y_true, list) and got in (0.0, 1.0):
        return ("`==` on two Python lists gives a single True/False for the whole list; "
                "convert them with np.asarray first to compare label by label")
    if any(math.isclose(got, round(expected, digits)) for digits in range(1, 5)):
        return "this looks rounded; return the exact share and round only when you print it"
    return "accuracy = (number of positions where y_true equals y_pred) / (number of samples)"


@register(
    reference=_accuracy_reference,
    also_right=[_accuracy_loop],
    mistakes=[_accuracy_counts, _accuracy_error_rate, _accuracy_rounded, _accuracy_percent,
              _accuracy_list_equality],
)
def accuracy(fn) -> None:
    """Exercise 0.1: ``fn(y_true, y_pred)`` returns the share of labels predicted right."""
    cases = _accuracy_cases()
    for y_true, y_pred in cases:
        expected = _accuracy_reference(y_true, y_pred)
        got = call(fn, y_true, y_pred, label=f"accuracy({y_true!r}, {y_pred!r})")
        if isinstance(got, np.ndarray) and got.ndim == 0:  # np.mean(...)[()] style: one number all the same
            got = got[()]
        if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, float, np.number)):
            fail(f"accuracy({y_true!r}, {y_pred!r}) returned {repr(got)[:80]} ({type(got).__name__}); "
                 f"expected a single number between 0 and 1, here {expected:.3f}")
        if not math.isclose(float(got), expected, abs_tol=1e-9):
            fail(f"accuracy({y_true!r}, {y_pred!r}) returned {got!r}; expected {expected:.6g}. "
                 f"Hint: {_accuracy_hint(float(got), expected, y_true, y_pred)}.")
    passed("accuracy", f"right on all {len(cases)} cases (one sample, string labels, 2 of 3 right, lists and arrays)")


# ---------------------------------------------------------------- Exercise 0.2
def _missing_share_reference(df):
    return df.isna().mean()


def _missing_share_dict(df):
    return {column: sum(pd.isna(value) for value in df[column]) / len(df) for column in df.columns}


def _missing_share_counts(df):
    """`df.isna().sum()`: counts of missing values, not shares."""
    return df.isna().sum()


def _missing_share_per_row(df):
    """`df.isna().mean(axis=1)`: one value per row instead of per column."""
    return df.isna().mean(axis=1)


def _missing_share_percent(df):
    """`df.isna().mean() * 100`: percentages (0 to 100), not shares from 0 to 1."""
    return df.isna().mean() * 100


def _missing_share_present(df):
    """`df.notna().mean()`: the share of values present, not missing."""
    return df.notna().mean()


def _missing_share_cases():
    """Seeded tables with numeric and text columns, one column, and no gaps at all."""
    rng = np.random.default_rng(1)
    n = 12
    mixed = pd.DataFrame({
        "bill_length_mm": np.round(rng.normal(44, 5, n), 1),
        "island": rng.choice(["Biscoe", "Dream", "Torgersen"], n).astype(object),
        "body_mass_g": rng.integers(2700, 6300, n).astype(float),
    })
    mixed.loc[rng.random(n) < 0.3, "bill_length_mm"] = np.nan
    mixed.loc[rng.random(n) < 0.2, "island"] = None
    one_column = pd.DataFrame({"sex": ["male", None, "female", None, None]})
    complete = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": ["x", "y", "z"]})
    return [mixed, one_column, complete]


def _missing_share_hint(got: pd.Series, expected: pd.Series, df: pd.DataFrame) -> str:
    if len(got) == len(df) and list(got.index) == list(df.index) and len(df.columns) != len(df):
        return "there is one value per *row*; compute one value per *column* (axis=0, the default)"
    if (got > 1).any() and np.allclose(got.reindex(expected.index).to_numpy(dtype=float), 100 * expected.to_numpy()):
        return "these look like percentages; return shares from 0 to 1 (no factor 100)"
    if (got > 1).any():
        return "these look like counts; divide by the number of rows (or use .mean() on the True/False table)"
    if np.allclose(got.reindex(expected.index).to_numpy(dtype=float), 1 - expected.to_numpy()):
        return "this is the share of values *present*; use isna() to count the missing ones"
    return "for each column: (number of missing values) / (number of rows)"


@register(
    reference=_missing_share_reference,
    also_right=[_missing_share_dict],
    mistakes=[_missing_share_counts, _missing_share_percent, _missing_share_per_row, _missing_share_present],
)
def missing_share(fn) -> None:
    """Exercise 0.2: ``fn(df)`` returns, per column, the share of missing values."""
    cases = _missing_share_cases()
    for df in cases:
        expected = _missing_share_reference(df)
        got = call(fn, df.copy(), label=f"missing_share(<table with columns {list(df.columns)}>)")
        if not isinstance(got, (pd.Series, dict)):
            fail(f"missing_share returned {type(got).__name__}; expected a pandas Series "
                 "(or a dict) with one share per column, indexed by column name")
        try:
            got = pd.Series(got, dtype=float)
        except (TypeError, ValueError):
            fail(f"missing_share returned {repr(got)[:120]}; expected a number from 0 to 1 for each column, "
                 f"like {expected.round(3).to_dict()}. Hint: the share of missing values is a number, not text.")
        if set(got.index) != set(expected.index):
            fail(f"missing_share returned values for {list(got.index)}; expected one per column "
                 f"{list(expected.index)}. Hint: {_missing_share_hint(got, expected, df)}.")
        if not np.allclose(got.reindex(expected.index).to_numpy(), expected.to_numpy()):
            fail(f"missing_share returned {got.round(3).to_dict()}; expected {expected.round(3).to_dict()}. "
                 f"Hint: {_missing_share_hint(got, expected, df)}.")
    passed("missing_share", f"right on all {len(cases)} tables (text and numeric columns, no gaps at all)")
