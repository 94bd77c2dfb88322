"""`hw sample --round N`: new pairs only, where the intervals are widest, seeded; earlier rounds untouched."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest
from analysis_fixtures import write_study
from typer.testing import CliRunner

from analysis.precision import combine_intervals, wilson_interval
from heritage_weaver.atomic import write_table
from hw_cli.app import app
from sampler.artifacts import BATCH, ROUND_BATCH, round_batches
from sampler.plan import plan_sample
from sampler.rounds import draw_round, proportional, sample_round

PATTERNS = {"all": (1, 1, 1), "base-only": (1, 0, 0), "fine-tuned-only": (0, 1, 1), "ft-last-only": (0, 1, 0)}
PATTERNS["ft-best-only"] = (0, 0, 1)
MODELS = ("base", "ft-last", "ft-best")


def _links(sizes: dict[str, int]) -> pd.DataFrame:
    rows = []
    for stratum, size in sizes.items():
        for i in range(size):
            row = {
                "pair_id": hashlib.sha256(f"{stratum}-{i}".encode()).hexdigest()[:16],
                "record_a": f"smg-{stratum}-{i}",
                "collection_a": "smg",
                "record_b": f"nms-{i}",
                "collection_b": "nms",
                "link_types": [f"text-text/{stratum}"],
            }
            for model, flag in zip(MODELS, PATTERNS[stratum]):
                row[f"score.text-text.{model}"] = 0.9 if flag else 0.1
                row[f"link.text-text.{model}"] = bool(flag)
            rows.append(row)
    return pd.DataFrame(rows)


def _study(tmp_path, sizes: dict[str, int], shown: dict[str, int]):
    """Links of one comparison and a round-1 batch for A01 holding `shown[stratum]` pairs of each stratum."""
    ws = write_study(tmp_path / "study")
    links = _links(sizes)
    write_table(ws.path("sampler", "links.parquet"), links)
    batch = pd.concat([links[links["link_types"].str[0] == f"text-text/{s}"].head(n) for s, n in shown.items()])
    batch = batch.reset_index(drop=True)
    batch.insert(1, "annotator", "A01")
    batch.insert(2, "position", np.arange(len(batch)))
    batch["is_control"], batch["is_overlap"] = False, False
    write_table(ws.path("sampler", "batches", "A01.parquet"), batch)
    return ws


SIZES = {"all": 40, "base-only": 400, "fine-tuned-only": 200, "ft-last-only": 100, "ft-best-only": 100}


def test_round_two_draws_only_pairs_never_shown_into_its_own_files(tmp_path):
    ws = _study(tmp_path, SIZES, {s: 10 for s in SIZES})
    first = BATCH.at(annotator="A01").location(ws).read_bytes()
    result = sample_round(ws, 2, per_annotator=20)
    assert result is not None and sorted(result.batches) == ["A01", "A02", "A03"]
    round1 = set(BATCH.at(annotator="A01").read(ws)["pair_id"])
    drawn = pd.concat(result.batches.values())
    assert len(drawn) == 60 and drawn["pair_id"].is_unique and not set(drawn["pair_id"]) & round1
    assert not drawn["is_control"].any() and not drawn["is_overlap"].any()
    assert [(b.round, b.annotator) for b in round_batches(ws)] == [(1, "A01"), (2, "A01"), (2, "A02"), (2, "A03")]
    on_disk = ROUND_BATCH.at(round=2, annotator="A02").read(ws)
    assert list(on_disk.columns[: len(BATCH.columns)]) == list(BATCH.columns) and len(on_disk) == 20
    assert on_disk["position"].tolist() == list(range(20))
    assert ws.manifest()[ROUND_BATCH.at(round=2, annotator="A02").path]["round"] == 2
    assert BATCH.at(annotator="A01").location(ws).read_bytes() == first  # round 1 untouched

    assert sample_round(ws, 2, per_annotator=20) is None  # drawn already: left as it is
    third = sample_round(ws, 3, per_annotator=10)
    assert third is not None
    round3 = set(pd.concat(third.batches.values())["pair_id"])
    assert len(round3) == 30 and not round3 & (round1 | set(drawn["pair_id"]))


def test_round_two_goes_where_the_intervals_are_widest(tmp_path):
    # base-only and ft-best-only have few pairs shown: base's and ft-best's intervals are the widest
    shown = {"all": 30, "base-only": 2, "fine-tuned-only": 30, "ft-last-only": 30, "ft-best-only": 2}
    ws = _study(tmp_path, SIZES, shown)
    before = plan_sample(ws).expected.set_index("model")["half_width"]
    result = sample_round(ws, 2, per_annotator=20)
    allocation = result.allocation.set_index("stratum")
    assert allocation["drawn"].sum() == 60 and (allocation["drawn"] == allocation["quota"]).all()
    assert allocation.loc["base-only", "drawn"] + allocation.loc["ft-best-only", "drawn"] >= 45
    assert allocation.loc["base-only", "drawn"] > allocation.loc["ft-last-only", "drawn"]
    after = plan_sample(ws).expected.set_index("model")["half_width"]
    assert after["base"] < before["base"] and after["ft-best"] < before["ft-best"]
    # the widest interval after the round is narrower than with the same 60 pairs spread evenly
    assert after.max() < before.max()


def test_round_draw_is_seeded_and_stops_at_the_pairs_left(tmp_path):
    ws_a = _study(tmp_path / "a", SIZES, {s: 10 for s in SIZES})
    ws_b = _study(tmp_path / "b", SIZES, {s: 10 for s in SIZES})
    a, b = sample_round(ws_a, 2, 15), sample_round(ws_b, 2, 15)
    assert all(a.batches[n]["pair_id"].tolist() == b.batches[n]["pair_id"].tolist() for n in a.batches)
    small = _study(tmp_path / "small", {"all": 12, "base-only": 14}, {"all": 10, "base-only": 10})
    result = sample_round(small, 2, 100)
    assert result.allocation.set_index("stratum")["drawn"].to_dict() == {"all": 2, "base-only": 4}
    assert result.target == 0.0


def test_round_draw_is_uniform_within_a_stratum_among_the_unshown_pairs():
    links = _links({"all": 10, "base-only": 5})
    shown = set(links["pair_id"].iloc[:3])
    counts = np.zeros(len(links))
    rng = np.random.default_rng(3)
    for _ in range(4000):
        for row, _ in draw_round(links, shown, pd.Series({"text-text/all": 2, "text-text/base-only": 1}), rng):
            counts[row] += 1
    assert counts[:3].sum() == 0  # never a shown pair
    assert counts[3:10] / 4000 == pytest.approx(np.full(7, 2 / 7), abs=0.03)
    assert counts[10:] / 4000 == pytest.approx(np.full(5, 1 / 5), abs=0.03)


def test_proportional_respects_caps_and_the_total():
    assert proportional(np.array([3, 1, 0]), 8, np.array([10, 10, 10])).tolist() == [6, 2, 0]
    assert proportional(np.array([3, 1]), 8, np.array([4, 10])).tolist() == [4, 4]


def test_pooling_two_rounds_needs_no_new_weights_coverage_by_simulation():
    """Round 1 a uniform sample per stratum, round 2 uniform from the rest, sized by round 1's labels:
    the pooled stratified interval for the precision of base covers the truth about 95% of the time."""
    rng = np.random.default_rng(13)
    sizes = np.array([60, 900, 300])  # all, base-only, fine-tuned-only
    truth = np.array([0.8, 0.3, 0.6])
    coefficients = np.array([60, 900, 0]) / 960
    covered, studies = 0, 1000
    for _ in range(studies):
        outcomes = [rng.random(size) < p for size, p in zip(sizes, truth)]
        orders = [rng.permutation(size) for size in sizes]
        first = np.array([10, 10, 10])
        guessed = np.array([(o[order[:n]].sum() + 1) / (n + 2) for o, order, n in zip(outcomes, orders, first)])
        weight = sizes * np.sqrt(guessed * (1 - guessed)) * (coefficients > 0)
        second = proportional(weight, 60, sizes - first)
        n = first + second
        positives = np.array([o[order[:k]].sum() for o, order, k in zip(outcomes, orders, n)])
        share, low, high = wilson_interval(positives, n, sizes)
        _, lower, upper = combine_intervals(share, low, high, coefficients)
        true_precision = sum(o.sum() for o in outcomes[:2]) / 960
        covered += lower <= true_precision <= upper
    assert 0.93 <= covered / studies <= 0.97


def test_cli_round_needs_per_annotator_and_prints_the_allocation(tmp_path):
    ws = _study(tmp_path, SIZES, {s: 10 for s in SIZES})
    missing = CliRunner().invoke(app, ["sample", "--study", str(ws.root), "--round", "2"])
    assert missing.exit_code == 1 and "--round needs --per-annotator" in missing.output
    bad = CliRunner().invoke(app, ["sample", "--study", str(ws.root), "--round", "1", "--per-annotator", "5"])
    assert bad.exit_code == 1 and "--round must be 2 or more" in bad.output
    skipped = CliRunner().invoke(app, ["sample", "--study", str(ws.root), "--round", "3", "--per-annotator", "5"])
    assert skipped.exit_code == 1 and "round 2 has no batches yet" in skipped.output
    result = CliRunner().invoke(app, ["sample", "--study", str(ws.root), "--round", "2", "--per-annotator", "5"])
    assert result.exit_code == 0, result.output
    assert "Round 2: pairs per stratum" in result.stdout and "15 new pairs" in result.stdout
