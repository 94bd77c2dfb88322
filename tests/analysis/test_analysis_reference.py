"""The reference standard: pairs whose true label is known, read as a real study's project lead writes it."""

import numpy as np
import pandas as pd
import pytest
from analysis_fixtures import make_batches, simulate_labels, write_annotation_inputs, write_links, write_study
from typer.testing import CliRunner

from analysis.artifacts import REFERENCE_STANDARD
from analysis.reference import curator_error, pair_truth, positive_chance
from analysis.report import build_report
from hw_cli.app import app

POSITIVE = ["same object", "similar object", "same category"]


def _pair(record_a: str, record_b: str, **facts) -> dict:
    return {"record_a": record_a, "collection_a": "smg", "record_b": record_b, "collection_b": "nms", **facts}


def test_a_curator_gives_the_reference_label_or_another_alike():
    assert positive_chance("unrelated", POSITIVE, 0.0) == 0.0
    assert positive_chance("same object", POSITIVE, 0.0) == 1.0
    # a wrong label is one of the other three at random: two of them are positive for a positive pair
    assert positive_chance("same object", POSITIVE, 0.3) == pytest.approx(0.7 + 0.3 * 2 / 3)
    assert positive_chance("unrelated", POSITIVE, 0.3) == pytest.approx(0.3)


def test_links_take_the_truth_of_the_pair_named_either_way_round():
    links = pd.DataFrame([_pair("s1", "n1"), _pair("s2", "n2"), _pair("s3", "n3")], index=[10, 11, 12])
    swapped = {"record_a": "n2", "collection_a": "nms", "record_b": "s2", "collection_b": "smg"}
    reference = pd.DataFrame(
        [
            _pair("s1", "n1", label="same object", curator_error=0.0),
            {**swapped, "label": "unrelated", "curator_error": np.nan},
        ]
    )
    truth = pair_truth(links, reference, POSITIVE)
    assert truth.index.tolist() == [10, 11, 12]
    assert truth["positive"].tolist()[:2] == [1.0, 0.0] and np.isnan(truth.loc[12, "positive"])  # s3–n3: not named
    assert truth.loc[10, "chance"] == 1.0 and truth[["chance"]].loc[[11, 12]].isna().all().all()  # no error given
    assert curator_error(reference) == 0.0
    assert curator_error(reference.assign(curator_error=[0.1, 0.2])) is None


def test_a_real_study_with_some_known_links_shows_their_truth_beside_the_estimates(tmp_path):
    ws = write_study(tmp_path / "study", analysis="permutations = 0")  # curators, not a simulation
    batches = make_batches(seed=1, overlap=6)
    write_annotation_inputs(ws, batches, simulate_labels(batches, {"base": 0.5}, seed=2))
    links = write_links(ws, batches)
    runner = CliRunner()
    assert runner.invoke(app, ["analyze", "--study", str(ws.root), "--annotator-effects", "none"]).exit_code == 0
    build_report(ws)
    assert (
        not ws.path("report", "tables", "precision_precision_per_model_and_comparison.csv").read_text().count("truth")
    )  # no reference standard: no truth, and no note asking for one

    known = links[links["record_b"].str[3:].astype(int) % 3 == 0].drop_duplicates(["record_a", "record_b"])
    labels = np.where(known["record_b"].str[3:].astype(int) % 2 == 0, "same object", "unrelated")
    REFERENCE_STANDARD.write(ws, known[["record_a", "collection_a", "record_b", "collection_b"]].assign(label=labels))
    build_report(ws)
    table = pd.read_csv(ws.path("report", "tables", "precision_precision_per_model_and_comparison.csv"))
    row = table[(table["comparison"] == "text-text") & (table["model"] == "base")].iloc[0]
    named = links[links["link.text-text.base"] & links["record_b"].isin(known["record_b"])]
    assert row["truth_all_links"] == pytest.approx((named["record_b"].str[3:].astype(int) % 2 == 0).mean())
    assert np.isnan(row["truth_as_labelled"])  # no curator error given
    html = ws.path("report", "report.html").read_text()
    assert "REFERENCE STANDARD: `truth` is the share of the model&#39;s links" in html
    assert "over the links it names" in html and "SIMULATION: `truth`" not in html
