# %% [markdown]
# # 14 · Production: is the model still right, and how do you replace it safely?
#
# **Questions**
# - What does a model server tell you about itself, and what can it not tell you?
# - How do you see that the traffic has changed before the labels say the answers have?
# - When may a new model replace the one in production, and how do you roll it out without betting on it?
#
# **Objectives**
# - Read a server's Prometheus metrics (requests by status, predictions, an input feature) as time series, and query them with PromQL where Prometheus is installed.
# - Measure drift per feature with PSI and the Kolmogorov–Smirnov test, and tell a detection from a false alarm.
# - Explain why accuracy arrives days late, and use drift as the early warning and a trigger for retraining.
# - Run a promotion gate that exits non-zero when a candidate fails, as a CI job would.
# - Run a challenger in the shadow and as a canary, and roll a canary back by a rule.
#
# **Minutes**: 35 (20 teaching, 15 exercises) + 10 self-paced (Prometheus, feature stores) · **Prerequisites**: lessons 12 and 13.

# %%
import shutil
import time

import matplotlib.pyplot as plt
import pandas as pd
import skops.io
from mlflow import MlflowClient, register_model  # noqa: E402  (after mlcourse.tracking, which keeps MLflow quiet)

from mlcourse import drift, monitoring, prometheus, rollout, servers, serving, tracking, traffic, train
from mlcourse.course import STATE_DIR
from mlcourse.workbook.cli import main as mlcourse_command

WORK = STATE_DIR / "lesson14"  # this notebook's files; a re-run starts from empty
shutil.rmtree(WORK, ignore_errors=True)
WORK.mkdir(parents=True)
model_file = serving.ensure_model()  # lesson 13's model: v1, in production
model = serving.load_model(model_file)

# %% [markdown]
# ## Two weeks of traffic
#
# The class's list for monitoring a model in production: inference time per
# example and per batch, how the model and its runtime behave together, and
# resources. Those are the service's health. A model can be healthy as a
# service and still wrong, because the world it scores moves.
#
# `mlcourse.traffic` makes two weeks of requests to the penguin model, 8 an
# hour. On day 8 the field stations get a new measuring board that reads
# flipper lengths 5 % long; nobody tells the team. Each request's true species
# comes back with the field sheets three days later.

# %%
stream = traffic.simulate(days=14, per_hour=8)
stream["day"] = (stream["hour"] // 24).astype(int)
print(len(stream), "requests over", stream["day"].nunique(), "days")
stream.head(3).round(1)

# %% [markdown]
# ## What the server says about itself
#
# The course's server (lesson 13's, read `mlcourse/metrics.py`) keeps
# Prometheus metrics at `/metrics`: every answer by path and status, a latency
# histogram, its predictions by species, and a histogram of one input, flipper
# length. We start it with a *challenger* in the shadow (more on that below),
# replay the two weeks day by day, and read `/metrics` after each day with
# `prometheus_client`'s parser, as a Prometheus server would. Where Prometheus
# is installed, a real one scrapes the server too, ten times a second (a
# simulated day takes under half a second here), with an alert rule on the
# flipper length's mean over the last half second.

# %%
challenger_file = WORK / "challenger.skops"  # a weaker candidate: a tenth of the learning rate, two epochs
weak, _ = train.fit(train.Params(alpha=1e-4, learning_rate=0.003, epochs=2, seed=1), train.split(train.load_table()[0]))
skops.io.dump(weak, challenger_file)
shadow_log = WORK / "shadow.jsonl"


def with_challenger(mode: str, share: float = 0.2):
    """The argv of the server with v1 answering and v2 in the shadow or as a canary."""
    return lambda port: [*serving.command(port, model_file, "v1"), "--challenger", str(challenger_file),
                         "--challenger-version", "v2", "--rollout", mode, "--canary-share", str(share),
                         "--shadow-log", str(shadow_log)]


RULES = [{"alert": "FlipperLengthShifted", "annotations": {"summary": "flipper lengths look longer than usual"},
          "expr": "rate(model_input_flipper_length_mm_sum[500ms]) / rate(model_input_flipper_length_mm_count[500ms])"
                  " > 206"}]
print(prometheus.missing() or f"Prometheus found at {prometheus.binary()}: it scrapes the server below")

# %%
daily = []
with servers.running("model-shadow", with_challenger("shadow")) as server:
    scraper = None if prometheus.missing() else prometheus.start(WORK / "prometheus", f"{servers.HOST}:{server.port}",
                                                                  RULES, interval_s=0.1)
    try:
        before = monitoring.scrape(server.url)
        for day, requests in stream.groupby("day"):
            monitoring.replay(server.url, requests)
            after = monitoring.scrape(server.url)

            def moved(name, before=before, after=after, **labels):  # bound now: one day's difference
                return monitoring.value(after, name, **labels) - monitoring.value(before, name, **labels)

            answered = moved("model_requests_total", path="/predict", status="200")
            row = {"day": day, "answered": answered,
                   "errors": moved("model_requests_total", path="/predict") - answered,
                   "mean flipper mm": moved("model_input_flipper_length_mm_sum")
                   / moved("model_input_flipper_length_mm_count"),
                   **{f"{s} share": moved("model_predictions_total", species=s) / answered
                      for s in ("Adelie", "Chinstrap", "Gentoo")}}
            if scraper:  # wait until Prometheus has scraped this day's traffic, then for a rule evaluation
                seen = monitoring.value(after, "model_input_flipper_length_mm_count")
                prometheus.wait_for(scraper, "sum(model_input_flipper_length_mm_count)", seen)
                time.sleep(0.11)  # one rule evaluation (every 0.1 s)
                row["alert"] = prometheus.alerts(scraper).get("FlipperLengthShifted", "inactive")
            daily.append(row)
            before = after
        if scraper:  # two PromQL questions about the last two seconds, for the self-paced part below
            promql = {"requests/s": 'sum(rate(model_requests_total{path="/predict"}[2s]))',
                      "p99 latency (s)": 'histogram_quantile(0.99, sum by (le) '
                                         '(rate(model_request_seconds_bucket{path="/predict"}[2s])))'}
            asked = {name: prometheus.query(scraper, query) for name, query in promql.items()}
    finally:
        if scraper:
            scraper.stop()
daily = pd.DataFrame(daily)
daily.round(3)

# %% mystnb={"image": {"alt": "Two weeks of traffic as the server's metrics tell it. Left: the mean flipper length in requests jumps up on day 8, when the new board arrives, and stays up. Right: the share of each species in the model's answers; from day 8 Adelie falls and Chinstrap rises."}}
fig, axes = plt.subplots(1, 2, figsize=(10, 3.2))
axes[0].plot(daily["day"], daily["mean flipper mm"], marker="o")
axes[0].set(xlabel="day (of traffic)", ylabel="mean flipper length (mm)", title="An input, from the server's histogram")
for species, marker in zip(("Adelie", "Chinstrap", "Gentoo"), "os^", strict=True):
    axes[1].plot(daily["day"], daily[f"{species} share"], marker=marker, label=species)
axes[1].set(xlabel="day (of traffic)", ylabel="share of the answers (fraction)", title="What the model answers")
for axis in axes:
    axis.axvline(8, color="grey", linestyle=":", label="the new board")
axes[0].legend(fontsize=8)
axes[1].legend(fontsize=8, loc="center left", bbox_to_anchor=(1, 0.5))  # beside the lines, not over them
fig.suptitle("Two weeks of traffic, as /metrics tells it")
fig.tight_layout()
early, late = daily[daily.day < 8], daily[daily.day >= 8]
print(f"errors: {int(daily['errors'].sum())}; mean flipper {early['mean flipper mm'].mean():.1f} mm before day 8, "
      f"{late['mean flipper mm'].mean():.1f} after; answers Adelie {early['Adelie share'].mean():.0%} → "
      f"{late['Adelie share'].mean():.0%}, Chinstrap {early['Chinstrap share'].mean():.0%} → "
      f"{late['Chinstrap share'].mean():.0%}")

# %% [markdown]
# The service's own numbers are all fine: every request answered, no errors.
# The input's mean jumped on day 8, and the mix of answers moved with it: the
# model now calls many Adelie penguins Chinstrap, whose flippers are a little
# longer. Nothing says whether those answers are right. Requests that are
# valid, fast and wrong are what monitoring a *model* adds to monitoring a
# service. Where Prometheus ran, the
# `alert` column shows the rule going from inactive to firing when the board
# changed (its half-second window can still hold some of the day before, so
# the timing can make it fire a day late; a real rule also waits, `for: 10m`, and
# compares with a baseline instead of a fixed 206 mm).
#
# ### *Self-paced* · Prometheus and Grafana
#
# A Prometheus server scrapes every target in its config every 15 to 60 s,
# keeps the history, and answers PromQL: `sum(rate(model_requests_total{path="/predict"}[5m]))`
# is requests per second to the model, `histogram_quantile(0.99, sum by (le)
# (rate(model_request_seconds_bucket{path="/predict"}[5m])))` the p99 latency
# estimated from the histogram's buckets, and a rule like the one above turns
# a query into an alert that Alertmanager sends to e-mail or a pager. The two
# queries, asked of the Prometheus above about the last two seconds of traffic:

# %%
if prometheus.missing():
    print(prometheus.missing())
else:
    for name, result in asked.items():
        print(f"{name}: {float(result[0]['value'][1]):.4g}" if result else f"{name}: no data in the window")

# %% [markdown]
# Grafana draws dashboards from the same queries. pip cannot install Prometheus: `apt-get install
# prometheus`, `brew install prometheus`, or a release binary; `mlcourse
# doctor` says whether it is there (`mlcourse/prometheus.py` starts it).
#
# ## Drift, measured
#
# Two scores per feature, each day's traffic against the data the model was
# built from, all 342 penguins (`mlcourse/drift.py`): the population stability
# index (PSI: bin the reference at its quantiles, compare the shares; under 0.1
# reads as stable, over 0.25 as a large shift) and the Kolmogorov–Smirnov test
# (the largest gap between the two distribution functions, with a p-value).

# %% mystnb={"image": {"alt": "PSI and KS p-value per feature for each day of traffic: flipper length crosses the large-shift line on day 8 and stays far above it, its p-value falling by orders of magnitude, while bill depth and body mass stay low and near the noise, with an occasional p-value under 0.05 by chance."}}
reference = train.load_table()[0][train.FEATURES]
scores = pd.DataFrame([{"day": day, "feature": feature, "psi": drift.psi(reference[feature], requests[feature]),
                        "ks_p": drift.ks(reference[feature], requests[feature])[1]}
                       for day, requests in stream.groupby("day") for feature in train.FEATURES])
psi_by_day = scores.pivot(index="day", columns="feature", values="psi")
ks_by_day = scores.pivot(index="day", columns="feature", values="ks_p")
fig, axes = plt.subplots(1, 2, figsize=(11, 3.4))
for feature, marker in zip(train.FEATURES, "os^", strict=True):
    axes[0].plot(psi_by_day.index, psi_by_day[feature], marker=marker, label=feature)
    axes[1].semilogy(ks_by_day.index, ks_by_day[feature], marker=marker, label=feature)
axes[0].axhline(drift.PSI_LIMIT, color="black", linestyle="-.", label="0.25: a large shift")
axes[0].axhline(0.1, color="grey", linestyle=":", label="0.1: a moderate one")
axes[1].axhline(0.05, color="black", linestyle="-.", label="p = 0.05")
axes[0].set(xlabel="day (of traffic)", ylabel="PSI against the reference (index)", title="PSI per feature, each day")
axes[1].set(xlabel="day (of traffic)", ylabel="KS p-value (log scale)", title="KS test per feature, each day")
for axis in axes:
    axis.axvline(8, color="grey", linestyle=":", label="the new board")
    axis.legend(fontsize=7)
fig.tight_layout()
before_drift = scores[scores["day"] < 8]
print(f"before day 8: PSI at most {before_drift['psi'].max():.2f}; KS p < 0.05 in "
      f"{(before_drift['ks_p'] < 0.05).sum()} of {len(before_drift)} tests (false alarms)")
print("from day 8, flipper length: PSI", psi_by_day.loc[8:, "flipper_length_mm"].round(2).tolist())
print("the other features after day 8: PSI at most", psi_by_day.loc[8:, ["bill_depth_mm", "body_mass_g"]].max().max().round(2))

# %% [markdown]
# Flipper length crosses 0.25 on day 8 and stays there; the other two
# features stay within the noise (as printed, against up to 0.13 before the
# drift). PSI is noisy on small samples (10 bins, about 200
# requests a day and 342 reference rows: up to about 0.13 by chance, as
# printed), so the 0.25 line, not the 0.1 one, is the alarm here. Each day is
# scored when it ends; a team slides the window (hourly, over the last day) to
# hear sooner, at the price of more tests. Before the drift some
# KS tests say p < 0.05 anyway. At p < 0.05, 1 test in 20 does so by chance
# alone, which is what the threshold means: 1.2 of these 24 are expected, and
# 3 or more happen by chance in about 1 run in 9 (this traffic is resampled
# from the reference, which makes the test, if anything, cautious). A team
# either corrects for the number of tests or, as here, acts on an effect size
# (PSI) and keeps the p-value as a second opinion. In practice a monitoring library does this per
# feature and per data type, with reports: Evidently, NannyML, alibi-detect,
# whylogs.
#
# ## Labels arrive late
#
# Accuracy needs the true species, which comes three days later. Here is what
# the team can know on day 10, and on day 17:

# %%
predicted = model.predict(stream[train.FEATURES].to_numpy())
known_day_10 = traffic.daily_accuracy(stream, predicted, hour=10 * 24)
known_day_17 = traffic.daily_accuracy(stream, predicted, hour=17 * 24)
print(f"on day 10, accuracy is known for days 0-{int(known_day_10.day.max())}:",
      known_day_10["accuracy"].round(2).tolist())
print(f"on day 17, for days 0-{int(known_day_17.day.max())}:", known_day_17["accuracy"].round(2).tolist())
baseline = known_day_17[known_day_17.day < 8]["accuracy"].mean()
print(f"accuracy before day 8 {baseline:.3f}, from day 8 {known_day_17[known_day_17.day >= 8]['accuracy'].mean():.3f}")
print("retrain? on day 9:", drift.retrain_reasons(psi_by_day.loc[8].to_dict(), None, baseline))

# %% [markdown]
# On day 10 the labels still say all is well: the drifted days are not
# labelled yet. The drift score said so when day 8 ended, on day 9. That is
# why drift is the early warning: it needs no labels. Labels confirm it (the
# accuracy drop printed above), and the two signals together are the trigger
# to retrain (`drift.retrain_reasons`), on data that includes the new board's
# measurements.
#
# ## The promotion gate: CI/CD for models
#
# A new model goes the way code does, commit → build → test → staging →
# production, with one more gate: it must pass its data tests and beat the
# model in production on the **validation** set by a margin (the test set is
# kept for one final estimate, lesson 06). Here the data tests are one check,
# that the data the candidate was trained on is the file the tests checked (its
# SHA-256); a team adds schema, range and null checks (pandera, Great
# Expectations, lesson 05's validators). `mlcourse promote CANDIDATE` is
# that gate on MLflow's model registry (lesson 12's store): it moves the alias
# `challenger` to the candidate and `champion` only if the candidate passes,
# and exits 0, or 1 with every reason, or 2 if it cannot judge. A CI job runs
# it as a step. Two candidates, registered under a model name of this
# notebook's, so that a re-run starts from nothing:

# %%
tracking.use_store()
client, NAME = MlflowClient(tracking.tracking_uri()), "penguin-species-lesson14"
if client.search_registered_models(f"name = '{NAME}'"):
    client.delete_registered_model(NAME)
versions = {}
for label, params in (("good", train.Params(alpha=1e-4, learning_rate=0.03, seed=0)),
                      ("rushed", train.Params(alpha=1e-4, learning_rate=0.001, epochs=3, seed=0))):
    record = train.run(params, track=True, quiet=True, tags={"purpose": "lesson 14 gate"})
    versions[label] = str(register_model(record["model_uri"], NAME).version)
    print(f"{label}: version {versions[label]}, val_loss {record['metrics']['val_loss']:.4f}")

# %%
for label in ("good", "rushed"):
    status = mlcourse_command(["promote", "--model", NAME, versions[label]])
    print(f"exit status {status}\n")
print("unknown version: exit", mlcourse_command(["promote", "--model", NAME, "99"]))

# %% [markdown]
# The first model is promoted (there was no champion); the rushed one is
# refused with its reason, and the command's non-zero exit stops the CI job
# there. Serving code loads `models:/penguin-species-lesson14@champion`, so
# promoting is moving an alias, and rolling back is moving it back.
#
# Two cautions. The margin (0.005 by default) is a policy, and it should be
# larger than the validation loss's own noise: on 69 penguins that noise is
# larger than 0.005, so a team sets the margin from a bootstrap of the
# validation set, or uses more data. And after a drift, the validation set
# must be refreshed with recent labelled traffic: the old one describes the
# world before the new board, and favours the model built for it.
#
# ## Upgrading production: shadow, then canary
#
# The server above ran the weaker model v2 in the **shadow** all along: it
# scored every request, its answers went to a log and a counter, and no
# client ever saw one. That is no risk to the answers, but some to latency:
# here the shadow scores inside the request; a service mesh mirrors the
# traffic to a separate server instead (Istio's traffic mirroring). The log says how it would have done:

# %%
shadow = pd.read_json(shadow_log, lines=True)
shadow["day"] = stream["day"].to_numpy()
print(f"{len(shadow)} requests scored by v2 in the shadow; it agreed with v1 on {shadow['agree'].mean():.1%}")
shadow.groupby("day")["agree"].mean().round(2).to_frame("v2 agrees with v1").T

# %% [markdown]
# Until day 8 the shadow agreed with v1 about 9 times in 10; on the drifted
# traffic the two disagree on nearly half the requests. A jump in shadow
# disagreement is one more drift signal that needs no labels.
#
# A **canary** goes one step further: a share of the traffic (20 % here) is
# answered by the challenger, each answer naming its version. When the labels
# come in, the two error rates are compared, and a rule decides whether to
# roll back (`rollout.canary_verdict`: at least 50 labelled answers of each,
# and the canary's error rate higher by more than 2 points plus 2 standard
# errors). The first week's traffic, through a canary:

# %%
first_week = stream[stream.day < 7]
with servers.running("model-canary", with_challenger("canary")) as server:
    answers = monitoring.replay(server.url, first_week)
outcomes = list(zip(answers["model_version"], answers["species"] == first_week[train.TARGET], strict=True))
verdict = rollout.canary_verdict(outcomes, "v2")
print(f"v2 answered {(answers.model_version == 'v2').mean():.0%} of the requests; error rate v2 "
      f"{verdict.canary_error:.3f}, v1 {verdict.champion_error:.3f}; roll back: {verdict.roll_back}"
      + (f" (decided at outcome {verdict.at})" if verdict.roll_back else ""))

# %% [markdown]
# Read the verdict with its numbers. v2 is worse (we built it so; the shadow
# only showed that it differs from v1, on about 1 request in 10), but a gap of a
# few points on a few hundred labelled answers is within what chance gives, so
# the rule, built not to roll back on chance, does not fire: it has little
# power this early. "Not rolled back" is not "promote": promotion needs its own
# evidence, more labels or the gate above. And a rule checked after every
# outcome, as this one is, fires by chance more often than its 2 standard
# errors suggest (peeking); sequential tests correct for that. Shadow first,
# canary second, then all the traffic: each step risks more and tells more. Service meshes and serving platforms do the
# routing in practice (Istio, Argo Rollouts, KServe, SageMaker's production
# variants).
#
# ### *Self-paced* · Feature stores and data acquisition
#
# A **feature store** (Feast, Tecton, Databricks' and SageMaker's) keeps the
# features a model uses, computed once and served twice: in batch to training
# and with low latency to the server, so that both see the same definition of
# "mean flipper length of this colony" (a training/serving skew is the drift a
# team makes itself). **Data acquisition** closes the loop: the labels that
# come back are the next training set, and which requests to label first
# (the uncertain ones, the drifted ones) is a choice that decides how fast the
# next model catches up.
#
# ## Exercises
#
# Open `exercises/14_production.ipynb`: the population stability index (14.1),
# the promotion gate's decision with its reasons (14.2), and a canary rollback
# rule (14.3).
#
# ## Keypoints
# - A server's metrics (requests, errors, latency) say whether the service is healthy; the distributions of its inputs and answers say whether the model still fits the traffic.
# - Drift needs no labels: PSI or KS per feature, over windows, against the training data. Act on effect sizes; expect false alarms from p-values tested every day.
# - Labels arrive late, so accuracy confirms what drift warned of; both together trigger retraining.
# - Promote only through a gate: data tests, and a validation-metric margin over the champion, never the test set; a non-zero exit stops the pipeline.
# - Roll out in steps: shadow (no risk to the answers), canary (a share, with a rollback rule that allows for chance), then all traffic.
