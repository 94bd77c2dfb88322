import numpy as np
import pytest
import torch
from sampler_fakes import brute_force_scores, synthetic_units

from sampler.scores import record_score_blocks, unit_score_blocks
from sampler.sides import block_edges, build_side


def _blockwise(side_a, side_b, aggregation, block_size):
    rows, cols = block_edges(side_a.unit_counts, block_size), block_edges(side_b.unit_counts, block_size)
    out = np.full((len(side_a.record_ids), len(side_b.record_ids)), np.nan)
    blocks = iter(record_score_blocks(side_a, side_b, aggregation, rows, cols))
    for r0, r1 in zip(rows[:-1], rows[1:]):
        for c0, c1 in zip(cols[:-1], cols[1:]):
            out[r0:r1, c0:c1] = next(blocks).numpy()
    assert next(blocks, None) is None
    return out


@pytest.mark.parametrize("aggregation", ["max", "mean"])
@pytest.mark.parametrize("block_size", [1, 2, 5, 10_000])
def test_record_scores_match_brute_force(aggregation, block_size):
    rng = np.random.default_rng(1)
    ids_a, vectors_a = synthetic_units(rng, "a", 17, 4, 6)
    ids_b, vectors_b = synthetic_units(rng, "b", 9, 3, 6)
    side_a, side_b = build_side(np.unique(ids_a), ids_a, vectors_a), build_side(np.unique(ids_b), ids_b, vectors_b)
    expected = brute_force_scores(ids_a, vectors_a, ids_b, vectors_b, aggregation)
    np.testing.assert_allclose(_blockwise(side_a, side_b, aggregation, block_size), expected.to_numpy(), atol=1e-6)


@pytest.mark.parametrize("aggregation", ["max", "mean"])
def test_records_without_units_score_nan(aggregation):
    rng = np.random.default_rng(2)
    ids_a, vectors_a = synthetic_units(rng, "a", 5, 2, 4)
    ids_b, vectors_b = synthetic_units(rng, "b", 4, 2, 4)
    order_a = np.array(sorted(set(ids_a)) + ["a999"], dtype=object)
    side_a, side_b = build_side(order_a, ids_a, vectors_a), build_side(np.unique(ids_b), ids_b, vectors_b)
    scores = _blockwise(side_a, side_b, aggregation, 3)
    assert np.isnan(scores[-1]).all()
    assert not np.isnan(scores[:-1]).any()


def test_unit_blocks_cover_every_unit_pair_once():
    rng = np.random.default_rng(3)
    ids_a, vectors_a = synthetic_units(rng, "a", 7, 3, 5)
    ids_b, vectors_b = synthetic_units(rng, "b", 6, 3, 5)
    side_a, side_b = build_side(np.unique(ids_a), ids_a, vectors_a), build_side(np.unique(ids_b), ids_b, vectors_b)
    values = torch.cat(
        [
            b.reshape(-1)
            for b in unit_score_blocks(
                side_a, side_b, block_edges(side_a.unit_counts, 4), block_edges(side_b.unit_counts, 2)
            )
        ]
    )
    np.testing.assert_allclose(np.sort(values.numpy()), np.sort((vectors_a @ vectors_b.T).ravel()), atol=1e-6)


def test_block_edges_bound_units_and_records():
    counts = np.array([1, 3, 2, 7, 1, 1, 1, 0, 2])
    edges = block_edges(counts, 4)
    assert edges[0] == 0 and edges[-1] == len(counts)
    for start, stop in zip(edges[:-1], edges[1:]):
        assert stop - start <= 4
        assert counts[start:stop].sum() <= 4 or stop - start == 1
    assert block_edges(np.array([], dtype=int), 4).tolist() == [0]


def test_mean_is_mean_of_cosines_not_cosine_of_means():
    a = np.array([[1, 0], [0, 1]], dtype=np.float32)
    b = np.array([[1, 0]], dtype=np.float32)
    side_a = build_side(np.array(["x"], dtype=object), np.array(["x", "x"]), a)
    side_b = build_side(np.array(["y"], dtype=object), np.array(["y"]), b)
    assert _blockwise(side_a, side_b, "mean", 8)[0, 0] == pytest.approx(0.5)
