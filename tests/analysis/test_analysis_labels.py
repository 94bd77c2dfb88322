import pandas as pd

from analysis.labels import (
    binarise,
    label_distribution,
    label_distribution_by_annotator,
    label_distribution_by_link_type,
    pair_provenance,
    usable_labels,
)


def test_binarise_default_and_custom_mapping():
    labels = pd.Series(["same object", "similar object", "same category", "unrelated", None])
    default = binarise(labels, ["same object", "similar object", "same category"])
    assert default.tolist()[:4] == [1, 1, 1, 0]
    assert default.isna().tolist() == [False, False, False, False, True]
    strict = binarise(labels, ["same object", "similar object"])
    assert strict.tolist()[:4] == [1, 1, 0, 0]


def _labels():
    return pd.DataFrame(
        {
            "annotation_id": [1, 2, 3, 4, 5, 6],
            "pair_id": ["p1", "p1", "p2", "p3", "p9", "p2"],
            "annotator": ["A01", "A01", "A01", "A01", "A01", "A02"],
            "label": ["unrelated", "same object", None, "weird", "unrelated", "same category"],
            "status": ["labelled", "labelled", "skipped", "labelled", "labelled", "labelled"],
            "is_latest": [False, True, True, True, True, True],
        }
    )


def _batches():
    return pd.DataFrame(
        {
            "pair_id": ["p1", "p2", "p3", "p2"],
            "annotator": ["A01", "A01", "A01", "A02"],
            "position": [0, 1, 2, 0],
            "link_types": [
                ["image-image/all"],
                ["text-text/base-only", "image-image/all"],
                [],
                ["text-text/base-only", "image-image/all"],
            ],
            "is_control": [False, False, True, False],
        }
    )


def test_usable_labels_keep_latest_known_and_say_why_others_are_left_out():
    kept, excluded = usable_labels(_labels(), pair_provenance(_batches()))
    assert kept["annotation_id"].tolist() == [2, 6]
    reasons = dict(zip(excluded["annotation_id"], excluded["reason"]))
    assert reasons == {
        1: "superseded by a later annotation",
        3: "status skipped (not labelled)",
        4: "unknown label weird",
        5: "pair_id not found in any batch",
    }
    assert len(kept) + len(excluded) == len(_labels())


def test_distributions_count_each_link_type_of_a_pair():
    kept, _ = usable_labels(_labels(), pair_provenance(_batches()))
    kept["binary"] = binarise(kept["label"], ["same object", "similar object", "same category"])
    overall = label_distribution(kept, ["same object"]).set_index("label")
    assert overall["count"].to_dict() == {"same object": 1, "similar object": 0, "same category": 1, "unrelated": 0}
    assert overall["binary"].tolist() == [1, 0, 0, 0]
    by_annotator = label_distribution_by_annotator(kept).set_index("annotator")
    assert by_annotator.loc["A02", "same category"] == 1 and by_annotator.loc["A01", "n"] == 1
    by_type = label_distribution_by_link_type(kept).set_index("link_type")
    assert by_type.loc["image-image/all", "n"] == 2
    assert by_type.loc["text-text/base-only", "same category"] == 1
    assert by_type.loc["text-text/base-only", "stratum"] == "base-only"
    assert by_type["positive_share"].tolist() == [1.0, 1.0]
