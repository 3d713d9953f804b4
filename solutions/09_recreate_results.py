# %% [markdown]
# # 09 · Recreate results: exercises
#
# Build the paper's CNN from its description, make the shuffled-positions data,
# and summarise runs over seeds honestly.
#
# **Minutes**: 10 live (exercises 9.1 and 9.3) + 5 self-paced (exercise 9.2) ·
# **Grade yourself**: `mlcourse grade exercises/09_recreate_results.ipynb`

# %%
import numpy as np
from scipy import stats
from torch import nn

from mlcourse import check
from mlcourse.reproducible import seed_everything

seed_everything(0)

# %% [markdown]
# **Exercise 9.1** — Write `build_cnn()` returning the paper's CNN as an
# `nn.Module` that maps signals of shape `(batch, 40)` to logits `(batch, 10)`:
# three `Conv1d` layers with 25 channels, kernel sizes 5, 3 and 3, stride 2 and
# padding 1 each, a ReLU after each; then flatten (125 values) and a
# `Linear(125, 10)`. `Conv1d` wants `(batch, channels, length)`: add the channel
# dimension first. The check counts the parameters (5,210), and then, since a
# wrong padding or a missing ReLU leaves that count unchanged, gives your model
# the reference CNN's weights and compares the output of every layer.

# %%
def build_cnn():
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 9.1: return the paper's CNN")
    class CNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.convolutions = nn.Sequential(
                nn.Conv1d(1, 25, kernel_size=5, stride=2, padding=1), nn.ReLU(),
                nn.Conv1d(25, 25, kernel_size=3, stride=2, padding=1), nn.ReLU(),
                nn.Conv1d(25, 25, kernel_size=3, stride=2, padding=1), nn.ReLU(),
            )
            self.linear = nn.Linear(125, 10)

        def forward(self, x):
            return self.linear(self.convolutions(x.unsqueeze(1)).flatten(1))

    return CNN()
    # END SOLUTION


# %%
check.build_cnn(build_cnn)

# %% [markdown]
# **Exercise 9.2** (*self-paced*) — The shuffled-positions experiment asks
# whether a model relies on *which positions are neighbours*. For the answer
# to mean anything, the shuffle must lose no information: the model must still
# be able to learn the task, and the test signals must be scrambled exactly as
# the training signals were. The run must also be repeatable. Write
# `shuffle_features(X_train, X_test, seed)` returning the two arrays (same
# shapes) with their 40 positions shuffled accordingly, drawn from `seed`.

# %%
def shuffle_features(X_train, X_test, seed):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 9.2: shuffle the positions of both sets, reproducibly")
    order = np.random.default_rng(seed).permutation(X_train.shape[1])
    return X_train[:, order], X_test[:, order]
    # END SOLUTION


# %%
check.shuffle_features(shuffle_features)

# %% [markdown]
# **Exercise 9.3** — Write `summarize_runs(accuracies)` returning
# `(mean, std, ci95_low, ci95_high)` for the test accuracies of several seeds:
# the mean, the *sample* standard deviation (`ddof=1`), and a 95 % confidence
# interval for the mean, `mean ± t * std / sqrt(n)` with
# `t = scipy.stats.t.ppf(0.975, n - 1)`. With three seeds, t is about 4.3, not 1.96.

# %%
def summarize_runs(accuracies):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 9.3: return mean, std, ci95_low, ci95_high")
    values = np.asarray(accuracies, dtype=float)
    n, mean, std = len(values), values.mean(), values.std(ddof=1)
    half_width = stats.t.ppf(0.975, n - 1) * std / np.sqrt(n)
    return mean, std, mean - half_width, mean + half_width
    # END SOLUTION


# %%
check.summarize_runs(summarize_runs)
