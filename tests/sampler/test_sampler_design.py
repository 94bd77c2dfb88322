"""Score bands, band quotas and inclusion probabilities: exact numbers, and `hw sample --round N --score-bands K`."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest
from analysis_fixtures import write_study
from typer.testing import CliRunner

from heritage_weaver.atomic import write_table
from heritage_weaver.score_bands import band_edges, band_index, band_scores, cell_names, stratum_bands
from hw_cli.app import app
from sampler.artifacts import BATCH_BANDS, BATCH_INCLUSION, BATCH_PURPOSE, ROUND_BATCH
from sampler.design import band_quotas, inclusion_probabilities, per_link, typed_rows
from sampler.pipeline import SampleError
from sampler.rounds import sample_round

MODELS = ("base", "ft-last", "ft-best")


def test_band_scores_are_the_mean_of_the_finite_model_scores():
    frame = pd.DataFrame(
        {
            "score.t.base": [0.2, np.nan, np.nan],
            "score.t.ft-last": [0.4, 0.6, np.nan],
            "score.t.ft-best": [0.9, np.nan, np.nan],
        }
    )
    assert band_scores(frame, "t", MODELS) == pytest.approx([0.5, 0.6, np.nan], nan_ok=True)


def test_band_edges_are_lower_quantiles_and_bands_are_half_open():
    scores = np.arange(1, 11) / 10  # 0.1 … 1.0
    edges = band_edges(scores, 4)  # ranks ⌈10/4⌉ = 3, 5 and ⌈30/4⌉ = 8
    assert edges.tolist() == [0.4, 0.6, 0.9]
    assert band_index(np.append(scores, np.nan), edges).tolist() == [0, 0, 0, 1, 1, 2, 2, 2, 3, 3, 0]
    assert band_edges(scores, 1).size == 0 and band_edges(np.array([np.nan]), 3).size == 0
    assert band_edges(np.array([0.5] * 6), 3).tolist() == [0.5]  # repeated edges collapse
    with pytest.raises(ValueError, match="at least 1"):
        band_edges(scores, 0)


def test_stratum_bands_take_edges_within_each_link_type():
    types = ["t/all", "t/all", "t/all", "t/all", "t/base-only", "t/base-only", None]
    scores = np.array([0.9, 0.1, 0.5, 0.3, 0.2, 0.8, 0.99])
    bands = stratum_bands(types, scores, 2)
    assert bands.tolist() == [1, 0, 1, 0, 0, 1, 0]
    assert cell_names(types, bands, 2) == [
        "t/all#1",
        "t/all#0",
        "t/all#1",
        "t/all#0",
        "t/base-only#0",
        "t/base-only#1",
        None,
    ]
    assert cell_names(types, bands, 1) == types


def test_band_quotas_fill_the_bands_that_lag_the_types_share():
    # band 0 holds every pair shown so far: the round goes to the others until each has its share
    assert band_quotas(np.array([10, 10, 10]), np.array([4, 1, 1]), np.array([6, 9, 9]), 6).tolist() == [0, 3, 3]
    # a band short of pairs: its lack goes to the others, and the quota is spent exactly
    assert band_quotas(np.array([10, 10]), np.array([0, 0]), np.array([2, 10]), 8).tolist() == [2, 6]
    # never more than the pairs left
    assert band_quotas(np.array([5, 5]), np.array([3, 3]), np.array([2, 2]), 10).tolist() == [2, 2]
    assert band_quotas(np.array([7]), np.array([2]), np.array([5]), 3).tolist() == [3]


def test_inclusion_probability_is_the_sampled_share_of_the_cell_listed_per_link_type():
    links = pd.DataFrame({"link_types": [["t/all", "i/all"], ["t/all"], ["t/all", "i/base-only"], ["i/all"], []]})
    typed = typed_rows(links, MODELS, 1)
    assert typed["row"].tolist() == [0, 0, 1, 2, 2, 3] and typed["cell"].tolist()[:2] == ["t/all", "i/all"]
    sampled = np.array([True, False, False, True, False])
    probability = inclusion_probabilities(typed, sampled)
    # t/all: 1 of 3 links sampled; i/all: 2 of 2; i/base-only: 0 of 1
    assert per_link(typed, probability, [0, 3, 2, 4]) == [
        pytest.approx([1 / 3, 1.0]),
        [1.0],
        pytest.approx([1 / 3, 0.0]),
        [],
    ]


def banded_study(tmp_path, size: int = 400, shown: int = 10):
    """One stratum (`text-text/all`) of `size` links scored (i + 1) / 1000, the `shown` lowest in round 1."""
    ws = write_study(tmp_path / "study")
    rows = []
    for i in range(size):
        row = {
            "pair_id": hashlib.sha256(f"all-{i}".encode()).hexdigest()[:16],
            "record_a": f"smg-{i}",
            "collection_a": "smg",
            "record_b": f"nms-{i}",
            "collection_b": "nms",
            "link_types": ["text-text/all"],
        }
        for model in MODELS:
            row[f"score.text-text.{model}"] = (i + 1) / 1000
            row[f"link.text-text.{model}"] = True
        rows.append(row)
    links = pd.DataFrame(rows)
    write_table(ws.path("sampler", "links.parquet"), links)
    batch = links.head(shown).reset_index(drop=True)
    batch.insert(1, "annotator", "A01")
    batch.insert(2, "position", np.arange(len(batch)))
    batch["is_control"], batch["is_overlap"] = False, False
    write_table(ws.path("sampler", "batches", "A01.parquet"), batch)
    return ws, links


def test_banded_round_gives_each_band_its_share_and_records_the_cells_probability(tmp_path):
    ws, links = banded_study(tmp_path)
    result = sample_round(ws, 2, per_annotator=10, score_bands=4)
    drawn = pd.concat(result.batches.values())
    assert len(drawn) == 30 and (drawn[BATCH_PURPOSE] == "estimate").all() and (drawn[BATCH_BANDS] == 4).all()
    # edges at the scores of ranks 100, 200, 300: four bands of 100 links; round 1's ten pairs all
    # sit in band 0, so the round's 30 go 0, 10, 10, 10, and every band has 10 of its 100 in the sample
    index = drawn["pair_id"].map(dict(zip(links["pair_id"], range(len(links)))))
    bands = np.searchsorted([100, 200, 300], index.to_numpy(), side="right")
    assert np.bincount(bands, minlength=4).tolist() == [0, 10, 10, 10]
    assert drawn[BATCH_INCLUSION].map(list).tolist() == [[pytest.approx(0.1)]] * 30
    manifest = ws.manifest()[ROUND_BATCH.at(round=2, annotator="A01").path]
    assert manifest["score_bands"] == 4 and manifest["purpose"] == "estimate"


def test_unbanded_round_records_the_strata_share(tmp_path):
    ws, _ = banded_study(tmp_path)
    drawn = pd.concat(sample_round(ws, 2, per_annotator=10).batches.values())
    assert drawn[BATCH_INCLUSION].map(list).tolist() == [[pytest.approx(40 / 400)]] * 30


def test_every_banded_round_keeps_the_same_bands(tmp_path):
    ws, _ = banded_study(tmp_path)
    sample_round(ws, 2, per_annotator=5, score_bands=4)
    with pytest.raises(SampleError, match="an earlier round drew in 4 score bands"):
        sample_round(ws, 3, per_annotator=5, score_bands=3)
    assert sample_round(ws, 3, per_annotator=5, score_bands=1) is not None  # one band is always allowed
    with pytest.raises(SampleError, match="at least 1"):
        sample_round(ws, 4, per_annotator=5, score_bands=0)


def test_cli_draws_a_banded_round(tmp_path):
    ws, _ = banded_study(tmp_path)
    args = ["sample", "--study", str(ws.root), "--round", "2", "--per-annotator", "5", "--score-bands", "4"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "15 new pairs" in result.stdout
    assert ws.manifest()[ROUND_BATCH.at(round=2, annotator="A03").path]["score_bands"] == 4
    round_one = CliRunner().invoke(app, ["sample", "--study", str(ws.root), "--score-bands", "4"])
    assert round_one.exit_code == 1 and "go with --round" in round_one.output


def test_banded_rounds_estimated_by_cell_cover_at_the_nominal_rate():
    """Round 1 uniform, round 2 in four bands (band_quotas), precision above a threshold estimated with
    the bands as strata: over 400 seeded studies the 95% interval covers the truth at least 93% of the
    time, and the one-sided bound lies above the truth at most 6% of the time."""
    from analysis.thresholds import StratifiedSample, precision_curve

    rng = np.random.default_rng(24)
    size, first, quota, bands = 1200, 30, 60, 4
    scores = np.sort(rng.random(size))
    band = band_index(scores, band_edges(scores, bands))
    chance = 0.3 + 0.65 * scores
    covered = below = 0
    studies = 400
    for _ in range(studies):
        outcomes = (rng.random(size) < chance).astype(float)
        sampled = np.zeros(size, dtype=bool)
        sampled[rng.choice(size, first, replace=False)] = True
        population = np.bincount(band, minlength=bands)
        shown = np.bincount(band[sampled], minlength=bands)
        for b, count in enumerate(band_quotas(population, shown, population - shown, quota)):
            sampled[rng.choice(np.flatnonzero((band == b) & ~sampled), count, replace=False)] = True
        cells = band.astype(str)
        sample = StratifiedSample(scores, cells, scores[sampled], cells[sampled], outcomes[sampled])
        row = precision_curve(sample, np.array([0.5])).iloc[0]
        truth = outcomes[scores >= 0.5].mean()
        covered += row["ci_low"] <= truth <= row["ci_high"]
        below += truth < row["lower_bound"]
    assert covered / studies >= 0.93 and below / studies <= 0.06
