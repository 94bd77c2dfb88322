"""Population precision: a hand-computed fixture, coverage over simulated studies, and `hw analyze`'s tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from analysis_fixtures import COMPARISONS, MODELS, make_batches, write_links

from analysis import precision
from analysis.artifacts import (
    AGREEMENT_ALPHA,
    LABELLED,
    LABELS_BY_ROUND,
    PRECISION,
    PRECISION_DIFFERENCE,
    PRECISION_STRATA,
)
from analysis.stage import ANALYZE, AnalyzeOptions
from annotation.artifacts import LABELS
from heritage_weaver.atomic import write_table
from heritage_weaver.progress import SILENT
from sampler.artifacts import ROUND_BATCH


def _fixture() -> tuple[pd.DataFrame, pd.DataFrame]:
    """One comparison, models base and ft: strata all (N 100), base-only (N 300), ft-only (N 200).

    all: pairs labelled 1, 1, 0 and one overlap pair labelled 1 and 0 by two annotators (outcome ½);
    base-only: 1, 0, 0, 0, 0; ft-only: 1, 1, 1, 0; plus a control pair, which no stratum counts.
    """
    votes = {
        "a1": ("x/all", [1]),
        "a2": ("x/all", [1]),
        "a3": ("x/all", [0]),
        "a4": ("x/all", [1, 0]),
        **{f"b{i}": ("x/base-only", [v]) for i, v in enumerate([1, 0, 0, 0, 0])},
        **{f"f{i}": ("x/ft-only", [v]) for i, v in enumerate([1, 1, 1, 0])},
        "c1": (None, [1]),
    }
    rows = [
        {"pair_id": pair, "annotator": f"A{k}", "binary": v, "link_types": [lt] if lt else []}
        for pair, (lt, values) in votes.items()
        for k, v in enumerate(values)
    ]
    links = pd.DataFrame(
        {
            "pair_id": [f"p{i}" for i in range(600)],
            "link_types": [["x/all"]] * 100 + [["x/base-only"]] * 300 + [["x/ft-only"]] * 200,
            "link.x.base": [True] * 400 + [False] * 200,
            "link.x.ft": [True] * 100 + [False] * 300 + [True] * 200,
        }
    )
    return pd.DataFrame(rows), links


def test_estimates_equal_a_hand_computation():
    labelled, links = _fixture()
    outcomes = precision.pair_outcomes(labelled, ["similar object"])
    assert outcomes.set_index("pair_id").loc["a4", ["annotations", "outcome"]].tolist() == [2, 0.5]
    strata = precision.stratum_precision(precision.stratum_populations(links, ["x"], ["base", "ft"]), outcomes)
    strata = strata.set_index("stratum")
    assert strata["models"].tolist() == ["base, ft", "base", "ft"]
    assert strata["pairs"].tolist() == [4, 5, 4] and strata["annotations"].tolist() == [5, 5, 4]
    assert strata["positives"].tolist() == [2.5, 1.0, 3.0]
    # Wilson with n' = n (N − 1)/(N − n); for `all`: p = 0.625, n' = 4 · 99/96 = 4.125,
    # centre (0.625 + z²/2n')/(1 + z²/n') = 0.56474, half-width 0.34155
    assert strata["ci_low"].tolist() == pytest.approx([0.223184, 0.036572, 0.303036], abs=1e-6)
    assert strata["ci_high"].tolist() == pytest.approx([0.906265, 0.622133, 0.953916], abs=1e-6)

    totals = precision.model_links(links, ["x"], ["base", "ft"])
    by_model = precision.model_precision(strata.reset_index(), totals).set_index("model")
    # base: (100 · 0.625 + 300 · 0.2)/400; ft: (100 · 0.625 + 200 · 0.75)/300
    assert by_model["precision"].tolist() == pytest.approx([0.30625, 0.708333], abs=1e-6)
    # MOVER: base's lower limit 0.30625 − √((¼ · (0.625 − 0.223184))² + (¾ · (0.2 − 0.036572))²)
    assert by_model["ci_low"].tolist() == pytest.approx([0.147774, 0.381639], abs=1e-6)
    assert by_model["ci_high"].tolist() == pytest.approx([0.630564, 0.873472], abs=1e-6)
    assert by_model["coverage"].tolist() == [1.0, 1.0] and by_model["pairs"].tolist() == [9, 8]

    difference = precision.precision_difference(strata.reset_index(), ["x"], "base", ["ft"]).iloc[0]
    assert difference["difference"] == pytest.approx(0.708333 - 0.30625, abs=1e-6)
    assert (difference["ci_low"], difference["ci_high"]) == pytest.approx((-0.033974, 0.586620), abs=1e-6)


def test_unsampled_patterns_lower_the_coverage_and_unlabelled_strata_say_so():
    labelled, links = _fixture()
    extra = pd.DataFrame({"pair_id": ["q1", "q2"], "link_types": [[], []], "link.x.base": True, "link.x.ft": True})
    links = pd.concat([links, extra], ignore_index=True)
    labelled = labelled[~labelled["link_types"].map(lambda types: "x/ft-only" in list(types))]
    strata = precision.stratum_precision(
        precision.stratum_populations(links, ["x"], ["base", "ft"]),
        precision.pair_outcomes(labelled, ["similar object"]),
    )
    by_model = precision.model_precision(strata, precision.model_links(links, ["x"], ["base", "ft"])).set_index("model")
    assert by_model.loc["base", "links"] == 402 and by_model.loc["base", "coverage"] == pytest.approx(400 / 402)
    assert np.isnan(by_model.loc["ft", "precision"])
    assert by_model.loc["ft", "message"] == "not estimated: no labelled pairs in x/ft-only"


def test_a_stratum_labelled_in_full_has_no_sampling_error():
    share, low, high = precision.wilson_interval(np.array([3.0]), np.array([10]), np.array([10]))
    assert (share[0], low[0], high[0]) == (0.3, 0.3, 0.3)


# Simulated studies: each stratum holds exactly round(N p) positive links; a study labels n of its
# links at random without replacement (a hypergeometric count). Sizes and shares are the demo's
# (seed 0, 800 + 200 records), measured from its ground truth.
SCENARIOS = {
    "demo image-image, 12 pairs per stratum": ([113, 1170, 841, 446, 329], [0.50, 0.27, 0.47, 0.49, 0.45], 12),
    "demo text-text, 20 pairs per stratum": ([375, 1130, 772, 412, 398], [0.91, 0.65, 0.44, 0.64, 0.35], 20),
    "demo text-image, 30 pairs per stratum": ([33, 1348, 376, 993, 1037], [0.52, 0.34, 0.66, 0.61, 0.52], 30),
}
# the strata all, base-only, fine-tuned-only, ft-last-only, ft-best-only
MEMBERS = {"base": [1, 1, 0, 0, 0], "ft-last": [1, 0, 1, 1, 0], "ft-best": [1, 0, 1, 0, 1]}
STUDIES = 4000


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_intervals_cover_the_truth_in_95_percent_of_simulated_studies(scenario: str):
    sizes, shares, per_stratum = SCENARIOS[scenario]
    population = np.array(sizes)
    positives = np.round(np.array(shares) * population).astype(int)
    rng = np.random.default_rng(list(SCENARIOS).index(scenario))
    drawn = rng.hypergeometric(positives, population - positives, per_stratum, size=(STUDIES, len(sizes)))
    pairs = np.full(len(sizes), per_stratum)
    share, low, high = precision.wilson_interval(drawn, pairs, population)
    weights = {
        m: np.where(np.array(flags, bool), population, 0) / population[np.array(flags, bool)].sum()
        for m, flags in MEMBERS.items()
    }
    true_share = positives / population
    targets = dict(weights)
    targets |= {f"{m} − base": weights[m] - weights["base"] for m in ("ft-last", "ft-best")}
    coverage = {}
    for name, coefficients in targets.items():
        truth = float(coefficients @ true_share)
        _, lower, upper = precision.combine_intervals(share, low, high, coefficients)
        coverage[name] = float(np.mean((lower <= truth + 1e-12) & (truth - 1e-12 <= upper)))
    assert all(0.93 <= value <= 0.97 for value in coverage.values()), coverage


def test_analyze_writes_the_precision_tables(labelled_study):
    write_links(labelled_study, make_batches(seed=1, overlap=6), unlabelled=40)
    summary = ANALYZE.run(labelled_study, SILENT, AnalyzeOptions(annotator_effects=("none",)))
    strata = PRECISION_STRATA.read(labelled_study)
    assert len(strata) == 15 and set(strata["comparison"]) == set(COMPARISONS)
    # the overlap pairs (all labelled by three annotators) count once each
    shared = strata.set_index("link_type").loc["image-image/all"]
    assert (shared["pairs"], shared["annotations"]) == (24 + 6, 24 + 18)
    assert (strata["population"] - strata["pairs"]).sum() == 40
    by_model = PRECISION.read(labelled_study)
    assert len(by_model) == len(COMPARISONS) * len(MODELS) and by_model["precision"].between(0, 1).all()
    assert (by_model["ci_low"] <= by_model["precision"]).all() and (by_model["precision"] <= by_model["ci_high"]).all()
    assert len(PRECISION_DIFFERENCE.read(labelled_study)) == len(COMPARISONS) * 2
    assert not any("population precision" in note for note in summary.notes)


def test_analyze_without_links_notes_it_and_writes_empty_tables(labelled_study):
    summary = ANALYZE.run(labelled_study, SILENT, AnalyzeOptions(annotator_effects=("none",)))
    assert any(note.startswith("no population precision: sampler/links.parquet is missing") for note in summary.notes)
    assert PRECISION.read(labelled_study).empty and PRECISION_STRATA.read(labelled_study).empty


def test_analyze_pools_a_second_round_and_uses_adjudicated_labels(labelled_study):
    round1 = make_batches(seed=1, overlap=6)
    links = write_links(labelled_study, round1, unlabelled=40)
    # round 2: four of the unlabelled image-image/all links, labelled positive by A01
    extra = links[links["pair_id"].str.endswith("x") & (links["link_types"].str[0] == "image-image/all")].head(4)
    batch = extra.assign(annotator="A01", position=range(len(extra)), is_control=False, is_overlap=False)
    write_table(ROUND_BATCH.at(round=2, annotator="A01").location(labelled_study), batch.reset_index(drop=True))
    labels = LABELS.read(labelled_study).assign(round=1)
    later = labels.head(len(extra)).assign(
        annotation_id=[f"annotation/r2-{i}" for i in range(len(extra))],
        pair_id=extra["pair_id"].to_numpy(),
        annotator="A01",
        label="same object",
        round=2,
    )
    # the overlap pairs: the annotators disagree on one, which the adjudicator settles as unrelated
    shared = round1.loc[round1["is_overlap"], "pair_id"].unique()
    labels.loc[labels["pair_id"] == shared[0], "label"] = ["same object", "unrelated", "same object"]
    labels["adjudicated_label"] = pd.Series(pd.NA, index=labels.index, dtype="string")
    labels["adjudicator"] = pd.Series(pd.NA, index=labels.index, dtype="string")
    labels.loc[labels["pair_id"] == shared[0], ["adjudicated_label", "adjudicator"]] = ["unrelated", "L01"]
    write_table(LABELS.location(labelled_study), pd.concat([labels, later], ignore_index=True))

    ANALYZE.run(labelled_study, SILENT, AnalyzeOptions(annotator_effects=("none",)))
    by_round = LABELS_BY_ROUND.read(labelled_study).set_index("round")
    assert by_round.loc[1, ["pairs", "adjudicated"]].tolist() == [len(round1["pair_id"].unique()), 1]
    assert by_round.loc[2, ["annotators", "pairs", "annotations", "positive_share", "adjudicated"]].tolist() == [
        1,
        4,
        4,
        1.0,
        0,
    ]
    assert labelled_study.manifest()[LABELS_BY_ROUND.path]["annotations_per_round"]["2"] == 4
    strata = PRECISION_STRATA.read(labelled_study).set_index("link_type").loc["image-image/all"]
    assert strata["pairs"] == 24 + 6 + 4  # the rounds pooled, with the same weight N_h / N
    kept = LABELLED.read(labelled_study)
    outcomes = precision.pair_outcomes(kept, ["same object", "similar object", "same category"]).set_index("pair_id")
    assert outcomes.loc[shared[0], "outcome"] == 0.0 and outcomes.loc[shared[0], "adjudicated"]
    group = kept[kept["link_types"].str[0] == "image-image/all"]
    votes = group.groupby("pair_id")["binary"].mean()
    votes[shared[0]] = 0.0
    assert strata["positives"] == pytest.approx(votes.sum())
    alpha = AGREEMENT_ALPHA.read(labelled_study).set_index("scale")
    assert alpha.loc["4 labels", "n_pairs"] == 6  # agreement before adjudication, on the annotators' labels
