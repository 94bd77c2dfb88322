"""The learning stream: which pairs it picks, how its batches are marked, and that curators see them blind."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from test_sampler_design import banded_study
from typer.testing import CliRunner

from annotation.ledger import Ledger, Project
from annotation.tasks import ImageLinks, RecordView, read_batch, task_data
from heritage_weaver.atomic import write_table
from hw_cli.app import app
from hw_cli.sampler import LABEL_FEEDBACK
from sampler.artifacts import BATCH_INCLUSION, BATCH_PURPOSE, ROUND_BATCH
from sampler.learning import disagreement, pick, uncertainty
from sampler.pipeline import SampleError
from sampler.plan import strata_table
from sampler.rounds import sample_round


def test_uncertainty_is_the_distance_from_one_half_in_the_least_certain_comparison():
    probabilities = pd.DataFrame(
        {
            "pair_id": ["p1", "p1", "p2", "p3"],
            "comparison": ["t", "i", "t", "t"],
            "probability": [0.45, 0.9, 0.2, np.nan],
        }
    )
    found = uncertainty(pd.Series(["p1", "p2", "p3", "p4"]), probabilities)
    assert found == pytest.approx([0.05, 0.3, np.nan, np.nan], nan_ok=True)


def test_disagreement_is_minus_the_widest_spread_of_score_ranks():
    links = pd.DataFrame(
        {
            "score.t.a": [0.1, 0.2, 0.3, 0.4],
            "score.t.b": [0.4, 0.3, 0.2, np.nan],
        }
    )
    # ranks of a: 1/4, 2/4, 3/4, 4/4; of b (three finite): 3/3, 2/3, 1/3; the last pair has one model
    assert disagreement(links, ["t"], ["a", "b"]) == pytest.approx([-0.75, -1 / 6, -5 / 12, np.nan], nan_ok=True)


def test_pick_takes_the_lowest_available_closeness_with_seeded_ties():
    closeness = np.array([0.3, 0.1, np.nan, 0.1, 0.0, 0.2])
    available = np.array([True, True, True, True, False, True])
    first = pick(closeness, available, 3, np.random.default_rng(1))
    assert sorted(first[:2].tolist()) == [1, 3] and first[2] == 5  # 4 is shown already, 2 has no closeness
    assert first.tolist() == pick(closeness, available, 3, np.random.default_rng(1)).tolist()
    assert pick(closeness, available, 10, np.random.default_rng(1)).tolist()[-1] == 0  # all four finite ones


def _with_probabilities(tmp_path):
    ws, links = banded_study(tmp_path)
    # pair i has probability i / 400: the pairs nearest ½ are 200, 199, 201, 198, 202, …
    probability = np.arange(len(links)) / 400
    write_table(
        ws.path("analysis", "link_probabilities.parquet"),
        pd.DataFrame({"pair_id": links["pair_id"], "comparison": "text-text", "link_type": "text-text/all"}).assign(
            probability=probability, match_probability=probability
        ),
    )
    return ws, links


def test_learning_round_takes_the_least_certain_pairs_and_marks_them(tmp_path):
    ws, links = _with_probabilities(tmp_path)
    before = strata_table(ws)[0].set_index("link_type")
    result = sample_round(ws, 2, per_annotator=2, purpose="learn", feedback=LABEL_FEEDBACK)
    assert result.purpose == "learn" and result.target == 0.0
    drawn = pd.concat(result.batches.values())
    rows = sorted(links.index[links["pair_id"].isin(drawn["pair_id"])].tolist())
    assert len(rows) == 6 and set(rows) - {197, 203} == {198, 199, 200, 201, 202}  # the sixth: a tie
    assert (drawn[BATCH_PURPOSE] == "learn").all()
    assert all(len(p) == 1 and math.isnan(p[0]) for p in drawn[BATCH_INCLUSION])
    assert ws.manifest()[ROUND_BATCH.at(round=2, annotator="A01").path]["learn_by"] == "uncertainty"
    # learning pairs are shown (no round draws them again) but count in no stratum's sample
    after = strata_table(ws)[0].set_index("link_type")
    assert after.loc["text-text/all", "pairs"] == before.loc["text-text/all", "pairs"] == 10
    assert after.loc["text-text/all", "shown"] == 16
    later = pd.concat(sample_round(ws, 3, per_annotator=200).batches.values())
    assert not set(later["pair_id"]) & set(drawn["pair_id"]) and len(later) == 400 - 16


def test_learning_round_by_disagreement_needs_no_calibration_and_uncertainty_does(tmp_path):
    ws, _ = banded_study(tmp_path)
    with pytest.raises(Exception, match="link_probabilities.parquet is missing"):
        sample_round(ws, 2, per_annotator=2, purpose="learn", feedback=LABEL_FEEDBACK)
    with pytest.raises(SampleError, match="--learn-by must be one of"):
        sample_round(ws, 2, per_annotator=2, purpose="learn", learn_by="luck", feedback=LABEL_FEEDBACK)
    with pytest.raises(SampleError, match="--score-bands goes with the probability sample"):
        sample_round(ws, 2, per_annotator=2, purpose="learn", score_bands=3, feedback=LABEL_FEEDBACK)
    result = CliRunner().invoke(
        app, ["sample", "--study", str(ws.root), "--round", "2", "--per-annotator", "2", "--purpose", "learn",
              "--learn-by", "disagreement"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "the learning stream: no part of any precision estimate" in result.stdout
    bad = CliRunner().invoke(app, ["sample", "--study", str(ws.root), "--purpose", "learn"])
    assert bad.exit_code == 1 and "go with --round" in bad.output


def test_curators_see_learning_pairs_blind_and_the_ledger_keeps_their_purpose(tmp_path):
    ws, links = _with_probabilities(tmp_path)
    sample_round(ws, 2, per_annotator=2, purpose="learn", feedback=LABEL_FEEDBACK)
    path = ROUND_BATCH.at(round=2, annotator="A02").location(ws)
    batch = read_batch(path, round=2)
    views = {
        (p.collection_a if side == "a" else p.collection_b, p.record_a if side == "a" else p.record_b): RecordView(
            "name", "text", None
        )
        for p in batch.pairs
        for side in "ab"
    }
    for pair in batch.pairs:
        assert pair.provenance[BATCH_PURPOSE] == "learn"
        as_estimate = type(pair)(**{**vars(pair), "provenance": {**pair.provenance, BATCH_PURPOSE: "estimate"}})
        assert task_data(pair, views, ImageLinks(None)) == task_data(as_estimate, views, ImageLinks(None))
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        ledger.register_project(
            batch.batch_id, "A02", str(path), batch.pairs, Project(batch.batch_id, "A02", 1, "u", "t"), 2
        )
        stored = ledger.pair_rows(batch.batch_id)
    assert [p.provenance[BATCH_PURPOSE] for p in stored] == ["learn", "learn"]
    assert [p.provenance[BATCH_INCLUSION] for p in stored] == [[None], [None]]  # no inclusion probability
