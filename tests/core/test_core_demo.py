import csv
import hashlib
import json

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from analysis.artifacts import REFERENCE_STANDARD
from analysis.reference import pair_truth
from annotation.artifacts import LABEL_VALUES, LABELS
from demo import synthetic_pairs, write_demo_data
from demo.reference import labelled_noise, reference_standard, write_reference_standard
from demo.simulate import pair_rng, simulated_label
from demo.truth import Truth, read_truth, simulation_comment, true_label
from heritage_weaver.atomic import write_table
from heritage_weaver.workspace import Workspace
from sampler.artifacts import LINKS

POSITIVE = ["same object", "similar object", "same category"]


def _digest(folder):
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def test_demo_data_is_deterministic_and_in_source_formats(tmp_path):
    first = write_demo_data(tmp_path / "a", smg_records=30, nms_records=12, seed=7)
    write_demo_data(tmp_path / "b", smg_records=30, nms_records=12, seed=7)
    write_demo_data(tmp_path / "c", smg_records=30, nms_records=12, seed=8)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert _digest(tmp_path / "a") != _digest(tmp_path / "c")

    entries = [json.loads(line) for line in first.smg.read_text().splitlines()]
    assert len(entries) == 30 and all(e["_id"].startswith("co") for e in entries)
    name = entries[0]["_source"]["name"][0]["value"]
    assert ", by " in name and name[0].isupper()  # SMG style: "Telephone, model 232, by Siemens Brothers, 1925"
    with first.nms.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 12 and all(r["object_name"] == r["object_name"].lower() for r in rows)
    truth = list(csv.DictReader(first.ground_truth.open()))
    assert len(truth) == 42 and {t["category"] for t in truth} <= {"communications", "energy", "textiles"}
    images = list((tmp_path / "a" / "images").rglob("*.jpg"))
    assert images and Image.open(images[0]).size == (128, 128)


def test_record_does_not_depend_on_collection_size(tmp_path):
    small = write_demo_data(tmp_path / "s", smg_records=5, nms_records=2, seed=1)
    large = write_demo_data(tmp_path / "l", smg_records=9, nms_records=4, seed=1)
    assert large.smg.read_text().startswith(small.smg.read_text())


def test_some_records_lack_images_or_descriptions(tmp_path):
    files = write_demo_data(tmp_path, smg_records=200, nms_records=0, seed=0, images=False)
    sources = [json.loads(line)["_source"] for line in files.smg.read_text().splitlines()]
    assert 0 < sum(not s["multimedia"] for s in sources) < 40
    assert 0 < sum("description" not in s for s in sources) < 40


def test_synthetic_pairs_for_pretraining():
    pairs = synthetic_pairs(4, seed=3)
    assert len(pairs) == 4 and pairs[0][1].startswith("a drawing of a ")
    assert pairs[0][0].size == (128, 128)


def test_default_demo_files_have_not_changed(tmp_path):
    """The demo's exports with the defaults, pinned (the JPEG bytes depend on the libjpeg build, so
    those are compared between in-process and worker drawing instead)."""
    files = write_demo_data(tmp_path / "d", smg_records=40, nms_records=10, seed=0)
    write_demo_data(tmp_path / "w", smg_records=40, nms_records=10, seed=0, workers=2)
    assert _digest(tmp_path / "d") == _digest(tmp_path / "w")
    exports = hashlib.sha256(b"".join(p.read_bytes() for p in (files.smg, files.nms, files.ground_truth)))
    assert exports.hexdigest() == PINNED_EXPORTS


PINNED_EXPORTS = "bf6b0506b70f86f1ced18bebb7aa4257c43a2fcca34625fa51efe9f5da80e90c"  # as made before sizes existed (with the unclassified SMG share)


def test_image_sizes_and_counts_at_study_scale_shape(tmp_path):
    files = write_demo_data(
        tmp_path / "s", smg_records=300, nms_records=60, image_size=(224, 800), smg_images=450, nms_images=90
    )
    smg = list((tmp_path / "s" / "images" / "smg").glob("*.jpg"))
    nms = list((tmp_path / "s" / "images" / "nms").glob("*.jpg"))
    assert abs(len(smg) - 450) < 30 and abs(len(nms) - 90) < 12
    sides = [Image.open(path).size for path in smg + nms]
    assert all(width == height and 224 <= width <= 800 for width, height in sides)
    assert len({width for width, _ in sides}) > 100  # drawn per picture
    assert Image.open(smg[0]).format == "JPEG"
    counts = [len(json.loads(line)["_source"]["multimedia"]) for line in files.smg.read_text().splitlines()]
    assert set(counts) == {0, 1, 2}


def test_record_text_does_not_depend_on_image_options(tmp_path):
    plain = write_demo_data(tmp_path / "p", smg_records=20, nms_records=5, images=False)
    sized = write_demo_data(tmp_path / "q", smg_records=20, nms_records=5, images=False, image_size=(300, 400))
    assert plain.smg.read_text() == sized.smg.read_text() and plain.nms.read_text() == sized.nms.read_text()


def test_impossible_image_counts_are_refused(tmp_path):
    import pytest

    with pytest.raises(ValueError, match="smg: 900 images for 300 records"):
        write_demo_data(tmp_path / "x", smg_records=300, nms_records=5, smg_images=900)
    with pytest.raises(ValueError, match="low <= high"):
        write_demo_data(tmp_path / "y", smg_records=3, nms_records=2, image_size=(500, 300))


def test_true_label_follows_the_demo_rule():
    phone = Truth("communications", "telephone", "700")
    assert true_label(phone, Truth("communications", "telephone", "700")) == "same object"
    assert true_label(phone, Truth("communications", "telephone", "candlestick")) == "similar object"
    assert true_label(phone, Truth("communications", "telegraph key", "700")) == "same category"
    assert true_label(phone, Truth("textiles", "loom", "700")) == "unrelated"


def test_simulated_noise_rate_and_determinism():
    rng = np.random.default_rng(0)
    draws = [simulated_label("unrelated", 0.2, rng) for _ in range(4000)]
    wrong = sum(label != "unrelated" for label in draws) / len(draws)
    assert abs(wrong - 0.2) < 0.03 and set(draws) == set(LABEL_VALUES)
    assert simulated_label("same object", 0.0, rng) == "same object"
    assert pair_rng(1, "A01", "p").random() == pair_rng(1, "A01", "p").random() != pair_rng(1, "A02", "p").random()


def _link(record_a: str, record_b: str) -> dict:
    return {"record_a": record_a, "collection_a": "smg", "record_b": record_b, "collection_b": "nms"}


def test_the_reference_standard_gives_each_link_its_catalogue_label_and_the_noise():
    phone = Truth("communications", "telephone", "700")
    truth = {("smg", "s1"): phone, ("nms", "n1"): phone, ("nms", "n2"): Truth("textiles", "loom", "")}
    links = pd.DataFrame([_link("s1", "n1"), _link("s1", "n2"), _link("s1", "n9")])
    reference = reference_standard(links, truth, 0.15)
    assert reference["label"].tolist() == ["same object", "unrelated"]  # n9 is not in the ground truth
    assert reference["curator_error"].tolist() == [0.15, 0.15]
    facts = pair_truth(links, reference, POSITIVE)
    assert facts["positive"].tolist()[:2] == [1.0, 0.0] and np.isnan(facts.loc[2, "positive"])
    # a wrong label is one of the other three at random: for a positive pair, two of them are positive
    assert facts["chance"].tolist()[:2] == pytest.approx([0.85 + 0.15 * 2 / 3, 0.15])
    assert reference_standard(links, truth, None)["curator_error"].isna().all()


def test_simulate_labels_writes_the_reference_standard_with_the_noise_the_labels_name(study_copy: Workspace):
    truth = read_truth(study_copy)
    smg, nms = ([record for collection, record in truth if collection == name][:3] for name in ("smg", "nms"))
    write_table(LINKS.location(study_copy), pd.DataFrame([_link(a, b) for a, b in zip(smg, nms, strict=True)]))
    assert labelled_noise(study_copy, 0.2) == 0.2  # nothing pulled yet: the noise of the labels just posted
    assert labelled_noise(study_copy, None) is None
    comments = [simulation_comment("A01", 0.15), simulation_comment("A02", 0.15), "a curator's note"]
    write_table(LABELS.location(study_copy), pd.DataFrame({"comment": comments}))
    assert labelled_noise(study_copy, None) == 0.15 == labelled_noise(study_copy, 0.15)
    assert labelled_noise(study_copy, 0.3) is None  # labels of two noises

    write_reference_standard(study_copy, labelled_noise(study_copy, None))
    reference = REFERENCE_STANDARD.read(study_copy)
    expected = [true_label(truth[("smg", a)], truth[("nms", b)]) for a, b in zip(smg, nms, strict=True)]
    assert reference["label"].tolist() == expected and reference["curator_error"].tolist() == [0.15] * 3
    assert study_copy.artifact_state(REFERENCE_STANDARD.path) == "done"
