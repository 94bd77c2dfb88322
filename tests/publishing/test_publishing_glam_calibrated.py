"""The GLAM exports of IIIF and Linked Art collections (their manifests and canvases as targets) and of
calibrated links (assigned by a model; the same object only when certified at a precision)."""

from __future__ import annotations

import hashlib
import json
import re

import pandas as pd
import pytest

from analysis.artifacts import PUBLISHABLE
from heritage_weaver.workspace import Workspace
from ingest.artifacts import RECORDS
from publishing.export import export_links
from publishing.glam.links import Calibrated, calibrated_glam_links
from publishing.glam.records import iiif_resource
from publishing.glam.validate import problems
from publishing.rdf import Ids
from tests.analysis.analysis_fixtures import calibrated_study
from tests.publishing.conftest import no_network, write_records, write_thresholds

pytest.importorskip("pyshacl")
AAT = "http://vocab.getty.edu/aat/"
BASE = "urn:heritage-weaver:fixture:"


def _key(record_id: str) -> str:
    return hashlib.sha256(record_id.encode()).hexdigest()[:16]


def _read(ws: Workspace, folder: str, record_id: str) -> dict:
    return json.loads(ws.path("publishing", folder, f"{_key(record_id)}.json").read_text(encoding="utf-8"))


def _as_glam_collections(ws: Workspace, canvases: bool = False) -> Workspace:
    """The study's SMG collection as IIIF manifests (or canvases) and its NMS one as Linked Art with
    manifests kept in the `manifest` field, published under an https base."""
    for folder, name in (("manifests", "m.json"), ("objects", "o.json")):
        (ws.root / "data" / folder).mkdir(exist_ok=True)
        (ws.root / "data" / folder / name).write_text("{}")
    config = ws.path("study.toml")
    text = config.read_text()
    text = text.replace('format = "smg"\npath = "data/smg.jsonl"', 'format = "iiif"\npath = "data/manifests"')
    text = text.replace(
        'format = "nms"\npath = "data/nms.csv"',
        'format = "linked_art"\npath = "data/objects"\nfields = { iiif = "manifest" }',
    )
    if canvases:
        text = text.replace('path = "data/manifests"', 'path = "data/manifests"\niiif_records = "canvas"')
    config.write_text(text + '\n[publishing]\nbase_uri = "https://data.example.org/study/"\n')
    return Workspace.open(ws.root)


def test_iiif_records_target_their_manifest_and_linked_art_records_the_manifest_they_keep(labelled_study):
    ws = _as_glam_collections(labelled_study)
    records = pd.read_parquet(ws.path("records", "records.parquet"))
    smg = records["collection"] == "smg"
    records.loc[smg, "source_id"] = "https://iiif.example.org/" + records.loc[smg, "record_id"] + "/manifest"
    # every other NMS record keeps a manifest; one keeps a value that is no web address
    numbers = records["record_id"].str.extract(r"(\d+)")[0].astype(int)
    records["iiif"] = None
    kept = ~smg & (numbers % 2 == 0)
    records.loc[kept, "iiif"] = "https://museum.example.org/iiif/" + records.loc[kept, "record_id"] + ".json"
    records.loc[~smg & (numbers == numbers[~smg & ~kept].min()), "iiif"] = "urn:not-a-manifest"
    RECORDS.write(ws, records)
    with no_network():
        export = export_links(ws, validate=True)
    by_id = records.set_index("record_id")
    for row in export.glam.index.to_dict("records"):
        page = _read(ws, "iiif", row["record_id"])
        assert page["id"] == f"https://data.example.org/study/iiif/{_key(row['record_id'])}.json"
        record = by_id.loc[row["record_id"]]
        if record["collection"] == "smg":
            expected: object = {"id": record["source_id"], "type": "Manifest"}
        elif isinstance(record["iiif"], str) and record["iiif"].startswith("https://"):
            expected = {"id": record["iiif"], "type": "Manifest"}
        else:
            expected = row["uri"]  # no manifest kept, or none a viewer can load
        assert all(annotation["target"] == expected for annotation in page["items"])
        assert row["iiif_target_type"] == (expected["type"] if isinstance(expected, dict) else "")
    assert 0 < export.glam.iiif_targets < len(export.glam.index)
    kept_targets = export.glam.index["iiif_target"].str.startswith("https://museum.example.org/")
    assert kept_targets.any()  # Linked Art records whose manifest ingest kept


def test_canvas_records_target_their_canvas(labelled_study):
    config = _as_glam_collections(labelled_study, canvases=True).config
    canvas = "https://iiif.example.org/m/canvas/1"
    assert iiif_resource(config, "smg", canvas, None) == {"id": canvas, "type": "Canvas"}
    assert iiif_resource(config, "smg", "smg7", None) is None  # an id that is no web address
    assert iiif_resource(config, "nms", "nms7", "https://m.example.org/7") == {
        "id": "https://m.example.org/7",
        "type": "Manifest",
    }


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, float]:
    """The calibrated study, exported with --precision under a positive label of "same object" alone and
    `same_object_precision` between the comparisons' lower bounds (the rule reads the config when it exports)."""
    root = tmp_path_factory.mktemp("glam-calibrated") / "study"
    ws = calibrated_study(root, 0.6)
    write_thresholds(ws)
    write_records(ws)
    publishable = PUBLISHABLE.read(ws)
    bounds = sorted(
        publishable.loc[
            (publishable["target"] == "study") & (publishable["score"] == "probability"), "lower_bound"
        ].dropna()
    )
    certified_at = (bounds[0] + bounds[1]) / 2
    config = ws.path("study.toml")
    text = re.sub(r"\[analysis\]\n", '[analysis]\npositive_labels = ["same object"]\n', config.read_text())
    config.write_text(text.replace("[publishing]\n", f"[publishing]\nsame_object_precision = {certified_at}\n"))
    ws = Workspace.open(root)
    with no_network():
        export_links(ws, validate=True, precision=0.6)
    return ws, certified_at


def test_calibrated_annotations_state_the_probability_and_the_set_precision(calibrated):
    ws, _ = calibrated
    links = pd.read_parquet(ws.path("publishing", "calibrated_links.parquet"))
    assert len(links)
    for row in links.to_dict("records"):
        page = _read(ws, "iiif", row["record_a"])
        annotation = next(a for a in page["items"] if a["id"] == f"{page['id']}#{row['comparison']}/{row['pair_id']}")
        assert problems(page) == []
        assert annotation["hw:probability"] == row["probability"]
        assert annotation["hw:setPrecision"] == row["set_precision"]
        assert annotation["hw:setPrecisionLowerBound"] == row["set_lower_bound"]
        assert annotation["hw:confidence"] == row["confidence"]
        assert annotation["hw:comparison"] == f"{BASE}comparison/{row['comparison']}"
        assert annotation["hw:statement"] == f"{BASE}calibrated-link/{row['comparison']}/{row['pair_id']}"
        assert "hw:label" not in annotation and "hw:agreement" not in annotation  # nobody judged it
        assert annotation["body"][1]["value"].endswith(
            f"probability {row['probability']:.2f}; not judged by a curator)"
        )
        models = [pair.split("/")[1] for pair in row["linked_by"].split(";")]
        assert [agent["id"] for agent in annotation["creator"]] == [f"{BASE}model/{m}" for m in models]
        assert {agent["type"] for agent in annotation["creator"]} == {"Software"}


def test_a_calibrated_link_is_the_same_object_only_when_its_set_is_certified(calibrated):
    ws, certified_at = calibrated
    links = pd.read_parquet(ws.path("publishing", "calibrated_links.parquet"))
    certified = links["set_lower_bound"] >= certified_at
    assert certified.any() and (~certified).any()
    assert (links["relation"] == "skos:exactMatch").all()  # the relation of "same object", the one positive label
    for row, same in zip(links.to_dict("records"), certified):
        document = _read(ws, "linked_art", row["record_a"])
        assert problems(document) == []
        references = [e["id"] for e in document.get("equivalent", [])]
        machine = [
            a for a in document.get("attributed_by", []) if a["assigned"][0]["id"] == row["uri_b"] and "technique" in a
        ]
        if same:
            assert row["uri_b"] in references and not machine
            continue
        assert len(machine) == 1
        assignment = machine[0]
        assert "carried_out_by" not in assignment  # a model carries out no activity in Linked Art
        assert assignment["technique"][0]["id"] == f"{AAT}300456842"  # artificial intelligence
        assert f"{AAT}300456841" in [c["id"] for c in assignment["classified_as"]]  # AI Generated Content
        assert assignment["timespan"]["begin_of_the_begin"] == assignment["timespan"]["end_of_the_end"]
        assert f"{row['probability']:.3f}" in assignment["referred_to_by"][0]["content"]


def _calibrated_row(lower_bound: float) -> dict:
    return {
        "pair_id": "p1",
        "record_a": "a1",
        "record_b": "b1",
        "comparison": "image-image",
        "relation": "skos:exactMatch",
        "probability": 0.97,
        "set_precision": 0.95,
        "set_lower_bound": lower_bound,
        "confidence": 0.95,
        "linked_by": "image-image/base",
        "score.image-image.base": 0.9,
    }


@pytest.mark.parametrize(
    ("label", "required", "lower_bound", "same"),
    [
        ("same object", 0.9, 0.92, True),
        ("same object", 0.9, 0.9, True),  # reaching the stated precision is enough
        ("same object", 0.9, 0.89, False),
        ("same object", None, 0.99, False),  # unset: never
        ("similar object", 0.5, 0.99, False),  # a probability of "similar or same" says nothing of sameness
    ],
)
def test_certification_needs_the_same_object_label_and_a_lower_bound_at_the_stated_precision(
    label, required, lower_bound, same
):
    links = calibrated_glam_links(pd.DataFrame([_calibrated_row(lower_bound)]), label, required, None, Ids(BASE))
    assert [link.record for link in links] == ["a1", "b1"] and [link.other for link in links] == ["b1", "a1"]
    assert all(link.same_object == same for link in links)
    assert all(isinstance(link.evidence, Calibrated) and link.evidence.calibrated_at is None for link in links)
    assert links[0].candidates == (("image-image", "base", 0.9),)
