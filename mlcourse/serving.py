"""The course's model server: FastAPI on uvicorn, strict about what it accepts.

``python -m mlcourse.serving --model FILE`` serves a scikit-learn model saved
with skops (``make serve`` starts it through :mod:`mlcourse.servers`). The
model is loaded once, at start-up. ``GET /health`` says it is ready;
``POST /predict`` takes ``{"features": [bill depth mm, flipper length mm, body
mass g]}`` and answers the species, its probability and the model's version.

Every bad request gets a 4xx with a short message that never repeats the
request back: a body over 1 MB is refused with 413 (read and discarded, so the
client sees the answer instead of a reset connection), a body sent as another
content type than JSON with 415, and broken JSON or anything the schema refuses
with 422. The schema is strict: exactly three finite, positive numbers (the
rule the batch job applies to its rows too), no text or booleans taken for
numbers, no extra fields. FastAPI's defaults are looser: they take ``"13.68"``
and ``true`` as numbers, answer ``NaN`` with a 500, and echo the whole body in a
422. FastAPI's own ``max_body_size`` answers 413 in plain text, outside the
published schema, hence :class:`BodyLimit`.

``--handler`` chooses how ``/predict`` calls the model, for lesson 13 to
measure: ``async`` (the default) calls it on the event loop, which is right for
a model call of well under a millisecond; ``sync`` is a plain ``def`` that
FastAPI runs in a thread pool; ``batched`` queues requests that arrive together
and scores them in one model call (micro-batching, see :class:`MicroBatcher`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from pathlib import Path
from typing import Annotated

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from mlcourse.course import STATE_DIR
from mlcourse.metrics import CountRequests, ServerMetrics
from mlcourse.rollout import MODES, Rollout, Router
from mlcourse.train import FEATURES

MAX_BODY_BYTES = 1_000_000
MAX_DRAIN_BYTES = 16 * MAX_BODY_BYTES  # read at most this much of a body that is too large, then hang up
HANDLERS = ("async", "sync", "batched")
MODEL_FILE = STATE_DIR / "models" / "penguin-species.skops"


Measurement = Annotated[float, Field(gt=0, allow_inf_nan=False)]  # what batch.reasons also requires of a row


class PredictRequest(BaseModel):
    """Exactly the three measurements, as positive JSON numbers: no text, booleans, NaN, infinities or extra fields."""

    model_config = ConfigDict(extra="forbid", strict=True)
    features: Annotated[list[Measurement], Field(min_length=len(FEATURES), max_length=len(FEATURES),
                                                 description=", ".join(FEATURES))]


class Prediction(BaseModel):
    species: str
    probability: float
    model_version: str


class Problem(BaseModel):
    """Every error the server sends: a short reason, and for a 422 where the request broke the schema."""

    detail: str
    errors: list[dict] = []


def load_model(path: Path):
    """Load a skops file, refusing one that holds any type outside skops's trusted list; or an ONNX file.

    A model file is code until proven otherwise; the trusted list is skops's
    own here, never one read from the file. An ``.onnx`` file (written by
    :func:`mlcourse.export.sklearn_to_onnx`) holds no code and runs in ONNX
    Runtime, see :class:`OnnxClassifier`.
    """
    if Path(path).suffix == ".onnx":
        return OnnxClassifier(path)
    import skops.io

    untrusted = skops.io.get_untrusted_types(file=path)
    if untrusted:
        raise ValueError(f"{path} holds types the server does not trust: {untrusted}")
    return skops.io.load(path)


class OnnxClassifier:
    """A classifier exported to ONNX, run by ONNX Runtime, with scikit-learn's ``predict_proba`` and ``classes_``."""

    def __init__(self, path: Path):
        from mlcourse.export import onnx_session

        self.session = onnx_session(path)
        classes = self.session.get_modelmeta().custom_metadata_map.get("classes")
        if classes is None:
            raise ValueError(f"{path} has no 'classes' in its metadata: export it with mlcourse.export.sklearn_to_onnx")
        self.classes_ = np.array(json.loads(classes))
        self.input = self.session.get_inputs()[0].name

    def predict_proba(self, rows) -> np.ndarray:
        return self.session.run(["probabilities"], {self.input: np.asarray(rows, dtype=np.float32)})[0]


class MicroBatcher:
    """Score requests that arrive together in one model call.

    The first request to arrive waits at most ``max_wait_s``; every request
    queued by then (up to ``max_batch``) joins it in one ``predict_proba`` call.
    This buys throughput when one call on many rows costs much less than many
    calls on one row each, and costs up to ``max_wait_s`` of latency per request.
    Serving systems do it for you: TF Serving's and Triton's dynamic batching,
    Ray Serve's ``@serve.batch``.
    """

    def __init__(self, predict_proba, max_batch: int = 32, max_wait_s: float = 0.002):
        self.predict_proba, self.max_batch, self.max_wait_s = predict_proba, max_batch, max_wait_s
        self.queue: asyncio.Queue = asyncio.Queue()
        self.calls = 0  # model calls made, to compare with requests answered

    async def __call__(self, features: list[float]) -> np.ndarray:
        answer = asyncio.get_running_loop().create_future()
        await self.queue.put((features, answer))
        return await answer

    async def _collect(self) -> list:
        """The first request to arrive, and those that join it within ``max_wait_s`` (at most ``max_batch``)."""
        loop = asyncio.get_running_loop()
        batch = [await self.queue.get()]
        deadline = loop.time() + self.max_wait_s
        while len(batch) < self.max_batch and (left := deadline - loop.time()) > 0:
            try:
                batch.append(await asyncio.wait_for(self.queue.get(), left))
            except TimeoutError:
                break
        return batch

    async def run(self) -> None:
        """Serve the queue until cancelled (the app's lifespan starts and cancels it)."""
        while True:
            batch = await self._collect()
            try:
                probabilities = self.predict_proba(np.array([features for features, _ in batch]))
                self.calls += 1
            except Exception as error:  # every waiting request gets the error, the loop goes on
                probabilities = [error] * len(batch)
            for (_, answer), result in zip(batch, probabilities, strict=True):
                if answer.done():  # its request was cancelled (a client gone, a timeout): nobody waits
                    continue
                if isinstance(result, Exception):
                    answer.set_exception(result)
                else:
                    answer.set_result(result)


def create_app(model_path: Path, version: str = "local", handler: str = "async", rollout: Rollout | None = None):
    """The FastAPI application serving the model in ``model_path``; ``handler`` is one of :data:`HANDLERS`.

    With a ``rollout``, a challenger model runs next to it, in the shadow or as a canary (async handler only).
    """
    from fastapi import FastAPI, Response
    from fastapi.exceptions import RequestValidationError

    if handler not in HANDLERS:
        raise ValueError(f"handler must be one of {HANDLERS}, not {handler!r}")
    if rollout is not None and handler != "async":
        raise ValueError("a shadow or canary challenger needs the async handler")

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.model = load_model(model_path)  # once, not per request
        app.state.batcher = MicroBatcher(app.state.model.predict_proba)
        worker = asyncio.create_task(app.state.batcher.run()) if handler == "batched" else None
        router = Router(rollout, app.state.model, load_model(rollout.challenger), metrics) if rollout else None
        app.state.router = router
        yield
        if worker:
            worker.cancel()
        if router:
            router.close()

    app = FastAPI(title="penguin-species", lifespan=lifespan,
                  responses={413: {"model": Problem, "description": "Content Too Large"},
                             415: {"model": Problem, "description": "Unsupported Media Type"},
                             422: {"model": Problem, "description": "The request does not match the schema"}})
    app.add_exception_handler(RequestValidationError, refuse_without_echo)

    metrics = ServerMetrics()

    @app.get("/metrics", include_in_schema=False)
    async def scrape() -> Response:
        body, kind = metrics.exposition()
        return Response(body, media_type=kind)

    @app.get("/health")
    async def health() -> dict:
        return {"status": "ok", "model_version": version, "handler": handler}

    def answer(proba: np.ndarray, features: list[float], classes=None, answered_by: str = version) -> Prediction:
        best = int(proba.argmax())
        species = str((app.state.model.classes_ if classes is None else classes)[best])
        metrics.predicted(species, features, answered_by)
        return Prediction(species=species, probability=float(proba[best]), model_version=answered_by)

    if handler == "sync":
        @app.post("/predict", response_model=Prediction)
        def predict_in_a_thread(request: PredictRequest) -> Prediction:
            return answer(app.state.model.predict_proba([request.features])[0], request.features)
    elif handler == "batched":
        @app.post("/predict", response_model=Prediction)
        async def predict_batched(request: PredictRequest) -> Prediction:
            return answer(await app.state.batcher(request.features), request.features)
    elif rollout is not None:
        @app.post("/predict", response_model=Prediction)
        async def predict_with_a_challenger(request: PredictRequest) -> Prediction:
            proba, classes, answered_by = app.state.router.score(request.features, version)
            return answer(proba, request.features, classes, answered_by)
    else:
        @app.post("/predict", response_model=Prediction)
        async def predict(request: PredictRequest) -> Prediction:
            return answer(app.state.model.predict_proba([request.features])[0], request.features)

    return CountRequests(BodyLimit(app, MAX_BODY_BYTES), metrics)


async def refuse_without_echo(request, error):
    """Answer a request the schema refuses with 422: where and why, never the request's own values.

    FastAPI's default answer lists each wrong value as ``input``, which sends a
    10 MB body back to its sender and fails on NaN, which JSON cannot hold.
    """
    from fastapi.responses import JSONResponse

    errors = [{"loc": _location(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
              for e in error.errors()]
    return JSONResponse({"detail": "the request does not match the schema", "errors": errors}, status_code=422)


SCHEMA_NAMES = {"body", "features"}


def _location(loc) -> list:
    """Where the request broke the schema, with any name the client made up replaced (it could be huge)."""
    return [part if isinstance(part, int) or part in SCHEMA_NAMES else "(a field not in the schema)" for part in loc]


class BodyLimit:
    """ASGI middleware: refuse a body over ``limit`` bytes with 413, and a non-JSON POST with 415.

    The body is read (and what is over the limit discarded) before answering:
    a server that answers 413 and closes before the client has sent everything
    makes some clients (urllib, for one) see a reset connection instead of the
    answer. Reading stops at :data:`MAX_DRAIN_BYTES`, and then the server answers
    and hangs up, so an endless upload cannot hold a connection for ever.
    """

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST":
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        is_json = headers.get(b"content-type", b"").split(b";")[0].strip() == b"application/json"
        body, size, more = await _read(receive, keep=self.limit if is_json else 0)
        if body is None:  # the client hung up
            return None
        if not is_json:
            return await _answer(send, 415, "send JSON, with Content-Type: application/json", close=more)
        if size > self.limit:
            return await _answer(send, 413, f"the body is over {self.limit} bytes", close=more)

        async def replay():
            return {"type": "http.request", "body": body, "more_body": False}

        return await self.app(scope, replay, send)


async def _read(receive, keep: int) -> tuple[bytes | None, int, bool]:
    """Read the body, keeping its first ``keep`` bytes, until its end or :data:`MAX_DRAIN_BYTES`.

    Returns the bytes kept (None if the client hung up), the bytes read, and
    whether more was still coming when reading stopped.
    """
    kept, size, more = [], 0, True
    while more and size <= MAX_DRAIN_BYTES:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None, size, False
        chunk, more = message.get("body", b""), message.get("more_body", False)
        size += len(chunk)
        if size <= keep:
            kept.append(chunk)
    return b"".join(kept), size, more


async def _answer(send, status: int, detail: str, close: bool = False) -> None:
    body = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status,
                "headers": headers + ([(b"connection", b"close")] if close else [])})
    await send({"type": "http.response.body", "body": body})


def ensure_model(path: Path = MODEL_FILE) -> Path:
    """The model file to serve: the course's penguin classifier, trained (seed 0) the first time."""
    if not path.exists():
        import skops.io

        from mlcourse import train

        rows = train.split(train.load_table()[0])
        model, _ = train.fit(train.Params(alpha=1e-4, learning_rate=0.03, seed=0), rows)
        path.parent.mkdir(parents=True, exist_ok=True)
        skops.io.dump(model, path)
    return path


def command(port: int, model: Path | None = None, version: str = "local", handler: str = "async") -> list[str]:
    """The argv that serves ``model`` on 127.0.0.1:``port`` (what :func:`start` runs)."""
    return [sys.executable, "-m", "mlcourse.serving", "--model", str(model or ensure_model()), "--port", str(port),
            "--version", version, "--handler", handler]


def start(model: Path | None = None, version: str = "local", port: int | None = None, handler: str = "async"):
    """Start the model server through :mod:`mlcourse.servers` and return it once ``/health`` answers."""
    from mlcourse import servers

    model = model or ensure_model()
    return servers.start(f"model-{handler}", lambda free: command(free, model, version, handler), port=port,
                         timeout=60)


def main(argv: list[str] | None = None) -> int:
    command = argparse.ArgumentParser(prog="python -m mlcourse.serving", description=__doc__.split("\n\n")[0])
    command.add_argument("--model", type=Path, default=None,
                         help="a skops or ONNX file (default: the course's model, skops)")
    command.add_argument("--port", type=int, required=True)
    command.add_argument("--version", default="local", help="the model version the answers name")
    command.add_argument("--handler", choices=HANDLERS, default="async", help="how /predict calls the model")
    command.add_argument("--challenger", type=Path, help="a second model file, run next to the first (see --rollout)")
    command.add_argument("--challenger-version", default="challenger", help="the version its answers name")
    command.add_argument("--rollout", choices=MODES, default="shadow", help="shadow: it scores, only logged; "
                         "canary: it answers --canary-share of the requests")
    command.add_argument("--canary-share", type=float, default=0.1)
    command.add_argument("--shadow-log", type=Path, help="shadow: a JSON line per request, to this file")
    args = command.parse_args(argv)
    import uvicorn

    rollout = (Rollout(args.challenger, args.challenger_version, args.rollout, args.canary_share,
                       shadow_log=args.shadow_log) if args.challenger else None)
    app = create_app(args.model or ensure_model(), args.version, args.handler, rollout)
    uvicorn.run(app, host="127.0.0.1", port=args.port, workers=1, log_level="warning", access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
