# %% [markdown]
# # 15 · Scaling out: when one process is not enough
#
# **Questions**
# - When is it worth spreading training or data over several processes or machines, and when is it not?
# - Do two processes training one model give the same result as one, and what does "the same" mean?
# - How many machines would make a step faster, and where does adding more stop paying?
# - What do Spark and workflow engines add, and when does a team need them?
#
# **Objectives**
# - Say when to distribute (too much data, a model too large, a large batch, too little time; data or task parallelism) and what each costs.
# - Read one process against two `DistributedDataParallel` processes (gloo, 127.0.0.1), step by step in float32 and float64, and say what "the same result" can mean.
# - Write each process's loss so that the averaged gradient is the whole batch's, for shards of any size (exercise 15.1).
# - Read a step's compute and all-reduce times, and use the ring all-reduce cost model to predict the speed-up on 8 and 64 machines, its ceiling, and the batch a speed-up needs (exercises 15.2 and 15.3).
# - Compare a Spark MLlib pipeline with scikit-learn on the same rows (where Java is installed), and say when Spark pays.
# - Draw the course's pipeline as a DAG and choose a workflow engine for a job.
#
# **Minutes**: self-paced, 40 (25 reading, 15 exercises), an extension after the day · **Prerequisites**: lessons 03 and 04 (SGD, autograd), 12 to 14 (the pipeline).

# %%
import inspect
import tempfile
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from IPython.display import display
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mlcourse import distributed, pipeline, scaling, spark, traffic
from mlcourse.course import STATE_DIR
from mlcourse.train import FEATURES, TARGET

torch.set_num_threads(1)  # one thread per process: two processes, one core each
scratch = tempfile.TemporaryDirectory(prefix="lesson15-", dir=STATE_DIR)  # this run's files, deleted at the end
WORK = Path(scratch.name)

# %% [markdown]
# ## Why distribute, and why not
#
# The class gives four reasons to spread training over several processors, by
# data or by task parallelism:
#
# | reason | what is spread | what it costs |
# |---|---|---|
# | too much data for one machine's memory or disk, or to read in time | the rows (*data parallelism*: each worker reads and trains on its share) | moving data, and a result to combine |
# | a model too large for one device's memory | the model (*model parallelism*: layers, or parts of each layer, on different devices); or its state: FSDP (*fully sharded data parallel*) and ZeRO are data parallelism that also shard the weights, gradients and optimizer state, gathering each layer when it is needed | activations or weights sent between devices at every step |
# | a large batch (it changes accuracy and total training time) | the batch (data parallelism: N workers, each 1/N of every batch) | an all-reduce of the gradients at every step |
# | not enough wall time | the batch, as above; or whole tasks (*task parallelism*: tuning trials as in lesson 10, cross-validation folds, batch scoring), each on its own worker | for tasks, almost nothing: they do not talk to each other |
#
# Task parallelism is the cheapest scale-out in machine learning: Optuna,
# joblib and Ray Tune run independent trials on as many workers as there are.
# Every kind but task parallelism adds a communication cost paid again at
# every step, and all of them add start-up time (processes, connections) and
# complexity: more ways to fail, results that are harder to reproduce, and code
# that is harder to debug.
# So first try what does not distribute: a table of a few GB fits in a laptop's
# memory (pandas, polars, DuckDB), data too big for memory can stream from disk
# in mini-batches (lesson 03's SGD), a bigger single machine is cheaper than a
# cluster to run and to program, a sample of the data often answers the
# question, and a faster loop beats more machines. This course's data and
# models fit one laptop; the lesson runs the real tools on it to show what they
# cost and what they promise.
#
# ## Data-parallel training in two processes
#
# `mlcourse.distributed` trains a small network (321 weights) on a seeded
# regression problem, with SGD on batches of 64 rows, once in this process and
# once with `torch.distributed` in 2 processes. `run_parallel` starts fresh
# Pythons with `torch.multiprocessing.spawn`, joins them into one **gloo** group
# (gloo is torch's backend for CPUs; NCCL is the one for NVIDIA GPUs) on
# 127.0.0.1 and a free port, and runs jobs in every process. One launch does
# all of this lesson's parallel work, because starting the processes costs
# seconds. Here is a process's training job:

# %%
print(inspect.getsource(distributed._train_job))

# %% [markdown]
# `DistributedDataParallel` (DDP) gives every process the same starting
# weights, and during the backward pass it **all-reduces** the gradients: by
# the time `backward()` returns, every process holds their average. Each
# process takes the same step, so the copies stay the same without ever sending
# weights. The average of the processes' gradients is the whole batch's
# gradient only if every shard has the same number of rows, or if each
# process's loss is scaled for its share, as `local_loss` does (exercise
# 15.1). PyTorch's `DistributedSampler` makes the shards equal by repeating a
# few rows; here the batches of 64 split evenly, and the scaling matters for
# the shards of unequal size a last batch gives. The job lives in a module, not
# in this notebook, because a spawned process starts a new Python that imports
# the function it runs.
#
# Three trainings, each in one process and in two: a small learning rate, a
# large one, and the large one in float64. The large one in float32 runs twice
# in two processes, to compare the two-process run with itself.

# %%
SETTINGS = {"lr 0.01, float32": {"lr": 0.01}, "lr 0.3, float32": {"lr": 0.3},
            "lr 0.3, float64": {"lr": 0.3, "dtype": torch.float64}}
MESSAGE_BYTES = tuple(4**k for k in range(5, 13))  # 1 KB to 16 MB, for the all-reduce timings below
jobs = [("train", {"steps": 300, **setting}) for setting in [*SETTINGS.values(), SETTINGS["lr 0.3, float32"]]]
BATCHES, REPEATS = (256, 1024), 3  # step timings below: each batch size timed 3 times, 10 steps each
jobs += [("time", {"batch": batch, "steps": 10, "processes": processes})
         for batch in BATCHES for _ in range(REPEATS) for processes in (1, 2)]  # 1 process: the baseline
jobs += [("allreduce", {"sizes": MESSAGE_BYTES})]
started = time.perf_counter()
results = distributed.run_parallel(jobs, world=2)
trainings = len(SETTINGS) + 1
parallel_runs, rerun, timings, allreduce_times = (results[:len(SETTINGS)], results[len(SETTINGS)],
                                                  results[trainings:-1], results[-1])
print(f"2 processes started, joined, ran {len(jobs)} jobs and stopped in {time.perf_counter() - started:.1f} s")
single_runs = [distributed.train_single(steps=300, **setting) for setting in SETTINGS.values()]

# %%
def losses(trajectory):
    """The training loss after every step."""
    return np.array([distributed.training_loss(weights) for weights in trajectory])


rows = []
for name, single, parallel in zip(SETTINGS, single_runs, parallel_runs, strict=True):
    gap = distributed.largest_difference(single, parallel)
    loss_single, loss_parallel = losses(single), losses(parallel)
    rows.append({"setting": name, "gap after 10 steps": gap[9], "after 100": gap[99], "after 300": gap[-1],
                 "loss at step 300, 1 process": loss_single[-1], "loss at step 300, 2 processes": loss_parallel[-1],
                 "mean loss of steps 201-300, 1 process": loss_single[200:].mean(),
                 "mean loss of steps 201-300, 2 processes": loss_parallel[200:].mean()})
agreement = pd.DataFrame(rows).set_index("setting")
print("the 2-process run at lr 0.3, float32, run again: bit for bit the same weights at every step:",
      torch.equal(rerun, parallel_runs[list(SETTINGS).index("lr 0.3, float32")]))
agreement.style.format({c: "{:.1e}" for c in agreement.columns[:3]} | {c: "{:.3f}" for c in agreement.columns[3:]})

# %% mystnb={"image": {"alt": "Left: the largest weight difference between training on one process and on two, against step, log scale: at lr 0.01 in float32 it stays at rounding level, at lr 0.3 in float32 it grows by orders of magnitude, and in float64 it starts far smaller and grows at the same rate. Right: the unstable run's loss jumps up and down by an order of magnitude; the two processes' curves coincide at first and come apart as the weights drift."}}
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.4))
for (name, single, parallel), style in zip(zip(SETTINGS, single_runs, parallel_runs, strict=True),
                                           ["-", "--", ":"], strict=True):
    gap = np.maximum(distributed.largest_difference(single, parallel), 1e-17)  # exact zeros on a log scale
    left.plot(np.arange(1, len(gap) + 1), gap, style, label=name)
left.set(yscale="log", xlabel="training step (updates)", ylabel="largest weight difference (absolute)",
         title="Weights: 1 process against 2")
left.legend(fontsize=8)
unstable = list(SETTINGS).index("lr 0.3, float32")
for trajectory, style, label in ((single_runs[unstable], "-", "1 process"), (parallel_runs[unstable], "--", "2 processes")):
    right.plot(np.arange(1, 301), losses(trajectory), style, label=label, linewidth=1)
right.set(yscale="log", xlabel="training step (updates)", ylabel="training loss (MSE)", title="Loss at lr 0.3, float32")
right.legend(fontsize=8)
plt.show()

# %% [markdown]
# Read the table and the plots together.
#
# - **At the small learning rate** the two trainings differ by about float32's
#   rounding (a few units in the 7th significant digit) and stay there: the
#   same model, the same loss. They are not identical because the all-reduce
#   adds the two halves' gradients in another order than one process adds the
#   whole batch, and float32 addition is not associative (`(a + b) + c` can
#   differ from `a + (b + c)` in the last bit).
# - **At the large learning rate** the training is unstable: its loss jumps up
#   and down by an order of magnitude from step to step (right), and every step
#   amplifies a small difference. The weight gap grows by orders of magnitude
#   until the two runs are different models, and the loss each ends on is a
#   lottery; only averages over many steps still agree.
# - **In float64** the gap starts about 2<sup>29</sup> ≈ 5 × 10<sup>8</sup>
#   times smaller (the ratio of the two formats' rounding steps, their machine
#   epsilons) and grows at the same rate. Double precision delays the drift; it
#   does not remove it.
#
# So "the same result" has to be defined before it is tested. *Bit for bit* is
# possible for one configuration run again (the line above the table: same
# processes, same order of operations; on GPUs also
# `torch.use_deterministic_algorithms`), never between one process and two,
# which add in another order by construction. *Weights within a tolerance*
# holds only for a stable training. *The same metric within its seed-to-seed
# spread* is what matters, and what lesson 09 measured. A result that a
# rounding difference changes says more about the learning rate than about
# the code.
#
# ### The same code on several machines
#
# On a cluster the processes are started by **`torchrun`**, one per GPU or CPU
# socket on every machine, and it tells each one its rank and where to meet.
# Two machines with one process each, the first at 10.0.0.1:
#
# ```bash
# # on 10.0.0.1, which also hosts the rendezvous
# torchrun --nnodes=2 --nproc-per-node=1 --node-rank=0 --master-addr=10.0.0.1 --master-port=29500 train.py
# ```
#
# ```bash
# # on the second machine
# torchrun --nnodes=2 --nproc-per-node=1 --node-rank=1 --master-addr=10.0.0.1 --master-port=29500 train.py
# ```
#
# In `train.py`, `dist.init_process_group("gloo")` (or `"nccl"` on GPUs) reads
# the rank, the world size and the address from the environment torchrun sets
# (`RANK`, `WORLD_SIZE`, `MASTER_ADDR`, `MASTER_PORT`, and `LOCAL_RANK`, which
# picks the process's GPU on its machine); the training job is the one above.
# The notebook does not run torchrun: its rendezvous store, like torch's
# default one, listens on every network interface of the machine, and this
# course opens ports on 127.0.0.1 only. `run_parallel` plays torchrun's part on one laptop, with a
# store that listens on 127.0.0.1.
#
# ## Beyond the laptop: measure, then model
#
# Is the two-process training faster? The launch above also timed a bigger
# network (1.1 M weights, so 4.4 MB of float32 gradients), with each step's
# compute (forward and backward on the process's half of the batch) and its
# all-reduce timed apart: the median of 10 steps, 3 times for each batch size.
# The baseline is the same job in one of the processes while the other waits,
# run just before each parallel timing, so both are measured alike.

# %%
one_timings, two_timings = timings[0::2], timings[1::2]
runs = pd.DataFrame([{"batch": one["batch"], "1 process: step ms": 1e3 * one["compute_s"],
                      "2 processes: compute ms": 1e3 * two["compute_s"], "wait ms": 1e3 * two["wait_s"],
                      "all-reduce ms": 1e3 * two["allreduce_s"],
                      "step ms": 1e3 * (two["compute_s"] + two["wait_s"] + two["allreduce_s"]),
                      "compute / half of 1 process": two["compute_s"] / (one["compute_s"] / 2)}
                     for one, two in zip(one_timings, two_timings, strict=True)])
runs["speed-up"] = runs["1 process: step ms"] / runs["step ms"]
step_times = runs.groupby("batch").median()  # the middle of the 3 runs
step_times["speed-up, lowest"] = runs.groupby("batch")["speed-up"].min()
step_times["highest"] = runs.groupby("batch")["speed-up"].max()
step_times.round(2)

# %% [markdown]
# Read the column *compute / half of 1 process* first. Near 1, each process did
# its half of the batch in half the time, as it should with a core of its own.
# Well above 1, the two processes did not get a core each: another program was
# running, or the two "cores" are hyperthreads of one physical core, as on many
# laptops and small cloud machines. Then the compute does not halve, and no
# network can make two processes pay. That is why compute and communication
# are timed apart: they fail for different reasons.
#
# Where the compute halves, the rest of the step decides. *Wait* is the time
# the process that finished first waits for the other (a *straggler*); the
# all-reduce of 4.4 MB over the loopback, a copy through sockets, costs
# several milliseconds more. With a batch of 256 that costs as much as the
# compute saved, or more: two processes are no faster, usually slower. With a
# batch of 1,024 there is four times more compute per step for the same
# gradient to send, and two processes can pay. The ratio of compute to
# communication decides, not the number of processes.
#
# To predict beyond two processes we need a model of the all-reduce. A **ring
# all-reduce** (what gloo and NCCL use for large messages) puts the N machines
# in a ring, cuts the gradient into N pieces, and passes pieces round the ring
# twice: a reduce-scatter (each machine ends with the sum of one piece), then
# an all-gather (everyone gets every summed piece). That is 2(N − 1) messages
# of 1/N of the gradient each, so for a gradient of *M* bytes, a link of
# bandwidth *B* bytes/s and a latency *α* per message:
#
# $$t_\text{all-reduce}(N) = 2(N-1)\,\alpha + \frac{2(N-1)}{N}\,\frac{M}{B}, \qquad
#   t_\text{step}(N) = \frac{t_\text{compute}}{N} + t_\text{all-reduce}(N)$$
#
# The bandwidth term hardly grows with N (it tends to 2M/B): that is why the
# ring is used. The latency term grows linearly. `mlcourse.scaling` has the
# model (exercise 15.2 asks you to write `step_seconds`); first, fit α and B of
# the loopback to the all-reduce times the launch measured for messages of
# 1 KB to 16 MB.

# %% mystnb={"image": {"alt": "All-reduce time against message size between two processes, log scales, measured points with the fitted ring model as a dashed line: small messages cost about the latency, large ones grow with their size, and the model follows the shape but misses single points by tens of percent."}}
sizes = np.array(sorted(allreduce_times))
measured = np.array([allreduce_times[size] for size in sizes])
latency, bandwidth = scaling.fit_link(sizes, measured, machines=2)
print(f"loopback between 2 processes: latency {latency * 1e6:.0f} µs per message, bandwidth {bandwidth / 1e9:.2f} GB/s")
fitted = np.array([scaling.ring_allreduce_seconds(2, size, bandwidth, latency) for size in sizes])
print("the fit against each measurement:", ", ".join(f"{size / 1024:g} KB {fit / m - 1:+.0%}"
                                                     for size, fit, m in zip(sizes, fitted, measured, strict=True)))

fig, ax = plt.subplots(figsize=(6, 3.2))
ax.loglog(sizes, measured * 1e3, "o", label="measured (median of 15)")
ax.loglog(sizes, fitted * 1e3, "--", label="ring model, fitted")
ax.set(xlabel="message size (bytes)", ylabel="all-reduce time (ms)",
       title="All-reduce between 2 processes on 127.0.0.1")
ax.legend()
plt.show()

# %% [markdown]
# Small messages cost about the latency, large ones about their size over the
# bandwidth. The two-parameter model follows that shape, but not each point:
# the printed misses run to tens of percent, in both directions, because a
# real transport changes its way of sending with the size (gloo and the
# operating system's socket buffers handle small and large messages
# differently). Treat the fitted latency and bandwidth as estimates of that
# size, not as properties of the machine to three digits.

# %% [markdown]
# Does the model, with the fitted link, predict the two-process step it was not
# fitted to?

# %%
gradient_bytes = two_timings[0]["gradient_bytes"]
predicted_allreduce = scaling.ring_allreduce_seconds(2, gradient_bytes, bandwidth, latency)
for batch, row in step_times.iterrows():
    predicted = scaling.step_seconds(2, row["1 process: step ms"] / 1e3, gradient_bytes, bandwidth, latency)
    print(f"batch {batch:>4}, 2 processes: predicted {predicted * 1e3:4.1f} ms "
          f"({row['1 process: step ms'] / 2:4.1f} compute + {predicted_allreduce * 1e3:3.1f} all-reduce), "
          f"measured {row['step ms']:4.1f} ms ({row['2 processes: compute ms']:4.1f} compute + "
          f"{row['wait ms']:3.1f} wait + {row['all-reduce ms']:3.1f} all-reduce): {predicted / (row['step ms'] / 1e3) - 1:+.0%}")

# %% [markdown]
# The model is optimistic, by the percentages printed, and each part of the
# measured step says why. The compute is more than half when the two processes
# share cores (above). The wait for the straggler is a cost the model assumes
# away. And the all-reduce inside a step costs more than the sweep's: the sweep
# repeats one all-reduce of one buffer in a tight loop, a best case, while in a
# step it also flattens the gradients into one tensor and copies the average
# back, after a compute that has filled the caches with other data. Read the
# model's predictions as a best case, useful for their shape (where the curve
# bends), not their last digit. Now predict a cluster.
# The assumptions, stated, because a prediction is only as good as they are:
#
# - every machine computes as fast as one core of this laptop (the measured
#   compute for a batch of 1,024), and the compute divides perfectly;
# - the global batch stays 1,024 rows whatever N is (the same training, so the
#   same result), and the same 4.4 MB gradient is sent at every step;
# - the network is 10 Gb/s Ethernet (1.25 GB/s, 50 µs a message) or a
#   100 Gb/s fabric (12.5 GB/s, 5 µs), each machine getting its full bandwidth;
# - no overlap of compute and communication (DDP overlaps them in buckets of
#   25 MB, so real steps can be faster), no stragglers, no failures.

# %%
NETWORKS = {"10 Gb/s Ethernet": (1.25e9, 50e-6), "100 Gb/s fabric": (12.5e9, 5e-6)}
compute_s = step_times.loc[1024, "1 process: step ms"] / 1e3
machines = np.unique(np.logspace(0, 10, 41, base=2).astype(int))
prediction = pd.DataFrame({
    network: {f"{n} machines": scaling.speedup(n, compute_s, gradient_bytes, bw, lat)[0] for n in (2, 8, 64)}
    | {"best number of machines": scaling.best_machines(compute_s, gradient_bytes, bw, lat)}
    for network, (bw, lat) in NETWORKS.items()})
print(f"predicted speed-up over one machine (compute {compute_s * 1e3:.0f} ms a step, "
      f"{gradient_bytes / 1e6:.1f} MB of gradients)")
ceilings = {network: compute_s / (2 * gradient_bytes / bw) for network, (bw, _) in NETWORKS.items()}
print("no number of machines can beat compute / (2 × gradient / bandwidth):",
      ", ".join(f"{network} {ceiling:.1f}×" for network, ceiling in ceilings.items()))
prediction.round(2)

# %% mystnb={"image": {"alt": "Predicted speed-up against number of machines, log scales, for a 10 Gb/s and a 100 Gb/s network, next to the ideal diagonal: both curves bend away from the ideal early, peak at a star below their dash-dot ceiling, and then fall as more machines are added; the faster network peaks higher and later."}}
fig, ax = plt.subplots(figsize=(7, 3.6))
ax.loglog(machines, machines, color="0.6", linestyle=":", label="ideal (N times faster)")
for (network, (bw, lat)), style, marker in zip(NETWORKS.items(), ["-", "--"], ["o", "s"], strict=True):
    line, = ax.loglog(machines, scaling.speedup(machines, compute_s, gradient_bytes, bw, lat), style, marker=marker,
                      markersize=3, label=network)
    ax.axhline(ceilings[network], color=line.get_color(), linestyle="-.", linewidth=0.8)
    ax.text(machines[0], ceilings[network] * 1.15, f"ceiling, {network}",  # named on the line, not by colour alone
            color=line.get_color(), fontsize=7)
    best = scaling.best_machines(compute_s, gradient_bytes, bw, lat)
    ax.plot(best, scaling.speedup(best, compute_s, gradient_bytes, bw, lat)[0], "k*", markersize=10)
ax.set(xlabel="number of machines", ylabel="speed-up over one machine (times)", ylim=(0.5, None),
       title="Predicted speed-up of one step, ring model (★: its fastest number of machines)")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# The curves bend away from the ideal early: the compute shrinks as 1/N while
# the all-reduce does not. Its bandwidth part tends to 2M/B, so the step can
# never be shorter than that, and the speed-up never higher than the ceiling
# printed above the table, however many machines are added. Long before the
# ceiling each machine buys little: compare the speed-ups at 8 and 64. Past the
# star the ring's latency part, 2(N − 1) messages a step, makes each machine
# added *slower*; libraries such as NCCL switch to tree algorithms for many
# machines, whose latency grows as log N, so real curves flatten near the
# ceiling rather than fall. A faster network raises the ceiling; so does more
# compute per byte of gradient (a bigger batch per machine, a model with more
# compute per weight, like a convolution). GPUs compute hundreds of times
# faster than this core, so communication dominates sooner, which is why GPU
# clusters are built with 100 Gb/s and faster links.
#
# Teams often let the global batch grow with N instead (each machine keeps its
# own batch): the throughput then scales much better, but it is a different
# training. A larger batch usually needs a retuned learning rate and can end at
# a different accuracy, which is one of the class's reasons to distribute
# carefully.
#
# ## Spark: tables too big for pandas
#
# Data parallelism for tables is older than for networks: **Apache Spark** cuts
# a table into partitions, runs each step of a query or a feature pipeline on
# the partitions in parallel on a cluster's executors, and keeps the plan lazy
# until a result is asked for. `MLlib`, its machine-learning library, trains
# models such as logistic regression over the partitions.
#
# One year of requests to the penguin model (lesson 14's traffic, 20 an hour),
# a few hundred of them with a body mass of 0 g from a scale that was not
# switched on, written as Parquet files, one folder a calendar month, as a data
# lake would hold them:

# %%
year = traffic.simulate(days=365, per_hour=20, drift_day=float("inf"), seed=15).drop(columns="labelled_at")
year.loc[np.random.default_rng(15).choice(len(year), 300, replace=False), "body_mass_g"] = 0.0  # scale off
year["month"] = (pd.Timestamp("2025-01-01") + pd.to_timedelta(year["hour"], unit="h")).dt.month
lake = WORK / "requests"
year.to_parquet(lake, partition_cols=["month"])
print(f"{len(year):,} requests in {len(list(lake.glob('month=*')))} monthly folders, "
      f"{sum(f.stat().st_size for f in lake.rglob('*.parquet')) / 1e6:.1f} MB")

# %% [markdown]
# The job: drop impossible rows, then fit a scaler and a multinomial logistic
# regression on January to October and score November and December (a split by
# time, lesson 06). First with pandas and scikit-learn, the baseline, timing the
# read and the fit apart:

# %%
REG = 1e-3  # the L2 penalty, as Spark's regParam: on the mean loss
started = time.perf_counter()
table = pd.read_parquet(lake)
table = table[(table[FEATURES] > 0).all(axis=1)]
train_table = table[table["month"].astype(int) <= 10]
test_table = table[table["month"].astype(int) > 10].sort_values("hour")
fitting = time.perf_counter()
sklearn_model = make_pipeline(StandardScaler(), LogisticRegression(
    C=1 / (len(train_table) * REG), max_iter=1000, tol=1e-8)).fit(train_table[FEATURES], train_table[TARGET])
sklearn_times = {"read and filter s": fitting - started, "fit s": time.perf_counter() - fitting}
print(f"scikit-learn: read in {sklearn_times['read and filter s']:.2f} s ({len(year) - len(table)} impossible rows "
      f"dropped), fitted in {sklearn_times['fit s']:.2f} s on {len(train_table):,} rows; test accuracy {sklearn_model.score(test_table[FEATURES], test_table[TARGET]):.3f}")

# %% [markdown]
# scikit-learn's `C` is the inverse of the penalty on the *summed* loss,
# Spark's `regParam` the penalty on the *mean* loss (both on ½‖w‖², so no
# factor of 2 appears): the same model has `C = 1 / (rows × regParam)`. That
# holds here because the features are standardised first. Spark's
# `LogisticRegression` also standardises internally by default
# (`standardization=True`) and puts its penalty on that scale, so on raw
# features the same `regParam` is a different model.
#
# Spark needs Java 17 or newer, which pip cannot install, so it is an optional
# extra of the course: `mlcourse doctor` says whether it is ready, and without
# it the next cells print one line and skip. In one cell (so that Spark is
# stopped when the cell ends, or fails), the code below starts Spark on
# `local[2]` (two worker threads in one JVM, on 127.0.0.1; its output goes to
# `.course/logs/spark.log`), reads the lake, drops the impossible rows and
# caches the rest, fits the same model as a pipeline of three feature stages and
# the regression, scores the test months, and counts requests by month.

# %%
not_ready = spark.missing()
spark_result = None
if not_ready:
    print("Skipping the Spark part:", not_ready)
else:
    from pyspark.ml import Pipeline, classification, feature
    from pyspark.sql import functions as F

    started = time.perf_counter()
    with spark.session("lesson15", cores=2) as session:
        reading = time.perf_counter()
        valid = session.read.parquet(str(lake)).where(" AND ".join(f"{column} > 0" for column in FEATURES)).cache()
        valid_count = valid.count()  # Spark is lazy: this reads the files, filters and caches the rows
        fitting = time.perf_counter()
        train_rows, test_rows = valid.where("month <= 10"), valid.where("month > 10")
        spark_model = Pipeline(stages=[
            feature.StringIndexer(inputCol=TARGET, outputCol="label", stringOrderType="alphabetAsc"),
            feature.VectorAssembler(inputCols=FEATURES, outputCol="measurements"),
            feature.StandardScaler(inputCol="measurements", outputCol="features", withMean=True),
            classification.LogisticRegression(family="multinomial", regParam=REG, elasticNetParam=0.0, maxIter=200,
                                              tol=1e-9),
        ]).fit(train_rows)
        fitted = time.perf_counter()
        scored = (spark_model.transform(test_rows).select("hour", TARGET, "prediction", "probability")
                  .orderBy("hour").toPandas())
        monthly = (valid.groupBy("month").agg(F.count("*").alias("requests"),
                                              F.round(F.avg("flipper_length_mm"), 1).alias("mean flipper mm"))
                   .orderBy("month").toPandas())
        spark_result = {"JVM start s": reading - started, "read and filter s": fitting - reading,
                        "fit s": fitted - fitting, "iterations": spark_model.stages[-1].summary.totalIterations}
    print(f"Spark: JVM started in {spark_result['JVM start s']:.1f} s, {valid_count:,} valid rows, fitted in "
          f"{spark_result['iterations']} iterations, then stopped; requests by month:")
    display(monthly.head(4))

# %%
if spark_result is not None:
    spark_species = sklearn_model.classes_[scored["prediction"].astype(int)]  # alphabetical on both sides
    spark_probability = np.stack(scored["probability"].map(lambda vector: vector.toArray()))
    print(f"same species predicted for {(spark_species == sklearn_model.predict(test_table[FEATURES])).mean():.1%} "
          f"of {len(test_table):,} test rows; largest difference in a probability "
          f"{np.abs(spark_probability - sklearn_model.predict_proba(test_table[FEATURES])).max():.1e}")
    display(pd.DataFrame({
        "Spark MLlib": [spark_result["read and filter s"], spark_result["fit s"], (spark_species == scored[TARGET]).mean()],
        "scikit-learn": [sklearn_times["read and filter s"], sklearn_times["fit s"],
                         sklearn_model.score(test_table[FEATURES], test_table[TARGET])],
    }, index=["read and filter s", "fit s", "test accuracy"]).round(3))

# %% [markdown]
# Where Spark ran, the two libraries fit the same model: the same predictions,
# and probabilities equal to many digits. Read the times row by row. Spark pays
# fixed costs first: the JVM's start (printed above), and a first read of the
# files many times slower than pandas'. Its fit is slower by a smaller factor:
# each pass over the data is a Spark job of its own (the indexer's, the
# scaler's, then one per iteration of the optimiser), and every job pays for
# planning and for scheduling its tasks on the partitions, overhead that is
# nothing next to a terabyte and much next to a table this size. Python is not
# the cost: the Parquet files are read inside the JVM, and rows cross to Python
# only in the final `toPandas`. A table this size is nothing to distribute. Spark pays when the table does not
# fit one machine (hundreds of GB to PB), when it lives in a cluster's storage
# already, or when the feature pipeline must run where the data is; DuckDB and
# polars cover much of the ground between pandas and Spark on one machine.
#
# On a cluster the code is the same: only the master changes
# (`SparkSession.builder.master("spark://host:7077")`, `yarn`, or
# `k8s://https://...`, usually given to `spark-submit --master` rather than
# written in the code), and the lake's path becomes `s3a://...` or `hdfs://...`.
#
# ## Workflow engines: the pipeline as a DAG
#
# Lessons 05 to 14 built the steps of a pipeline: data in, tests on it, a
# split, candidates trained and tracked, a validation comparison, the
# promotion gate, an export, a deployment and monitoring. Each step needs
# others' outputs, so the steps form a directed acyclic graph (DAG).
# `graphlib` (standard library) orders it in stages; the tasks of one stage
# could run at the same time.

# %% mystnb={"image": {"alt": "The course's pipeline as a DAG drawn left to right: load data, validate it, split, train two candidates side by side, evaluate them on validation, then the promotion gate, which also takes the validated data, export to ONNX, deploy, and monitor drift."}}
for number, stage in enumerate(pipeline.stages(pipeline.COURSE_PIPELINE), start=1):
    print(f"stage {number}: {' | '.join(stage)}")
fig, ax = plt.subplots(figsize=(13, 3.2))
pipeline.draw(pipeline.COURSE_PIPELINE, ax)
ax.set_title("The course's pipeline as a DAG (lesson numbers in brackets)")
plt.show()

# %% [markdown]
# A script (or `make`) runs such a DAG once. A **workflow engine** runs it
# every day or on every new batch of data, retries a failed task without
# re-running the others, keeps a record of every run, and sends tasks to
# workers on other machines. The retraining trigger of lesson 14 starts a new
# run of the DAG; it is not an edge in it (a DAG has no loops). The class
# names the tools; what each is for:
#
# | tool | fits | needs |
# |---|---|---|
# | scripts, `make`, cron | a few steps on one machine, one person | nothing more; no retries or history |
# | Jenkins, GitHub Actions, GitLab CI | the gate: build, test and promote on every commit | a CI server; jobs that are short |
# | Apache Airflow (Prefect, Dagster alike) | scheduled data and training pipelines of many steps, with retries, backfills and a UI | a scheduler, a database and workers to run |
# | Kubeflow Pipelines, Argo Workflows, Kubernetes Jobs | each step in its own container, GPUs requested per step, on a Kubernetes cluster | a Kubernetes cluster and container images |
# | Ray | Python tasks and actors spread over a cluster: tuning many trials, distributed training, batch inference | a Ray cluster (one machine works too) |
# | Spark | the data steps on big tables: features, joins, aggregates, MLlib | a Spark cluster (or a managed one) and the JVM |
# | MLflow | the record of each run and model (lesson 12) that every engine above can write to | a local store (as in this course) or its tracking server |
#
# They combine: Airflow schedules the DAG, a Spark job computes the features,
# a Kubernetes job trains on GPUs and logs to MLflow, and the gate runs in CI.
#
# ## Exercises
#
# Open `exercises/15_scaling_out.ipynb`: the loss each process back-propagates
# so that the averaged gradient is the whole batch's, with shards of unequal
# size (15.1, checked through a real gloo all-reduce), the step time of the
# ring model (15.2), and the batch a speed-up on N machines needs (15.3).
#
# ## Keypoints
# - Distribute for too much data, a model too large, a large batch or too little time, and only then: every process adds start-up and complexity, and data parallelism communication at every step. Streaming from disk, a bigger machine or a sample comes first; independent tasks (trials, folds) are the cheap case.
# - Data-parallel training averages the gradients with an all-reduce, so every process takes the step one process would take on the whole batch, up to rounding: scale each shard's loss so the average is the batch's mean.
# - "The same result" needs a definition: float32 rounding grows at a large learning rate, float64 only delays it; compare metrics within their spread, not weights bit for bit.
# - Measure compute and communication apart; the ring model (compute / N + 2(N − 1) latencies + 2(N − 1)/N of the gradient over the bandwidth) predicts where more machines stop paying.
# - Spark and MLlib fit the same model as scikit-learn, slower on a laptop: they pay when the data does not fit one machine. Workflow engines run the pipeline's DAG on a schedule, with retries and a record of each run.
