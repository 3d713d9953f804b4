"""Checks for lesson 13: a predict endpoint that refuses bad requests, a crash-safe batch job, a load-test summary.

No ``from __future__ import annotations`` here: FastAPI reads the handlers' type
hints at run time, and a hint kept as text cannot name a class defined inside
a function (the request would be taken for a query parameter).
"""

import contextlib
import json
import math
import os
import sys
import tempfile
import uuid
from pathlib import Path

import numpy as np
import pandas as pd

from mlcourse.check._core import call, describe, fail, is_number, not_written, passed, register

FEATURES = ["bill_depth_mm", "flipper_length_mm", "body_mass_g"]

# --------------------------------------------------------------------------------------------
# 13.1 make_app
# --------------------------------------------------------------------------------------------

HUGE = "x" * 1_000_000
MARKER = "s3cr3t-18.7"  # a value no honest error answer has a reason to repeat
# name -> (body, the hint when it is not answered with a 4xx)
BAD_REQUESTS = {
    "a number as text": (b'{"features": ["18.7", 181, 3750]}',
                         "a client that sends text has a bug; strict=True in the model's ConfigDict (or "
                         "pydantic's StrictFloat) refuses text and booleans instead of converting them"),
    "a boolean": (b'{"features": [true, 181, 3750]}', "strict types refuse true as a number (Python's bool is an int)"),
    "a token where a number goes": (json.dumps({"features": [MARKER, 181, 3750]}).encode(),
                                    "features must be numbers"),
    "an extra field": (b'{"features": [18.7, 181, 3750], "debug": 1}',
                       "extra=\"forbid\" in the model's ConfigDict refuses fields the schema does not name"),
    "two numbers": (b'{"features": [18.7, 181]}', "give the list an exact length: Field(min_length=3, max_length=3)"),
    "four numbers": (b'{"features": [18.7, 181, 3750, 1]}', "give the list an exact length: Field(min_length=3, max_length=3)"),
    "a 1 MB wrong value": (json.dumps({"features": HUGE}).encode(), "features must be a list"),
    "a 1 MB field name": (json.dumps({"features": [18.7, 181, 3750], HUGE: 1}).encode(),
                          "extra=\"forbid\" refuses fields the schema does not name"),
    "NaN": (b'{"features": [NaN, 181, 3750]}',
            "Python's json reads NaN and 1e999 (infinity) as floats. A 500 comes either from the model, which "
            "got NaN (pydantic's FiniteFloat refuses it first), or from FastAPI's default error answer, which tries "
            "to repeat NaN back and JSON cannot hold it (answer with the errors' 'msg' only)"),
    "Infinity": (b'{"features": [18.7, Infinity, 3750]}', "FiniteFloat refuses infinities"),
    "1e999": (b'{"features": [18.7, 181, 1e999]}', "1e999 is read as infinity; FiniteFloat refuses it"),
    "a negative mass": (b'{"features": [18.7, 181, -3750]}',
                        "measurements are positive: Field(gt=0) on each number (the batch job refuses them too)"),
    "zero": (b'{"features": [18.7, 0, 3750]}', "measurements are positive: Field(gt=0) on each number"),
    "null": (b'{"features": null}', "features must be a list"),
    "a nested list": (b'{"features": [[18.7], 181, 3750]}', "each feature must be a number"),
    "a missing field": (b"{}", "features is required"),
    "a JSON list": (b"[18.7, 181, 3750]", "the body must be an object with a features field"),
    "broken JSON": (b'{"features": [18.7, 181', "the body must be JSON"),
    "an empty body": (b"", "the body must be JSON"),
}
# raw bodies, as clients send them: JSON integers (181) are numbers too, and a strict float field takes them
GOOD_BODIES = {b'{"features": [18.7, 181, 3750]}': [18.7, 181, 3750],
               b'{"features": [14.5, 215.0, 5000.0]}': [14.5, 215.0, 5000.0],
               b'{"features": [19.5, 195, 3650.5]}': [19.5, 195, 3650.5],
               b'{"features":[15,220,5300]}': [15, 220, 5300]}
SHORT = 2_000  # bytes: an error answer longer than this carries more than a reason


def _penguin_model():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from mlcourse import data

    penguins = data.load_penguins().dropna(subset=[*FEATURES, "species"])
    return make_pipeline(StandardScaler(), LogisticRegression()).fit(penguins[FEATURES].to_numpy(), penguins["species"])


def _answer(model, features) -> dict:
    proba = model.predict_proba([features])[0]
    return {"species": str(model.classes_[proba.argmax()]), "probability": float(proba.max())}


def _short_errors(error) -> list:
    return [e["msg"] for e in error.errors()]  # why, without "input" or "loc": nothing the client sent


def _app_reference(model):
    return _app_from(_three(_positive()))(model)


def _app_by_hand(model):
    """Reads the body itself and checks every rule in plain Python."""
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse

    app = FastAPI()

    def valid(features) -> bool:
        return (isinstance(features, list) and len(features) == 3
                and all(type(v) in (int, float) and math.isfinite(v) and v > 0 for v in features))

    @app.post("/predict")
    async def predict(request: Request):
        try:
            body = json.loads(await request.body())
        except ValueError:
            return JSONResponse({"detail": "the body is not JSON"}, status_code=400)
        if not isinstance(body, dict) or set(body) != {"features"} or not valid(body["features"]):
            return JSONResponse({"detail": "send {\"features\": [three finite numbers]}"}, status_code=422)
        return _answer(model, [float(v) for v in body["features"]])

    return app


def _app_with_validators(model):
    """StrictFloat in a conlist, and a validator of its own for finite numbers; a sync handler."""
    from fastapi import FastAPI
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from pydantic import BaseModel, ConfigDict, StrictFloat, StrictInt, conlist, field_validator

    class Measurements(BaseModel):
        model_config = ConfigDict(extra="forbid")
        features: conlist(StrictFloat | StrictInt, min_length=3, max_length=3)

        @field_validator("features")
        @classmethod
        def finite(cls, values):
            if not all(math.isfinite(v) and v > 0 for v in values):
                raise ValueError("features must be finite and positive")
            return values

    app = FastAPI()
    app.add_exception_handler(RequestValidationError,
                              lambda request, error: JSONResponse({"errors": len(error.errors())}, status_code=400))

    @app.post("/predict")
    def predict(request: Measurements):
        return _answer(model, [float(v) for v in request.features])

    return app


def _app_from(features_type, strict: bool = True, extra: str = "forbid", echo: bool = False):
    """An app like the reference with one rule changed."""

    def make_app(model):
        from fastapi import FastAPI, Request
        from fastapi.exceptions import RequestValidationError
        from fastapi.responses import JSONResponse
        from pydantic import BaseModel, ConfigDict

        class PenguinRequest(BaseModel):
            model_config = ConfigDict(strict=strict, extra=extra)
            features: features_type

        app = FastAPI()
        if not echo:
            @app.exception_handler(RequestValidationError)
            async def refuse(request: Request, error: RequestValidationError) -> JSONResponse:
                return JSONResponse({"detail": _short_errors(error)}, status_code=422)

        @app.post("/predict")
        async def predict(request: PenguinRequest) -> dict:
            return _answer(model, request.features)

        return app

    return make_app


def _three(kind):
    from typing import Annotated

    from pydantic import Field

    return Annotated[list[kind], Field(min_length=3, max_length=3)]


def _app_loose(model):
    """The first version anyone writes: `features: list[float]` and FastAPI's default errors."""
    return _app_from(list[float], strict=False, extra="ignore", echo=True)(model)


def _positive():
    from typing import Annotated

    from pydantic import Field, FiniteFloat

    return Annotated[FiniteFloat, Field(gt=0)]


def _app_lax_numbers(model):
    """Exact length and finite numbers, but not strict: "18.7" and true become numbers."""
    return _app_from(_three(_positive()), strict=False)(model)


def _app_allows_negative(model):
    """Strict, exact, finite, but any sign: a negative mass is scored, which the batch job refuses."""
    from pydantic import FiniteFloat
    return _app_from(_three(FiniteFloat))(model)


def _app_allows_extra(model):
    """Strict and exact, but an extra field is ignored instead of refused."""
    return _app_from(_three(_positive()), extra="ignore")(model)


def _app_allows_nan(model):
    """Strict, exact length, but plain floats: NaN and infinity reach the model, which raises (a 500)."""
    return _app_from(_three(float))(model)


def _app_any_length(model):
    """Strict finite numbers, but any number of them: two features make the model raise (a 500)."""
    return _app_from(list[_positive()])(model)


def _app_echoes(model):
    """The right schema, with FastAPI's default error answer: it repeats each wrong value, and NaN makes it a 500."""
    return _app_from(_three(_positive()), echo=True)(model)


def _client(app):
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    if not isinstance(app, FastAPI):
        fail(f"make_app(model) returned {describe(app)}; expected a FastAPI application. Hint: create "
             "`app = FastAPI()`, add the /predict route to it, and return app.")
    return TestClient(app, raise_server_exceptions=False)


def _post(client, body: bytes):
    return client.post("/predict", content=body, headers={"Content-Type": "application/json"})


def _check_good(client, model) -> None:
    for body, row in GOOD_BODIES.items():
        answer = _post(client, body)
        if answer.status_code != 200:
            integers = any(isinstance(v, int) for v in row)
            fail(f"POST /predict {body.decode()} got {answer.status_code}; expected 200 for three valid "
                 f"measurements. Its answer: {answer.text[:200]}. Hint: the route is POST /predict and the body "
                 "is an object with a list of three numbers" + (
                     "; JSON integers such as 181 are numbers too (a strict float field takes them, a check of "
                     "type(v) is float does not)." if integers else "."))
        try:
            got = answer.json()
        except ValueError:
            got = None
        expected = _answer(model, row)
        if not isinstance(got, dict) or got.get("species") != expected["species"] or not (
                is_number(got.get("probability")) and abs(got["probability"] - expected["probability"]) < 1e-6):
            fail(f"POST /predict {body.decode()} answered {answer.text[:200]}; expected {expected}. "
                 "Hint: call model.predict_proba([features]) once, take the largest probability and the class "
                 "at that position in model.classes_.")


def _check_bad(client) -> None:
    for name, (body, hint) in BAD_REQUESTS.items():
        answer = _post(client, body)
        sent = body[:60].decode() + ("..." if len(body) > 60 else "")
        if answer.status_code >= 500:
            fail(f"{name} ({sent}) got {answer.status_code}: the server crashed on it; expected a 4xx, since "
                 f"the request is at fault. Hint: {hint}.")
        if not 400 <= answer.status_code < 500:
            fail(f"{name} ({sent}) got {answer.status_code} with {answer.text[:120]}; expected a 4xx. Hint: {hint}.")
        if len(answer.content) > SHORT or MARKER.encode() in answer.content:
            fail(f"{name} ({len(body):,} bytes) got an error answer of {len(answer.content):,} bytes that repeats "
                 f"what the request sent; expected a short reason (under {SHORT:,} bytes) that does not repeat the "
                 "request's values or long field names. Hint: FastAPI's default 422 answer includes each wrong value as "
                 "'input' (and a made-up field's name in 'loc'); add an exception handler for "
                 "RequestValidationError that answers with the errors' 'msg' only.")


@register(reference=_app_reference, also_right=[_app_by_hand, _app_with_validators],
          mistakes=[_app_loose, _app_lax_numbers, _app_allows_extra, _app_allows_nan, _app_any_length, _app_echoes,
                    _app_allows_negative])
def make_app(fn) -> None:
    """Exercise 13.1: a FastAPI app whose POST /predict refuses every bad request with a short 4xx."""
    model = _penguin_model()
    client = _client(call(fn, model, label="make_app(model)"))
    with client:
        _check_good(client, model)
        _check_bad(client)
    passed("make_app", f"valid measurements get the model's answer; {len(BAD_REQUESTS)} kinds of bad request "
                       "each get a short 4xx")


# --------------------------------------------------------------------------------------------
# 13.2 score_folder
# --------------------------------------------------------------------------------------------

FILES, ROWS = 5, 12


class CheckCrash(RuntimeError):
    """The crash the check causes on purpose."""


class Unwritable:
    """A label that cannot be turned into text: writing it fails midway, as a full disk or a kill would."""

    def __str__(self) -> str:
        raise CheckCrash("the check's simulated crash while the output was being written")

    __repr__ = __format__ = lambda self, *args: self.__str__()  # noqa: E731


class FakeModel:
    """Labels by flipper length, records every row it scores, and crashes where the check tells it to."""

    def __init__(self, crash_scoring: float | None = None, crash_writing: float | None = None):
        self.crash_scoring, self.crash_writing = crash_scoring, crash_writing
        self.seen: list[float] = []  # bill depth of every row scored: it says which file the row came from

    def predict(self, rows):
        values = np.asarray(rows, dtype=float).reshape(-1, 3)
        if self.crash_scoring is not None and np.isclose(values[:, 0], self.crash_scoring).any():
            raise CheckCrash("the check's simulated crash while scoring")
        self.seen.extend(values[:, 0].tolist())
        labels = np.where(values[:, 1] > 205, "Gentoo", "Adelie").astype(object)
        if self.crash_writing is not None:
            labels[np.isclose(values[:, 0], self.crash_writing)] = Unwritable()
        return labels


def _bill(file: int, row: int) -> float:
    return round(13 + file + row / 100, 2)  # unique per row: tells the check which file a scored row came from


def _make_inputs(folder: Path) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(13)
    inputs = {}
    for number in range(FILES):
        frame = pd.DataFrame({"bill_depth_mm": [_bill(number, r) for r in range(ROWS)],
                              "flipper_length_mm": rng.integers(180, 230, ROWS).astype(float),
                              "body_mass_g": rng.integers(3000, 6000, ROWS).astype(float)})
        frame.to_csv(folder / f"sheet-{number}.csv", index=False)
        inputs[f"sheet-{number}.csv"] = frame
    return inputs


def _expected_species(frame: pd.DataFrame) -> list[str]:
    return np.where(frame["flipper_length_mm"] > 205, "Gentoo", "Adelie").tolist()


def _whole(path: Path, frame: pd.DataFrame) -> str | None:
    """What is wrong with an output file, or None when it holds every row with its species."""
    try:
        got = pd.read_csv(path)
    except Exception as error:  # an empty or torn file
        return f"cannot be read back ({type(error).__name__}: {str(error)[:60]})"
    if "species" not in got:
        return f"has columns {list(got.columns)}, no species column"
    if len(got) != len(frame):
        return f"holds {len(got)} of {len(frame)} rows"
    if got["species"].astype(str).tolist() != _expected_species(frame):
        return "holds other species than the model predicted, or in another order"
    return None


def _outputs_state(outputs: Path, inputs: dict[str, pd.DataFrame]) -> dict[str, str | None]:
    return {name: _whole(outputs / name, frame) for name, frame in inputs.items() if (outputs / name).exists()}


def _run_crashing(fn, model, inputs_dir: Path, outputs: Path) -> None:
    try:
        fn(model, inputs_dir, outputs)
    except CheckCrash:
        return
    except NotImplementedError:
        raise
    except Exception as error:  # e.g. the crash wrapped in another exception: still the crash
        if "simulated crash" not in str(error) and not isinstance(error.__cause__, CheckCrash):
            raise AssertionError(f"score_folder(model, inputs, outputs) raised {type(error).__name__}: {error}") from error


def _score_reference(model, inputs, outputs):
    outputs = Path(outputs)
    outputs.mkdir(parents=True, exist_ok=True)
    for source in sorted(Path(inputs).glob("*.csv")):
        target = outputs / source.name
        if target.exists():
            continue
        rows = pd.read_csv(source)
        scored = rows.assign(species=model.predict(rows[FEATURES]))
        descriptor, draft = tempfile.mkstemp(dir=outputs, prefix=f".{source.name}.", suffix=".part")
        try:
            with os.fdopen(descriptor, "w", newline="") as handle:
                scored.to_csv(handle, index=False)
            os.replace(draft, target)
        except BaseException:
            os.unlink(draft)
            raise


def _score_fixed_draft_name(model, inputs, outputs):
    """A draft with a fixed name next to the output, renamed with Path.replace."""
    Path(outputs).mkdir(parents=True, exist_ok=True)
    for source in sorted(Path(inputs).iterdir()):
        if source.suffix != ".csv" or (Path(outputs) / source.name).exists():
            continue
        rows = pd.read_csv(source)
        draft = Path(outputs) / (source.name + ".draft")
        pd.DataFrame({**{c: rows[c] for c in FEATURES}, "species": list(model.predict(rows.to_numpy()))}).to_csv(
            draft, index=False)
        draft.replace(Path(outputs) / source.name)


def _score_writes_in_place(model, inputs, outputs):
    """Writes each output under its final name: a crash while writing leaves a torn file that re-runs skip."""
    Path(outputs).mkdir(parents=True, exist_ok=True)
    for source in sorted(Path(inputs).glob("*.csv")):
        target = Path(outputs) / source.name
        if not target.exists():
            rows = pd.read_csv(source)
            rows.assign(species=model.predict(rows[FEATURES])).to_csv(target, index=False)


def _score_row_by_row(model, inputs, outputs):
    """Appends each row to the output as it is scored: a crash midway leaves part of the file."""
    Path(outputs).mkdir(parents=True, exist_ok=True)
    for source in sorted(Path(inputs).glob("*.csv")):
        target = Path(outputs) / source.name
        if target.exists():
            continue
        rows = pd.read_csv(source)
        with open(target, "w", encoding="utf-8") as handle:
            handle.write(",".join([*FEATURES, "species"]) + "\n")
            for values in rows[FEATURES].to_numpy():
                handle.write(",".join(map(str, values)) + f",{model.predict([values])[0]}\n")


def _score_everything_again(model, inputs, outputs):
    """Writes atomically but never skips: a re-run scores every file again."""
    Path(outputs).mkdir(parents=True, exist_ok=True)
    for source in sorted(Path(inputs).glob("*.csv")):
        rows = pd.read_csv(source)
        draft = Path(outputs) / f".{source.name}.part"
        rows.assign(species=model.predict(rows[FEATURES])).to_csv(draft, index=False)
        os.replace(draft, Path(outputs) / source.name)


def _score_keeps_the_draft_as_csv(model, inputs, outputs):
    """Renames a draft named `<name>.<random>.tmp.csv` into place, but leaves a crashed one: it looks like an output."""
    Path(outputs).mkdir(parents=True, exist_ok=True)
    for source in sorted(Path(inputs).glob("*.csv")):
        target = Path(outputs) / source.name
        if target.exists():
            continue
        rows = pd.read_csv(source)
        draft = Path(outputs) / f"{source.stem}.{uuid.uuid4().hex[:8]}.tmp.csv"
        rows.assign(species=model.predict(rows[FEATURES])).to_csv(draft, index=False)
        os.replace(draft, target)


def _score_cleans_up_in_place(model, inputs, outputs):
    """Writes under the final name and deletes the file if writing fails: no `except` runs when the job is killed."""
    Path(outputs).mkdir(parents=True, exist_ok=True)
    for source in sorted(Path(inputs).glob("*.csv")):
        target = Path(outputs) / source.name
        if target.exists():
            continue
        rows = pd.read_csv(source)
        try:
            rows.assign(species=model.predict(rows[FEATURES])).to_csv(target, index=False)
        except BaseException:
            target.unlink(missing_ok=True)
            raise


def _score_draft_in_tmp(model, inputs, outputs):
    """Writes the draft in the system's temporary folder and moves it: across file systems a move is a copy."""
    import shutil

    Path(outputs).mkdir(parents=True, exist_ok=True)
    for source in sorted(Path(inputs).glob("*.csv")):
        target = Path(outputs) / source.name
        if target.exists():
            continue
        rows = pd.read_csv(source)
        descriptor, draft = tempfile.mkstemp(suffix=".csv")
        with os.fdopen(descriptor, "w") as handle:
            rows.assign(species=model.predict(rows[FEATURES])).to_csv(handle, index=False)
        shutil.move(draft, target)


class _Watch:
    """What the learner's job does to the outputs folder, seen through Python's audit hooks (PEP 578).

    A check cannot kill the job at the worst moment, so it watches instead:
    an output opened for writing under its final name is torn by a kill at
    the wrong time, and a draft moved in from another folder is copied, not
    renamed, when that folder is on another file system.
    """

    outputs: Path | None = None
    names: frozenset = frozenset()
    in_place: set = set()
    moved_in: dict = {}


_WATCH = _Watch()
_HOOKED = []


def _writes(mode, flags) -> bool:
    if isinstance(mode, str):
        return any(c in mode for c in "wax+")
    return bool(isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))


def _audit(event: str, args: tuple) -> None:
    if _WATCH.outputs is None or event not in ("open", "os.rename"):
        return
    try:
        if event == "open" and not isinstance(args[0], int) and _writes(args[1], args[2]):
            path = Path(os.fsdecode(args[0])).resolve()
            if path.parent == _WATCH.outputs and path.name in _WATCH.names:
                _WATCH.in_place.add(path.name)
        elif event == "os.rename":
            source, target = (Path(os.fsdecode(a)).resolve() for a in args[:2])
            if target.parent == _WATCH.outputs and not source.is_relative_to(_WATCH.outputs):
                _WATCH.moved_in[target.name] = source.parent
    except (TypeError, ValueError, OSError):  # a path the hook cannot read is not one of ours
        pass


@contextlib.contextmanager
def _watching(outputs: Path, names):
    if not _HOOKED:
        sys.addaudithook(_audit)  # hooks cannot be removed; this one is idle outside the check
        _HOOKED.append(True)
    _WATCH.outputs, _WATCH.names, _WATCH.in_place, _WATCH.moved_in = outputs.resolve(), frozenset(names), set(), {}
    try:
        yield _WATCH
    finally:
        _WATCH.outputs = None


def _expect_drafts_next_to_outputs(watch: _Watch, first: dict) -> None:
    torn = {name: problem for name, problem in first.items() if problem}
    hint = ("Hint: write to a draft file in the outputs folder, then os.replace(draft, target): the rename is "
            "atomic, so the output appears whole or not at all.")
    if torn:
        name, problem = next(iter(torn.items()))
        fail(f"the check crashed the job while it wrote sheet-2.csv, and outputs/{name} {problem}; expected each "
             f"output whole or absent, whenever the job dies. {hint}")
    if watch.in_place:
        fail(f"the job opened outputs/{sorted(watch.in_place)[0]} for writing under its final name; expected each "
             "output to appear whole or not at all. A kill while it writes (a kill runs no `except` or `finally`) "
             f"leaves that file torn, and a re-run skips it as done. {hint}")
    if watch.moved_in:
        name, folder = next(iter(watch.moved_in.items()))
        fail(f"outputs/{name} was moved in from {folder}; expected drafts in the outputs folder itself. Hint: "
             "between two file systems a move is a copy, which a kill can tear; only a rename within one folder's "
             "file system is atomic (tempfile.mkstemp(dir=outputs)).")
    if not first:
        fail("after a first run that crashed at sheet-2.csv, outputs/ holds no output; expected sheet-0.csv and "
             "sheet-1.csv, scored before the crash. Hint: write each output as soon as its file is scored, into "
             "the `outputs` folder (create it if it is missing).")


@register(reference=_score_reference, also_right=[_score_fixed_draft_name],
          mistakes=[_score_writes_in_place, _score_row_by_row, _score_everything_again, _score_keeps_the_draft_as_csv,
                    _score_cleans_up_in_place, _score_draft_in_tmp])
def score_folder(fn) -> None:
    """Exercise 13.2: a batch job that leaves only whole outputs when it crashes, and a re-run that finishes it."""
    label = "score_folder(model, inputs, outputs)"
    with tempfile.TemporaryDirectory(prefix="check-13-2-") as scratch:
        inputs_dir, outputs = Path(scratch) / "inputs", Path(scratch) / "outputs"
        inputs_dir.mkdir()
        inputs = _make_inputs(inputs_dir)
        with _watching(outputs, inputs) as watch:
            try:
                # run 1 crashes while it writes sheet-2 (row 5), run 2 while it scores sheet-3 (row 7)
                _run_crashing(fn, FakeModel(crash_writing=_bill(2, 5)), inputs_dir, outputs)
                first = _outputs_state(outputs, inputs)
                _run_crashing(fn, FakeModel(crash_scoring=_bill(3, 7)), inputs_dir, outputs)
            except NotImplementedError as error:
                raise not_written(label, error) from error
            _expect_drafts_next_to_outputs(watch, first)
            before = {name: (outputs / name).stat().st_mtime_ns for name in first}
            finisher = FakeModel()
            call(fn, finisher, inputs_dir, outputs, label=label)
            _expect_drafts_next_to_outputs(watch, first)
        state = _outputs_state(outputs, inputs)
        again = sorted({name for name in first if any(np.isclose(_bill(int(name[6]), r), finisher.seen).any()
                                                      for r in range(ROWS))})
        rewritten = sorted(name for name in before if (outputs / name).stat().st_mtime_ns != before[name])
        extra = sorted(p.name for p in outputs.iterdir() if p.is_file() and not p.name.startswith(".")
                       and p.name not in inputs)
    missing = sorted(set(inputs) - set(state))
    if missing:
        fail(f"after the re-run, outputs/ has no {missing}; expected one output per input. Hint: the re-run must "
             "score every input that has no output yet.")
    if problems := {name: p for name, p in state.items() if p}:
        name, problem = next(iter(problems.items()))
        fail(f"after the re-run, outputs/{name} {problem}; expected every output whole. Hint: a re-run skips the "
             "outputs that exist, so one that a crash left half-written is never repaired: write atomically.")
    if again or rewritten:
        fail(f"the re-run scored {again or rewritten} again, which the first run had finished; expected it to skip "
             "every input whose output exists. Hint: `if target.exists(): continue` before scoring.")
    if extra:
        fail(f"outputs/ also holds {extra}, which are not outputs; expected only one file per input (drafts may "
             "stay hidden). Hint: give drafts a hidden name the next job will not read as an output (e.g. "
             "`.sheet-0.csv.part`), and delete a draft when writing it fails.")
    passed("score_folder", "a crash while scoring or writing leaves only whole outputs, and the re-run scores "
                           "only what is missing")


# --------------------------------------------------------------------------------------------
# 13.3 load_summary
# --------------------------------------------------------------------------------------------

KEYS = ("requests/s", "p50 ms", "p99 ms")
METHODS = ("inverted_cdf", "averaged_inverted_cdf", "closest_observation", "interpolated_inverted_cdf", "hazen",
           "weibull", "linear", "median_unbiased", "normal_unbiased", "lower", "higher", "midpoint", "nearest")


def _summary_reference(timings_s, wall_seconds):
    timings_ms = np.asarray(timings_s, dtype=float) * 1000
    return {"requests/s": len(timings_ms) / wall_seconds,
            "p50 ms": float(np.percentile(timings_ms, 50)), "p99 ms": float(np.percentile(timings_ms, 99))}


def _summary_sorted(timings_s, wall_seconds):
    ordered = sorted(t * 1000 for t in timings_s)
    n = len(ordered)
    rank = max(math.ceil(0.99 * n) - 1, 0)  # nearest rank
    middle = (ordered[(n - 1) // 2] + ordered[n // 2]) / 2
    return {"p99 ms": ordered[rank], "p50 ms": middle, "requests/s": n / wall_seconds}


def _summary_statistics(timings_s, wall_seconds):
    import statistics

    ms = [t * 1000 for t in timings_s]
    if len(ms) == 1:
        return {"requests/s": 1 / wall_seconds, "p50 ms": ms[0], "p99 ms": ms[0]}
    cuts = statistics.quantiles(ms, n=100, method="inclusive")
    return {"requests/s": len(ms) / wall_seconds, "p50 ms": statistics.median(ms), "p99 ms": cuts[98]}


def _summary_mean(timings_s, wall_seconds):
    """Reports the mean as p50: a slow tail pulls the mean up, the median stays put."""
    summary = _summary_reference(timings_s, wall_seconds)
    return {**summary, "p50 ms": float(np.mean(timings_s)) * 1000}


def _summary_max(timings_s, wall_seconds):
    """Reports the slowest request as p99: one outlier then decides the number."""
    return {**_summary_reference(timings_s, wall_seconds), "p99 ms": float(np.max(timings_s)) * 1000}


def _summary_seconds(timings_s, wall_seconds):
    """Leaves the percentiles in seconds, under keys that say milliseconds."""
    return {"requests/s": len(timings_s) / wall_seconds, "p50 ms": float(np.percentile(timings_s, 50)),
            "p99 ms": float(np.percentile(timings_s, 99))}


def _summary_summed_time(timings_s, wall_seconds):
    """Divides the count by the summed latencies: with 16 clients at once, that undercounts 16-fold."""
    return {**_summary_reference(timings_s, wall_seconds), "requests/s": len(timings_s) / float(np.sum(timings_s))}


def _summary_unsorted(timings_s, wall_seconds):
    """Takes the values halfway and 99 % along the list without sorting it first: two arbitrary requests."""
    ms = [t * 1000 for t in timings_s]
    return {"requests/s": len(ms) / wall_seconds, "p50 ms": ms[len(ms) // 2], "p99 ms": ms[int(0.99 * len(ms))]}


def _load_test(seed: int, n: int, clients: int):
    """Timings (s) of ``n`` requests from ``clients`` clients, with a slow tail, and the test's wall time."""
    rng = np.random.default_rng(seed)
    timings = rng.lognormal(np.log(0.004), 0.3, n)
    slow = rng.choice(n, max(n // 50, 1), replace=False)
    timings[slow] *= rng.uniform(5, 20, len(slow))  # 2 % of requests 5-20x slower: a tail that p99 must see
    return timings, float(timings.sum() / clients)


def _check_one(fn, timings, wall, label: str, as_list: bool) -> None:
    got = call(fn, list(timings) if as_list else timings, wall, label=label)
    if not isinstance(got, dict) or not set(KEYS) <= set(got):
        fail(f"{label} returned {describe(got)}; expected a dict with keys {list(KEYS)}. Hint: "
             "return {\"requests/s\": ..., \"p50 ms\": ..., \"p99 ms\": ...}.")
    if not all(is_number(got[key]) for key in KEYS):
        fail(f"{label} returned {{{', '.join(f'{k!r}: {describe(got[k])}' for k in KEYS)}}}; expected a number "
             "for each. Hint: convert numpy results with float().")
    ms = np.asarray(timings, dtype=float) * 1000
    expected_rate = len(ms) / wall
    if not math.isclose(got["requests/s"], expected_rate, rel_tol=1e-6):
        hint = ("you divided by the sum of the latencies; with many clients at once, the requests overlap, so "
                "divide the count by the wall-clock seconds of the test" if math.isclose(got["requests/s"], len(ms) / ms.sum() * 1000, rel_tol=1e-6)
                else "requests/s is the number of requests divided by the wall-clock seconds the test ran")
        fail(f"{label} gives requests/s {got['requests/s']:.1f} for {len(ms)} requests in {wall:.3f} s; expected "
             f"{expected_rate:.1f}. Hint: {hint}.")
    for key, q in (("p50 ms", 50), ("p99 ms", 99)):
        values = [float(np.percentile(ms, q, method=m)) for m in METHODS]
        low, high = min(values) * (1 - 1e-9), max(values) * (1 + 1e-9)
        if not low <= got[key] <= high:
            seconds = low / 1000 <= got[key] <= high / 1000
            hint = ("the timings are in seconds; multiply by 1000 for milliseconds" if seconds else
                    "the mean is not the median: a slow tail pulls it up" if q == 50 and math.isclose(got[key], ms.mean(), rel_tol=1e-6) else
                    "p99 is the latency 99 % of requests stay under, not the slowest one" if q == 99 and math.isclose(got[key], ms.max(), rel_tol=1e-6) else
                    "the value is above the slowest request: statistics.quantiles' default method ('exclusive') "
                    "extrapolates beyond the data on small samples; use method='inclusive' or np.percentile"
                    if got[key] > ms.max() * (1 + 1e-9) else
                    f"sort the timings first, then take the value {q} % of the way along (np.percentile(timings, {q}) "
                    "does both)")
            fail(f"{label} gives {key} {got[key]:.3f} for {len(ms)} timings; expected {np.percentile(ms, q):.3f} "
                 f"(any usual definition of the percentile gives {low:.3f} to {high:.3f}). Hint: {hint}.")


@register(reference=_summary_reference, also_right=[_summary_sorted, _summary_statistics],
          mistakes=[_summary_mean, _summary_max, _summary_seconds, _summary_summed_time, _summary_unsorted])
def load_summary(fn) -> None:
    """Exercise 13.3: requests/s, p50 and p99 in milliseconds from a load test's raw timings."""
    label = "load_summary(timings_s, wall_seconds)"
    for seed, n, clients in ((0, 1000, 16), (1, 300, 1), (2, 57, 4)):
        timings, wall = _load_test(seed, n, clients)
        _check_one(fn, timings, wall, label, as_list=seed == 1)
    _check_one(fn, np.array([0.0123]), 0.0123, label, as_list=False)  # one request: p50 = p99 = its time
    passed("load_summary", "requests/s from the wall time, p50 and p99 in ms, for 1 and 16 clients and one request")
