"""Validate an incoming batch against the training data before scoring it.

A model fed a file with a renamed column, numbers in other units or an
unknown category does not crash: it silently predicts nonsense. Learning a
schema from the training table and checking each batch against it turns
those silent failures into a list of problems a person can act on. Libraries
such as pandera or Great Expectations do this at scale; this is the idea in
a page.

Two layers, two jobs: :func:`validate_batch` judges the whole batch (columns,
types, units, missing rates) so that it can go back to whoever sent it;
:func:`row_flags` then decides, row by row, what the model can score. A row
is refused only for what the pipeline cannot handle (text where a number
belongs, a value outside the accepted range, a category never seen); a hole
is something the pipeline fills, so that row is scored and flagged.
"""

from __future__ import annotations

import pandas as pd
from pandas.api.types import is_numeric_dtype
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

MAX_EXTRA_MISSING = 0.10  # a batch may miss up to 10 points more of a column than the training data did
RANGE_MARGIN = 0.10  # accept values up to 10 % of the training range beyond its minimum and maximum


def accepted_range(ref: pd.Series, margin: float = RANGE_MARGIN) -> tuple[float, float]:
    """The training range of ``ref`` widened by ``margin`` times its width at each end.

    The training minimum and maximum are only the extremes seen so far: a
    penguin a little heavier than any in the table is real, not an error. A
    margin accepts it, and still refuses a unit change (a factor of 1000) or a
    sign error.

    Examples
    --------
    >>> accepted_range(pd.Series([10.0, 20.0]))
    (9.0, 21.0)
    """
    low, high = float(ref.min()), float(ref.max())
    return low - margin * (high - low), high + margin * (high - low)


def _numeric_problems(column: str, new: pd.Series, ref: pd.Series) -> list[str]:
    if not is_numeric_dtype(new):
        present = new.dropna()
        if present.empty:  # e.g. a JSON field that is null in every record: pandas cannot tell it is numeric
            return [f"{column}: expected numbers, got only empty values"]
        text = next((v for v in present if pd.isna(pd.to_numeric(v, errors="coerce"))), None)
        if text is None:
            return [f"{column}: expected numbers, got numbers stored as text such as {present.iloc[0]!r}"]
        return [f"{column}: expected numbers, got text such as {text!r}"]
    low, high = accepted_range(ref)
    outside = new[(new < low) | (new > high)]
    if outside.empty:
        return []
    problem = (f"{column}: {len(outside)} values outside [{low:g}, {high:g}] (the training range "
               f"{ref.min():g} to {ref.max():g}, plus {RANGE_MARGIN:.0%} of its width), e.g. {outside.iloc[0]:g}")
    ratio = ref.median() / new.median() if new.median() else 0
    if len(outside) > len(new.dropna()) / 2 and ratio > 0 and any(abs(ratio / 10**k - 1) < 0.2 for k in (-3, -2, -1, 1, 2, 3)):
        problem += f"; the median is {ratio:.0f} times off, so a unit change is likely"
    return [problem]


def validate_batch(df: pd.DataFrame, reference: pd.DataFrame) -> list[str]:
    """Every problem of ``df`` against the schema of ``reference``, one string per problem.

    The schema (columns, numeric or not, ranges with a margin, categories,
    missing rates) is learned from ``reference`` only. An empty list means the
    batch looks like the training data.

    Examples
    --------
    >>> reference = pd.DataFrame({"size": [1.0, 2.0, 3.0], "colour": ["red", "blue", "red"]})
    >>> validate_batch(pd.DataFrame({"size": [2.5], "colour": ["green"]}), reference)
    ["colour: unknown categories ['green']"]

    A column that arrives empty and untyped (a JSON field that is null in
    every record) is reported, not a crash:

    >>> validate_batch(pd.DataFrame({"size": [None, None], "colour": ["red", "blue"]}, dtype=object), reference)
    ['size: expected numbers, got only empty values', 'size: 100% missing, the training data had 0%']
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


def _refusals(new: pd.Series, ref: pd.Series, column: str) -> pd.Series:
    """Per row, why the value in ``column`` cannot go into the model ("" when it can, or when it is a hole)."""
    reasons = pd.Series("", index=new.index)
    present = new.notna()
    if is_numeric_dtype(ref):
        numbers = pd.to_numeric(new, errors="coerce")
        low, high = accepted_range(ref)
        reasons[present & numbers.isna()] = [f"{column} {v!r} is not a number" for v in new[present & numbers.isna()]]
        outside = (numbers < low) | (numbers > high)
        reasons[outside] = [f"{column} {v:g} outside [{low:g}, {high:g}]" for v in numbers[outside]]
    else:
        unknown = present & ~new.isin(ref.dropna().unique())
        reasons[unknown] = [f"{column} {v!r} never seen in training" for v in new[unknown]]
    return reasons


def row_flags(df: pd.DataFrame, reference: pd.DataFrame) -> pd.DataFrame:
    """Per row of ``df``: why the model must not score it, and which holes the pipeline will fill.

    Returns a table indexed like ``df`` with two text columns. ``refused``
    names what the pipeline cannot handle (text in a numeric column, a value
    outside :func:`accepted_range`, a category never seen in training); it is
    empty for a row that can be scored. ``imputed`` names the columns whose
    value is missing: the pipeline fills them with a typical value, so the row
    is scored, and its prediction is flagged as resting on a filled value.
    Only columns in both tables count; a missing column is a batch-level
    problem that :func:`validate_batch` reports.

    Examples
    --------
    >>> reference = pd.DataFrame({"size": [1.0, 2.0, 3.0], "colour": ["red", "blue", "red"]})
    >>> flags = row_flags(pd.DataFrame({"size": [2.5, None, 90.0], "colour": ["red", "red", "green"]}), reference)
    >>> flags["refused"].tolist()
    ['', '', "size 90 outside [0.8, 3.2]; colour 'green' never seen in training"]
    >>> flags["imputed"].tolist()
    ['', 'size', '']
    """
    columns = [column for column in reference.columns if column in df.columns]
    reasons = pd.DataFrame({column: _refusals(df[column], reference[column], column) for column in columns}, index=df.index)
    holes = df[columns].isna()
    return pd.DataFrame({
        "refused": reasons.apply(lambda row: "; ".join(reason for reason in row if reason), axis=1),
        "imputed": holes.apply(lambda row: ", ".join(column for column in columns if row[column]), axis=1),
    }, index=df.index)


def _preprocessing(table: pd.DataFrame) -> ColumnTransformer:
    """Numbers scaled, holes filled and marked 0/1; categories filled and one-hot encoded.

    The numeric columns are scaled *before* their holes are filled and marked,
    so each mark stays 0 or 1: scaled like a measurement, a mark that only a
    few training rows carry would be divided by its tiny spread and become
    many standard units.
    """
    numeric = [column for column in table.columns if is_numeric_dtype(table[column])]
    categorical = [column for column in table.columns if column not in numeric]
    numbers = make_pipeline(StandardScaler(), SimpleImputer(strategy="median", add_indicator=True))
    categories = make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore"))
    return ColumnTransformer([("numeric", numbers, numeric), ("categorical", categories, categorical)])


def deployed_model(table: pd.DataFrame, target: pd.Series) -> Pipeline:
    """Lesson 05's deployed model, fitted on ``table`` and ``target``: preprocessing, then a logistic regression.

    Numeric columns of ``table`` are scaled, their holes filled and marked;
    the other columns are one-hot encoded (an unknown category becomes all
    zeros, the last guard behind :func:`row_flags`). ``cross_val_score``
    clones the model, so the returned pipeline can also be cross-validated.
    """
    return make_pipeline(_preprocessing(table), LogisticRegression(max_iter=1000)).fit(table, target)
