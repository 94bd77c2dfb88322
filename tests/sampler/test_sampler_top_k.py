"""The top-k link rule against brute force: every record's k best records of the other collection."""

import numpy as np
import pandas as pd
import pytest
import torch
from sampler_fakes import COMPARISONS, MODELS, brute_force_scores
from test_sampler_pipeline import BATCH_COLUMNS, _reference, _run, _settings

from sampler.pipeline import run_sample
from sampler.recompute import StripScores
from sampler.sides import block_edges, build_side
from sampler.spill import ScoreGrid
from sampler.top_k import best_in_block, pack, pair_scores, top_k_links, unpack


def expected_links(scores: pd.DataFrame, k: int, direction: str) -> set[tuple[str, str]]:
    """Brute force: sort each record's scores (ties: the lower position first) and keep the first k."""
    matrix = scores.to_numpy()
    pairs: set[tuple[str, str]] = set()
    if direction in ("both", "a_to_b"):
        for i, best in enumerate(np.argsort(-matrix, axis=1, kind="stable")[:, :k]):
            pairs |= {(scores.index[i], scores.columns[j]) for j in best}
    if direction in ("both", "b_to_a"):
        for j, best in enumerate(np.argsort(-matrix, axis=0, kind="stable")[:k].T):
            pairs |= {(scores.index[i], scores.columns[j]) for i in best}
    return pairs


@pytest.fixture
def uneven_vectors(study_vectors):
    """Record b003 has no image units in ft-best only: an empty record inside the other models' order."""
    units, vectors = study_vectors[("ft-best", "image", "b")]
    keep = (units["record_id"] != "b003").to_numpy()
    study_vectors[("ft-best", "image", "b")] = (units[keep].reset_index(drop=True), vectors[keep])
    return study_vectors


@pytest.mark.parametrize("direction", ["both", "a_to_b", "b_to_a"])
@pytest.mark.parametrize("block_size", [3, 4096])
def test_links_equal_brute_force_for_max_and_mean(uneven_vectors, tmp_path, direction, block_size):
    result = _run(uneven_vectors, tmp_path, link_rule="top_k", top_k=3, direction=direction, block_size=block_size)
    links = result.links.to_pandas().set_index(["record_a", "record_b"])
    thresholds = result.thresholds.set_index(["comparison", "model"])
    assert {c.aggregation for c in COMPARISONS} == {"max", "mean"}
    for comparison in COMPARISONS:
        for model in MODELS:
            scores = brute_force_scores(*_reference(uneven_vectors, model, comparison), comparison.aggregation)
            expected = expected_links(scores, 3, direction)
            flagged = links[links[f"link.{comparison.name}.{model}"]]
            assert set(flagged.index) == expected
            row = thresholds.loc[(comparison.name, model)]
            assert row["rule"] == "top_k" and row["top_k"] == 3 and row["direction"] == direction
            assert row["links"] == len(expected)
            linked_scores = scores.stack().loc[list(expected)]
            assert row["threshold"] == pytest.approx(linked_scores.min(), abs=1e-6)
            np.testing.assert_allclose(
                flagged[f"score.{comparison.name}.{model}"], scores.stack().loc[list(flagged.index)], atol=1e-6
            )
    # every pair in links.parquet is some model's link in some comparison
    flags = links[[f"link.{c.name}.{m}" for c in COMPARISONS for m in MODELS]]
    assert flags.any(axis=1).all()


def test_a_record_without_units_in_one_model_gets_no_links_from_it(uneven_vectors, tmp_path):
    result = _run(uneven_vectors, tmp_path, link_rule="top_k", top_k=3)
    links = result.links.to_pandas()
    with_b003 = links[links["record_b"] == "b003"]
    assert not with_b003["link.image-image.ft-best"].any()
    assert with_b003["score.image-image.ft-best"].isna().all()
    assert with_b003["link.image-image.base"].any()


def test_per_record_link_counts_follow_k(study_vectors, tmp_path):
    result = _run(study_vectors, tmp_path, link_rule="top_k", top_k=2, direction="a_to_b")
    links = result.links.to_pandas()
    flagged = links[links["link.text-text.base"]]
    assert flagged.groupby("record_a").size().eq(2).all() and flagged["record_a"].nunique() == 30
    result = _run(study_vectors, tmp_path, link_rule="top_k", top_k=50, direction="b_to_a")
    counts = result.thresholds.set_index(["comparison", "model"])["links"]
    assert (counts.loc["text-text"] == 30 * 12).all()  # k above the collection size: every pair


def test_batches_and_strata_work_unchanged(study_vectors, tmp_path):
    result = _run(study_vectors, tmp_path, link_rule="top_k", top_k=2)
    assert len(result.link_types) == 15
    for batch in result.batches.values():
        assert list(batch.columns[:10]) == BATCH_COLUMNS and len(batch) == 12 + 2
        controls = batch[batch["is_control"]]
        assert not controls[[c for c in batch.columns if c.startswith("link.")]].to_numpy().any()
        assert controls[[c for c in batch.columns if c.startswith("score.")]].notna().to_numpy().any()
    assert result.shortfalls.empty


def test_ties_go_to_the_lower_position_whatever_the_block_size():
    vectors = np.zeros((6, 2), dtype=np.float32)
    vectors[:, 0] = 1.0  # every record of b scores exactly 1 against every record of a
    side_a = build_side(np.array(["a0", "a1"]), np.array(["a0", "a1"]), vectors[:2])
    side_b = build_side(np.array([f"b{i}" for i in range(6)]), np.array([f"b{i}" for i in range(6)]), vectors)
    for block in (1, 2, 6):
        grid = ScoreGrid(np.array([0, 1, 2]), np.arange(0, 7, block))
        links = top_k_links(StripScores(side_a, side_b, "max", grid), 2, "a_to_b")
        assert links.codes.tolist() == [0, 1, 6, 7]  # a0-b0, a0-b1, a1-b0, a1-b1


def test_packed_keys_order_scores_then_lower_positions():
    scores = torch.tensor([-torch.inf, -1.0, -0.5, -0.0, 0.0, 1e-30, 0.25, 1.0, 1.0])
    positions = torch.tensor([0, 1, 2, 3, 4, 5, 6, 8, 7])
    keys = pack(scores, positions)
    assert torch.argsort(keys).tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8]
    back_scores, back_positions = unpack(keys)
    assert torch.equal(back_scores, scores) and torch.equal(back_positions, positions)
    block = torch.tensor([[0.5, 0.9, 0.9, 0.1], [0.3, 0.2, 0.8, 0.8]])
    _, best = unpack(best_in_block(block, 2, first_position=10))
    assert sorted(best[0].tolist()) == [11, 12] and sorted(best[1].tolist()) == [12, 13]
    _, best = unpack(best_in_block(block, 1, first_position=0))
    assert best.flatten().tolist() == [1, 2]


def test_pair_scores_equal_brute_force(study_vectors):
    for comparison in COMPARISONS:
        ids_a, vectors_a, ids_b, vectors_b = _reference(study_vectors, "base", comparison)
        order_a, order_b = np.unique(ids_a), np.unique(ids_b)
        side_a, side_b = build_side(order_a, ids_a, vectors_a), build_side(order_b, ids_b, vectors_b)
        expected = brute_force_scores(ids_a, vectors_a, ids_b, vectors_b, comparison.aggregation)
        rows, cols = np.meshgrid(np.arange(len(order_a)), np.arange(len(order_b)), indexing="ij")
        model = StripScores(
            side_a,
            side_b,
            comparison.aggregation,
            ScoreGrid(block_edges(side_a.unit_counts, 16), block_edges(side_b.unit_counts, 16)),
        )
        got = pair_scores(model, rows.ravel(), cols.ravel(), chunk=7)
        np.testing.assert_allclose(got.reshape(rows.shape), expected.to_numpy(), atol=1e-6)
        absent = pair_scores(model, np.array([-1, 0]), np.array([0, -1]))
        assert np.isnan(absent).all()


@pytest.mark.parametrize("tasks", [1, 2, 5])
def test_strips_in_any_grouping_give_the_same_links(uneven_vectors, tmp_path, tasks):
    settings = _settings(link_rule="top_k", top_k=3, block_size=4)
    one_per_strip = run_sample(settings, lambda *key: uneven_vectors[key], tmp_path / "each")
    grouped = run_sample(settings, lambda *key: uneven_vectors[key], tmp_path / "grouped", tasks=tasks)
    pd.testing.assert_frame_equal(one_per_strip.links.to_pandas(), grouped.links.to_pandas())
    pd.testing.assert_frame_equal(one_per_strip.thresholds, grouped.thresholds)
