"""mlcourse.export: the ONNX and int8 copies of a model give the same answers, and the table says so."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch
from torch import nn

from mlcourse import export
from mlcourse.data import load_mnist1d

# Largest logit difference allowed between torch and ONNX Runtime in float32. The logits
# reach about 50; float32 round-off alone moves them by up to 1.4e-5 (measured against a
# float64 forward pass), and torch itself differs by 1.5e-5 between a 1-row and a 1000-row
# call. 1e-4 leaves room for a different summation order, and is far below any difference
# that could change an argmax by more than a tie.
LOGIT_TOLERANCE = 1e-4
# Probabilities: the pipeline computes in float64, ONNX in float32 (measured: 5.2e-7).
PROBABILITY_TOLERANCE = 1e-5


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The four variants built in a fresh folder, with freshly trained weights, timed briefly."""
    folder = tmp_path_factory.mktemp("export")
    weights = folder / "weights.pt"
    table = export.compare_variants(folder, weights=weights, calls=20)
    return folder, weights, table.set_index("variant")


@pytest.fixture(scope="module")
def x_test() -> np.ndarray:
    return load_mnist1d()["x_test"].astype(np.float32)


def fp32_logits(weights, rows: np.ndarray) -> np.ndarray:
    return export.torch_predict(export.trained_mlp(weights))(rows)


def test_the_wide_mlp_has_288778_parameters_and_depends_only_on_its_seed():
    first, again, other = export.wide_mlp(0), export.wide_mlp(0), export.wide_mlp(1)
    assert sum(p.numel() for p in first.parameters()) == 288_778
    assert torch.equal(first[0].weight, again[0].weight)
    assert not torch.equal(first[0].weight, other[0].weight)


def test_the_trained_weights_file_loads_with_weights_only(built, x_test):
    _, weights, _ = built
    state = torch.load(weights, weights_only=True)
    assert set(state) == set(export.wide_mlp().state_dict())
    assert all(isinstance(value, torch.Tensor) for value in state.values())
    accuracy = np.mean(fp32_logits(weights, x_test).argmax(1) == load_mnist1d()["y_test"])
    assert accuracy > 0.6  # the paper's MLP reaches 68 %; chance is 10 %


def test_penguin_onnx_probabilities_match_predict_proba(tmp_path):
    result = export.compare_penguin_onnx(tmp_path)
    assert result["rows"] > 300
    assert result["max |Δ probability|"] < PROBABILITY_TOLERANCE
    assert result["same species"] == 1.0


def test_onnx_logits_agree_with_torch(built, x_test):
    folder, weights, _ = built
    session = export.onnx_session(folder / "mnist1d-mlp-fp32.onnx")
    largest, agrees = export.agreement(fp32_logits(weights, x_test), export.onnx_predict(session)(x_test))
    assert largest < LOGIT_TOLERANCE
    assert agrees >= 0.99


def test_onnx_file_is_one_file_with_a_dynamic_batch_dimension(built, x_test):
    folder, _, _ = built
    path = folder / "mnist1d-mlp-fp32.onnx"
    model = onnx.load(path, load_external_data=False)
    assert not any(t.data_location == onnx.TensorProto.EXTERNAL for t in model.graph.initializer)
    assert path.stat().st_size > 4 * 288_778  # the float32 weights are inside the file
    batch = model.graph.input[0].type.tensor_type.shape.dim[0]
    assert batch.dim_param and not batch.HasField("dim_value")
    predict = export.onnx_predict(export.onnx_session(path))
    assert predict(x_test[:1]).shape == (1, 10)
    assert predict(x_test[:256]).shape == (256, 10)


def test_int8_onnx_is_at_least_3x_smaller_and_agrees_with_fp32(built, x_test):
    folder, _, _ = built
    fp32, int8 = folder / "mnist1d-mlp-fp32.onnx", folder / "mnist1d-mlp-int8.onnx"
    assert fp32.stat().st_size >= 3 * int8.stat().st_size
    _, agrees = export.agreement(export.onnx_predict(export.onnx_session(fp32))(x_test),
                                 export.onnx_predict(export.onnx_session(int8))(x_test))
    assert agrees >= 0.95


def test_torch_int8_file_reloads_to_the_same_model(built, x_test):
    folder, weights, _ = built
    reloaded = export.torch_predict(export.load_torch_int8(folder / "mnist1d-mlp-int8.pt"))(x_test)
    fresh = export.torch_predict(export.quantize_torch(export.trained_mlp(weights)))(x_test)
    np.testing.assert_array_equal(reloaded, fresh)


def test_quantize_torch_leaves_the_float_model_unchanged(built):
    _, weights, _ = built
    model = export.trained_mlp(weights)
    export.quantize_torch(model)
    assert isinstance(model[0], nn.Linear) and model[0].weight.dtype == torch.float32


def test_the_table_has_the_four_variants_and_sane_values(built):
    _, _, table = built
    assert list(table.index) == list(export.VARIANTS)
    assert (table["file KB"] > 0).all()
    assert table.loc["torch fp32", "file KB"] >= 3 * table.loc["torch int8", "file KB"]
    assert ((0 < table["p50 ms"]) & (table["p50 ms"] <= table["p99 ms"]) & (table["p50 ms"] < 50)).all()
    assert (table["batch 256 ms/row"] > 0).all()
    assert table["accuracy"].between(0.6, 0.8).all()
    assert table.loc["torch fp32", "agrees with fp32"] == 1.0
    assert (table["agrees with fp32"] >= 0.95).all()
    assert table.loc["ONNX fp32", "max |Δ logit|"] < LOGIT_TOLERANCE


def test_timings_count_only_the_calls_after_the_warm_up_on_the_same_rows():
    seen = []
    rows = np.arange(10, dtype=np.float32).reshape(5, 2)
    seconds = export.timings(seen.append, rows, calls=7, warmup=3)
    assert seconds.shape == (7,) and (seconds >= 0).all()
    assert len(seen) == 10 and all(row.shape == (1, 2) for row in seen)
    assert [row[0, 0] for row in seen[:6]] == [0, 2, 4, 6, 8, 0]  # row i % 5, one at a time
    batches = []
    export.timings(batches.append, rows, calls=2, batch=3, warmup=1)
    assert all(chunk.shape == (3, 2) for chunk in batches)


def test_one_thread_restores_the_thread_count():
    before = torch.get_num_threads()
    with export.one_thread():
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
