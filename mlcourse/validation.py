"""Validate an incoming batch against the training data before scoring it.

A model fed a file with a renamed column, numbers in other units or an
unknown category does not crash: it silently predicts nonsense. Learning a
schema from the training table and checking each batch against it turns
those silent failures into a list of problems a person can act on. Libraries
such as pandera or Great Expectations do this at scale; this is the idea in
a page.
"""

from __future__ import annotations

import pandas as pd
from pandas.api.types import is_numeric_dtype

MAX_EXTRA_MISSING = 0.10  # a batch may miss up to 10 points more of a column than the training data did


def _numeric_problems(column: str, new: pd.Series, ref: pd.Series) -> list[str]:
    if not is_numeric_dtype(new):
        example = next((v for v in new.dropna() if pd.isna(pd.to_numeric(v, errors="coerce"))), new.dropna().iloc[0])
        return [f"{column}: expected numbers, got text such as {example!r}"]
    low, high = ref.min(), ref.max()
    outside = new[(new < low) | (new > high)]
    if outside.empty:
        return []
    problem = f"{column}: {len(outside)} values outside the training range [{low:g}, {high:g}], e.g. {outside.iloc[0]:g}"
    ratio = ref.median() / new.median() if new.median() else 0
    if len(outside) > len(new.dropna()) / 2 and ratio > 0 and any(abs(ratio / 10**k - 1) < 0.2 for k in (-3, -2, -1, 1, 2, 3)):
        problem += f"; the median is {ratio:.0f} times off, so a unit change is likely"
    return [problem]


def validate_batch(df: pd.DataFrame, reference: pd.DataFrame) -> list[str]:
    """Every problem of ``df`` against the schema of ``reference``, one string per problem.

    The schema (columns, numeric or not, ranges, categories, missing rates) is
    learned from ``reference`` only. An empty list means the batch looks like
    the training data.

    Examples
    --------
    >>> reference = pd.DataFrame({"size": [1.0, 2.0, 3.0], "colour": ["red", "blue", "red"]})
    >>> validate_batch(pd.DataFrame({"size": [2.5], "colour": ["green"]}), reference)
    ["colour: unknown categories ['green']"]
    """
    problems = []
    for column in reference.columns:
        if column not in df.columns:
            problems.append(f"{column}: missing column")
            continue
        new, ref = df[column], reference[column]
        if is_numeric_dtype(ref):
            problems += _numeric_problems(column, new, ref)
        elif unknown := sorted(set(new.dropna()) - set(ref.dropna())):
            problems.append(f"{column}: unknown categories {unknown}")
        if new.isna().mean() > ref.isna().mean() + MAX_EXTRA_MISSING:
            problems.append(f"{column}: {new.isna().mean():.0%} missing, the training data had {ref.isna().mean():.0%}")
    problems += [f"{column}: unexpected column (renamed?)" for column in df.columns if column not in reference.columns]
    return problems


def bad_rows(df: pd.DataFrame, reference: pd.DataFrame) -> pd.Series:
    """True for each row the model must not score: a value missing, out of range, or an unknown category.

    Only columns present in both tables count; a missing column is a batch-level
    problem that :func:`validate_batch` reports.
    """
    bad = pd.Series(False, index=df.index)
    for column in reference.columns.intersection(df.columns):
        new, ref = df[column], reference[column]
        if is_numeric_dtype(ref) and is_numeric_dtype(new):
            bad |= new.isna() | (new < ref.min()) | (new > ref.max())
        elif is_numeric_dtype(ref):
            bad |= pd.to_numeric(new, errors="coerce").isna()
        else:
            bad |= new.isna() | ~new.isin(ref.dropna().unique())
    return bad
