# %% [markdown]
# # 00 · Welcome: exercises
#
# Two warm-ups to get a feel for the workbook: write a function, run the check
# cell under it, read the verdict. Replace each `raise NotImplementedError(...)`
# line with your code, then run the check cell. A ✓ means you are done; an
# `AssertionError` tells you what came back, what was expected, and gives a hint.
#
# **Minutes**: 5 · **Grade yourself**: `mlcourse grade exercises/00_welcome.ipynb`

# %%
import numpy as np
import pandas as pd

from mlcourse import check, data

# %% [markdown]
# **Exercise 0.1** — Write `accuracy(y_true, y_pred)`: the share of positions
# where the predicted label equals the true label, as a number between 0 and 1.
# The labels may come as Python lists or numpy arrays, and may be numbers or
# strings. Scikit-learn has this as `sklearn.metrics.accuracy_score`; here you
# write it yourself.

# %%
def accuracy(y_true, y_pred):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 0.1: return the share of labels predicted right")
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))
    # END SOLUTION


# %%
check.accuracy(accuracy)

# %% [markdown]
# **Exercise 0.2** — Real data has holes. Write `missing_share(df)`: for each
# column of the table `df`, the share of its values that are missing (from 0 to
# 1), as a pandas Series indexed by column name. `df.isna()` marks each missing
# value with `True`.

# %%
def missing_share(df):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 0.2: return the share of missing values per column")
    return df.isna().mean()
    # END SOLUTION


# %%
check.missing_share(missing_share)

# %% [markdown]
# The Palmer penguins table, which lessons 05 and 06 use, has real missing
# values. Your `missing_share` says how many, per column (this cell waits for
# Exercise 0.2):

# %%
penguins = data.load_penguins()
print(penguins.shape, "(rows, columns)")
try:
    print(pd.Series(missing_share(penguins), dtype=float).round(3).to_frame("share missing"))
except NotImplementedError:
    print("Exercise 0.2 is not written yet: write missing_share above, then run this cell again.")
