# %% [markdown]
# # 14 · Production: is the model still right, and how do you replace it safely?
#
# *Draft for issue 13: not built into a notebook, not reviewed, no exercises yet. It runs as a script
# (`.venv/bin/python docs/drafts/14_production.py`); move it to `lessons/` once it is done.*
#
# **Questions**
# - What does a model server tell you about itself, and what can it not tell you?
# - How do you see that the traffic has changed before the labels say the answers have?
# - When may a new model replace the one in production, and how do you roll it out without betting on it?
#
# **Objectives**
# - Read a server's Prometheus metrics (requests by status, latency, predictions, an input feature) as time series.
# - Measure drift per feature with PSI and the Kolmogorov–Smirnov test, and tell a detection from a false alarm.
# - Explain why accuracy arrives days late, and use drift as the early warning.
# - Run a promotion gate that exits non-zero when a candidate fails, as a CI job would.
# - Run a challenger in the shadow and as a canary, and roll a canary back by a rule.
#
# **Minutes**: 35 (20 teaching, 15 exercises) · **Prerequisites**: lessons 12 and 13.

# %%
import json
import shutil
import subprocess
import sys

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from mlcourse import drift, monitoring, prometheus, rollout, servers, serving, traffic, train
from mlcourse.course import ROOT, STATE_DIR

WORK = STATE_DIR / "lesson14"
shutil.rmtree(WORK, ignore_errors=True)
WORK.mkdir(parents=True)
model_file = serving.ensure_model()
model = serving.load_model(model_file)

# %% [markdown]
# ## Two weeks of traffic
#
# `mlcourse.traffic` makes two weeks of requests to the penguin model, 8 an
# hour. On day 8 the field stations get a new measuring board that reads
# flipper lengths 5 % long: nobody tells the team. The true species of each
# request comes back with the field sheets, three days later.

# %%
stream = traffic.simulate(days=14, per_hour=8)
stream["day"] = (stream["hour"] // 24).astype(int)
print(len(stream), "requests;", stream.head(3).round(1).to_string())

# %% [markdown]
# ## What the server says about itself
#
# The course's server counts every answer by path and status, times each one
# in a histogram, counts its predictions by species, and keeps a histogram of
# one input, flipper length, at `/metrics`. Replay the two weeks day by day
# and read the metrics after each day, as a Prometheus server would:

# %%
daily = []
with servers.running("model-async", lambda port: serving.command(port, model_file, "v1")) as server:
    before = monitoring.scrape(server.url)
    for day, requests in stream.groupby("day"):
        monitoring.replay(server.url, requests)
        after = monitoring.scrape(server.url)
        moved = lambda name, **labels: monitoring.value(after, name, **labels) - monitoring.value(before, name, **labels)  # noqa: E731
        daily.append({"day": day, "requests": moved("model_requests_total", path="/predict"),
                      "errors": sum(moved("model_requests_total", path="/predict", status=s) for s in ("413", "415", "422", "500")),
                      "mean flipper mm": moved("model_input_flipper_length_mm_sum") / moved("model_input_flipper_length_mm_count"),
                      **{f"{s} share": moved("model_predictions_total", species=s) / moved("model_requests_total", path="/predict")
                         for s in ("Adelie", "Chinstrap", "Gentoo")}})
        before = after
daily = pd.DataFrame(daily)
daily.round(3)

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.2))
axes[0].plot(daily["day"], daily["mean flipper mm"], "o-")
axes[0].set(xlabel="day", ylabel="mean flipper length (mm)", title="An input, from the server's histogram")
for species in ("Adelie", "Chinstrap", "Gentoo"):
    axes[1].plot(daily["day"], daily[f"{species} share"], "o-", label=species)
axes[1].set(xlabel="day", ylabel="share of predictions", title="What the model answers")
axes[1].legend()
for axis in axes:
    axis.axvline(8, color="grey", linestyle=":")
fig.tight_layout()

# %% [markdown]
# The server's own numbers (requests, errors, latency) are all fine: nothing
# crashed, every request was valid. The input histogram moved on day 8; the
# answers' mix moved less than one would think. Requests that are valid, fast
# and wrong are what monitoring a model adds to monitoring a service.
#
# ### A real Prometheus, where one is installed

# %%
if (why := prometheus.missing()):
    print(why)
else:
    rules = [{"alert": "FlipperLengthShifted",
              "expr": "rate(model_input_flipper_length_mm_sum[10s]) / rate(model_input_flipper_length_mm_count[10s]) > 206",
              "annotations": {"summary": "flipper lengths look longer than usual"}}]
    with servers.running("model-async", lambda port: serving.command(port, model_file, "v1")) as server:
        scraper = prometheus.start(WORK / "prometheus", f"{servers.HOST}:{server.port}", rules)
        try:
            for day in range(6, 12):
                monitoring.replay(server.url, stream[stream.day == day])
                import time
                time.sleep(1.2)  # a scrape or so per simulated day
                mean = prometheus.query(scraper, "rate(model_input_flipper_length_mm_sum[3s]) / "
                                                 "rate(model_input_flipper_length_mm_count[3s])")
                print(f"day {day}: mean flipper {float(mean[0]['value'][1]) if mean else float('nan'):.1f} mm; "
                      f"alerts {prometheus.alerts(scraper) or 'none'}")
        finally:
            scraper.stop()

# %% [markdown]
# ## Drift, measured
#
# PSI and the KS test compare each day's inputs with the training data:

# %%
reference = train.split(train.load_table()[0])
reference = pd.DataFrame(reference.x_train, columns=train.FEATURES)
scores = drift.over_windows(reference, stream, train.FEATURES, window=24 * 8)
scores["day"] = scores["start"] // (24 * 8)
table = scores.pivot(index="day", columns="feature", values="psi")
fig, axis = plt.subplots(figsize=(7, 3.2))
for feature in train.FEATURES:
    axis.plot(table.index, table[feature], "o-", label=feature)
axis.axhline(drift.PSI_LIMIT, color="red", linestyle="--", label="0.25: a large shift")
axis.axhline(0.1, color="orange", linestyle=":", label="0.1: a moderate one")
axis.set(xlabel="day", ylabel="PSI against the training data", title="Drift per feature, day by day")
axis.legend(fontsize=8)
ks_alarms = scores[(scores["ks_p"] < 0.05) & (scores["day"] < 8)]
print("KS p < 0.05 before the drift (false alarms):", len(ks_alarms), "of", (scores["day"] < 8).sum(), "tests")

# %% [markdown]
# ## Labels arrive late

# %%
predicted = model.predict(stream[train.FEATURES].to_numpy())
for now in (10, 17):
    known = traffic.daily_accuracy(stream, predicted, hour=now * 24)
    print(f"on day {now}: accuracy known for days {int(known.day.min())}-{int(known.day.max())}:",
          known["accuracy"].round(2).tolist())
print("retrain?", drift.retrain_reasons(table.loc[9].to_dict(), None, 0.82))

# %% [markdown]
# ## The promotion gate
#
# (To do: register a retrained candidate and a worse one on the lesson-12 store; run `mlcourse promote` on
# each and show exit 0 and exit 1. The gate exists: `mlcourse.promotion`, tested in tests/test_promotion.py.)
#
# ## Shadow, then canary

# %%
challenger_file = WORK / "challenger.skops"
import skops.io  # noqa: E402

weak, _ = train.fit(train.Params(alpha=1e-4, learning_rate=0.003, epochs=2, seed=1), train.split(train.load_table()[0]))
skops.io.dump(weak, challenger_file)
shadow_log = WORK / "shadow.jsonl"


def with_challenger(mode: str, share: float = 0.2):
    return lambda port: [*serving.command(port, model_file, "v1"), "--challenger", str(challenger_file),
                         "--challenger-version", "v2", "--rollout", mode, "--canary-share", str(share),
                         "--shadow-log", str(shadow_log)]


first_week = stream[stream.day < 7]
with servers.running("model-shadow", with_challenger("shadow")) as server:
    answers = monitoring.replay(server.url, first_week)
logged = pd.read_json(shadow_log, lines=True)
print(f"shadow: {len(logged)} requests scored by v2, answers all from {set(answers.model_version)}; "
      f"v2 agreed with v1 on {logged['agree'].mean():.1%}")
with servers.running("model-canary", with_challenger("canary")) as server:
    answers = monitoring.replay(server.url, first_week)
outcomes = list(zip(answers["model_version"], answers["species"] == first_week[train.TARGET]))
print(rollout.canary_verdict(outcomes, "v2"))
