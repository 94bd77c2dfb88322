"""The sampler's arithmetic is exact: the same bits for any block size, thread count and device."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from sampler_fakes import COMPARISONS, MODELS, make_study_vectors, synthetic_units

from heritage_weaver.config import StudyConfig
from sampler.pipeline import SampleError, SampleSettings, run_sample, sampling_device
from sampler.scores import GRID, record_score_blocks
from sampler.sides import block_edges, build_side

CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")


def _settings(**changes) -> SampleSettings:
    base = dict(
        models=MODELS,
        base_model="base",
        comparisons=COMPARISONS,
        collection_a="a",
        collection_b="b",
        percentile=90.0,
        percentile_mode="record",
        block_size=16,
        annotators=("A01", "A02"),
        per_annotator=12,
        overlap=0.25,
        controls=2,
        seed=11,
    )
    return SampleSettings(**{**base, **changes})


def _scores(side_a, side_b, aggregation: str, block_size: int, device: str = "cpu") -> np.ndarray:
    rows, cols = block_edges(side_a.unit_counts, block_size), block_edges(side_b.unit_counts, block_size)
    out = np.full((len(side_a.record_ids), len(side_b.record_ids)), np.nan, dtype=np.float32)
    blocks = iter(record_score_blocks(side_a, side_b, aggregation, rows, cols, device=device))
    for r0, r1 in zip(rows[:-1], rows[1:]):
        for c0, c1 in zip(cols[:-1], cols[1:]):
            out[r0:r1, c0:c1] = next(blocks).cpu().numpy()
    return out


def _sides(dim: int = 96):
    rng = np.random.default_rng(5)
    ids_a, vectors_a = synthetic_units(rng, "a", 40, 4, dim)
    ids_b, vectors_b = synthetic_units(rng, "b", 23, 3, dim)
    sides = build_side(np.unique(ids_a), ids_a, vectors_a), build_side(np.unique(ids_b), ids_b, vectors_b)
    return sides, (ids_a, vectors_a, ids_b, vectors_b)


def test_max_scores_are_the_exact_dot_products_rounded_once():
    """Against integer arithmetic: components as multiples of 2^-26, products summed in int64."""
    (side_a, side_b), _ = _sides()
    scores = _scores(side_a, side_b, "max", block_size=7)
    grid_a = np.rint(side_a.vectors.numpy().astype(np.float64) * GRID).astype(np.int64)
    grid_b = np.rint(side_b.vectors.numpy().astype(np.float64) * GRID).astype(np.int64)
    exact = (grid_a @ grid_b.T).astype(np.float64) / GRID**2  # |dot| < 2^53: exact in float64
    frame = pd.DataFrame(exact.astype(np.float32))
    expected = (
        frame.groupby(np.repeat(np.arange(len(side_a.record_ids)), side_a.unit_counts))
        .max()
        .T.groupby(np.repeat(np.arange(len(side_b.record_ids)), side_b.unit_counts))
        .max()
        .T.to_numpy()
    )
    np.testing.assert_array_equal(scores, expected)


@pytest.mark.parametrize("aggregation", ["max", "mean"])
def test_scores_do_not_depend_on_blocks_or_threads(aggregation):
    (side_a, side_b), _ = _sides()
    reference = _scores(side_a, side_b, aggregation, block_size=10_000)
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        single = _scores(side_a, side_b, aggregation, block_size=3)
    finally:
        torch.set_num_threads(threads)
    np.testing.assert_array_equal(single, reference)
    np.testing.assert_array_equal(_scores(side_a, side_b, aggregation, block_size=1), reference)


def test_device_setting():
    assert sampling_device("cpu") == "cpu"
    assert sampling_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(SampleError, match='sampling.device = "cuda" but torch sees no CUDA device'):
            sampling_device("cuda")


def test_device_is_validated_and_leaves_the_config_hash_alone():
    minimal = {
        "study": {"name": "s"},
        "collections": [{"name": "a", "format": "smg", "path": "a.jsonl"}],
        "models": {"base": "models/base"},
    }
    with pytest.raises(ValueError, match="sampling.device|device"):
        StudyConfig.model_validate({**minimal, "sampling": {"device": "gpu"}})
    hashes = {
        StudyConfig.model_validate({**minimal, "sampling": {"device": device}}).section_hash("sampling")
        for device in ("auto", "cpu", "cuda")
    }
    assert len(hashes) == 1
    other = StudyConfig.model_validate({**minimal, "sampling": {"percentile": 95}}).section_hash("sampling")
    assert other not in hashes


def test_vectors_must_be_normalised(tmp_path):
    data = make_study_vectors()
    units, vectors = data[("base", "text", "b")]
    data[("base", "text", "b")] = (units, vectors * 1.5)
    with pytest.raises(SampleError, match="'base', text units of 'b': vectors must be L2-normalised, one has norm 1.5"):
        run_sample(_settings(), lambda m, modality, c: data[(m, modality, c)], tmp_path)


def _run(device: str, tmp_path, **changes):
    data = make_study_vectors(seed=3, n_a=120, n_b=45, dim=32)
    return run_sample(_settings(device=device, **changes), lambda m, modality, c: data[(m, modality, c)], tmp_path)


@CUDA
@pytest.mark.parametrize("mode", ["record", "unit"])
def test_cuda_thresholds_and_links_are_the_cpu_ones(tmp_path, mode):
    cpu = _run("cpu", tmp_path / "cpu", percentile_mode=mode)
    cuda = _run("cuda", tmp_path / "cuda", percentile_mode=mode)
    pd.testing.assert_frame_equal(cuda.thresholds, cpu.thresholds, check_exact=True)
    assert cuda.links.equals(cpu.links)
    assert cuda.batches.keys() == cpu.batches.keys()
    for annotator, batch in cpu.batches.items():
        pd.testing.assert_frame_equal(cuda.batches[annotator], batch, check_exact=True)


@CUDA
@pytest.mark.parametrize("aggregation", ["max", "mean"])
def test_cuda_scores_are_the_cpu_bits(aggregation):
    (side_a, side_b), _ = _sides(dim=768)
    np.testing.assert_array_equal(
        _scores(side_a, side_b, aggregation, 16, "cuda"), _scores(side_a, side_b, aggregation, 16, "cpu")
    )
