# %% [markdown]
# # 15 · Scaling out: exercises
#
# Three pieces of data-parallel training: the loss each process back-propagates
# so that averaging the gradients gives the whole batch's step, the cost model
# of a step on N machines, and the batch a speed-up needs.
#
# **Minutes**: 15 · **Grade yourself**: `mlcourse grade exercises/15_scaling_out.ipynb`

# %%
import torch

from mlcourse import check

torch.set_num_threads(1)

# %% [markdown]
# **Exercise 15.1** — A batch of `batch_rows` rows is dealt out to `world`
# processes; a shard can be smaller than the others, or empty (the last batch
# of an epoch). During each backward pass DDP *averages* the processes'
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
# machines with the global batch fixed, by the lesson's ring model: the compute
# (`compute_s` is the whole batch's on one machine) is shared out, then the
# gradients (`gradient_bytes`) are averaged by a ring all-reduce over links of
# `bandwidth` bytes per second, each message paying `latency` seconds. How many
# messages does the ring send, and how big is each? One machine sends nothing.

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

# %% [markdown]
# **Exercise 15.3** — More compute per step hides the all-reduce better, and
# the way to get it is a bigger batch (at a price: a larger batch is a
# different training, often needing a retuned learning rate). Write
# `batch_for_speedup(machines, speedup, seconds_per_row, gradient_bytes,
# bandwidth, latency)`: the smallest global batch, in rows, with which
# `machines` machines run a step at least `speedup` times faster than one
# machine does the same batch, by the model of 15.2 (`seconds_per_row` is one
# machine's compute per row). Return `None` when no batch is large enough.
# Use your `step_seconds`. How big must the batch be for 6× on 8 machines over
# 10 Gb/s Ethernet, and why can no batch give 8×?

# %%
def batch_for_speedup(machines, speedup, seconds_per_row, gradient_bytes, bandwidth, latency):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 15.3: the smallest batch for a speed-up")
    if speedup >= machines:
        return None  # the speed-up only tends to N as the batch grows

    def speedup_with(rows):
        compute = rows * seconds_per_row
        return compute / step_seconds(machines, compute, gradient_bytes, bandwidth, latency)

    rows = 1
    while speedup_with(rows) < speedup:  # double until the target is reached ...
        rows *= 2
    low, high = rows // 2, rows  # ... then halve the gap: low misses it, high reaches it
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if speedup_with(middle) < speedup else (low, middle)
    return high
    # END SOLUTION


# %%
check.batch_for_speedup(batch_for_speedup)
