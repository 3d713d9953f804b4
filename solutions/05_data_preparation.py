# %% [markdown]
# # 05 · Data preparation: exercises
#
# Build the preprocessing every tabular model needs, then guard it against
# files that do not look like the training data.
#
# **Minutes**: 20 (5.1: 8, 5.2: 12) · **Grade yourself**: `mlcourse grade exercises/05_data_preparation.ipynb`

# %%
from pandas.api.types import is_numeric_dtype

from mlcourse import check

# %% [markdown]
# **Exercise 5.1** — The deployed model of the lesson starts with a
# preprocessing step that turns the raw penguin table into numbers. Write
# `build_preprocessor(numeric, categorical)` returning an *unfitted*
# scikit-learn `ColumnTransformer` for the column lists it is given (and no
# other columns), such that, once fitted on the training table:
#
# - nothing it outputs is NaN, although the numeric columns have holes: each
#   hole is filled with a typical value of its column;
# - each numeric column comes out standardized (mean 0, standard deviation 1
#   over the values that were really observed), as a linear model needs;
# - the model can still tell which values were missing, since a hole can
#   itself be informative: each numeric column gets its own mark, an output
#   column that is exactly 1 where it was missing and 0 elsewhere (the lesson
#   shows what scaling would do to a mark that few rows carry);
# - each category seen in training gets its own 0/1 column, as a linear model
#   needs (one number per category would read as an order);
# - a category never seen in training (a new island) does not crash it: the
#   validator reports such a category (exercise 5.2) and the lesson refuses
#   its rows; this is the guard for the day one slips through.
#
# Which steps, in which order, is your decision: the check tests these
# properties, not the steps, on penguins whose numeric columns have holes in
# different rows, and with a shorter column list too.

# %%
def build_preprocessor(numeric, categorical):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 5.1: return a ColumnTransformer for numeric and categorical columns")
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    # scale first (the scaler ignores holes), then fill and mark: the marks stay 0/1
    numbers = make_pipeline(StandardScaler(), SimpleImputer(strategy="median", add_indicator=True))
    categories = OneHotEncoder(handle_unknown="ignore")
    return ColumnTransformer([("numeric", numbers, numeric), ("categorical", categories, categorical)])
    # END SOLUTION


# %%
check.build_preprocessor(build_preprocessor)

# %% [markdown]
# **Exercise 5.2** — Write `validate_batch(df, reference)` returning a list of
# problems (strings), each naming its column, and `[]` when the batch `df` looks
# like the training table `reference`. Learn the schema from `reference` only:
# its columns, which are numeric, their ranges, the categories of the others,
# and the share of missing values (a batch may miss up to 10 points more).
# How far beyond the training range a value may go is your choice (the
# lesson's validator allows 10 % of the range's width); a unit change must
# still be caught. Report every problem, not just the first, one string per
# problem.

# %%
def validate_batch(df, reference):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 5.2: list every problem, each naming its column")
    problems = []
    for column in reference.columns:
        if column not in df.columns:
            problems.append(f"{column}: missing column")
            continue
        new, ref = df[column], reference[column]
        if is_numeric_dtype(ref) and not is_numeric_dtype(new):
            problems.append(f"{column}: expected numbers, got text")
        elif is_numeric_dtype(ref):
            margin = 0.1 * (ref.max() - ref.min())  # the training extremes are only the ones seen so far
            low, high = ref.min() - margin, ref.max() + margin
            if outside := ((new < low) | (new > high)).sum():
                problems.append(f"{column}: {outside} values outside [{low:g}, {high:g}]")
        elif unknown := set(new.dropna()) - set(ref.dropna()):
            problems.append(f"{column}: unknown categories {sorted(unknown)}")
        if new.isna().mean() > ref.isna().mean() + 0.1:
            problems.append(f"{column}: too many missing values ({new.isna().mean():.0%})")
    problems += [f"{column}: unexpected column" for column in df.columns if column not in reference.columns]
    return problems
    # END SOLUTION


# %%
check.validate_batch(validate_batch)
