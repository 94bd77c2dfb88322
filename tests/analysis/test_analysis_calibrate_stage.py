"""`hw calibrate` on a small labelled study: every candidate's probability and the tables it declares."""

from __future__ import annotations

import numpy as np
import pandas as pd
from analysis_fixtures import COMPARISONS, MODELS, make_batches, write_links

from analysis.artifacts import CALIBRATION, LINK_PROBABILITIES, PRECISION_CURVES, PUBLISHABLE, RELIABILITY
from analysis.calibrate import PROBABILITY
from analysis.stage import ANALYZE, CALIBRATE, AnalyzeOptions
from heritage_weaver.atomic import write_table
from heritage_weaver.progress import SILENT
from heritage_weaver.stages import NO_OPTIONS


def test_calibrate_gives_every_candidate_a_probability_and_chooses_thresholds(labelled_study):
    links = write_links(labelled_study, make_batches(seed=1, overlap=6), unlabelled=40)
    ANALYZE.run(labelled_study, SILENT, AnalyzeOptions(annotator_effects=("none",)))
    summary = CALIBRATE.run(labelled_study, SILENT, NO_OPTIONS)

    probabilities = LINK_PROBABILITIES.read(labelled_study)
    for comparison in COMPARISONS:
        linked = links[[f"link.{comparison}.{m}" for m in MODELS]].any(axis=1)
        rows = probabilities[probabilities["comparison"] == comparison]
        assert sorted(rows["pair_id"]) == sorted(links.loc[linked, "pair_id"])
        assert rows["link_type"].str.startswith(f"{comparison}/").all()
    assert probabilities[["probability", "match_probability"]].stack().between(0, 1).all()

    fits = CALIBRATION.read(labelled_study)
    assert len(fits) == len(COMPARISONS) * 2 and set(fits["family"]) <= {"isotonic", "logistic"}
    # 5 strata × 24 pairs per comparison, and 6 overlap pairs in image-image's `all`
    assert sorted(fits["pairs"].unique().tolist()) == [120, 126]
    assert (fits["ece"].between(0, 1)).all() and (fits["brier"].between(0, 1)).all()
    assert len(RELIABILITY.read(labelled_study)) == len(fits) * 10

    curves = PRECISION_CURVES.read(labelled_study)
    assert set(curves["score"]) == {PROBABILITY, *MODELS}
    bounded = curves.dropna(subset=["precision"])
    assert (bounded["lower_bound"] <= bounded["precision"] + 1e-12).all()
    assert (bounded["precision"] <= bounded["ci_high"] + 1e-12).all()
    chosen = PUBLISHABLE.read(labelled_study)
    assert len(chosen) == len(COMPARISONS) * 2 * (1 + len(MODELS))
    found = chosen.dropna(subset=["threshold"])
    assert (found["lower_bound"] >= found["target_precision"]).all()
    assert (chosen["threshold"].isna() == (chosen["message"] != "")).all()
    assert summary.publishable.equals(chosen) and not summary.notes


def test_calibrate_reports_a_comparison_it_cannot_fit(labelled_study):
    batches = make_batches(seed=1, overlap=6)
    write_links(labelled_study, batches, unlabelled=10)
    labels = labelled_study.path("annotation", "labels.parquet")
    frame = pd.read_parquet(labels)
    in_text_text = batches["link_types"].map(lambda types: types[0].startswith("text-text/"))
    frame.loc[frame["pair_id"].isin(batches.loc[in_text_text, "pair_id"]), "label"] = "unrelated"
    write_table(labels, frame)
    ANALYZE.run(labelled_study, SILENT, AnalyzeOptions(annotator_effects=("none",)))
    summary = CALIBRATE.run(labelled_study, SILENT, NO_OPTIONS)
    failed = summary.fits.set_index(["comparison", "target"]).loc[("text-text", "study")]
    assert failed["message"].startswith("120 labelled pairs, 0 positive") and failed.isna()["family"]
    assert np.isnan(LINK_PROBABILITIES.read(labelled_study).query("comparison == 'text-text'")["probability"]).all()
    assert any(note.startswith("text-text, study: no calibration") for note in summary.notes)
