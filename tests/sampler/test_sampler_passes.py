"""The percentile selection as passes over strips, and the no-spill percentile path, locally and on Ray."""

import time

import numpy as np
import pandas as pd
import pytest
import torch
from sampler_fakes import COMPARISONS, MODELS, brute_force_scores, unit_rows
from test_sampler_pipeline import _run, _settings

from sampler.pipeline import SampleError, run_sample
from sampler.ray_tasks import ray_map
from sampler.recompute import StripScores
from sampler.selection import StripPasses, exact_percentile, strip_percentile
from sampler.sides import block_edges, build_side
from sampler.spill import ScoreGrid


def _values() -> np.ndarray:
    """Scores with a run of ties (rounded to 0.01), so a bin can hold more than a small cap."""
    values = np.tanh(np.random.default_rng(4).normal(size=3001)).astype(np.float32)
    values[::3] = np.round(values[::3], 2)
    return values


def _counting_map(calls: list[str]):
    def counting(function, strips):
        calls.append(function.func.__name__)
        return reversed(list(map(function, strips)))  # strips finishing in another order than given

    return counting


@pytest.mark.parametrize("q", [0.5, 37.3, 90, 99.9])
@pytest.mark.parametrize("bins, cap", [(65536, 1 << 24), (16, 3), (4, 1)])
def test_strip_passes_equal_numpy_and_the_local_selection(q, bins, cap):
    values = _values()
    expected = np.percentile(values.astype(np.float64), q)
    calls: list[str] = []
    passes = StripPasses(lambda strip: np.array_split(strip, 3), np.array_split(values, 7), _counting_map(calls))
    assert strip_percentile(passes, q, bins, cap) == (expected, len(values))
    whole = torch.from_numpy(values)
    assert exact_percentile(lambda: (whole[i : i + 97] for i in range(0, len(whole), 97)), q, bins, cap) == expected
    rehistogrammed = calls.count("_strip_histogram") > 1
    assert rehistogrammed == (cap < 1 << 24) and ("_strip_extent" in calls) == rehistogrammed


def _record_scores(seed: int = 3, records_a: int = 40, records_b: int = 25, block_size: int = 8):
    """StripScores over synthetic sides (1 to 3 units a record), and the full record-score matrix."""
    rng = np.random.default_rng(seed)
    sides = []
    for prefix, n in (("a", records_a), ("b", records_b)):
        ids = np.repeat([f"{prefix}{i:02d}" for i in range(n)], rng.integers(1, 4, n))
        sides.append(build_side(np.unique(ids), ids, unit_rows(rng.normal(size=(len(ids), 8)))))
    grid = ScoreGrid(block_edges(sides[0].unit_counts, block_size), block_edges(sides[1].unit_counts, block_size))
    scores = StripScores(sides[0], sides[1], "max", grid)
    full = np.block([[block.numpy() for block in scores(strip)] for strip in scores.strips])
    return scores, full


def test_strip_scores_cover_the_grid_by_row_strips():
    scores, full = _record_scores()
    assert len(scores.strips) > 3 and full.shape == scores.grid.shape
    assert sum(scores.strip_pairs(s) for s in scores.strips) == full.size
    side_a, side_b = scores.side_a, scores.side_b
    cosines = side_a.vectors.double() @ side_b.vectors.double().T
    expected = np.array(
        [
            [cosines[a0:a1, b0:b1].max().item() for b0, b1 in zip(side_b.offsets, side_b.offsets[1:])]
            for a0, a1 in zip(side_a.offsets, side_a.offsets[1:])
        ]
    )
    np.testing.assert_allclose(full, expected, atol=1e-6)


def _loader(data):
    return lambda model, modality, collection: data[(model, modality, collection)]


# Ray tasks run with one thread and read the vectors in place from the object store; MKL's sgemm
# rounds differently by thread count and memory alignment, so their scores may differ from this
# process's in the last float32 places (links, flags and batches still agree on these fixtures).
ACROSS_PROCESSES = dict(check_exact=False, rtol=0, atol=1e-6)


def _assert_same_sample(spilled, recomputed, **score_tolerance):
    """Thresholds, links (every score and flag) and batches identical; scores to the bit unless a tolerance is given."""
    tolerance = score_tolerance or dict(check_exact=True)
    pd.testing.assert_frame_equal(spilled.thresholds, recomputed.thresholds, **tolerance)
    links = spilled.links.to_pandas()
    pd.testing.assert_frame_equal(links, recomputed.links.to_pandas(), **tolerance)  # NaN equal to NaN
    assert spilled.batches.keys() == recomputed.batches.keys()
    for annotator, batch in spilled.batches.items():
        pd.testing.assert_frame_equal(batch, recomputed.batches[annotator])
    for comparison in COMPARISONS:  # some pairs are links of one comparison only, scored by lookup in another
        own = links[[f"link.{comparison.name}.{m}" for m in MODELS]].any(axis=1)
        assert own.any() and not own.all()


@pytest.mark.parametrize(
    "changes",
    [
        dict(block_size=4),
        dict(block_size=4096),
        dict(block_size=3, percentile_mode="unit", percentile=99.0),
        dict(block_size=6, percentile=50.0),
    ],
)
def test_recomputed_percentile_equals_the_spilled_one(study_vectors, tmp_path, changes):
    spilled = _run(study_vectors, tmp_path / "spill", **changes)
    recomputed = _run(study_vectors, tmp_path / "recompute", score_store="recompute", **changes)
    _assert_same_sample(spilled, recomputed)
    assert not any((tmp_path / "recompute").iterdir())  # nothing spilled
    assert any((tmp_path / "spill").iterdir())


def test_recompute_reports_pass_one_as_the_spill_path_reports_its_scoring(study_vectors, tmp_path):
    seen: dict[str, dict[str, list[int]]] = {"spill": {}, "recompute": {}}
    for store, progress in seen.items():

        def on_block(comparison, pairs, total, progress=progress):
            progress.setdefault(comparison, [total]).append(pairs)

        run_sample(_settings(score_store=store), _loader(study_vectors), tmp_path / store, on_block)
    for comparison in COMPARISONS:
        (total, *spilled), (other_total, *recomputed) = (
            seen["spill"][comparison.name],
            seen["recompute"][comparison.name],
        )
        assert total == other_total == sum(spilled) == sum(recomputed)
        assert len(recomputed) < len(spilled)  # a strip at a time, not a block


def test_unknown_score_store_is_rejected(study_vectors, tmp_path):
    with pytest.raises(SampleError, match="score_store must be 'spill' or 'recompute', got 'memory'"):
        _run(study_vectors, tmp_path, score_store="memory")


@pytest.fixture(scope="module")
def ray_cluster():
    ray = pytest.importorskip("ray")
    start = time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    print(f"Ray start-up {time.perf_counter() - start:.1f} s")
    yield ray
    ray.shutdown()


def test_selection_passes_as_ray_tasks(ray_cluster):
    scores, full = _record_scores()
    for q, cap in ((90, 1 << 24), (37.3, 2)):
        expected = np.percentile(full.astype(np.float64), q)
        local = strip_percentile(StripPasses(scores, scores.strips), q, bins=8, cap=cap)
        assert strip_percentile(StripPasses(scores, scores.strips, ray_map), q, bins=8, cap=cap) == local
        assert local == (expected, full.size)


@pytest.mark.parametrize("changes", [dict(block_size=4), dict(block_size=3, percentile_mode="unit", percentile=99.0)])
def test_recomputed_percentile_on_ray_equals_the_spilled_one(ray_cluster, study_vectors, tmp_path, changes):
    spilled = _run(study_vectors, tmp_path / "spill", **changes)
    on_ray = run_sample(
        _settings(score_store="recompute", **changes),
        _loader(study_vectors),
        tmp_path / "ray",
        map_strips=ray_map,
    )
    _assert_same_sample(spilled, on_ray, **ACROSS_PROCESSES)


def test_top_k_strips_on_ray_in_groups_equal_the_local_run(ray_cluster, study_vectors, tmp_path):
    changes = dict(link_rule="top_k", top_k=3, block_size=4)
    local = _run(study_vectors, tmp_path / "local", **changes)
    for tasks in (1, 3):
        on_ray = run_sample(
            _settings(**changes), _loader(study_vectors), tmp_path / f"ray{tasks}", map_strips=ray_map, tasks=tasks
        )
        _assert_same_sample(local, on_ray, **ACROSS_PROCESSES)


@pytest.mark.parametrize("direction", ["both", "a_to_b", "b_to_a"])
def test_top_k_links_on_ray_equal_brute_force(ray_cluster, study_vectors, tmp_path, direction):
    from test_sampler_top_k import expected_links

    settings = _settings(link_rule="top_k", top_k=3, direction=direction, block_size=5)
    links = run_sample(settings, _loader(study_vectors), tmp_path, map_strips=ray_map, tasks=2).links.to_pandas()
    links = links.set_index(["record_a", "record_b"])
    for comparison in COMPARISONS:  # max and mean aggregation
        for model in MODELS:
            ids_a, vectors_a = study_vectors[(model, comparison.modality_a, "a")]
            ids_b, vectors_b = study_vectors[(model, comparison.modality_b, "b")]
            scores = brute_force_scores(
                ids_a["record_id"].to_numpy(),
                vectors_a,
                ids_b["record_id"].to_numpy(),
                vectors_b,
                comparison.aggregation,
            )
            flagged = links[links[f"link.{comparison.name}.{model}"]]
            assert set(flagged.index) == expected_links(scores, 3, direction)
