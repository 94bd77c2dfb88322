"""`hw sample --plan`: expected half-widths and Neyman allocation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from analysis_fixtures import write_study
from typer.testing import CliRunner

from analysis.artifacts import PRECISION_STRATA
from heritage_weaver.atomic import write_table
from hw_cli.app import app
from hw_cli.sampler import LABEL_FEEDBACK
from sampler.plan import Z95, expected_half_width, neyman_allocation, plan_sample


def test_expected_half_width_matches_a_hand_computation():
    # W = (¼, ¾), S² = ¼ · N/(N − 1): 1.96 √(¼² · 0.25 · 100/99 · 0.9/10 + ¾² · 0.25 · 300/299 · 0.9/30)
    width = expected_half_width([100, 300], [np.sqrt(0.25 * 100 / 99), np.sqrt(0.25 * 300 / 299)], [10, 30])
    assert width == pytest.approx(Z95 * np.sqrt(0.0625 * 0.25 * 100 / 99 * 0.09 + 0.5625 * 0.25 * 300 / 299 * 0.03))


def test_neyman_allocation_reaches_the_target_with_pairs_in_proportion_to_size_times_spread():
    population, spread = np.array([1000, 4000, 2000]), np.array([0.3, 0.5, 0.4])
    needed = neyman_allocation(population, spread, 0.03)
    assert expected_half_width(population, spread, needed) <= 0.03
    assert expected_half_width(population, spread, needed - 1) > 0.03 * 0.995
    share = population * spread / (population * spread).sum()
    assert needed / needed.sum() == pytest.approx(share, abs=0.01)


def test_neyman_allocation_labels_a_small_stratum_in_full_when_it_needs_more_than_it_has():
    needed = neyman_allocation(np.array([5, 5000]), np.array([0.5, 0.1]), 0.02)
    assert needed[0] <= 5 and expected_half_width([5, 5000], [0.5, 0.1], needed) <= 0.02


def _plan_study(tmp_path):
    ws = write_study(tmp_path / "study")
    sizes = {"all": 40, "base-only": 400, "fine-tuned-only": 200, "ft-last-only": 100, "ft-best-only": 100}
    patterns = {
        "all": (1, 1, 1),
        "base-only": (1, 0, 0),
        "fine-tuned-only": (0, 1, 1),
        "ft-last-only": (0, 1, 0),
        "ft-best-only": (0, 0, 1),
    }
    rows = [
        {"pair_id": f"{stratum}-{i}", "link_types": [f"text-text/{stratum}"], "pattern": patterns[stratum]}
        for stratum, size in sizes.items()
        for i in range(size)
    ]
    links = pd.DataFrame(rows)
    write_table(ws.path("sampler", "links.parquet"), links.drop(columns=["pattern"]))
    batch = links.groupby(links["link_types"].str[0]).head(10).drop(columns=["pattern"])
    write_table(ws.path("sampler", "batches", "A01.parquet"), batch.reset_index(drop=True))
    return ws


def test_plan_uses_each_models_strata_and_guesses_one_half_without_labels(tmp_path):
    ws = _plan_study(tmp_path)
    plan = plan_sample(ws, target=0.05)
    assert not plan.shares_from_labels and (plan.allocation["share"] == 0.5).all()
    base = plan.expected.set_index(["comparison", "model"]).loc[("text-text", "base")]
    assert (base["links"], base["pairs"]) == (440, 20)
    spread = [np.sqrt(0.25 * 40 / 39), np.sqrt(0.25 * 400 / 399)]
    assert base["half_width"] == pytest.approx(expected_half_width([40, 400], spread, [10, 10]))
    allocation = plan.allocation.set_index("stratum")
    assert (allocation["more"] == (allocation["needed"] - 10).clip(lower=0)).all()
    assert allocation.loc["all", "needed"] <= 40


def test_plan_takes_each_strata_share_from_the_analysis_it_is_handed(tmp_path):
    ws = _plan_study(tmp_path)
    strata = pd.DataFrame({column: [None, None] for column in PRECISION_STRATA.columns})
    strata[["link_type", "pairs", "positives"]] = [["text-text/all", 10, 9], ["text-text/base-only", 10, 1]]
    write_table(PRECISION_STRATA.location(ws), strata)
    assert not plan_sample(ws).shares_from_labels  # the sampler reads no analysis table of its own accord
    plan = plan_sample(ws, feedback=LABEL_FEEDBACK)
    shares = plan.allocation.set_index("stratum")["share"]
    assert plan.shares_from_labels
    assert shares["all"] == pytest.approx(10 / 12) and shares["base-only"] == pytest.approx(2 / 12)
    assert shares["ft-best-only"] == 0.5  # a stratum without labels keeps the widest guess


def test_sample_plan_prints_both_tables_and_rejects_a_bad_target(tmp_path):
    ws = _plan_study(tmp_path)
    result = CliRunner().invoke(app, ["sample", "--study", str(ws.root), "--plan", "--target", "0.1"])
    assert result.exit_code == 0, result.output
    assert "Expected 95% half-width" in result.stdout and "Neyman allocation" in result.stdout
    bad = CliRunner().invoke(app, ["sample", "--study", str(ws.root), "--plan", "--target", "2"])
    assert bad.exit_code == 1 and "--target must lie between 0 and 1" in bad.output
