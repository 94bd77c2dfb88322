"""`hw export-links` as IIIF Web Annotations and Linked Art: what each specification requires, read
offline with the shipped contexts, and what the verified links carry into them."""

from __future__ import annotations

import copy
import hashlib
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef

from heritage_weaver.workspace import Workspace
from ingest.artifacts import RECORDS
from publishing.export import Export, ExportError, export_links, validate_graph
from publishing.glam import export as glam_export
from publishing.glam.contexts import IIIF_PRESENTATION, LINKED_ART, SHIPPED, contexts_folder, offline_graph
from publishing.glam.links import utc_iso
from publishing.glam.validate import documents_graph, problems
from publishing.rdf import HW
from publishing.verdicts import judgements
from tests.analysis.analysis_fixtures import make_batches, simulate_labels, write_annotation_inputs, write_study
from tests.publishing.conftest import no_network, write_records, write_thresholds
from tests.publishing.test_publishing_hostile import HOSTILE_IDS

pytest.importorskip("pyshacl")
OA = Namespace("http://www.w3.org/ns/oa#")
CRM = Namespace("http://www.cidoc-crm.org/cidoc-crm/")
LA = Namespace("https://linked.art/ns/terms/")
AAT = "http://vocab.getty.edu/aat/"
BASE = "urn:heritage-weaver:fixture:"


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, Export]:
    """The publishing tests' labelled study, exported once with --validate, without the network."""
    ws = write_study(tmp_path_factory.mktemp("glam") / "study")
    batches = make_batches(seed=1, per_link_type=2, overlap=6)
    write_annotation_inputs(ws, batches, simulate_labels(batches, {"base": -0.3, "ft-best": 1.2, "ft-last": 0.6}, 2))
    write_thresholds(ws)
    write_records(ws)
    with no_network():
        export = export_links(ws, validate=True)
    return ws, export


def _key(record_id: str) -> str:
    return hashlib.sha256(record_id.encode()).hexdigest()[:16]


def _read(ws: Workspace, folder: str, record_id: str) -> dict:
    return json.loads(ws.path("publishing", folder, f"{_key(record_id)}.json").read_text(encoding="utf-8"))


def _annotation(page: dict, fragment: str) -> dict:
    return next(item for item in page["items"] if item["id"] == f"{page['id']}#{fragment}")


def test_every_record_with_links_has_one_annotation_page_of_linking_annotations(exported):
    ws, export = exported
    links = export.table.links
    uris = dict(zip(links["record_a"], links["uri_a"])) | dict(zip(links["record_b"], links["uri_b"]))
    linked = set(uris)
    assert {p.name for p in ws.path("publishing", "iiif").iterdir()} == {f"{_key(r)}.json" for r in linked}
    assert export.glam.total("annotations") == 2 * len(links)  # each link on both records' pages
    for record in linked:
        page = _read(ws, "iiif", record)
        assert problems(page) == []
        assert page["@context"][-1] == IIIF_PRESENTATION and page["type"] == "AnnotationPage"
        assert page["id"] == f"{BASE}iiif/{_key(record)}.json" and page["items"]
        for annotation in page["items"]:
            assert annotation["type"] == "Annotation" and annotation["motivation"] == "linking"
            assert annotation["id"].startswith(page["id"] + "#")
            assert annotation["target"] == uris[record]  # no IIIF resource known: the record's URI


def test_a_verified_annotation_names_the_linked_record_its_label_agreement_scores_and_curators(exported):
    ws, export = exported
    judged = judgements(pd.read_parquet(ws.path("annotation", "labels.parquet")))
    for row in export.table.links.to_dict("records"):
        annotation = _annotation(_read(ws, "iiif", row["record_a"]), row["pair_id"])
        record, words = annotation["body"]
        assert record == {"id": row["uri_b"], "type": "Text", "label": {"none": [f"Object {row['record_b']}"]}}
        assert words == {
            "type": "TextualBody",
            "purpose": "describing",
            "format": "text/plain",
            "value": f"{row['label'].capitalize()}: Object {row['record_b']} (verified by curators)",
        }
        assert annotation["hw:label"] == row["label"] and annotation["hw:decision"] == row["decision"]
        assert annotation["hw:agreement"] == pytest.approx(row["agreement"])
        assert annotation["hw:annotatorCount"] == row["n_annotators"]
        assert annotation["hw:statement"] == f"{BASE}link/{row['pair_id']}"
        assert annotation["hw:relation"].endswith("#" + row["relation"].removeprefix("skos:"))
        proposed = [pair.split("/") for pair in filter(None, row["linked_by"].split(";"))]
        assert [(c["hw:comparison"], c["hw:model"], c["hw:score"]) for c in annotation["hw:candidates"]] == [
            (f"{BASE}comparison/{c}", f"{BASE}model/{m}", row[f"score.{c}.{m}"]) for c, m in proposed
        ]
        own = judged[judged["pair_id"] == row["pair_id"]]
        assert [agent["id"] for agent in annotation["creator"]] == [f"{BASE}annotator/{a}" for a in own["annotator"]]
        assert annotation["created"] == utc_iso(own["labelled_at"].max())
        back = _annotation(_read(ws, "iiif", row["record_b"]), row["pair_id"])
        assert back["body"][0]["id"] == row["uri_a"] and back["target"] == row["uri_b"]


def test_linked_art_makes_same_object_links_equivalent_and_every_other_a_related_assignment(exported):
    ws, export = exported
    judged = judgements(pd.read_parquet(ws.path("annotation", "labels.parquet")))
    labels = export.table.links["label"]
    assert (labels == "same object").any() and (labels != "same object").any()
    for row in export.table.links.to_dict("records"):
        document, other = _read(ws, "linked_art", row["record_a"]), _read(ws, "linked_art", row["record_b"])
        assert problems(document) == []
        assert document["@context"] == LINKED_ART and document["type"] == "HumanMadeObject"
        assert document["id"] == row["uri_a"] and document["_label"] == f"Object {row['record_a']}"
        reference = {"id": row["uri_b"], "type": "HumanMadeObject", "_label": f"Object {row['record_b']}"}
        assignments = [a for a in document.get("attributed_by", []) if a["assigned"] == [reference]]
        if row["label"] == "same object":
            assert reference in document["equivalent"] and not assignments
            assert {"id": row["uri_a"], "type": "HumanMadeObject", "_label": f"Object {row['record_a']}"} in (
                other["equivalent"]
            )
            continue
        assert "equivalent" not in document and len(assignments) == 1
        assignment = assignments[0]
        assert assignment["type"] == "AttributeAssignment"
        assert assignment["classified_as"] == [
            {"id": str(HW[row["label"].title().replace(" ", "")]), "type": "Type", "_label": row["label"]}
        ]
        assert assignment["identified_by"][0]["classified_as"][0]["id"] == f"{AAT}300404669"  # Display Name
        assert assignment["referred_to_by"][0]["classified_as"][0]["id"] == f"{AAT}300435416"  # Description
        own = judged[judged["pair_id"] == row["pair_id"]]
        assert [p["id"] for p in assignment["carried_out_by"]] == [f"{BASE}annotator/{a}" for a in own["annotator"]]
        assert "technique" not in assignment
        assert assignment["timespan"] == {
            "type": "TimeSpan",
            "begin_of_the_begin": utc_iso(own["labelled_at"].min()),
            "end_of_the_end": utc_iso(own["labelled_at"].max()),
        }
        models = dict.fromkeys(pair.split("/")[1] for pair in filter(None, row["linked_by"].split(";")))
        assert [m["id"] for m in assignment.get("used_specific_object", [])] == [f"{BASE}model/{m}" for m in models]


def test_the_exports_read_offline_as_rdf_with_the_shipped_contexts(exported):
    ws, export = exported
    statements = set(Graph().parse(ws.path("publishing", "links.ttl")).subjects(RDF.type, HW.Link))
    row = export.table.links.iloc[0]
    with no_network():
        with pytest.raises(OSError, match="network"):  # the guard holds: an unshipped context is not read
            Graph().parse(
                data=json.dumps({"@context": "https://example.org/other.jsonld", "id": "x:y"}), format="json-ld"
            )
        page = offline_graph(_read(ws, "iiif", row["record_a"]))
        document = offline_graph(_read(ws, "linked_art", row["record_a"]))
    annotations = list(page.subjects(RDF.type, OA.Annotation))
    assert annotations
    for annotation in annotations:
        assert page.value(annotation, OA.motivatedBy) == OA.linking
        assert page.value(annotation, OA.hasTarget) == URIRef(row["uri_a"])
        bodies = list(page.objects(annotation, OA.hasBody))
        record = next(body for body in bodies if isinstance(body, URIRef))
        words = next(body for body in bodies if (body, RDF.type, OA.TextualBody) in page)
        assert page.value(record, RDFS.label) is not None and page.value(words, RDF.value) is not None
        assert page.value(annotation, HW.statement) in statements  # the link's statement in links.ttl
    subject = URIRef(row["uri_a"])
    assert (subject, RDF.type, CRM["E22_Human-Made_Object"]) in document
    assert document.value(subject, RDFS.label) == Literal(f"Object {row['record_a']}")
    assert set(document.objects(subject, LA.equivalent)) | set(document.objects(subject, CRM.P140i_was_attributed_by))


def test_the_index_says_whose_page_and_document_each_file_is(exported):
    ws, export = exported
    index = pd.read_csv(ws.path("publishing", "glam_records.csv"), dtype=str, keep_default_na=False)
    assert len(index) == len(export.glam.index) and set(index["file"]) == {
        p.name for p in ws.path("publishing", "iiif").iterdir()
    }
    for row in index.to_dict("records"):
        page = json.loads(ws.path("publishing", "iiif", row["file"]).read_text())
        assert page["id"] == row["iiif_page"] and len(page["items"]) == int(row["annotations"])
        assert ws.path("publishing", "linked_art", row["file"]).is_file()
    manifest = ws.manifest()
    assert {"publishing/iiif", "publishing/linked_art", "publishing/glam_records.csv"} <= set(manifest)


def test_validation_names_what_a_document_lacks_and_the_shapes_refuse_it(exported):
    ws, export = exported
    row = export.table.links[export.table.links["label"] != "same object"].iloc[0]
    page, document = _read(ws, "iiif", row["record_a"]), _read(ws, "linked_art", row["record_a"])
    broken = copy.deepcopy(page)
    del broken["items"][0]["motivation"]
    broken["items"][0]["body"][0].pop("label")
    broken["@context"] = list(reversed(broken["@context"]))
    assert {re.sub(r"^annotation \d+: ", "", p).split(":")[0] for p in problems(broken)} == {
        "IIIF Presentation 3",
        "Web Annotation",
    }
    assert len(problems(broken)) == 3
    both = copy.deepcopy(document)
    both["attributed_by"][0]["technique"] = [
        {"id": f"{AAT}300456842", "type": "Type", "_label": "artificial intelligence"}
    ]
    assert problems(both) == [
        "attributed_by 1: Linked Art: either carried_out_by (curators) or the artificial-intelligence technique (a model)"
    ]
    assert validate_graph(documents_graph([page, document]))[0]
    unrelated = copy.deepcopy(page)
    del unrelated["items"][0]["hw:relation"]
    assert not validate_graph(documents_graph([unrelated]))[0]
    assert not validate_graph(documents_graph([both]))[0]


def test_a_failed_check_leaves_the_previous_export_in_place(labelled_study, monkeypatch):
    export_links(labelled_study)
    publishing = labelled_study.path("publishing")
    before = {p.relative_to(publishing): p.read_bytes() for p in publishing.rglob("*") if p.is_file()}

    written = glam_export.annotation_page

    def without_motivation(*args, **kwargs) -> dict:
        page = written(*args, **kwargs)
        for annotation in page["items"]:
            del annotation["motivation"]
        return page

    monkeypatch.setattr(glam_export, "annotation_page", without_motivation)
    with pytest.raises(ExportError, match="motivation must be linking"):
        export_links(labelled_study, validate=True)
    after = {p.relative_to(publishing): p.read_bytes() for p in publishing.rglob("*") if p.is_file()}
    assert after == before  # no staging folder left, no file changed


def test_catalogue_names_are_json_text_and_exact_labels_in_the_rdf(labelled_study):
    records = pd.read_parquet(labelled_study.path("records", "records.parquet"))
    records["name"] = [f"{HOSTILE_IDS[i % len(HOSTILE_IDS)]} {i}" for i in range(len(records))]
    RECORDS.write(labelled_study, records)
    export = export_links(labelled_study)
    names = dict(zip(records["record_id"], records["name"]))
    row = export.table.links.iloc[0]
    page = _read(labelled_study, "iiif", row["record_a"])
    document = _read(labelled_study, "linked_art", row["record_a"])
    assert problems(page) == [] and problems(document) == []
    record, words = _annotation(page, row["pair_id"])["body"]
    assert record["label"] == {"none": [names[row["record_b"]]]} and names[row["record_b"]] in words["value"]
    assert document["_label"] == names[row["record_a"]]
    label = offline_graph(page).value(URIRef(row["uri_b"]), RDFS.label)  # IIIF's "none" language tag aside
    assert str(label) == names[row["record_b"]]
    assert offline_graph(document).value(URIRef(row["uri_a"]), RDFS.label) == Literal(names[row["record_a"]])


def test_the_contexts_ship_with_their_sources_licences_and_checksums():
    readme = (contexts_folder() / "README.md").read_text(encoding="utf-8")
    for url, name in SHIPPED.items():
        content = (contexts_folder() / name).read_bytes()
        assert "@context" in json.loads(content)
        assert f"{hashlib.sha256(content).hexdigest()}  {name}" in readme
        row = next(line for line in readme.splitlines() if line.startswith(f"| `{name}` |"))
        assert url in row and ("CC BY 4.0" in row or "W3C Document License" in row)
    pyproject = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text(encoding="utf-8")
    assert '"publishing" = ["contexts/*.json", "contexts/*.jsonld", "contexts/README.md"]' in pyproject
