"""FAISS indexes and search: exact agreement with brute force, combined queries, the CLI."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from embeddings.artifacts.vectors import load_vectors
from embeddings.index import IndexFiles, build_indexes, make_index, read_index
from embeddings.runner import embed_model
from embeddings.search import Searcher, best_per_record, combine_queries
from hw_cli.app import app
from tests.embeddings.conftest import read_records


@pytest.fixture(scope="module")
def indexed(tmp_path_factory, ingested_study, tiny_model, encoder):
    """The small demo study embedded and indexed once for this module."""
    import shutil

    from heritage_weaver.workspace import Workspace

    root = tmp_path_factory.mktemp("indexed") / "study"
    shutil.copytree(ingested_study.root, root)
    shutil.copytree(tiny_model, root / "models" / "base")
    ws = Workspace.open(root)
    embed_model(ws, "base", encoder, batch_size=32)
    build_indexes(ws, "base")
    return ws


def _brute_force(ws, query, modality, collection, k):
    units, vectors = load_vectors(ws, "base", modality=modality, collection=collection)
    hits = units.assign(score=vectors @ query)
    return best_per_record(hits, k)


def test_one_index_per_modality_and_collection(indexed):
    units, _ = load_vectors(indexed, "base")
    for (modality, collection), group in units.groupby(["modality", "collection"]):
        index, mapping = read_index(IndexFiles.of(indexed, "base", modality, collection))
        assert index.ntotal == len(group) == len(mapping)
        assert mapping["unit_id"].tolist() == group["unit_id"].tolist()
    assert {row["state"] for row in build_indexes(indexed, "base")} == {"up to date"}


@pytest.mark.parametrize("modality", ["image", "text"])
@pytest.mark.parametrize("collection", [None, "nms"])
def test_search_matches_brute_force(indexed, encoder, modality, collection):
    searcher = Searcher(indexed, "base", encoder)
    rng = np.random.default_rng(3)
    for _ in range(3):
        query = combine_queries(rng.normal(size=64), None)
        found = searcher.search_vector(query, modality, collection, k=7)
        expected = _brute_force(indexed, query, modality, collection, 7)
        assert found["record_id"].tolist() == expected["record_id"].tolist()
        assert found["unit_id"].tolist() == expected["unit_id"].tolist()
        np.testing.assert_allclose(found["score"], expected["score"], atol=1e-5)
        assert found["record_id"].is_unique


def test_results_carry_names_and_images(indexed, encoder):
    records = read_records(indexed).set_index("record_id")
    found = Searcher(indexed, "base", encoder).search(text="telephone", modality="text", k=5)
    assert list(found.columns) == ["record_id", "collection", "name", "score", "image", "unit_id", "modality"]
    for row in found.itertuples():
        assert row.name == records.loc[row.record_id, "name"]
        assert row.image == (list(records.loc[row.record_id, "images"]) or [None])[0]
    assert found["score"].is_monotonic_decreasing


def test_combined_query_is_the_renormalised_weighted_mean():
    text, image = np.array([1.0, 0.0, 0.0]), np.array([0.0, 2.0, 0.0])
    np.testing.assert_allclose(combine_queries(text, image, 0.5), [np.sqrt(0.5), np.sqrt(0.5), 0.0], atol=1e-7)
    np.testing.assert_allclose(combine_queries(text, image, 0.75), np.array([3.0, 1.0, 0.0]) / np.sqrt(10), atol=1e-7)
    np.testing.assert_allclose(combine_queries(None, image), [0.0, 1.0, 0.0])
    with pytest.raises(ValueError, match="text_weight"):
        combine_queries(text, image, 1.5)
    with pytest.raises(ValueError, match="needs a text"):
        combine_queries(None, None)
    with pytest.raises(ValueError, match="zero"):
        combine_queries(text, -text, 0.5)


def test_text_and_image_search_combine(indexed, encoder):
    searcher = Searcher(indexed, "base", encoder)
    image = read_records(indexed).query("collection == 'nms'")["images"].iloc[0][0]
    both = searcher.search(text="steam engine", image=image, k=5, text_weight=0.3, modality="image")
    query = combine_queries(encoder.encode_texts(["steam engine"])[0], searcher.query_vector(image=image), 0.3)
    pd.testing.assert_frame_equal(both, searcher.search_vector(query, "image", None, 5))
    assert both["record_id"].tolist() == _brute_force(indexed, query, "image", None, 5)["record_id"].tolist()
    only_image = searcher.search(image=image, k=1)
    assert only_image.loc[0, "image"] == image and only_image.loc[0, "score"] == pytest.approx(1.0, abs=1e-4)


@pytest.mark.parametrize("kind", ["ivf", "hnsw"])
def test_approximate_indexes_find_the_nearest(kind):
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(2000, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = make_index(vectors, kind)
    _, rows = index.search(vectors[:50], 1)
    assert (rows[:, 0] == np.arange(50)).mean() >= 0.9  # a vector finds itself


def test_cli_search_json(indexed):
    result = CliRunner().invoke(
        app, ["search", "--study", str(indexed.root), "--text", "loom", "-k", "3", "--modality", "text", "--json"]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 3
    assert set(rows[0]) == {"record_id", "collection", "name", "score", "image", "unit_id", "modality"}
    assert {row["modality"] for row in rows} == {"text"}
    bad = CliRunner().invoke(app, ["search", "--study", str(indexed.root), "--image", "/no/such.jpg"])
    assert bad.exit_code == 1 and "file not found" in bad.output


WIDE = {"COLUMNS": "200"}


def test_cli_search_follows_the_indexes_that_exist(indexed, tmp_path):
    """A text query searches every modality indexed (merged by record); a study of texts alone is searched by text."""
    both = CliRunner().invoke(app, ["search", "--study", str(indexed.root), "--text", "loom", "-k", "5"], env=WIDE)
    assert both.exit_code == 0, both.output
    assert "base: text 'loom' (image and text units, merged by record)" in both.stdout
    text_only = tmp_path / "study"
    shutil.copytree(indexed.root, text_only)
    for path in (text_only / "indexes" / "base").glob("image-*"):
        path.unlink()
    found = CliRunner().invoke(app, ["search", "--study", str(text_only), "--text", "loom", "-k", "5"], env=WIDE)
    assert found.exit_code == 0, found.output
    assert "base: text 'loom' (text units)" in found.stdout
    as_json = CliRunner().invoke(app, ["search", "--study", str(text_only), "--text", "loom", "-k", "5", "--json"])
    assert [row["modality"] for row in json.loads(as_json.stdout)] == ["text"] * 5
    images = CliRunner().invoke(app, ["search", "--study", str(text_only), "--text", "loom", "--modality", "image"])
    assert images.exit_code == 1 and "no image indexes for model 'base'" in images.output
