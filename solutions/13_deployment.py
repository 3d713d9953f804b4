# %% [markdown]
# # 13 · Deployment: exercises
#
# Three things every deployed model needs: a server that refuses bad requests,
# a batch job that can be killed and re-run, and honest numbers from a load
# test.
#
# **Minutes**: 15 · **Grade yourself**: `mlcourse grade exercises/13_deployment.ipynb`

# %%
import os
import tempfile
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict, Field, FiniteFloat

from mlcourse import check, serving

FEATURES = ["bill_depth_mm", "flipper_length_mm", "body_mass_g"]
model = serving.load_model(serving.ensure_model())  # the lesson's penguin classifier

# %% [markdown]
# **Exercise 13.1** — Write `make_app(model)`, which returns a FastAPI app
# whose `POST /predict` takes `{"features": [bill depth mm, flipper length mm,
# body mass g]}` and answers `{"species": ..., "probability": ...}`: the class
# with the largest probability in `model.predict_proba([features])[0]` (the
# classes are `model.classes_`) and that probability.
#
# Every bad request must get a 4xx, never a 5xx, with a short answer that does
# not repeat the request back: text or `true` instead of a number, an extra
# field, the wrong number of features, NaN or an infinity, a number that is
# not positive, a body that is not JSON. The check posts good requests and
# every kind of bad one through FastAPI's `TestClient`; try a few yourself
# first, in the cell after your function. For the error answer you may write
# your own handler or register the lesson's:
# `app.add_exception_handler(RequestValidationError, serving.refuse_without_echo)`.
# The imports at the top are a hint of what you need.

# %%
def make_app(model):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 13.1: a FastAPI app with a strict POST /predict")
    class PenguinRequest(BaseModel):
        model_config = ConfigDict(strict=True, extra="forbid")  # no "18.7" or true as numbers, no extra fields
        # exactly three numbers, each finite (no NaN or inf) and positive (what the batch job also requires)
        features: Annotated[list[Annotated[FiniteFloat, Field(gt=0)]], Field(min_length=3, max_length=3)]

    app = FastAPI()

    @app.exception_handler(RequestValidationError)
    async def refuse(request: Request, error: RequestValidationError) -> JSONResponse:
        # FastAPI's default answer repeats each wrong value ("input") and made-up field names ("loc"): keep why
        return JSONResponse({"detail": [e["msg"] for e in error.errors()]}, status_code=422)

    @app.post("/predict")
    async def predict(request: PenguinRequest) -> dict:
        proba = model.predict_proba([request.features])[0]
        return {"species": str(model.classes_[proba.argmax()]), "probability": float(proba.max())}

    return app
    # END SOLUTION


# %%
try:
    client = TestClient(make_app(model), raise_server_exceptions=False)
    for body in ('{"features": [18.7, 181, 3750]}', '{"features": ["18.7", 181, 3750]}', '{"features": [NaN, 181, 3750]}'):
        answer = client.post("/predict", content=body, headers={"Content-Type": "application/json"})
        print(answer.status_code, answer.text[:100])
except NotImplementedError as error:
    print(error)

# %%
check.make_app(make_app)

# %% [markdown]
# **Exercise 13.2** — Write `score_folder(model, inputs, outputs)`, a batch
# job: for every `*.csv` in the folder `inputs` (columns `bill_depth_mm`,
# `flipper_length_mm`, `body_mass_g`), write `outputs/<same name>` with the
# same rows and a `species` column from `model.predict(rows)`.
#
# The job will crash, and a scheduler will run it again. After any crash,
# every file under an output's name must be whole, and the re-run must score
# what is missing, and only that; when the job has finished, `outputs` holds
# the outputs and nothing else (hidden files apart). The check crashes your
# job twice, once while it scores and once while it writes a file, then lets
# it finish.

# %%
def score_folder(model, inputs, outputs):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 13.2: score every input that has no output yet, atomically")
    outputs = Path(outputs)
    outputs.mkdir(parents=True, exist_ok=True)
    for source in sorted(Path(inputs).glob("*.csv")):
        target = outputs / source.name
        if target.exists():  # done by an earlier run
            continue
        rows = pd.read_csv(source)
        scored = rows.assign(species=model.predict(rows[FEATURES]))
        # a draft in the same folder (a rename is atomic only within one file system), with a hidden name
        descriptor, draft = tempfile.mkstemp(dir=outputs, prefix=f".{source.name}.", suffix=".part")
        try:
            with os.fdopen(descriptor, "w", newline="") as handle:
                scored.to_csv(handle, index=False)
            os.replace(draft, target)  # the output appears whole, or not at all
        except BaseException:
            os.unlink(draft)
            raise
    # END SOLUTION


# %%
check.score_folder(score_folder)

# %% [markdown]
# **Exercise 13.3** — A load test gives the time of each request, in seconds,
# and how long the test ran. Write `load_summary(timings_s, wall_seconds)`,
# which returns `{"requests/s": ..., "p50 ms": ..., "p99 ms": ...}`: the
# throughput, and the median and 99th-percentile latency in milliseconds.
# Mind that 16 clients send requests at the same time, and that a test may
# have made a single request.

# %%
def load_summary(timings_s, wall_seconds):
    # BEGIN SOLUTION
    # STUB: raise NotImplementedError("Exercise 13.3: requests/s, p50 ms and p99 ms")
    timings_ms = np.asarray(timings_s, dtype=float) * 1000
    return {
        "requests/s": len(timings_ms) / wall_seconds,  # wall time, not summed latencies: requests overlap
        "p50 ms": float(np.percentile(timings_ms, 50)),
        "p99 ms": float(np.percentile(timings_ms, 99)),
    }
    # END SOLUTION


# %%
check.load_summary(load_summary)
