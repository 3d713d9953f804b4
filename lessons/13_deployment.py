# %% [markdown]
# # 13 · Deployment: a batch job and a model server that survive bad input and crashes
#
# **Questions**
# - How do you ship a model file that cannot run code when it is loaded?
# - Why start with a batch job, and what makes it safe to kill and re-run?
# - What must a model server refuse, and how does it refuse it?
# - How fast is it under load, and what do micro-batching, ONNX and int8 buy?
#
# **Objectives**
# - Save and load models in formats that hold no code (skops, a torch `state_dict` with `weights_only=True`, ONNX), and show what a pickle can do on load.
# - Run a batch job that writes each output atomically, kill it midway, and re-run it to finish without duplicates or half-written files.
# - Serve the model with FastAPI and uvicorn behind a strict request schema, and show that every bad request gets a short 4xx.
# - Measure requests/s, p50 and p99 under a bounded load, for 1 and 16 clients, with and without micro-batching.
# - Export a model to ONNX, quantize it to int8, and read a table of file size, latency and accuracy.
#
# **Minutes**: 40 (25 teaching, 15 exercises) + 15 self-paced (the 413 and the published schema, the sync handler, ONNX for scikit-learn, phones) · **Prerequisites**: lessons 09 (MNIST-1D), 11 (`state_dict`) and 12.

# %%
import inspect
import pickle
import pickletools
import shutil
import signal
import subprocess
import sys
import time

import httpx
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import skops.io
import torch
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from mlcourse import batch, data, export, loadtest, servers, serving, train
from mlcourse.course import ROOT, STATE_DIR

torch.set_num_threads(1)  # the course's rule: one thread, so timings compare between runs and laptops
WORK = STATE_DIR / "lesson13"  # this notebook's files; a re-run starts from empty
shutil.rmtree(WORK, ignore_errors=True)
WORK.mkdir(parents=True)

# %% [markdown]
# ## Model files that are safe to load
#
# Deploying starts with a file: the trained model, copied from where it was
# trained to where it will answer. Whoever loads that file trusts it. The
# course's penguin classifier (lesson 12's model: logistic regression trained by
# stochastic gradient descent, on bill depth, flipper length and body mass) is
# saved with **skops**, a format for
# scikit-learn models that stores the objects' types and values, not code. Before
# loading, skops lists every type in the file that is not on its list of trusted
# types; the course's server refuses a file for which that list is not empty.

# %%
model_file = serving.ensure_model()
print(model_file.relative_to(ROOT), f"{model_file.stat().st_size / 1024:.1f} KB;",
      "types outside the trusted list:", skops.io.get_untrusted_types(file=model_file))
model = serving.load_model(model_file)
print(model)

# %% [markdown]
# Most models in the wild are saved with `pickle` (or `joblib`, which uses
# pickle). A pickle is a small program that rebuilds the object, and it may
# call any function while it runs. Here is one that calls `print`; it could as
# well call `os.system`. `pickletools` shows its instructions without running
# them:

# %%
class Surprise:
    def __reduce__(self):  # "to rebuild me, call print with this text"
        return print, ("this line was printed by a model file, while it was being loaded",)


payload = pickle.dumps(Surprise(), protocol=2)  # the protocol torch.load expects, for the test below
pickletools.dis(payload)

# %% [markdown]
# `GLOBAL '__builtin__ print'` and `REDUCE` say "look up the function `print`,
# call it".
# Loading the file runs them. We load it in a separate, throwaway Python, as one
# would load a file downloaded from somewhere:

# %%
loaded = subprocess.run([sys.executable, "-c", "import pickle, sys; pickle.load(sys.stdin.buffer)"],
                        input=payload, capture_output=True, timeout=30)
print("the loader printed:", loaded.stdout.decode().strip())

# %% [markdown]
# The safe formats refuse it. `torch.load(weights_only=True)` (the default since
# torch 2.6) reads tensors and plain containers only; skops refuses a function
# that is not on its list; ONNX, later in this lesson, is a graph of operators
# and holds no Python at all.

# %%
network = export.wide_mlp()  # lesson 13's network, below; its state_dict is tensors only
torch.save(network.state_dict(), WORK / "weights.pt")
network.load_state_dict(torch.load(WORK / "weights.pt", weights_only=True))
print("torch.load(weights_only=True) of a state_dict: loaded", len(network.state_dict()), "tensors")
(WORK / "surprise.pt").write_bytes(payload)
try:
    torch.load(WORK / "surprise.pt", weights_only=True)
except pickle.UnpicklingError as error:
    print("torch.load(weights_only=True):", next(line.strip() for line in str(error).splitlines()
                                                   if "Unsupported global" in line))

from sklearn.preprocessing import FunctionTransformer  # noqa: E402

skops.io.dump(FunctionTransformer(func=print), WORK / "surprise.skops")
try:
    serving.load_model(WORK / "surprise.skops")
except ValueError as error:
    print("serving.load_model:", str(error).split(": ", 1)[1])

# %% [markdown]
# For a torch model, save the `state_dict` (the tensors) and rebuild the
# network from code you trust; lesson 11's backbone is stored that way
# (safetensors is the other common code-free format for weights).
#
# These loaders are as safe as their parsers, and parsers have holes: torch's
# `weights_only` loader could be bypassed before torch 2.6 (CVE-2025-32434),
# and skops has had security advisories of its own. So keep them current, read
# what `get_untrusted_types` lists instead of trusting it blindly, and check
# that the file is the one you meant: record its SHA-256 when you register the
# model (as a tag, the way lesson 12 tags `test_accuracy`) and compare it
# before loading:

# %%
registered_sha256 = data.sha256(model_file)  # at registration: store it with the model version
# ... later, on the server, before loading:
if data.sha256(model_file) != registered_sha256:
    raise ValueError(f"{model_file} is not the registered model file")
print("SHA-256", registered_sha256[:16], "… matches the registered file")

# %% [markdown]
# ## Batch inference first
#
# The class's advice is to start with **batch inference** if the problem
# allows it: inputs pile up in a folder (or a bucket), a job scores them on a
# schedule, and the answers land in another folder. No server, no latency
# target, and a job that is easy to re-run. Here is an inbox of 120 files of 40
# penguins each; every tenth file has four rows a field sheet could hold:
# a missing value, text, an infinity and a negative mass.

# %%
penguins = train.load_table()[0][train.FEATURES].astype(str)
rng = np.random.default_rng(13)
inbox, outbox = WORK / "inbox", WORK / "outbox"
inbox.mkdir()
SHEETS = 120
for number in range(SHEETS):
    sheet = penguins.iloc[rng.choice(len(penguins), 40, replace=False)].reset_index(drop=True)
    if number % 10 == 0:
        sheet.loc[:3, "body_mass_g"] = ["", "heavy", "inf", "-3750"]
    sheet.to_csv(inbox / f"sheet-{number:03d}.csv", index=False)
print(len(list(inbox.glob("*.csv"))), "files;", (inbox / "sheet-000.csv").read_text(encoding="utf-8").splitlines()[:6])

# %% [markdown]
# The course's job is `python -m mlcourse.batch INBOX OUTBOX` (read
# `mlcourse/batch.py`: one short function per step). What makes it safe to run
# unattended is what happens when it dies midway, as jobs do (a machine
# restarts, a deploy kills it, it runs out of memory):
#
# - each output is written to a temporary file and then *renamed* into place:
#   a rename on one file system is atomic, so an output exists whole or not at all;
# - a re-run skips every input whose output exists, so nothing is scored twice;
# - a bad row never stops the job: it goes to `rejects/` with its reason;
# - one run at a time: a run holds a lock on the outputs folder, so a second
#   run started by an impatient scheduler is refused instead of scoring the
#   same files.
#
# Start it as a real process, and kill it (SIGKILL: no clean-up runs, the worst
# case) once it has written 20 outputs:

# %%
job = subprocess.Popen([sys.executable, "-m", "mlcourse.batch", str(inbox), str(outbox)], cwd=ROOT,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    deadline = time.monotonic() + 60
    while len(list(outbox.glob("*.csv"))) < 20 and job.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    job.send_signal(signal.SIGKILL)
    job.wait(10)
finally:
    job.kill()  # if a line above failed, the job still stops here
done = sorted(p.name for p in outbox.glob("*.csv"))
print(f"killed after {len(done)} of {SHEETS} files; every output whole:",
      all(len(pd.read_csv(outbox / name)) == 40 - 4 * (name.endswith("0.csv")) for name in done))
print("drafts the kill left:", sorted(p.name for p in outbox.rglob(".*.part")) or "none this time")

# %% [markdown]
# Every file that exists under an output's name is complete (a file with
# rejects has 36 scored rows). A draft that was being written when the job
# died, if the kill came at that moment, has a hidden name (`.sheet-….part`),
# never an output's name, and the next run deletes it. Now re-run the job, as
# a scheduler would:

# %%
summary = batch.run(inbox, outbox, model)
print(summary)
print("outputs:", len(list(outbox.glob("*.csv"))), "· drafts now:", len(list(outbox.rglob(".*.part"))),
      "· rows scored:", sum(len(pd.read_csv(p)) for p in outbox.glob("*.csv")), "of", SHEETS * 40 - SHEETS // 10 * 4)
print(pd.read_csv(outbox / batch.REJECTS / "sheet-000.csv", keep_default_na=False))

# %% [markdown]
# The re-run skipped what the first run had finished and scored the rest:
# every file once, none twice, the bad rows kept with a reason somebody can act
# on. A job written as "open the output, write rows as they come" would have
# left a half file under the output's name, and a re-run that skips existing
# outputs would have skipped it for ever. Exercise 13.2 is that job.
#
# ## Online inference: a server that refuses bad requests
#
# When the answer is needed *now* (a form, an app, another service), the model
# goes behind an HTTP server. The course's is FastAPI on uvicorn (read
# `mlcourse/serving.py`). FastAPI checks each request against a schema written
# as a pydantic class. The schema anyone writes first is loose, and FastAPI's
# defaults are looser still. Here is that first version, run in-process by
# FastAPI's `TestClient` (no network):

# %%
class LooseRequest(BaseModel):
    features: list[float]


loose_app = FastAPI()


@loose_app.post("/predict")
def loose_predict(request: LooseRequest) -> dict:
    return {"species": str(model.predict([request.features])[0])}


# %% [markdown]
# The course's schema is strict: `strict=True` (no text or booleans taken for
# numbers), `extra="forbid"`, and exactly three measurements, each finite and
# positive (the rule the batch job applies to its rows: two ways into one model
# must refuse the same inputs, or one of them scores what the other rejects).
# Its error handler answers where and why, never the request's own values, and
# puts a placeholder where a made-up field name (which could be 1 MB long)
# would be:

# %%
print(inspect.getsource(serving.PredictRequest))
print(inspect.getsource(serving.refuse_without_echo))
print(inspect.getsource(serving._location))

# %% [markdown]
# The same requests, each sent to the loose app and to the course's app (the
# code the server runs, with a middleware that refuses a body over 1 MB):

# %%
TEN_MB = b'{"features": "' + b"x" * 10_000_000 + b'"}'  # 10 MB of a wrong type
bodies = {
    "good": b'{"features": [18.7, 181, 3750]}',
    "a number as text": b'{"features": ["18.7", 181, 3750]}',
    "a boolean": b'{"features": [true, 181, 3750]}',
    "an extra field": b'{"features": [18.7, 181, 3750], "debug": 1}',
    "two numbers": b'{"features": [18.7, 181]}',
    "NaN": b'{"features": [NaN, 181, 3750]}',
    "1e999 (infinity)": b'{"features": [18.7, 181, 1e999]}',
    "a negative mass": b'{"features": [18.7, 181, -3750]}',
    "a 10 MB body": TEN_MB,
}
strict_app = serving.create_app(model_file, version="v1")
answers = []
with TestClient(loose_app, raise_server_exceptions=False) as loose, TestClient(strict_app) as strict:
    for name, body in bodies.items():
        row = {"request": name}
        for label, client in (("loose", loose), ("course", strict)):
            answer = client.post("/predict", content=body, headers={"Content-Type": "application/json"})
            row[f"{label} status"], row[f"{label} answer bytes"] = answer.status_code, len(answer.content)
        answers.append(row)
pd.DataFrame(answers)

# %% [markdown]
# Read the table row by row. The loose version takes text and `true` as
# numbers (a client bug becomes a prediction), ignores an extra field, and
# scores a negative mass. It answers two numbers, NaN and infinity with
# **500**: the model raised, and a 500 tells the client, the on-call engineer
# and the monitoring of lesson 14 that the server is broken, when the request
# was at fault. The 10 MB body gets a 422 whose answer carries the request
# back: 10 MB returned to whoever sent them (FastAPI's default error lists each
# wrong value as `input`). The course's app answers every one with a short
# 4xx: 422 for the schema, 413 for the size.
#
# ### *Self-paced* · The 413, and the schema the server publishes
#
# FastAPI has a body limit of its own, `FastAPI(max_body_size=...)`, but it
# answers in plain text, not with the JSON error the server declares, so the
# course's middleware (`serving.BodyLimit`) sends its own 413. Two details if
# you write one. Raise `HTTPException(413)`, or answer before the body reaches
# FastAPI: any other error raised while FastAPI reads the body becomes its 400.
# And read the upload (up to a cap) before answering: a server that answers and
# closes while the client is still sending makes some clients (Python's urllib,
# for one) report a reset connection instead of the 413. Every answer, errors
# included, is declared in the OpenAPI schema the server publishes at
# `/openapi.json`, so a client generated from it knows each error's shape (the
# course's tests check every answer against it):

# %%
with TestClient(strict_app) as client:
    schema = client.get("/openapi.json").json()["paths"]["/predict"]["post"]["responses"]
{code: answer["description"] for code, answer in schema.items()}

# %% [markdown]
# ## The real server, under load
#
# Now the server itself: a separate process on 127.0.0.1 and a free port,
# started by the course's one helper for servers inside a `with` block, so it
# stops when the block ends, also when a line in it fails. It loads the model
# once, at start-up (FastAPI's *lifespan*), and the block begins when
# `/health` answers. From a terminal, `make serve` (or `make serve PORT=8000`)
# starts the same server until Ctrl-C.
#
# A team asks three numbers of a server: how many requests per second it
# answers, the median latency (p50), and the latency that only 1 request in
# 100 exceeds (p99: a page that makes 100 calls meets it about once). A *load
# test* measures them: clients post as fast as the server answers, for a fixed
# time. Ours is a small async client (`mlcourse/loadtest.py`, aiohttp),
# bounded in time and count, so it always stops. Each setting runs three times
# for 0.2 s after a warm-up; requests/s shows the spread of the three, and p50
# and p99 are computed over all their requests together:

# %%
good = {"features": [18.7, 181, 3750]}


def measure(url: str, concurrency: int, repeats: int = 3, seconds: float = 0.2) -> dict:
    runs = [loadtest.run(url + "/predict", good, concurrency=concurrency, seconds=seconds) for _ in range(repeats)]
    per_second = [run.per_second for run in runs]
    p50, p99 = loadtest.latency_summary([t for run in runs for t in run.timings_s])
    return {"clients": concurrency, "requests": sum(run.requests for run in runs),
            "requests/s": round(float(np.median(per_second))), "spread": f"{min(per_second):.0f}–{max(per_second):.0f}",
            "low": min(per_second), "high": max(per_second),
            "mean ms": round(1000 * float(np.mean([t for run in runs for t in run.timings_s])), 2),
            "p50 ms": round(p50, 2), "p99 ms": round(p99, 2), "errors": sum(run.errors for run in runs)}


with servers.running("model-async", lambda port: serving.command(port, model_file, "v1")) as server:
    print(server)
    print(httpx.get(server.url + "/health").json())
    print(httpx.post(server.url + "/predict", json=good).json())
    load = pd.DataFrame([{"handler": "async", **measure(server.url, clients)} for clients in (1, 16)])
load.drop(columns=["low", "high"])

# %% [markdown]
# With one client, each request waits only for itself: p50 is one round trip
# through HTTP, the schema and the model. With 16, the server is busy all the
# time. For clients that each wait for their answer, *Little's law* ties the
# numbers together: mean latency = clients ÷ requests/s. Check it on the
# table:

# %%
for _, row in load.iterrows():
    print(f"{row['clients']:>2} client(s): {row['clients']} / {row['requests/s']}/s = "
          f"{1000 * row['clients'] / row['requests/s']:.2f} ms; measured mean {row['mean ms']} ms, "
          f"p50 {row['p50 ms']} ms")

# %% [markdown]
# Sixteen times the clients did not buy sixteen times the requests/s: most of
# the extra concurrency turned into waiting. (On a laptop the clients run on
# the same two cores as the server and take their share, so a server machine
# would answer more; the comparisons below share that handicap.) Two things to know about this kind of load
# test. Its clients are *closed-loop*: each waits for an answer before it
# sends again, so when the server slows down, the traffic does too, and the
# tail looks better than real users, who do not wait for each other, would see
# it. And 0.2 s gives a few hundred requests, so p99 rests on a handful of
# them. A team measures for minutes, after a warm-up, at a fixed *arrival
# rate*, with a load tool: k6 (`constant-arrival-rate`) or vegeta (Locust and
# wrk are closed-loop too).
#
# ### Micro-batching
#
# One call of the model on 16 rows costs far less than 16 calls on one row
# each (most of a call is fixed cost: checking the input, calling into
# numpy). **Micro-batching** uses that: the first request to arrive waits up to
# 2 ms, every request that arrives meanwhile joins it (up to 32), and the
# server scores them all in one call (`serving.MicroBatcher`). Serving systems
# do it for you (TF Serving's and Triton's dynamic batching, Ray Serve's
# `@serve.batch`). The same load against the same server, started with
# `--handler batched`:

# %%
with servers.running("model-batched", lambda port: serving.command(port, model_file, "v1", "batched")) as batched:
    load = pd.concat([load, pd.DataFrame([{"handler": "batched", **measure(batched.url, clients)}
                                          for clients in (1, 16)])], ignore_index=True)
load.drop(columns=["low", "high"])

# %% mystnb={"image": {"alt": "Bars of throughput and of median and 99th-percentile latency for the plain async server and the micro-batching one, at 1 and at 16 clients: with one client batching only adds its wait, while at 16 clients it serves more requests per second and each request waits less."}}
by = load.set_index(["handler", "clients"])
gain = by.loc[("batched", 16), "requests/s"] / by.loc[("async", 16), "requests/s"]
apart = by.loc[("batched", 16), "low"] > by.loc[("async", 16), "high"]
cost = by.loc[("batched", 1), "p50 ms"] - by.loc[("async", 1), "p50 ms"]
print(f"at 16 clients micro-batching answers {gain:.1f}x the requests/s "
      f"({'the spreads do not overlap' if apart else 'within the spread: no difference shown'}); "
      f"with one client it adds {cost:.1f} ms to the median")
fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
width = 0.38
for offset, hatch, (handler, part) in zip((-width / 2, width / 2), ("", "//"), load.groupby("handler"), strict=True):
    spots = np.arange(len(part)) + offset
    axes[0].bar(spots, part["requests/s"], width, label=handler, hatch=hatch, edgecolor="white",
                yerr=[(part["requests/s"] - part["low"]).clip(lower=0),  # the median is rounded: never below 0
                      (part["high"] - part["requests/s"]).clip(lower=0)], capsize=3)
    axes[1].bar(spots, part["p50 ms"], width, label=f"{handler} p50", hatch=hatch, edgecolor="white")
    axes[1].scatter(spots, part["p99 ms"], marker="_", s=200, color="black", zorder=3)
for axis in axes:
    axis.set_xticks(range(2), ["1 client", "16 clients"])
    axis.set_xlabel("load (clients sending at once)")
axes[0].set(ylabel="throughput (requests/s)", title="Throughput (bars: median, lines: spread)")
axes[1].set(ylabel="latency (ms)", title="p50 (bars) and p99 (black marks)")
axes[0].legend()
fig.suptitle("Micro-batching trades a short wait for fewer model calls")
fig.tight_layout()

# %% [markdown]
# At 16 clients micro-batching serves more requests per second, and each
# request waits less, because it no longer queues behind 15 model calls of its
# own: Little's law again, fewer seconds per request at the same 16 clients.
# With one client there is nobody to batch with, so it only adds its wait. That
# is the trade: turn it on where requests arrive together, keep the wait bound
# small, and measure.
#
# ### *Self-paced* · Handlers that do not block
#
# The server's handlers are `async def`, and call the model directly: a call of
# well under a millisecond is fine on the event loop, the one thread that
# reads every connection. A plain `def` handler is run by FastAPI in a pool of
# threads instead; that is right for slow, blocking work, but for a fast model
# the hand-over to a thread and back costs more than the call. Measured the
# same way:

# %%
with servers.running("model-sync", lambda port: serving.command(port, model_file, "v1", "sync")) as threaded:
    sync_row = {"handler": "sync (thread pool)", **measure(threaded.url, 16)}
pd.DataFrame([load.iloc[1].to_dict(), sync_row]).drop(columns=["low", "high"])

# %% [markdown]
# The rule: never call something slow from an `async def` handler, since the
# whole server waits for it. For slow I/O (a database, another service), use an
# async library and `await` it. For a model that keeps the CPU busy, threads
# help only while the model's library releases Python's interpreter lock (torch
# and ONNX Runtime do inside their kernels; code in Python, like much of this
# small scikit-learn pipeline, does not); worker processes always help, at the
# cost of one copy of the model each (`uvicorn --workers N`, gunicorn), or hand
# the model to a model server. Every server this notebook started has stopped:

# %%
print("course servers still running:", [servers.describe(entry) for entry in servers.leftovers()] or "none")

# %% [markdown]
# ## Smaller and faster: ONNX and int8
#
# **ONNX** is a file format for models as a graph of standard operators, read
# by ONNX Runtime from Python, C++, Java, C#, JavaScript and on phones. It
# holds no Python code, the server needs neither torch nor scikit-learn, and
# the runtime is often faster than the framework that trained the model.
# **int8 quantization** stores each weight as an 8-bit integer instead of a
# 32-bit float (4x smaller), with a scale per tensor to map it back, and does
# the matrix products in integers. *Dynamic* quantization quantizes the weights
# once and each input as it arrives, so it needs no calibration data.
#
# The network is an MLP with two hidden layers of 512 (289k parameters) on
# MNIST-1D, lesson 09's digits, trained once in about 2 s. It is exported with
# `torch.onnx.export` and quantized by ONNX Runtime
# (`onnxruntime.quantization.quantize_dynamic`) and by torch
# (`torch.ao.quantization.quantize_dynamic`, deprecated: torchao's `quantize_`
# replaces it). Each variant is timed on 300 single-row calls, the way a server
# calls it, and on batches of 256 rows:

# %%
variants = export.compare_variants(WORK / "mlp")
variants.round({"p50 ms": 3, "p99 ms": 3, "batch 256 ms/row": 4, "accuracy": 3, "agrees with fp32": 3,
                "max |Δ logit|": 2})

# %%
v = variants.set_index("variant")
print(f"int8 files are {v.loc['ONNX fp32', 'file KB'] / v.loc['ONNX int8', 'file KB']:.1f}x smaller (ONNX) and "
      f"{v.loc['torch fp32', 'file KB'] / v.loc['torch int8', 'file KB']:.1f}x smaller (torch)")
print(f"int8 changes the predicted class of {1 - v.loc['ONNX int8', 'agrees with fp32']:.1%} (ONNX) and "
      f"{1 - v.loc['torch int8', 'agrees with fp32']:.1%} (torch) of the 1000 test signals; test accuracy "
      f"{v.loc['torch fp32', 'accuracy']:.1%} in fp32, {v.loc['ONNX int8', 'accuracy']:.1%} and "
      f"{v.loc['torch int8', 'accuracy']:.1%} in int8")
for runtime in ("torch", "ONNX"):
    single = v.loc[f"{runtime} int8", "p50 ms"] / v.loc[f"{runtime} fp32", "p50 ms"]
    batched = v.loc[f"{runtime} int8", "batch 256 ms/row"] / v.loc[f"{runtime} fp32", "batch 256 ms/row"]
    print(f"{runtime} int8 takes {single:.2f}x the time of {runtime} fp32 for one row, {batched:.2f}x per row in "
          "batches of 256")

# %% [markdown]
# What to read in the table. Size: the int8 files are almost 4x smaller (the
# biases and scales stay in float). Answers: accuracy alone can hide changes,
# since a few predictions flip each way; "agrees with fp32" counts them, and
# it is the number to check on your own held-out data after every conversion.
# Speed: latencies of a few hundredths of a millisecond move by about a third
# from run to run on a shared laptop, so read only ratios well away from 1,
# and run the cell twice before you trust one. In batches of 256 the integer
# arithmetic pays off in both runtimes. For a single row the runtime matters
# more than the bits: one row is too little arithmetic for int8 to save much
# (compare the two one-row ratios printed above), so the fixed costs of each
# call decide, and torch's eager quantized layers
# (Python modules around one fused operation each) carry more of them than
# ONNX Runtime's graph, which runs in C++. Next to the 1 ms of an HTTP round trip in the load test, all
# four are fast; the difference matters on a phone, or for a model 100x larger.

# %% mystnb={"image": {"alt": "Three panels of bars for the same network shipped four ways, torch and ONNX in fp32 and int8: the int8 files are much smaller; one row at a time, ONNX Runtime is faster than torch whatever the number type; in batches of 256, int8 costs less per row in both runtimes."}}
fig, axes = plt.subplots(1, 3, figsize=(12, 3.2), sharey=True)
axes[0].barh(variants["variant"], variants["file KB"])
axes[0].set(xlabel="file size (KB)", ylabel="variant (runtime, number type)", title="Size")
axes[1].barh(variants["variant"], variants["p50 ms"] * 1000)
axes[1].set(xlabel="µs per call, one row (p50)", title="One row at a time")
axes[2].barh(variants["variant"], variants["batch 256 ms/row"] * 1000)
axes[2].set(xlabel="µs per row, in batches of 256", title="Per-row cost in batches")
for axis in axes:
    axis.invert_yaxis()
fig.suptitle("The same network, four ways to ship it")
fig.tight_layout()

# %% [markdown]
# ### *Self-paced* · ONNX for scikit-learn
#
# scikit-learn models are converted with `skl2onnx`. The course's penguin
# classifier, converted, must give the probabilities `predict_proba` gives:

# %%
penguin_onnx = export.sklearn_to_onnx(model, WORK / "penguin-species.onnx")
measurements = export.penguin_rows()
onnx_proba = export.onnx_predict_proba(export.onnx_session(penguin_onnx), measurements)
sklearn_proba = model.predict_proba(measurements)
print(f"{penguin_onnx.stat().st_size / 1024:.1f} KB; over {len(measurements)} penguins the largest probability "
      f"difference from scikit-learn is {np.abs(onnx_proba - sklearn_proba).max():.1e} (ONNX computes in float32), "
      f"and the species agree on {np.mean(onnx_proba.argmax(1) == sklearn_proba.argmax(1)):.0%}")

# %% [markdown]
# The course's server serves this file too, through ONNX Runtime (the class
# names travel in the file's metadata): `python -m mlcourse.serving --model
# .course/lesson13/penguin-species.onnx --port 8000`. The course's tests check
# that its answers match the scikit-learn model's.
#
# ### *Self-paced* · What this means on a phone
#
# The class names the runtimes for mobile and embedded devices; their current
# names: LiteRT (TensorFlow Lite's new name; Android and iOS), Core ML (Apple;
# weights down to a few bits), TensorRT (NVIDIA; embedded boards and data
# centres), ExecuTorch (PyTorch's own on-device runtime), ONNX Runtime Mobile,
# and vendor runtimes for the rest. On a phone, the file size is the app's
# download and its memory, and every millisecond of compute is battery: an int8
# file is usually the one to ship, after checking its agreement on held-out
# data as the table does. Two cautions carry over from the table. Dynamic int8
# is a CPU technique: the phone's NPU or GPU wants *static* int8, calibrated
# on sample inputs. And timings on this laptop's x86 cores do not carry over to
# a phone's ARM cores: measure on the device, with the runtime's own tool
# (LiteRT's `benchmark_model`, Xcode's Core ML performance report,
# `onnxruntime_perf_test`). That is the class's point about native execution:
# the phone runs the model file in the runtime's C++ code, not in Python.
#
# ## Exercises
#
# Open `exercises/13_deployment.ipynb`: write a strict request schema that a
# server can trust (13.1), a batch job that survives being killed (13.2), and
# the summary of a load test from its raw timings (13.3).
#
# ## Keypoints
# - Ship models in formats that hold no code: skops (with its trusted types), a torch `state_dict` loaded with `weights_only=True`, ONNX; keep their loaders current and check the file's hash. A pickle runs code when it is loaded.
# - Start with batch inference. Write each output to a draft and rename it; skip what is done; send bad rows to rejects with a reason; run one job at a time. Then a killed job is finished by a re-run.
# - A model server loads the model once, answers `/health`, and refuses every bad request with a short 4xx: strict types, exact length, finite and positive numbers (the batch job's rules), no extra fields, a body limit, nothing echoed.
# - Measure requests/s, p50 and p99 under a bounded load; mean latency = clients ÷ requests/s. Micro-batching buys throughput when requests arrive together, and costs its wait when they do not.
# - ONNX runs a model without its training framework; int8 makes it about 4x smaller. Check agreement with the original after every conversion, and time it where it will run.
