"""`hw export-links --precision`: the unjudged links above the calibrated thresholds, in the tables and the RDF."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pandas as pd
import pytest
from rdflib import Graph, Literal
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, PROV, RDF, SKOS
from typer.testing import CliRunner

from analysis.artifacts import LINK_PROBABILITIES, PUBLISHABLE
from benchmarks.bench_calibrated_rdf import synthetic
from heritage_weaver.workspace import Workspace
from hw_cli.app import app
from publishing.calibrated.links import calibrated_relation
from publishing.calibrated.rdf import write_ntriples
from publishing.export import validate_graph
from publishing.rdf import HW
from publishing.verdicts import judgements, verdicts
from tests.analysis.analysis_fixtures import calibrated_study
from tests.publishing.conftest import write_records, write_thresholds

pytest.importorskip("pyshacl")
EXPORTS = ("links.csv", "links.parquet", "links.ttl")  # byte for byte; JSON-LD's node order varies by process


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ws = calibrated_study(tmp_path_factory.mktemp("calibrated") / "study", 0.6)
    write_thresholds(ws)
    write_records(ws)
    return ws.root


@pytest.fixture
def study(calibrated: Path, tmp_path: Path) -> Workspace:
    """A fresh copy of the calibrated study (calibrating takes a while)."""
    return Workspace.open(shutil.copytree(calibrated, tmp_path / "study"))


def _export(ws: Workspace, *options: str):
    return CliRunner().invoke(app, ["export-links", "--study", str(ws.root), *options])


def _judged(ws: Workspace) -> set[str]:
    labels = pd.read_parquet(ws.path("annotation", "labels.parquet"))
    return set(verdicts(labels, judgements(labels))["pair_id"])


def _calibrated_graph(ws: Workspace) -> Graph:
    return Graph().parse(ws.path("publishing", "calibrated_links.nt"), format="nt")


def _chosen(ws: Workspace) -> pd.DataFrame:
    publishable = PUBLISHABLE.read(ws)
    rows = publishable[(publishable["target"] == "study") & (publishable["score"] == "probability")]
    return rows.set_index("comparison")


def test_precision_publishes_every_unjudged_link_above_each_threshold_with_its_probability(study):
    result = _export(study, "--precision", "0.6", "--validate")
    assert result.exit_code == 0, result.output
    assert "SHACL: the RDF conforms" in result.output and "Calibrated links (not judged by a curator)" in result.output
    chosen = _chosen(study)
    assert chosen["threshold"].notna().all()  # every comparison reaches 0.6 in this fixture
    table = pd.read_parquet(study.path("publishing", "calibrated_links.parquet"))
    csv = pd.read_csv(study.path("publishing", "calibrated_links.csv"))
    assert len(csv) == len(table) > 0
    probabilities = LINK_PROBABILITIES.read(study)
    judged = _judged(study)
    for comparison, row in chosen.iterrows():
        candidates = probabilities[probabilities["comparison"] == comparison]
        above = candidates[candidates["probability"] >= row["threshold"]]
        expected = above[~above["pair_id"].isin(judged)]
        published = table[table["comparison"] == comparison]
        assert sorted(published["pair_id"]) == sorted(expected["pair_id"])
        assert len(expected) < len(above)  # the judged pairs above it are left to their verdicts
        assert published["probability"].tolist() == sorted(expected["probability"], reverse=True)
        for column in ("precision", "lower_bound", "ci_low", "ci_high"):
            assert (published[f"set_{column}"] == row[column]).all()
        assert (published["threshold"] == row["threshold"]).all()
        models = {pair for pairs in published["linked_by"].str.split(";") for pair in pairs}
        assert models and all(pair.startswith(f"{comparison}/") for pair in models)
        assert f"{int(row['links']):,}" in result.output
    # the least specific positive label of the binarisation is "same category"
    assert (table["relation"] == "skos:relatedMatch").all()

    verified = Graph().parse(study.path("publishing", "links.ttl"), format="turtle")
    json_ld = Graph().parse(study.path("publishing", "links.jsonld"), format="json-ld")
    assert isomorphic(verified, json_ld)
    assert not set(verified.subjects(RDF.type, HW.CalibratedLink))
    turtle = verified + _calibrated_graph(study)
    assert validate_graph(turtle)[0]
    nodes = set(turtle.subjects(RDF.type, HW.CalibratedLink))
    assert len(nodes) == len(table)
    assert not nodes & set(turtle.subjects(RDF.type, HW.Link))
    sample = next(turtle.subjects(RDF.type, HW.LabelledSample))
    assert turtle.value(sample, HW.pairCount).toPython() == len(judged)
    by_id = table.set_index(["comparison", "pair_id"])
    for node in nodes:
        comparison = str(turtle.value(node, HW.comparison)).rsplit("/", 1)[1]
        pair = str(turtle.value(node, DCTERMS.identifier))
        row = by_id.loc[(comparison, pair)]
        assert float(turtle.value(node, HW.probability).toPython()) == pytest.approx(row["probability"], abs=1e-15)
        assert turtle.value(node, HW.decision) is None and turtle.value(node, HW.label) is None
        assert (turtle.value(node, RDF.subject), SKOS.relatedMatch, turtle.value(node, RDF.object)) in turtle
        activity = turtle.value(node, PROV.wasGeneratedBy)
        assert (activity, RDF.type, HW.Calibration) in turtle and (activity, PROV.used, sample) in turtle
        for candidate in turtle.objects(node, PROV.wasDerivedFrom):
            assert (candidate, RDF.type, HW.Candidate) in turtle and (activity, PROV.used, candidate) in turtle
        members = turtle.value(predicate=PROV.hadMember, object=node)
        assert turtle.value(members, PROV.wasGeneratedBy) == activity
        assert float(turtle.value(members, HW.precisionLowerBound).toPython()) == chosen.loc[comparison, "lower_bound"]
        assert float(turtle.value(members, HW.estimatedPrecision).toPython()) == chosen.loc[comparison, "precision"]
        assert turtle.value(members, HW.linkCount).toPython() == chosen.loc[comparison, "links"]


def test_the_shapes_refuse_a_calibrated_link_that_claims_a_judgement_or_lacks_its_calibration(study):
    assert _export(study, "--precision", "0.6").exit_code == 0
    graph = Graph().parse(study.path("publishing", "links.ttl"), format="turtle") + _calibrated_graph(study)
    node = next(graph.subjects(RDF.type, HW.CalibratedLink))
    claimed = Graph() + graph
    claimed.add((node, HW.decision, Literal("unanimous")))
    conforms, report = validate_graph(claimed)
    assert not conforms and "decision" in report
    orphan = Graph() + graph
    orphan.remove((node, PROV.wasGeneratedBy, None))
    conforms, report = validate_graph(orphan)
    assert not conforms and "wasGeneratedBy" in report


def test_verified_links_keep_their_triples_and_without_precision_the_export_is_unchanged(study):
    assert _export(study).exit_code == 0
    folder = study.path("publishing")
    before = {name: (folder / name).read_bytes() for name in EXPORTS}
    assert pd.read_parquet(folder / "calibrated_links.parquet").empty
    plain = Graph().parse(folder / "links.ttl", format="turtle")

    assert (folder / "calibrated_links.nt").read_bytes() == b""
    assert _export(study, "--precision", "0.6").exit_code == 0
    assert (folder / "links.ttl").read_bytes() == before["links.ttl"]
    calibrated = plain + _calibrated_graph(study)
    assert len(calibrated) > len(plain)
    for link in plain.subjects(RDF.type, HW.Link):
        assert set(plain.predicate_objects(link)) == set(calibrated.predicate_objects(link))
        verification = plain.value(link, PROV.wasGeneratedBy)
        assert set(plain.predicate_objects(verification)) == set(calibrated.predicate_objects(verification))
    assert (folder / "links.parquet").read_bytes() == before["links.parquet"]
    assert (folder / "links.csv").read_bytes() == before["links.csv"]

    assert _export(study).exit_code == 0
    assert {name: (folder / name).read_bytes() for name in EXPORTS} == before
    assert (folder / "calibrated_links.nt").read_bytes() == b""
    assert set(Graph().parse(folder / "links.jsonld", format="json-ld")) == set(plain)
    assert pd.read_parquet(folder / "calibrated_links.parquet").empty


def test_a_precision_other_than_the_calibrated_target_says_how_to_get_it(study):
    result = _export(study, "--precision", "0.8")
    assert result.exit_code == 1
    output = " ".join(result.output.split())
    assert "analysis/publishable.parquet holds thresholds for a precision of 0.6, not 0.8" in output
    assert "target_precision = 0.8 and run `hw calibrate` again" in output


def test_a_comparison_without_a_threshold_publishes_nothing_and_says_why(tmp_path):
    ws = calibrated_study(tmp_path / "study", 0.99)
    write_thresholds(ws)
    write_records(ws)
    result = _export(ws, "--precision", "0.99", "--validate")
    assert result.exit_code == 0, result.output
    assert pd.read_parquet(ws.path("publishing", "calibrated_links.parquet")).empty
    assert "image-image: no threshold with 30 or more labelled pairs" in " ".join(result.output.split())
    graph = Graph().parse(ws.path("publishing", "links.ttl"), format="turtle")
    assert not set(graph.subjects(RDF.type, HW.CalibratedLink))
    assert not set(graph.subjects(RDF.type, HW.PublishableSet))


def test_the_calibrated_relation_is_that_of_the_least_specific_positive_label():
    relations = {"same object": "exactMatch", "similar object": "closeMatch", "same category": "relatedMatch"}
    assert calibrated_relation(["same object", "same category", "similar object"], relations) == "skos:relatedMatch"
    assert calibrated_relation(["same object", "similar object"], relations) == "skos:closeMatch"
    with pytest.raises(ValueError, match="'same category', has no SKOS relation"):
        calibrated_relation(["same object", "same category"], {"same object": "exactMatch"})


def test_the_calibrated_rdf_in_parts_is_the_graph_in_one_piece():
    links, calibration, provenance = synthetic(23)
    written: list[int] = []
    checked: list[Graph] = []
    in_parts, whole = io.StringIO(), io.StringIO()
    triples = write_ntriples(in_parts, calibration, links, provenance, checked.append, written.append, size=5)
    write_ntriples(whole, calibration, links, provenance, size=1_000)
    assert written == [5, 10, 15, 20, 23] and len(checked) == 5
    parts = Graph().parse(data=in_parts.getvalue(), format="nt")
    one_piece = Graph().parse(data=whole.getvalue(), format="nt")
    assert set(parts) == set(one_piece) and len(parts) == triples
    assert len(set(parts.subjects(RDF.type, HW.CalibratedLink))) == 23
    (members,) = set(parts.subjects(RDF.type, HW.PublishableSet))
    assert set(parts.objects(members, PROV.hadMember)) == set(parts.subjects(RDF.type, HW.CalibratedLink))
    activity = parts.value(members, PROV.wasGeneratedBy)
    assert (activity, RDF.type, HW.Calibration) in parts
    for part in checked:  # each check sees the context its links point to
        assert (members, RDF.type, HW.PublishableSet) in part and (activity, RDF.type, HW.Calibration) in part
