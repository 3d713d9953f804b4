# %% [markdown]
# # 15 · Scaling out: exercises
#
# Two pieces of data-parallel training: the loss each process back-propagates
# so that averaging the gradients gives the whole batch's step, and the cost
# model that says how many machines are worth it.
#
# **Minutes**: 10 · **Grade yourself**: `mlcourse grade exercises/15_scaling_out.ipynb`

# %%
import torch

from mlcourse import check

torch.set_num_threads(1)

# %% [markdown]
# **Exercise 15.1** — A batch of `batch_rows` rows is dealt out to `world`
# processes; a shard can be smaller than the others, or empty (the last batch
# of an epoch). After each backward pass DDP *averages* the processes'
# gradients: it adds them up and divides by `world`. Write
# `local_loss(predictions, targets, batch_rows, world)`, the loss one process
# returns for its shard, so that this average is exactly the gradient of the
# whole batch's mean squared error. Return a tensor (autograd differentiates
# it). The check deals out shards of several sizes, averages your gradients with
# a real gloo all-reduce, and compares with one process on the whole batch.

# %%
def local_loss(predictions, targets, batch_rows, world):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 15.1: the loss of one process's shard")
    squared_errors = (predictions - targets) ** 2
    return squared_errors.sum() * world / batch_rows  # the average over processes is then the batch's mean
    # END SOLUTION


# %%
check.local_loss(local_loss)

# %% [markdown]
# **Exercise 15.2** — Write `step_seconds(machines, compute_s, gradient_bytes,
# bandwidth, latency)`, the seconds one training step takes on `machines`
# machines with the global batch fixed: each machine computes `1/machines` of
# the batch (`compute_s` is the whole batch's compute on one machine), then the
# gradients (`gradient_bytes`) are averaged with a ring all-reduce, which sends
# `2 (N - 1)` messages, each of `1/N` of the gradient, each paying `latency`
# seconds, over a link of `bandwidth` bytes per second. One machine sends
# nothing.

# %%
def step_seconds(machines, compute_s, gradient_bytes, bandwidth, latency):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 15.2: seconds per step on N machines")
    if machines == 1:
        return compute_s
    messages = 2 * (machines - 1)
    return compute_s / machines + messages * (latency + gradient_bytes / machines / bandwidth)
    # END SOLUTION


# %%
check.step_seconds(step_seconds)
