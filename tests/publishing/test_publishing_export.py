"""`hw export-links`: tables and RDF agree, the RDF round-trips and conforms to the SHACL shapes."""

from __future__ import annotations

import pandas as pd
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import PROV, RDF, SKOS
from typer.testing import CliRunner

from hw_cli.app import app
from publishing.export import validate_graph
from publishing.rdf import HW
from publishing.verdicts import judgements, verdicts
from tests.publishing.conftest import write_thresholds

pytest.importorskip("pyshacl")


def _export(ws, *options: str):
    return CliRunner().invoke(app, ["export-links", "--study", str(ws.root), *options])


def _expected(ws) -> pd.DataFrame:
    labels = pd.read_parquet(ws.path("annotation", "labels.parquet"))
    return verdicts(labels, judgements(labels))


def test_tables_hold_one_row_per_pair_whose_label_maps_to_a_relation(labelled_study):
    result = _export(labelled_study)
    assert result.exit_code == 0, result.output
    expected = _expected(labelled_study)
    linked = expected[expected["label"] != "unrelated"]
    table = pd.read_parquet(labelled_study.path("publishing", "links.parquet"))
    csv = pd.read_csv(labelled_study.path("publishing", "links.csv"))
    assert len(table) == len(csv) == len(linked) > 0
    assert sorted(table["pair_id"]) == sorted(linked["pair_id"]) == sorted(csv["pair_id"])
    relation = {
        "same object": "skos:exactMatch",
        "similar object": "skos:closeMatch",
        "same category": "skos:relatedMatch",
    }
    assert (table["relation"] == table["label"].map(relation)).all()
    assert f"{len(expected)} judged pairs, {len(linked)} links" in result.output
    assert "(not exported: unrelated)" in result.output
    # the six pairs every annotator saw carry three labels and their agreement
    shared = table[table["n_annotators"] == 3]
    assert len(shared) == len(linked[linked["n_annotators"] == 3])
    for row in shared.to_dict("records"):
        votes = [row[f"label.{a}"] for a in ("A01", "A02", "A03")]
        assert row["agreement"] == pytest.approx(votes.count(row["label"]) / 3)
    # scores and thresholds per comparison and model; linked_by names exactly the flagged ones
    row = table.iloc[0]
    flagged = [
        f"{c}/{m}"
        for c in ("image-image", "text-text", "text-image")
        for m in ("base", "ft-last", "ft-best")
        if row[f"link.{c}.{m}"]
    ]
    assert row["linked_by"].split(";") == flagged
    thresholds = pd.read_parquet(labelled_study.path("sampler", "thresholds.parquet")).set_index(
        ["comparison", "model"]
    )
    assert row["threshold.text-image.ft-best"] == pytest.approx(thresholds.loc[("text-image", "ft-best"), "threshold"])
    assert row["uri_a"] == f"https://collection.sciencemuseumgroup.org.uk/objects/{row['record_a']}"
    assert (
        row["uri_b"]
        == f"https://www.nms.ac.uk/search-our-collections/collection-search-results/?item_id={row['record_b']}"
    )


def test_turtle_and_json_ld_parse_back_to_the_same_graph_with_the_links_and_their_provenance(labelled_study):
    assert _export(labelled_study).exit_code == 0
    table = pd.read_parquet(labelled_study.path("publishing", "links.parquet"))
    turtle = Graph().parse(labelled_study.path("publishing", "links.ttl"), format="turtle")
    json_ld = Graph().parse(labelled_study.path("publishing", "links.jsonld"), format="json-ld")
    assert isomorphic(turtle, json_ld)
    for relation, count in table["relation"].value_counts().items():
        predicate = SKOS[relation.removeprefix("skos:")]
        assert len(list(turtle.triples((None, predicate, None)))) == count
    assert len(set(turtle.subjects(RDF.type, HW.Link))) == len(table)
    candidates = sum(len(value.split(";")) for value in table["linked_by"] if value)
    assert len(set(turtle.subjects(RDF.type, HW.Candidate))) == candidates

    row = table[table["n_annotators"] == 3].iloc[0]
    link = URIRef(f"urn:heritage-weaver:fixture:link/{row['pair_id']}")
    assert (URIRef(row["uri_a"]), SKOS[row["relation"].removeprefix("skos:")], URIRef(row["uri_b"])) in turtle
    assert float(turtle.value(link, HW.agreement).toPython()) == row["agreement"]  # exact: xsd:decimal
    assert turtle.value(link, RDF.subject) == URIRef(row["uri_a"])
    verification = turtle.value(link, PROV.wasGeneratedBy)
    judges = set(turtle.objects(verification, PROV.wasAssociatedWith))
    assert judges == {URIRef(f"urn:heritage-weaver:fixture:annotator/{a}") for a in ("A01", "A02", "A03")}
    judgement = URIRef(f"{link}/judgement/A02")
    assert turtle.value(judgement, HW.label) == Literal(row["label.A02"])
    assert turtle.value(judgement, PROV.endedAtTime).toPython() == row["labelled_at.A02"].to_pydatetime()
    comparison, model = row["linked_by"].split(";")[0].split("/")
    candidate = URIRef(f"{link}/candidate/{comparison}/{model}")
    assert float(turtle.value(candidate, HW.score).toPython()) == row[f"score.{comparison}.{model}"]
    assert float(turtle.value(candidate, HW.threshold).toPython()) == row[f"threshold.{comparison}.{model}"]
    assert turtle.value(candidate, PROV.wasAttributedTo) == URIRef(f"urn:heritage-weaver:fixture:model/{model}")
    assert turtle.value(turtle.value(candidate, PROV.wasGeneratedBy), PROV.endedAtTime) is not None


def test_the_rdf_conforms_to_the_shapes_and_the_shapes_catch_a_missing_judgement_time(labelled_study):
    result = _export(labelled_study, "--validate")
    assert result.exit_code == 0, result.output
    assert "SHACL: the RDF conforms" in result.output
    graph = Graph().parse(labelled_study.path("publishing", "links.ttl"), format="turtle")
    assert validate_graph(graph)[0]
    judgement = next(graph.subjects(RDF.type, HW.Judgement))
    graph.remove((judgement, PROV.endedAtTime, None))
    conforms, report = validate_graph(graph)
    assert not conforms and "endedAtTime" in report


def test_top_k_candidates_name_their_rank_rule_and_no_threshold(labelled_study):
    write_thresholds(labelled_study, rule="top_k")
    result = _export(labelled_study, "--validate")
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(labelled_study.path("publishing", "links.parquet"))
    assert table.filter(like="threshold.").isna().all().all()
    graph = Graph().parse(labelled_study.path("publishing", "links.ttl"), format="turtle")
    candidates = set(graph.subjects(RDF.type, HW.Candidate))
    assert candidates
    for candidate in candidates:
        assert graph.value(candidate, HW.linkRule) == Literal("top_k")
        assert graph.value(candidate, HW.topK).toPython() == 10
        assert graph.value(candidate, HW.direction) == Literal("both")
        assert graph.value(candidate, HW.threshold) is None and graph.value(candidate, HW.percentile) is None
    candidate = next(iter(candidates))
    graph.remove((candidate, HW.topK, None))  # neither a threshold nor a rank: the shapes refuse it
    conforms, report = validate_graph(graph)
    assert not conforms and "Candidate" in report


def test_uri_templates_relations_and_base_uri_come_from_the_config(labelled_study):
    config = labelled_study.path("study.toml")
    config.write_text(
        config.read_text()
        + """
[publishing]
base_uri = "https://data.example.org/fixture/"
uri_templates = { nms = "https://example.org/{collection}/{record_id}", smg = "https://smg.example.org/{source_id}" }
relations = { "same object" = "exactMatch", "similar object" = "closeMatch" }
"""
    )
    assert _export(labelled_study).exit_code == 0
    table = pd.read_parquet(labelled_study.path("publishing", "links.parquet"))
    assert set(table["label"]) == {"same object", "similar object"}
    assert (table["uri_b"] == "https://example.org/nms/" + table["record_b"]).all()
    own_ids = table["record_a"].str.removeprefix("smg:")
    assert (table["uri_a"] == "https://smg.example.org/" + own_ids).all()
    graph = Graph().parse(labelled_study.path("publishing", "links.ttl"), format="turtle")
    assert URIRef(f"https://data.example.org/fixture/link/{table['pair_id'].iloc[0]}") in set(
        graph.subjects(RDF.type, HW.Link)
    )


def test_a_generic_collection_gets_a_study_urn_with_the_record_id_percent_encoded():
    from publishing.uris import record_uri

    assert (
        record_uri("urn:heritage-weaver:s:{collection}:{record_id}", "mylib", "A 1/2")
        == "urn:heritage-weaver:s:mylib:A%201%2F2"
    )


def test_a_template_names_the_catalogue_own_id_as_source_id_without_the_collection_prefix():
    from publishing.uris import FORMAT_TEMPLATES, record_uri

    tate = "https://www.tate.org.uk/art/artworks/{source_id}"
    assert record_uri(tate, "tate", "tate:A00068") == "https://www.tate.org.uk/art/artworks/A00068"
    assert record_uri(tate, "tate", "A00068") == "https://www.tate.org.uk/art/artworks/A00068"  # no prefix to drop
    assert record_uri(tate, "tate", "tate:A 1/2") == "https://www.tate.org.uk/art/artworks/A%201%2F2"
    assert record_uri("https://x.org/{record_id}", "tate", "tate:A00068") == "https://x.org/tate%3AA00068"
    assert (
        record_uri(FORMAT_TEMPLATES["smg"], "smg", "smg:co8084947")
        == "https://collection.sciencemuseumgroup.org.uk/objects/co8084947"
    )


def test_without_labels_or_with_an_unknown_relation_label_it_says_what_to_do(labelled_study):
    labels = labelled_study.path("annotation", "labels.parquet")
    saved = labels.read_bytes()
    labels.unlink()
    result = _export(labelled_study)
    assert result.exit_code == 1
    assert "annotation/labels.parquet is missing (run `hw pull` first)" in result.output
    skipped = pd.read_parquet(pd.io.common.BytesIO(saved)).assign(status="skipped", label=None)
    skipped.to_parquet(labels)
    result = _export(labelled_study)
    assert result.exit_code == 1 and "holds no labelled annotation yet" in result.output
    labels.write_bytes(saved)
    config = labelled_study.path("study.toml")
    config.write_text(config.read_text() + '\n[publishing]\nrelations = { "same objects" = "exactMatch" }\n')
    result = _export(labelled_study)
    assert result.exit_code == 1
    assert "publishing.relations names unknown label(s) ['same objects']" in result.output
    assert not labelled_study.path("publishing").exists()


@pytest.mark.parametrize(
    ("publishing", "message"),
    [
        (
            'uri_templates = { nms = "https://example.org/{id}" }',
            "nms: a URI template must contain {record_id} or {source_id}",
        ),
        ('uri_templates = { other = "https://example.org/{record_id}" }', "names unknown collection(s) ['other']"),
        ('relations = { "same object" = "sameAs" }', "publishing.relations.same object: Input should be 'exactMatch'"),
        ('base_uri = "https://example.org/no-separator"', "base_uri must be an absolute URI ending in '/', '#' or ':'"),
    ],
)
def test_a_bad_publishing_section_is_an_error_naming_the_key(labelled_study, publishing, message):
    config = labelled_study.path("study.toml")
    config.write_text(config.read_text() + f"\n[publishing]\n{publishing}\n")
    result = _export(labelled_study)
    assert result.exit_code == 1
    assert message in " ".join(result.output.split())
