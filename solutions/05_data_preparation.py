# %% [markdown]
# # 05 · Data preparation: exercises
#
# Build the preprocessing every tabular model needs, then guard it against
# files that do not look like the training data.
#
# **Minutes**: 15 · **Grade yourself**: `mlcourse grade exercises/05_data_preparation.ipynb`

# %%
import pandas as pd
from pandas.api.types import is_numeric_dtype
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from mlcourse import check

# %% [markdown]
# **Exercise 5.1** — Write `build_preprocessor(numeric, categorical)` returning
# an *unfitted* `ColumnTransformer` that, for the `numeric` columns, imputes
# missing values and adds a missing-value indicator, then standardizes; and for
# the `categorical` columns, one-hot encodes, tolerating categories it never saw
# in training. Nothing it outputs may be NaN.

# %%
def build_preprocessor(numeric, categorical):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 5.1: return a ColumnTransformer for numeric and categorical columns")
    numbers = make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler())
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
# Report every problem, not just the first.

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
            outside = ((new < ref.min()) | (new > ref.max())).sum()
            if outside:
                problems.append(f"{column}: {outside} values outside [{ref.min()}, {ref.max()}]")
        elif unknown := set(new.dropna()) - set(ref.dropna()):
            problems.append(f"{column}: unknown categories {sorted(unknown)}")
        if new.isna().mean() > ref.isna().mean() + 0.1:
            problems.append(f"{column}: too many missing values ({new.isna().mean():.0%})")
    problems += [f"{column}: unexpected column" for column in df.columns if column not in reference.columns]
    return problems
    # END SOLUTION


# %%
check.validate_batch(validate_batch)
