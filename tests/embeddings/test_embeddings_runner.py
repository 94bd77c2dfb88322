"""The embedding runner: vectors round-trip, failures recorded and reconciled, idempotent re-runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from embeddings.artifacts.vectors import ModelStore, load_vectors
from embeddings.runner import embed_model
from embeddings.units import split_sentences
from heritage_weaver.artifacts import ArtifactError
from heritage_weaver.decode import open_rgb
from ingest.artifacts import RECORDS
from tests.embeddings.conftest import read_records, set_embedding_options, write_records

BROKEN = ("zero_byte", "corrupt", "bad_jpeg", "truncated", "oversized")
UNUSUAL = ("cmyk", "palette_alpha", "grey_alpha", "sixteen_bit")


def _snapshot(ws) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for p in ws.path("embeddings").rglob("*") if p.is_file()}


def test_vectors_round_trip_and_rerun_does_nothing(small_study, encoder):
    summary = embed_model(small_study, "base", encoder, batch_size=8)
    units, vectors = load_vectors(small_study, "base")
    assert summary.reconciles and summary.failed == 0
    assert summary.units == summary.embedded == summary.embedded_this_run == len(units) == len(vectors)
    assert units["unit_id"].is_unique and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)

    texts = units["modality"] == "text"
    np.testing.assert_allclose(
        vectors[texts.to_numpy()], encoder.encode_texts(units.loc[texts, "text"].tolist()), atol=1e-5
    )
    images = units[~texts].head(4)
    expected = encoder.encode_images([open_rgb(p, 32) for p in images["image"]])
    np.testing.assert_allclose(vectors[images.index.to_numpy()], expected, atol=1e-5)

    before = _snapshot(small_study)
    again = embed_model(small_study, "base", encoder, batch_size=8)
    assert (again.embedded_this_run, again.failed_this_run) == (0, 0)
    assert _snapshot(small_study) == before


def test_filters_and_manifest_per_shard(small_study, encoder):
    small_study = set_embedding_options(small_study, shard_size=16)
    embed_model(small_study, "base", encoder, batch_size=8)
    units, _ = load_vectors(small_study, "base", modality="image", collection="nms")
    assert len(units) > 0 and set(units["modality"]) == {"image"} and set(units["collection"]) == {"nms"}
    store = ModelStore.of(small_study, "base")
    shards = store.committed_shards()
    assert len(shards) > 1
    manifest = small_study.manifest()
    for number in shards:
        entry = manifest[small_study.relative(store.shard_path(number, ".npy"))]
        assert entry["weights_hash"] == encoder.weights_hash == store.shard_metadata(number)["weights_hash"]
        assert (entry["model_id"], entry["dtype"], entry["device"]) == (encoder.model_id, "float32", "cpu")


def test_bad_inputs_are_recorded_and_counts_reconcile(small_study, encoder, awkward_images):
    records = read_records(small_study)
    extra = pd.DataFrame(
        {
            "record_id": ["bad1", "bad2", "odd1"],
            "collection": ["smg", "nms", "smg"],
            "name": ["", "Broken things", "Odd"],
            "description": ["Has an empty name.", "", ""],
            "images": [
                [str(awkward_images[n]) for n in BROKEN[:2]],
                [str(awkward_images[n]) for n in BROKEN[2:]] + ["https://example.org/never-fetched.jpg"],
                [str(awkward_images[n]) for n in UNUSUAL],
            ],
            "category": None,
            "taxonomy": None,
            "source_file": "x",
            "source_position": 0,
        }
    )
    write_records(small_study, pd.concat([records, extra], ignore_index=True))
    summary = embed_model(small_study, "base", encoder, batch_size=4)

    failures = ModelStore.of(small_study, "base").read_failures().set_index("unit_id")
    expected = {
        "bad1#name": "empty text",
        "bad1#img0": "empty file",
        "bad1#img1": "not a readable image",
        "bad2#img0": "corrupt or truncated",
        "bad2#img1": "corrupt or truncated",
        "bad2#img2": "oversized",
        "bad2#img3": "image not fetched",
    }
    assert set(failures.index) == set(expected)
    for unit_id, reason in expected.items():
        assert failures.loc[unit_id, "reason"].startswith(reason), (unit_id, failures.loc[unit_id, "reason"])
        assert failures.loc[unit_id, "record_id"] == unit_id.split("#")[0]
    units, _ = load_vectors(small_study, "base")
    assert {f"odd1#img{i}" for i in range(len(UNUSUAL))} <= set(units["unit_id"])
    assert summary.failed == summary.failed_this_run == len(expected)
    assert summary.units == summary.embedded + summary.failed == len(units) + len(failures)

    rerun = embed_model(small_study, "base", encoder, batch_size=4)
    assert (rerun.embedded_this_run, rerun.failed_this_run, rerun.failed) == (0, 0, len(expected))
    retried = embed_model(small_study, "base", encoder, batch_size=4, retry_failures=True)
    assert retried.failed_this_run == len(expected) and retried.reconciles


def test_changed_text_is_reembedded_and_float16_storage(small_study, encoder):
    small_study = set_embedding_options(small_study, dtype="float16")
    embed_model(small_study, "base", encoder, batch_size=8)
    records = read_records(small_study)
    records.loc[0, "name"] = "A completely different name"
    write_records(small_study, records)
    summary = embed_model(small_study, "base", encoder, batch_size=8)
    assert summary.embedded_this_run == 1 and summary.reconciles
    units, vectors = load_vectors(small_study, "base", modality="text")
    row = units.index[units["unit_id"] == f"{records.loc[0, 'record_id']}#name"][0]
    assert units.loc[row, "text"] == "A completely different name"
    np.testing.assert_allclose(vectors[row], encoder.encode_texts(["A completely different name"])[0], atol=2e-3)
    store = ModelStore.of(small_study, "base")
    assert np.load(store.shard_path(0, ".npy")).dtype == np.float16


def test_new_weights_discard_old_vectors(small_study, encoder):
    embed_model(small_study, "base", encoder, batch_size=8)
    other = type(encoder)(**{**vars(encoder), "weights_hash": "0123456789abcdef"})
    summary = embed_model(small_study, "base", other, batch_size=8)
    assert summary.restarted and summary.embedded_this_run == summary.units
    assert {
        ModelStore.of(small_study, "base").shard_metadata(n)["weights_hash"]
        for n in ModelStore.of(small_study, "base").committed_shards()
    } == {"0123456789abcdef"}


def test_missing_records_is_a_clear_error(small_study, encoder):
    RECORDS.location(small_study).unlink()
    with pytest.raises(ArtifactError, match="run `hw ingest` first"):
        embed_model(small_study, "base", encoder, batch_size=8)


def test_a_repeated_sentence_is_embedded_once_and_counted(small_study, encoder):
    records = read_records(small_study)
    record_id = records["record_id"].iloc[0]
    records.loc[records.index[0], "description"] = "Made of brass. Made of brass.  MADE OF BRASS!"
    write_records(small_study, records)
    summary = embed_model(small_study, "base", encoder, batch_size=8)
    units, _ = load_vectors(small_study, "base")
    assert units.loc[units["record_id"] == record_id, "text"].tolist()[-1:] == ["Made of brass."]
    sentences = sum(len(parts) for parts in split_sentences(records["description"].fillna("").tolist()))
    assert summary.repeats == sentences - (units["kind"] == "sentence").sum() >= 2
    entry = small_study.manifest()[small_study.relative(ModelStore.of(small_study, "base").units_path)]
    assert entry["repeats_left_out"] == summary.repeats
