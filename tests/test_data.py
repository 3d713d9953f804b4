"""Bundled data: recorded in data/README.md, verified by hash, never downloaded."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from mlcourse import data
from mlcourse.errors import CourseError


def test_every_bundled_file_is_recorded_with_source_license_and_matching_hash():
    entries = data.manifest()
    assert entries, "data/README.md lists no files"
    for name, entry in entries.items():
        assert entry.source and entry.license and entry.what, name
        assert data.sha256(data.DATA_DIR / name) == entry.sha256, f"{name}: update its SHA-256 in data/README.md"
    assert data.problems() == []


def test_every_file_in_data_is_recorded():
    on_disk = {p.name for p in data.DATA_DIR.iterdir() if p.is_file() and p.name != "README.md"}
    assert on_disk <= set(data.manifest())


def test_penguins_load_with_their_real_missing_values():
    penguins = data.load_penguins()
    assert penguins.shape == (344, 8)
    assert penguins["sex"].isna().sum() == 11 and penguins["bill_length_mm"].isna().sum() == 2


@pytest.fixture
def data_copy(tmp_path):
    shutil.copytree(data.DATA_DIR, tmp_path / "data")
    return tmp_path / "data"


def test_a_damaged_file_is_refused_with_a_fix(data_copy):
    (data_copy / "penguins.csv").write_text("species\nAdelie\n", encoding="utf-8")
    with pytest.raises(CourseError, match="does not match its SHA-256.*git checkout"):
        data.load_penguins(data_copy)
    assert data.problems(data_copy) == ["penguins.csv does not match its SHA-256 in data/README.md (changed or damaged)"]


def test_a_missing_or_unlisted_file_is_refused(data_copy):
    (data_copy / "penguins.csv").unlink()
    with pytest.raises(CourseError, match="missing"):
        data.load_penguins(data_copy)
    with pytest.raises(CourseError, match="not listed"):
        data.path("secret.csv", data_copy)


def test_customer_batch_is_regenerated_byte_for_byte_by_its_seeded_generator():
    committed = (data.DATA_DIR / "customer_batch.csv").read_text(encoding="utf-8")
    assert data.customer_batch_csv() == committed == data.customer_batch_csv()


@pytest.mark.parametrize("version", data.API_VERSIONS)
def test_api_responses_are_regenerated_byte_for_byte_from_the_penguins(version):
    committed = (data.DATA_DIR / f"penguin_survey_api_v{version}.json").read_text(encoding="utf-8")
    assert data.api_response_json(version) == committed


def test_field_notes_are_regenerated_byte_for_byte_and_hold_one_email_per_penguin():
    committed = (data.DATA_DIR / data.FIELD_NOTES_FILE).read_text(encoding="utf-8")
    assert data.field_notes_csv() == committed
    notes = pd.read_csv(data.path(data.FIELD_NOTES_FILE))
    assert len(notes) == len(data.load_penguins()) and notes["observer_email"].str.contains("@").all()
    assert notes["observer_email"].str.strip().str.lower().nunique() == 8 < notes["observer_email"].nunique()


def test_api_version_2_renames_the_mass_into_kilograms_and_recodes_sex():
    old, new = (data.load_api_response(v) for v in data.API_VERSIONS)
    assert old != new and "body_mass_kg" in str(new) and "body_mass_g" not in str(new)


def test_customer_batch_holds_every_planted_problem():
    batch = data.load_customer_batch()
    assert "culmen_length_mm" in batch and "bill_length_mm" not in batch and "sex" not in batch
    assert batch.flipper_length_mm.str.endswith(" mm").all() and batch.body_mass_g.max() < 10
    assert (batch.island == "Anvers").sum() == 3 and (batch.bill_depth_mm < 0).sum() == 2
    assert batch.bill_depth_mm.isna().mean() > 0.25


def test_pretrained_backbone_is_retrained_as_good_as_the_committed_one():
    """Bytes match only on the same kind of processor (torch picks AVX2 or AVX-512 kernels, and 2000
    steps amplify their rounding), so what is checked is what lesson 11 relies on: the accuracy."""
    import torch

    from mlcourse import paper, transfer

    arrays = data.load_mnist1d()
    x, y = transfer.classes_subset(arrays["x_test"], arrays["y_test"], transfer.SOURCE_CLASSES)
    rebuilt = transfer.pretrain_backbone(arrays)
    committed = paper.CNN(classes=len(transfer.SOURCE_CLASSES))
    committed.load_state_dict(torch.load(data.DATA_DIR / transfer.BACKBONE_FILE, weights_only=True))
    ours, theirs = paper.accuracy(rebuilt, x, y), paper.accuracy(committed, x, y)
    assert theirs > 0.85 and abs(ours - theirs) < 0.03, (ours, theirs)


def test_mnist1d_is_generated_locally_with_the_papers_split_and_fingerprint(tmp_path):
    arrays = data.load_mnist1d(cache_dir=tmp_path)
    assert arrays["x"].shape == (4000, 40) and arrays["x_test"].shape == (1000, 40)
    assert data.mnist1d_digest(arrays) == data.MNIST1D_SHA256
    assert data.mnist1d_digest(data.load_mnist1d(cache_dir=tmp_path)) == data.MNIST1D_SHA256  # from the cache


def test_a_damaged_mnist1d_cache_is_regenerated_not_trusted(tmp_path):
    data.load_mnist1d(cache_dir=tmp_path)
    [cache] = tmp_path.glob("*.npz")
    import numpy as np

    with np.load(cache) as stored:
        arrays = {k: stored[k] for k in stored.files}
    arrays["x"][0, 0] += 1
    np.savez(cache, **arrays)
    assert data.mnist1d_digest(data.load_mnist1d(cache_dir=tmp_path)) == data.MNIST1D_SHA256


def test_mnist1d_loads_where_the_cache_cannot_be_written(tmp_path):
    """The grader's sandbox makes the course read-only: the data is then generated, not cached."""
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    assert data.mnist1d_digest(data.load_mnist1d(cache_dir=blocked / "cache")) == data.MNIST1D_SHA256
