"""Checks for lesson 05 (data preparation): build_preprocessor, validate_batch."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.api.types import is_numeric_dtype
from sklearn.compose import ColumnTransformer, make_column_transformer
from sklearn.exceptions import NotFittedError
from sklearn.impute import MissingIndicator, SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    OneHotEncoder,
    OrdinalEncoder,
    StandardScaler,
)
from sklearn.utils.validation import check_is_fitted

from mlcourse import data, validation
from mlcourse.check._core import call, fail, passed, register

NUMERIC = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
CATEGORICAL = ["island", "sex"]


def _preprocessor_reference(numeric, categorical):
    numbers = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    return ColumnTransformer([
        ("numeric", numbers, numeric),
        ("missing", MissingIndicator(features="all"), numeric),
        ("categorical", OneHotEncoder(handle_unknown="ignore"), categorical),
    ])


def _preprocessor_scale_then_fill(numeric, categorical):
    # StandardScaler learns from the observed values and keeps the holes; the marks are added after scaling
    numbers = make_pipeline(StandardScaler(), SimpleImputer(strategy="median", add_indicator=True))
    return make_column_transformer(
        (numbers, numeric),
        (make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")), categorical),
    )


def _preprocessor_scale_then_fill_zero(numeric, categorical):
    # after scaling, 0 is the observed mean
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


def _preprocessor_scaled_marks(numeric, categorical):
    """Fills and marks the holes, then scales everything: a mark that few rows carry becomes many standard units (12 in the lesson)."""
    return ColumnTransformer([
        ("numeric", make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler()), numeric),
        ("categorical", OneHotEncoder(handle_unknown="ignore"), categorical),
    ])


def _preprocessor_one_mark_per_row(numeric, categorical):
    """Marks "some measurement is missing" once per row, so the model cannot tell which value was filled."""
    any_missing = FunctionTransformer(lambda t: np.asarray(pd.DataFrame(t).isna().any(axis=1), dtype=float).reshape(-1, 1))
    return ColumnTransformer([
        ("numeric", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
        ("missing", any_missing, numeric),
        ("categorical", OneHotEncoder(handle_unknown="ignore"), categorical),
    ])


def _preprocessor_marks_one_column(numeric, categorical):
    """Marks the holes of the first numeric column only (with penguins' own holes, all in the same rows, that looked enough)."""
    return ColumnTransformer([
        ("numeric", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
        ("missing", MissingIndicator(), numeric[:1]),
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
    return ColumnTransformer([
        ("numeric", make_pipeline(SimpleImputer(strategy="constant", fill_value=0.0), StandardScaler()), numeric),
        ("missing", MissingIndicator(), numeric),
        ("categorical", OneHotEncoder(handle_unknown="ignore"), categorical),
    ])


def _preprocessor_strict_encoder(numeric, categorical):
    """Uses a OneHotEncoder that raises on a category it did not see in training."""
    return ColumnTransformer([
        ("numeric", make_pipeline(StandardScaler(), SimpleImputer(strategy="median", add_indicator=True)), numeric),
        ("categorical", OneHotEncoder(), categorical),
    ])


def _preprocessor_ordinal(numeric, categorical):
    """Codes each category as one number (0, 1, 2): a linear model reads the codes as an order and a distance."""
    codes = make_pipeline(SimpleImputer(strategy="most_frequent"),
                          OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1))
    return ColumnTransformer([
        ("numeric", make_pipeline(StandardScaler(), SimpleImputer(strategy="median", add_indicator=True)), numeric),
        ("categorical", codes, categorical),
    ])


def _preprocessor_drop_first(numeric, categorical):
    """Drops each column's first category: an unknown island then encodes exactly like the dropped one, Biscoe."""
    return ColumnTransformer([
        ("numeric", make_pipeline(StandardScaler(), SimpleImputer(strategy="median", add_indicator=True)), numeric),
        ("categorical", OneHotEncoder(drop="first", handle_unknown="ignore"), categorical),
    ])


def _preprocessor_penguin_columns(numeric, categorical):
    """Ignores its arguments and names the penguin columns itself, so it preprocesses columns nobody asked for."""
    return _preprocessor_reference(NUMERIC, CATEGORICAL)


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
PLANTED_HOLES = 8  # per numeric column, in rows of their own


def _holey_penguins() -> pd.DataFrame:
    """The penguins with extra holes planted in different rows for each numeric column.

    The penguins' own holes fall in the same two rows for all four
    measurements, so one mark would match every column; here each column's
    holes are its own, and each needs its own mark.
    """
    penguins = data.load_penguins()
    complete = penguins.dropna().index.to_numpy()
    rows = np.random.default_rng(5).choice(complete, PLANTED_HOLES * len(NUMERIC), replace=False)
    for k, column in enumerate(NUMERIC):
        penguins.loc[rows[k * PLANTED_HOLES:(k + 1) * PLANTED_HOLES], column] = np.nan
    return penguins


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


def _check_marked(out: np.ndarray, values: pd.Series, column: str, label: str) -> None:
    """Some output column is 1 exactly where ``column`` was missing and 0 elsewhere."""
    holes = values.isna().to_numpy(dtype=float)
    if any(np.array_equal(out[:, j], holes) for j in range(out.shape[1])):
        return
    scaled = [j for j in range(out.shape[1]) if _matches(out[:, j], holes)]
    if scaled:
        marks = np.unique(out[:, scaled[0]].round(2))
        fail(f"{label}: the mark of where {column} was missing comes out as {marks.tolist()}; expected 0 and 1. "
             "Hint: scale only the measurements, not the marks. Scaled, a mark that few rows carry is divided by its "
             "tiny spread and becomes many standard units; add the marks after scaling, or with a separate step.")
    fail(f"{label}: no output column is 1 exactly where {column} was missing (here each numeric column has holes in "
         "rows of its own); expected one 0/1 mark per numeric column. Hint: a missing indicator for every numeric "
         "column, e.g. SimpleImputer(add_indicator=True) or MissingIndicator.")


def _check_one_hot(out: np.ndarray, values: pd.Series, column: str, label: str) -> None:
    """Every category of ``column`` seen in training has a 0/1 output column of its own."""
    known = values.notna().to_numpy()
    categories = values.dropna().unique()
    absent = [value for value in categories
              if not any(np.array_equal(out[known, j], (values == value).to_numpy(dtype=float)[known]) for j in range(out.shape[1]))]
    if not absent:
        return
    if len(absent) < len(categories):
        fail(f"{label}: no 0/1 output column for {column} == {absent[0]!r}; expected one for every category seen in "
             "training. Hint: do not drop a category (drop='first' or 'if_binary'): the dropped one is then all zeros, "
             "and so is a category never seen, which the model would read as the dropped one.")
    fail(f"{label}: no 0/1 output column for {column} == {absent[0]!r}; expected each category its own 0/1 column. "
         "Hint: one-hot encode (OneHotEncoder); one number per category (0, 1, 2) reads to a linear model as an order.")


def _check_nothing_else(out: np.ndarray, table: pd.DataFrame, asked: list[str], label: str) -> None:
    """No output column carries a column of ``table`` that is not in the lists ``asked``."""
    for column in table.columns.drop(asked):
        values = table[column]
        if is_numeric_dtype(values):
            seen = values.notna().to_numpy()
            carried = any(_matches(out[seen, j], values[seen].to_numpy(dtype=float), 1e-3) for j in range(out.shape[1]))
        else:
            carried = any(np.array_equal(out[:, j], (values == value).to_numpy(dtype=float))
                          for value in values.dropna().unique() for j in range(out.shape[1]))
        if carried:
            fail(f"{label}: the output carries {column}, which is in neither list; expected only the columns asked "
                 "for. Hint: build the transformer from the `numeric` and `categorical` arguments, not from names "
                 "you know.")


def _check_one_call(fn, numeric: list[str], categorical: list[str], table: pd.DataFrame) -> None:
    """All the properties exercise 5.1 asks for, for one pair of column lists."""
    label = f"build_preprocessor({numeric}, {categorical})"
    transformer = call(fn, list(numeric), list(categorical), label=label)
    if not isinstance(transformer, ColumnTransformer):
        fail(f"{label} returned {type(transformer).__name__}; expected an sklearn ColumnTransformer. "
             "Hint: ColumnTransformer([(name, transformer, columns), ...]) or make_column_transformer.")
    try:
        check_is_fitted(transformer)
        fail(f"{label} returned a fitted transformer; expected an unfitted one. Hint: return it before calling fit.")
    except NotFittedError:
        pass
    out = _output(transformer, table, label)
    if np.isnan(out).any():
        fail(f"{label}: the transformed penguins still hold NaN (in {int(np.isnan(out).any(axis=0).sum())} output "
             "columns); expected none. Hint: fill the holes of the numeric columns (SimpleImputer); an encoder other "
             "than OneHotEncoder may also pass a missing category through as NaN.")
    for column in numeric:
        _check_standardized(out, table[column], column, label)
        _check_marked(out, table[column], column, label)
    for column in categorical:
        _check_one_hot(out, table[column], column, label)
    _check_nothing_else(out, table, [*numeric, *categorical], label)
    unseen = table.head(2).assign(**{categorical[0]: "Anvers"})
    try:
        new = _dense(transformer.transform(unseen))
    except Exception as error:
        fail(f"{label}: transforming rows with {categorical[0]} == 'Anvers', never seen, raised {type(error).__name__}; "
             "expected them encoded (all zeros in its columns). Hint: OneHotEncoder(handle_unknown='ignore').")
    if np.isnan(new).any():
        fail(f"{label}: rows with an unknown {categorical[0]} came out with NaN; expected numbers. "
             "Hint: OneHotEncoder(handle_unknown='ignore').")


@register(reference=_preprocessor_reference, also_right=[_preprocessor_scale_then_fill, _preprocessor_scale_then_fill_zero],
          mistakes=[_preprocessor_no_indicator, _preprocessor_scaled_marks, _preprocessor_one_mark_per_row,
                    _preprocessor_marks_one_column, _preprocessor_unscaled, _preprocessor_zero_before_scaling,
                    _preprocessor_strict_encoder, _preprocessor_ordinal, _preprocessor_drop_first,
                    _preprocessor_penguin_columns])
def build_preprocessor(fn) -> None:
    """Exercise 5.1: ``fn(numeric, categorical)`` returns an unfitted ColumnTransformer."""
    table = _holey_penguins()
    _check_one_call(fn, NUMERIC, CATEGORICAL, table)
    _check_one_call(fn, ["flipper_length_mm", "bill_length_mm"], ["island"], table)
    passed("build_preprocessor", "fills holes with typical values and marks each column's holes 0/1, standardizes, "
           "one-hot encodes, survives an unknown category, uses the columns it is given, no NaN out")


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


def _validate_one_string(df, reference):
    """Joins every problem into one string, so the report cannot be worked through (or counted) problem by problem."""
    problems = validation.validate_batch(df, reference)
    return ["; ".join(problems)] if problems else []


def _validate_lower_bound_only(df, reference):
    """Checks each number against the training minimum only, so a value ten times too large (2100 mm) passes."""
    problems = []
    for column in reference.columns:
        if column not in df:
            problems.append(f"{column}: missing column")
            continue
        new, ref = df[column], reference[column]
        if is_numeric_dtype(ref) and not is_numeric_dtype(new):
            problems.append(f"{column}: expected numbers, got text")
        elif is_numeric_dtype(ref) and (new < ref.min()).any():
            problems.append(f"{column}: values below {ref.min()}")
        elif not is_numeric_dtype(ref) and set(new.dropna()) - set(ref.dropna()):
            problems.append(f"{column}: unknown categories")
        if new.isna().mean() > ref.isna().mean() + 0.1:
            problems.append(f"{column}: too many missing values")
    return problems + [f"{column}: unexpected column" for column in df if column not in reference]


def _validate_missing_twice_training(df, reference):
    """Flags a column missing more than twice its training share: with 0.6 % in training, 3 holes in 40 rows count, though the pipeline fills them."""
    problems = [p for p in validation.validate_batch(df, reference) if "the training data had" not in p]
    return problems + [f"{c}: {df[c].isna().mean():.0%} missing" for c in reference.columns
                       if c in df and df[c].isna().mean() > 2 * reference[c].isna().mean()]


def _validation_cases():
    """(name, batch, columns that must be named, columns that may also be named) for one reference table."""
    reference = data.load_penguins().drop(columns=["species", "year"])
    clean = reference.sample(40, random_state=3)
    some = np.arange(40) < 3  # the first three rows
    return reference, [
        ("a clean sample", clean, set(), set()),
        ("bill_length_mm renamed", clean.rename(columns={"bill_length_mm": "culmen_length_mm"}), {"bill_length_mm"},
         {"culmen_length_mm"}),
        ("3 islands never seen", clean.assign(island=np.where(some, "Anvers", clean.island)), {"island"}, set()),
        ("body_mass_g in kg", clean.assign(body_mass_g=clean.body_mass_g / 1000), {"body_mass_g"}, set()),
        ("3 flippers ten times too long", clean.assign(
            flipper_length_mm=np.where(some, clean.flipper_length_mm * 10, clean.flipper_length_mm)), {"flipper_length_mm"}, set()),
        ("flipper_length_mm as text", clean.assign(flipper_length_mm=[f"{v} mm" for v in clean.flipper_length_mm]),
         {"flipper_length_mm"}, set()),
        ("body_mass_g all empty, as text", clean.assign(body_mass_g=pd.Series([None] * 40, index=clean.index, dtype=object)),
         {"body_mass_g"}, set()),
        ("3 holes in bill_depth_mm, a clean sample otherwise", clean.assign(
            bill_depth_mm=np.where(some, np.nan, clean.bill_depth_mm)), set(), set()),
        ("12 holes in bill_depth_mm", clean.assign(bill_depth_mm=[np.nan] * 12 + list(clean.bill_depth_mm[12:])),
         {"bill_depth_mm"}, set()),
        ("the customer file", data.load_customer_batch(),
         {"bill_length_mm", "sex", "flipper_length_mm", "body_mass_g", "island", "bill_depth_mm"}, {"culmen_length_mm"}),
    ]


@register(reference=validation.validate_batch, also_right=[_validate_all_problems_at_once],
          mistakes=[_validate_columns_only, _validate_schema_from_batch, _validate_first_problem_only,
                    _validate_any_hole_is_a_problem, _validate_one_string, _validate_lower_bound_only,
                    _validate_missing_twice_training])
def validate_batch(fn) -> None:
    """Exercise 5.2: ``fn(df, reference)`` lists every problem of a batch, each naming its column."""
    reference, cases = _validation_cases()
    for name, batch, must, may in cases:
        label = f"validate_batch(<40 penguins: {name}>, penguins)"
        problems = call(fn, batch.copy(), reference.copy(), label=label)
        if not isinstance(problems, list) or not all(isinstance(p, str) for p in problems):
            fail(f"{label} returned {type(problems).__name__}; expected a list of strings, one per problem. "
                 "Hint: start with problems = [], append one string per problem found, return the list ([] when "
                 "there is none).")
        if not must and problems:
            fail(f"{label} returned {problems} with nothing wrong; expected []. "
                 "Hint: learn ranges, categories and missing rates from `reference`; a few holes are fine (the pipeline "
                 "fills them), only many more missing values than in training (over 10 points more) are a problem.")
        columns = set(batch.columns) | set(reference.columns)
        named = {c for p in problems for c in columns if c in p}
        if unmatched := [p for p in problems if not any(c in p for c in columns)]:
            fail(f"{label}: the problem {unmatched[0]!r} names no column; expected each problem to name its column. "
                 "Hint: start each problem with its column's name.")
        if missed := must - named:
            fail(f"{label} reported {problems}; expected problems naming {sorted(must)}, but {sorted(missed)} went "
                 "unreported. Hint: check, per column of `reference`: present? numeric where it should be? inside the "
                 "training range, at both ends? known categories? not many more missing values than in training?")
        if extra := named - must - may:
            fail(f"{label} reported problems for {sorted(extra)}; expected only {sorted(must)}. "
                 "Hint: the schema must come from `reference`, a value inside its range is fine, and a batch may miss "
                 "up to 10 points more of a column than the training data did.")
        alone = {c for p in problems for c in must if c in p and not (must - {c}) & {d for d in must if d in p}}
        if lumped := must - alone:
            fail(f"{label}: no problem names {min(lumped)} on its own: {problems}; expected one string per "
                 "problem. Hint: append each problem to the list as you find it, instead of joining them.")
    passed("validate_batch", f"found every planted problem and nothing else in all {len(cases)} batches (the customer file too)")
