"""Checks for lesson 05 (data preparation): build_preprocessor, validate_batch."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer, make_column_transformer
from sklearn.exceptions import NotFittedError
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.utils.validation import check_is_fitted

from mlcourse import data, validation
from mlcourse.check._core import call, fail, passed, register

NUMERIC = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
CATEGORICAL = ["island", "sex"]


def _preprocessor_reference(numeric, categorical):
    return ColumnTransformer([
        ("numeric", make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler()), numeric),
        ("categorical", OneHotEncoder(handle_unknown="ignore"), categorical),
    ])


def _preprocessor_mean_imputer(numeric, categorical):
    numbers = make_pipeline(SimpleImputer(strategy="mean"), StandardScaler())
    return make_column_transformer(
        (numbers, numeric),
        (SimpleImputer(strategy="constant", fill_value=0.0, add_indicator=True), numeric),
        (make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")), categorical),
    )


def _preprocessor_scale_then_fill_zero(numeric, categorical):
    # StandardScaler learns from the observed values and keeps the holes; 0 is then the observed mean
    numbers = make_pipeline(StandardScaler(), SimpleImputer(strategy="constant", fill_value=0.0, add_indicator=True))
    return ColumnTransformer([
        ("numeric", numbers, numeric),
        ("categorical", OneHotEncoder(handle_unknown="ignore", sparse_output=False), categorical),
    ])


def _preprocessor_no_indicator(numeric, categorical):
    """Imputes without a missing indicator, so the model cannot tell an imputed value from a real one."""
    return ColumnTransformer([
        ("numeric", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
        ("categorical", OneHotEncoder(handle_unknown="ignore"), categorical),
    ])


def _preprocessor_unscaled(numeric, categorical):
    """Imputes but does not scale the numeric columns."""
    return ColumnTransformer([
        ("numeric", SimpleImputer(strategy="median", add_indicator=True), numeric),
        ("categorical", OneHotEncoder(handle_unknown="ignore"), categorical),
    ])


def _preprocessor_zero_before_scaling(numeric, categorical):
    """Fills holes with 0 before scaling: a 0 g penguin drags the mean, widens the spread, and sits far outside the data."""
    numbers = make_pipeline(SimpleImputer(strategy="constant", fill_value=0.0, add_indicator=True), StandardScaler())
    return ColumnTransformer([
        ("numeric", numbers, numeric),
        ("categorical", OneHotEncoder(handle_unknown="ignore"), categorical),
    ])


def _preprocessor_strict_encoder(numeric, categorical):
    """Uses a OneHotEncoder that raises on a category it did not see in training."""
    return ColumnTransformer([
        ("numeric", make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler()), numeric),
        ("categorical", OneHotEncoder(), categorical),
    ])


def _matches(column: np.ndarray, target: np.ndarray, tolerance: float = 1e-6) -> bool:
    """True when ``column`` is an exact affine image of ``target`` (correlation ±1)."""
    if np.std(column) < tolerance or np.std(target) < tolerance:
        return False
    return abs(np.corrcoef(column, target)[0, 1]) > 1 - tolerance


def _dense(matrix) -> np.ndarray:
    return np.asarray(matrix.toarray() if hasattr(matrix, "toarray") else matrix, dtype=float)


def _output(transformer, table: pd.DataFrame, label: str) -> np.ndarray:
    """``transformer.fit_transform(table)`` as a 2-D float array, or a failure that says what came back."""
    got = call(transformer.fit_transform, table, label=f"{label}.fit_transform(penguins)")
    try:
        out = _dense(got)
    except (TypeError, ValueError):
        fail(f"{label}.fit_transform(penguins) returned {type(got).__name__}, not numbers; expected a 2-D array of "
             "numbers. Hint: every step must turn its columns into numbers (one-hot encode the categories).")
    if out.ndim != 2 or out.shape[0] != len(table):
        fail(f"{label}.fit_transform(penguins) has shape {out.shape}; expected ({len(table)}, <columns>), one row per "
             "penguin. Hint: return the ColumnTransformer itself; it keeps one row per input row.")
    return out


STANDARDIZED = 0.05  # how close to mean 0 and standard deviation 1 the observed values must come out


def _check_standardized(out: np.ndarray, values: pd.Series, column: str, label: str) -> None:
    """Some output column is ``column`` standardized over its observed values, with each hole at a typical value."""
    seen = values.notna().to_numpy()
    carriers = [j for j in range(out.shape[1]) if _matches(out[seen, j], values[seen].to_numpy(), 1e-3)]
    if not carriers:
        fail(f"{label}: no output column carries the values of {column}; expected {column} standardized. "
             "Hint: send the numeric columns through a StandardScaler (and fill their holes).")
    spread = {j: (out[seen, j].mean(), out[seen, j].std()) for j in carriers}
    good = [j for j, (mean, std) in spread.items() if abs(mean) < STANDARDIZED and abs(std - 1) < STANDARDIZED]
    if not good:
        mean, std = min(spread.values(), key=lambda ms: abs(ms[0]) + abs(ms[1] - 1))
        fail(f"{label}: {column}'s observed values come out with mean {mean:.2f} and standard deviation {std:.2f}; "
             "expected about 0 and 1. Hint: standardize (StandardScaler); if you fill holes before scaling, fill "
             "them with a typical value, since an extreme one (such as 0 g) shifts the mean and widens the spread.")
    j = good[0]
    low, high = out[seen, j].min(), out[seen, j].max()
    if (~seen).any() and not ((out[~seen, j] >= low) & (out[~seen, j] <= high)).all():
        fail(f"{label}: where {column} was missing the output is {out[~seen, j][0]:.2f}, outside the observed values "
             f"[{low:.2f}, {high:.2f}]; expected a typical value. Hint: fill with the median or the mean (or with 0 "
             "after scaling, which is the observed mean).")


@register(reference=_preprocessor_reference, also_right=[_preprocessor_mean_imputer, _preprocessor_scale_then_fill_zero],
          mistakes=[_preprocessor_no_indicator, _preprocessor_unscaled, _preprocessor_zero_before_scaling,
                    _preprocessor_strict_encoder])
def build_preprocessor(fn) -> None:
    """Exercise 5.1: ``fn(numeric, categorical)`` returns an unfitted ColumnTransformer."""
    label = f"build_preprocessor({NUMERIC}, {CATEGORICAL})"
    transformer = call(fn, list(NUMERIC), list(CATEGORICAL), label=label)
    if not isinstance(transformer, ColumnTransformer):
        fail(f"{label} returned {type(transformer).__name__}; expected an sklearn ColumnTransformer. "
             "Hint: ColumnTransformer([(name, transformer, columns), ...]) or make_column_transformer.")
    try:
        check_is_fitted(transformer)
        fail(f"{label} returned a fitted transformer; expected an unfitted one. Hint: return it before calling fit.")
    except NotFittedError:
        pass
    penguins = data.load_penguins()
    table = penguins[NUMERIC + CATEGORICAL]
    out = _output(transformer, table, label)
    if np.isnan(out).any():
        fail(f"{label}: the transformed penguins still hold NaN; expected none. Hint: impute the numeric columns (SimpleImputer).")
    for column in NUMERIC:
        _check_standardized(out, table[column], column, label)
        if not any(_matches(out[:, j], table[column].isna().to_numpy(dtype=float)) for j in range(out.shape[1])):
            fail(f"{label}: no output column marks where {column} was missing; expected a missing indicator. "
                 "Hint: SimpleImputer(add_indicator=True) keeps that information for the model.")
    for column in CATEGORICAL:
        known = table[column].notna().to_numpy()
        for value in table[column].dropna().unique():
            one_hot = (table[column] == value).to_numpy(dtype=float)[known]
            if not any(np.array_equal(out[known, j], one_hot) for j in range(out.shape[1])):
                fail(f"{label}: no 0/1 output column for {column} == {value!r}; expected one-hot encoding. Hint: OneHotEncoder.")
    unseen = table.head(2).assign(island="Anvers")
    try:
        new = _dense(transformer.transform(unseen))
    except Exception as error:
        fail(f"{label}: transforming rows from an unknown island raised {type(error).__name__}; expected them encoded "
             "(all zeros in the island columns). Hint: OneHotEncoder(handle_unknown='ignore').")
    if np.isnan(new).any():
        fail(f"{label}: rows from an unknown island came out with NaN; expected numbers. Hint: OneHotEncoder(handle_unknown='ignore').")
    passed("build_preprocessor", "fills holes with typical values and flags them, standardizes, one-hot encodes, "
           "survives an unknown category, no NaN out")


def _validate_all_problems_at_once(df, reference):
    problems = []
    for column in reference.columns:
        if column not in df:
            problems.append(f"Column '{column}' is missing")
        elif pd.api.types.is_numeric_dtype(reference[column]) and not pd.api.types.is_numeric_dtype(df[column]):
            problems.append(f"Column '{column}' has non-numeric values")
        else:
            problems += validation.validate_batch(df[[column]], reference[[column]])
    extra = set(df.columns) - set(reference.columns)
    return problems + [f"Unknown column '{column}'" for column in sorted(extra)]


def _validate_columns_only(df, reference):
    """Compares only the column names; types, ranges, categories and missing rates go unchecked."""
    return [f"{c}: missing" for c in reference.columns if c not in df] + [f"{c}: unexpected" for c in df if c not in reference]


def _validate_schema_from_batch(df, reference):
    """Learns ranges and categories from the batch itself, so nothing in it is ever out of range."""
    shared = [c for c in reference.columns if c in df.columns]
    return _validate_columns_only(df, reference) + validation.validate_batch(df[shared], df[shared])


def _validate_any_hole_is_a_problem(df, reference):
    """Reports every missing value, although the pipeline fills holes; only many more than in training is a problem."""
    holes = [f"{c}: {n} missing values" for c, n in df.isna().sum().items() if n and c in reference.columns]
    return validation.validate_batch(df, reference) + holes


def _validate_first_problem_only(df, reference):
    """Stops at the first problem instead of listing them all."""
    return validation.validate_batch(df, reference)[:1]


def _validation_cases():
    """(batch, columns that must be named, columns that may also be named) for one reference table."""
    reference = data.load_penguins().drop(columns=["species", "year"])
    clean = reference.sample(40, random_state=3)
    return reference, [
        (clean, set(), set()),
        (clean.rename(columns={"bill_length_mm": "culmen_length_mm"}), {"bill_length_mm"}, {"culmen_length_mm"}),
        (clean.assign(island=["Anvers"] * 3 + list(clean.island[3:])), {"island"}, set()),
        (clean.assign(body_mass_g=clean.body_mass_g / 1000), {"body_mass_g"}, set()),
        (clean.assign(flipper_length_mm=[f"{v} mm" for v in clean.flipper_length_mm]), {"flipper_length_mm"}, set()),
        (clean.assign(bill_depth_mm=[np.nan] * 12 + list(clean.bill_depth_mm[12:])), {"bill_depth_mm"}, set()),
        (data.load_customer_batch(), {"bill_length_mm", "sex", "flipper_length_mm", "body_mass_g", "island", "bill_depth_mm"},
         {"culmen_length_mm"}),
    ]


@register(reference=validation.validate_batch, also_right=[_validate_all_problems_at_once],
          mistakes=[_validate_columns_only, _validate_schema_from_batch, _validate_first_problem_only,
                    _validate_any_hole_is_a_problem])
def validate_batch(fn) -> None:
    """Exercise 5.2: ``fn(df, reference)`` lists every problem of a batch, each naming its column."""
    reference, cases = _validation_cases()
    for batch, must, may in cases:
        label = f"validate_batch(<batch with columns {list(batch.columns)}>, penguins)"
        problems = call(fn, batch.copy(), reference.copy(), label=label)
        if not isinstance(problems, list) or not all(isinstance(p, str) for p in problems):
            fail(f"{label} returned {type(problems).__name__}; expected a list of strings, one per problem")
        if not must and problems:
            fail(f"{label} returned {problems} for a clean sample of the training data; expected []. "
                 "Hint: learn ranges, categories and missing rates from `reference`; a few holes are fine (the pipeline "
                 "fills them), only many more missing values than in training are a problem.")
        columns = set(batch.columns) | set(reference.columns)
        named = {c for p in problems for c in columns if c in p}
        if unmatched := [p for p in problems if not any(c in p for c in columns)]:
            fail(f"{label}: the problem {unmatched[0]!r} names no column; expected each problem to name its column.")
        if missed := must - named:
            fail(f"{label} reported {problems}; expected problems naming {sorted(must)}, but {sorted(missed)} went "
                 "unreported. Hint: check, per column of `reference`: present? numeric where it should be? inside the "
                 "training range? known categories? not many more missing values than in training?")
        if extra := named - must - may:
            fail(f"{label} reported problems for {sorted(extra)}; expected only {sorted(must)}. "
                 "Hint: the schema must come from `reference`, and a value inside its range is fine.")
    passed("validate_batch", f"found every planted problem and nothing else in all {len(cases)} batches (the customer file too)")
