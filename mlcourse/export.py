"""Smaller and faster: export a model to ONNX, run it with ONNX Runtime, quantize it to int8.

Lesson 13 uses this module to answer a deployment question with measurements:
what do we gain, and what do we risk, when the model we serve is not the torch
model we trained but a copy of it in another format or at lower precision?

* **ONNX** is a file format for a model's computation graph and weights that
  many runtimes read. ``torch.onnx.export`` writes one from a torch model and
  skl2onnx from a scikit-learn pipeline; **ONNX Runtime** runs it, without
  torch or scikit-learn installed on the server.
* **Dynamic int8 quantization** stores the weights of the linear layers as
  8-bit integers (a quarter of float32's size) and quantizes each layer's input
  on the fly. ONNX Runtime does it with
  ``onnxruntime.quantization.quantize_dynamic``; torch with
  ``torch.ao.quantization.quantize_dynamic`` (deprecated in favour of torchao's
  ``quantize_``, see :func:`quantize_torch`).
* A copy is only worth serving if it gives the same answers, so every variant
  is checked against the float32 torch model: the largest logit difference and
  the share of rows where the predicted class is the same.

:func:`compare_variants` builds the lesson's table: file size, single-row
latency (median and 99th percentile) and accuracy of each of the four variants
of a 288,778-parameter MLP for MNIST-1D. In practice, the same comparison is
done with ONNX Runtime's own tools (``onnxruntime_perf_test``) or Hugging Face
Optimum, and served with ONNX Runtime, Triton or TorchServe.
"""

from __future__ import annotations

import contextlib
import json
import logging
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import torch
from torch import nn

from mlcourse.course import STATE_DIR

if TYPE_CHECKING:
    import onnxruntime
    from sklearn.pipeline import Pipeline

MODELS_DIR = STATE_DIR / "models"
# The training recipe: Adam at 2e-3, batches of 100, 800 steps. It reaches the
# paper's MLP accuracy (about 68 % on the test set) in about 2 s on one thread.
STEPS, LEARNING_RATE, SEED = 800, 2e-3, 0
WEIGHTS_FILE = MODELS_DIR / f"mnist1d-mlp-512x2-adam{LEARNING_RATE:g}-{STEPS}steps-seed{SEED}.pt"
VARIANTS = ("torch fp32", "torch int8", "ONNX fp32", "ONNX int8")


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Run torch on one thread, then restore the thread count: timings on a shared machine stay comparable."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def wide_mlp(seed: int = SEED) -> nn.Sequential:
    """A plain MLP for MNIST-1D, 40 inputs, two hidden layers of 512 with ReLU, 10 classes (288,778 parameters).

    Much wider than the paper's MLP (15,210 parameters) on purpose: almost all
    of its weights sit in linear layers, which is what int8 quantization shrinks,
    and it is large enough for the differences in size and speed to show.
    The weights depend only on ``seed``.
    """
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(40, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))


def trained_mlp(path: Path | None = None) -> nn.Module:
    """The :func:`wide_mlp` trained on MNIST-1D, in eval mode; trained once and cached in ``path``.

    The cache holds only the ``state_dict`` (tensors, no code) and is read with
    ``weights_only=True``, so loading it cannot run code hidden in the file, as
    an arbitrary pickle could. Delete the file to train again (about 2 s).
    """
    from mlcourse import paper
    from mlcourse.data import load_mnist1d

    path = Path(path or WEIGHTS_FILE)
    model = wide_mlp()
    if not path.exists():
        data = load_mnist1d()
        with one_thread():
            paper.train(model, data["x"], data["y"], STEPS, seed=SEED, lr=LEARNING_RATE, batch_size=100)
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save(model.state_dict(), path)
    model.load_state_dict(torch.load(path, weights_only=True))
    return model.eval()


@contextlib.contextmanager
def _quiet_onnx_export() -> Iterator[None]:
    """Silence what ``torch.onnx.export`` says that a learner can do nothing about, and only that.

    * The exporter's registry logs one warning per torchvision operator it
      skips because torchvision is not installed (we use none of them).
    * torch 2.13's exporter deep-copies a pytree spec and so triggers torch's
      own ``FutureWarning`` about ``LeafSpec``: torch's usage, not ours.
    """
    registry = logging.getLogger("torch.onnx._internal.exporter._registration")
    level = registry.level
    registry.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"`isinstance\(treespec, LeafSpec\)` is deprecated",
                                    category=FutureWarning)
            yield
    finally:
        registry.setLevel(level)


def torch_to_onnx(model: nn.Module, path: Path) -> Path:
    """Write ``model`` (40 inputs) to one ONNX file whose batch dimension is free; return its path.

    torch 2.13's exporter traces the model with ``torch.export`` (the "dynamo"
    exporter) and translates the graph with onnxscript. ``dynamic_shapes``
    marks the first dimension as a variable, so the same file scores 1 row or
    256; without it the file would only accept the example's shape.
    ``external_data=False`` keeps the weights inside the file (one file to copy).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    example = torch.zeros(2, 40)  # 2, not 1: torch.export treats a size of 1 as fixed
    with _quiet_onnx_export():
        torch.onnx.export(model.eval(), (example,), path, input_names=["x"], output_names=["logits"],
                          dynamic_shapes=({0: torch.export.Dim("batch")},), external_data=False, verbose=False)
    return path


def sklearn_to_onnx(pipeline: Pipeline, path: Path) -> Path:
    """Write a scikit-learn classifier pipeline on 3 float features to ONNX with skl2onnx; return the path.

    The input is float32 of shape ``[None, 3]`` (any number of rows). The
    ``zipmap=False`` option makes the probabilities an array, one column per
    class, instead of a list of {class: probability} dicts, which is faster and
    compares directly with ``predict_proba``. The class names go into the
    file's metadata (``classes``), so the course's server can serve the file
    with ONNX Runtime alone (``python -m mlcourse.serving --model FILE.onnx``).
    """
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import FloatTensorType

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx_model = to_onnx(pipeline, initial_types=[("features", FloatTensorType([None, 3]))],
                         options={id(pipeline): {"zipmap": False}})
    # the class names, in the order of the probability columns, for a server that has no scikit-learn object
    onnx_model.metadata_props.add(key="classes", value=json.dumps([str(c) for c in pipeline.classes_]))
    path.write_bytes(onnx_model.SerializeToString())
    return path


def onnx_session(path: Path) -> onnxruntime.InferenceSession:
    """An ONNX Runtime session on the CPU with one thread for operators and one between them.

    One thread each, like torch here, so the comparison is about the runtime
    and not about how many cores each one grabbed on a shared machine.
    """
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def quantize_onnx(src: Path, dst: Path) -> Path:
    """Write an int8 copy of the ONNX model ``src`` to ``dst`` with ONNX Runtime's dynamic quantization.

    Weights of the matrix multiplications are stored as int8 with a scale per
    tensor; activations are quantized at run time from their observed range, so
    no calibration data is needed (that is what "dynamic" means). First comes
    the pre-processing ONNX Runtime recommends (shape inference and graph
    optimisation, ``quant_pre_process``), into a temporary file.
    """
    from onnxruntime.quantization import QuantType, quant_pre_process, quantize_dynamic

    Path(dst).parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        prepared = Path(scratch) / "prepared.onnx"
        quant_pre_process(Path(src), prepared)
        quantize_dynamic(prepared, Path(dst), weight_type=QuantType.QInt8)
    return Path(dst)


def quantize_torch(model: nn.Module) -> nn.Module:
    """An int8 copy of ``model`` whose ``nn.Linear`` layers are dynamically quantized; ``model`` is unchanged.

    ``torch.ao.quantization.quantize_dynamic`` still works in torch 2.13 but is
    deprecated: the supported path is torchao's ``quantize_(model,
    Int8DynamicActivationInt8WeightConfig())``. torchao is not in the course's
    environment, so this uses the deprecated function and silences the two
    warnings it raises: its ``DeprecationWarning`` (which names 2.10, already
    past, as the release that removes it) and the ``UserWarning`` that torch's
    own quantized layers trigger by calling ``torch.quantize_per_tensor``.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="torch.ao.quantization is deprecated", category=DeprecationWarning)
        warnings.filterwarnings("ignore", message="torch.quantize_per_tensor, torch.quantize_per_channel",
                                category=UserWarning)
        return torch.ao.quantization.quantize_dynamic(model.eval(), {nn.Linear}, dtype=torch.qint8)


def load_torch_int8(path: Path) -> nn.Module:
    """The int8 :func:`wide_mlp` saved (as its ``state_dict``) in ``path``, read with ``weights_only=True``.

    A quantized ``state_dict`` only fits a model of the same quantized layers,
    so the model is rebuilt with :func:`quantize_torch` first. Reading quantized
    tensors makes torch warn about its own use of ``TypedStorage``; that is
    silenced.
    """
    model = quantize_torch(wide_mlp())
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="TypedStorage is deprecated", category=UserWarning)
        model.load_state_dict(torch.load(path, weights_only=True))
    return model.eval()


def torch_predict(model: nn.Module) -> Callable[[np.ndarray], np.ndarray]:
    """``model`` as a function from a float32 array of rows to an array of logits (what a server calls)."""
    def predict(rows: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return model(torch.from_numpy(rows)).numpy()
    return predict


def onnx_predict(session: onnxruntime.InferenceSession) -> Callable[[np.ndarray], np.ndarray]:
    """An ONNX Runtime session as a function from a float32 array of rows to its first output."""
    name = session.get_inputs()[0].name
    return lambda rows: session.run(None, {name: rows})[0]


def agreement(reference: np.ndarray, other: np.ndarray) -> tuple[float, float]:
    """The largest absolute difference between two arrays of scores, and the share of rows with the same argmax.

    The first says how close the numbers are; the second whether it matters:
    a copy of the model that changes the predicted class on some rows gives
    different answers, however small its numeric differences look.
    """
    return float(np.max(np.abs(reference - other))), float(np.mean(reference.argmax(1) == other.argmax(1)))


def timings(predict: Callable[[np.ndarray], object], rows: np.ndarray, calls: int = 300, batch: int = 1,
            warmup: int = 30) -> np.ndarray:
    """Seconds taken by each of ``calls`` calls of ``predict`` on ``batch`` rows, after ``warmup`` calls not counted.

    Call ``i`` scores the ``batch`` rows from row ``i * batch`` on (wrapping
    round), so every variant timed on the same ``rows`` sees the same inputs
    in the same order. The warm-up absorbs one-off costs (memory allocation,
    lazy initialisation) that a server pays once, not per request.
    """
    starts = [(i * batch) % (len(rows) - batch + 1) for i in range(warmup + calls)]
    seconds = np.empty(calls)
    for i, first in enumerate(starts):
        chunk = rows[first:first + batch]
        start = time.perf_counter()
        predict(chunk)
        if i >= warmup:
            seconds[i - warmup] = time.perf_counter() - start
    return seconds


def build_variants(folder: Path, weights: Path | None = None) -> dict[str, tuple[Path, Callable]]:
    """The four variants of the trained MLP, each saved in ``folder``: {name: (file, predict)}.

    Torch variants are saved as their ``state_dict`` file, ONNX variants as
    their ``.onnx`` file; ``predict`` maps float32 rows to logits.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    model = trained_mlp(weights)
    int8_model = quantize_torch(model)
    files = [folder / name for name in ("mnist1d-mlp-fp32.pt", "mnist1d-mlp-int8.pt",
                                        "mnist1d-mlp-fp32.onnx", "mnist1d-mlp-int8.onnx")]
    torch.save(model.state_dict(), files[0])
    torch.save(int8_model.state_dict(), files[1])
    quantize_onnx(torch_to_onnx(model, files[2]), files[3])
    predicts = [torch_predict(model), torch_predict(int8_model),
                onnx_predict(onnx_session(files[2])), onnx_predict(onnx_session(files[3]))]
    return dict(zip(VARIANTS, zip(files, predicts, strict=True), strict=True))


def measure(predict: Callable[[np.ndarray], np.ndarray], x: np.ndarray, y: np.ndarray, reference: np.ndarray,
            calls: int = 300) -> dict[str, float]:
    """One row of the lesson's table for ``predict`` (see :func:`compare_variants` for the columns)."""
    logits = predict(x)
    single = timings(predict, x, calls=calls)
    batched = timings(predict, x, calls=max(calls // 10, 5), batch=256, warmup=3)
    largest, agrees = agreement(reference, logits)
    return {"p50 ms": np.median(single) * 1e3, "p99 ms": np.quantile(single, 0.99) * 1e3,
            "batch 256 ms/row": np.median(batched) * 1e3 / 256, "accuracy": float(np.mean(logits.argmax(1) == y)),
            "agrees with fp32": agrees, "max |Δ logit|": largest}


def compare_variants(folder: Path | None = None, weights: Path | None = None, calls: int = 300) -> pd.DataFrame:
    """The lesson's table: the MLP in torch and ONNX, float32 and int8, with file size, latency and accuracy.

    The four model files go to ``folder`` (default ``.course/models``);
    ``weights`` is the cache of the trained MLP (see :func:`trained_mlp`).
    Columns: ``file KB``, the saved file's size; ``p50 ms`` and ``p99 ms``,
    the median and 99th percentile of :func:`timings` on single rows of the
    test set, the same rows for every variant; ``batch 256 ms/row``, the median
    time of one call on 256 rows divided by 256 (what batching requests buys);
    ``accuracy`` on the 1,000 test rows; ``agrees with fp32``, the share of
    test rows where the variant predicts the same class as torch fp32, and
    ``max |Δ logit|``, its largest logit difference to torch fp32.
    """
    from mlcourse.data import load_mnist1d

    data = load_mnist1d()
    x_test, y_test = data["x_test"].astype(np.float32), data["y_test"]
    with one_thread():
        variants = build_variants(Path(folder or MODELS_DIR), weights)
        reference = variants["torch fp32"][1](x_test)
        rows = [{"variant": name, "file KB": round(file.stat().st_size / 1024),
                 **measure(predict, x_test, y_test, reference, calls)}
                for name, (file, predict) in variants.items()]
    return pd.DataFrame(rows)


def penguin_rows() -> np.ndarray:
    """The three measurements of every complete penguin row, as float64 (what the pipeline was fitted on)."""
    from mlcourse.train import FEATURES, load_table

    return load_table()[0][FEATURES].to_numpy(float)


def onnx_predict_proba(session: onnxruntime.InferenceSession, rows: np.ndarray) -> np.ndarray:
    """Class probabilities from an skl2onnx classifier session (output ``probabilities``), rows as float32."""
    return session.run(["probabilities"], {"features": np.asarray(rows, dtype=np.float32)})[0]


def compare_penguin_onnx(folder: Path | None = None) -> dict[str, float]:
    """Convert the course's penguin classifier to ONNX and compare its probabilities with ``predict_proba``.

    Returns the largest absolute probability difference over all penguin rows
    and the share of rows with the same predicted species. The ONNX model
    computes in float32, scikit-learn in float64, so the difference is not 0,
    but it should be far below anything that changes an answer.
    """
    from mlcourse.serving import ensure_model, load_model

    pipeline = load_model(ensure_model())
    path = sklearn_to_onnx(pipeline, Path(folder or MODELS_DIR) / "penguin-species.onnx")
    rows = penguin_rows()
    largest, agrees = agreement(pipeline.predict_proba(rows), onnx_predict_proba(onnx_session(path), rows))
    return {"rows": len(rows), "max |Δ probability|": largest, "same species": agrees}
