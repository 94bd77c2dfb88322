"""Per-pair verdicts: latest label per annotator, majority, the tie rule, adjudication first."""

from __future__ import annotations

import pandas as pd
import pytest

from publishing.verdicts import LabelError, judgements, verdicts


def _labels(rows: list[tuple]) -> pd.DataFrame:
    """rows of (pair, annotator, label, status, minute, is_latest)."""
    frame = pd.DataFrame(rows, columns=["pair_id", "annotator", "label", "status", "minute", "is_latest"])
    frame["updated_at"] = pd.Timestamp("2025-03-01", tz="UTC") + pd.to_timedelta(frame.pop("minute"), unit="min")
    return frame


LABELS = _labels(
    [
        ("p1", "A01", "same object", "labelled", 1, True),
        ("p1", "A02", "same object", "labelled", 2, True),
        ("p2", "A01", "same object", "labelled", 3, True),
        ("p2", "A02", "similar object", "labelled", 4, True),
        ("p2", "A03", "similar object", "labelled", 5, True),
        ("p3", "A01", "same object", "labelled", 6, True),
        ("p3", "A02", "unrelated", "labelled", 7, True),
        ("p4", "A01", "unrelated", "labelled", 8, False),  # superseded by the next one
        ("p4", "A01", "same category", "labelled", 9, True),
        ("p5", "A01", "same object", "labelled", 10, False),
        ("p5", "A01", None, "skipped", 11, True),  # the latest word is a skip: no label
        ("p6", "A01", "similar object", "draft", 12, True),
    ]
)


def test_each_annotator_counts_once_with_their_latest_label():
    judged = judgements(LABELS)
    assert judged.groupby("pair_id").size().to_dict() == {"p1": 2, "p2": 3, "p3": 2, "p4": 1}
    p4 = judged[judged["pair_id"] == "p4"].iloc[0]
    assert (p4["label"], p4["labelled_at"]) == ("same category", pd.Timestamp("2025-03-01 00:09", tz="UTC"))


def test_majority_unanimity_single_and_ties_take_the_least_specific_label():
    table = verdicts(LABELS, judgements(LABELS)).set_index("pair_id")
    assert list(table.index) == ["p1", "p2", "p3", "p4"]
    assert table.loc["p1", ["label", "decision", "agreement", "n_annotators"]].tolist() == [
        "same object",
        "unanimous",
        1.0,
        2,
    ]
    assert table.loc["p2", ["label", "decision", "n_annotators"]].tolist() == ["similar object", "majority", 3]
    assert table.loc["p2", "agreement"] == pytest.approx(2 / 3)
    assert table.loc["p3", ["label", "decision", "agreement"]].tolist() == ["unrelated", "tie", 0.5]
    assert table.loc["p4", ["label", "decision", "agreement"]].tolist() == ["same category", "single", 1.0]


def test_an_adjudicated_label_takes_precedence_over_the_vote():
    labels = LABELS.assign(adjudicated_label=None, adjudicator=None)
    labels.loc[(labels["pair_id"] == "p3") & (labels["annotator"] == "A02"), ["adjudicated_label", "adjudicator"]] = [
        "same object",
        "L01",
    ]
    table = verdicts(labels, judgements(labels)).set_index("pair_id")
    assert table.loc["p3", ["label", "decision", "agreement", "n_annotators", "adjudicator"]].tolist() == [
        "same object",
        "adjudicated",
        0.5,
        2,
        "L01",
    ]
    assert table.loc["p3", "adjudicated_at"] == pd.Timestamp("2025-03-01 00:07", tz="UTC")
    assert table.loc["p1", "decision"] == "unanimous"


def test_an_adjudication_without_its_adjudicator_is_refused():
    labels = LABELS.assign(adjudicated_label=None)
    labels.loc[0, "adjudicated_label"] = "same object"
    with pytest.raises(LabelError, match="needs its adjudicator"):
        verdicts(labels, judgements(labels))


def test_an_unknown_label_is_named():
    labels = LABELS.copy()
    labels.loc[0, "label"] = "same thing"
    with pytest.raises(LabelError, match=r"unknown label\(s\) \['same thing'\]"):
        judgements(labels)
