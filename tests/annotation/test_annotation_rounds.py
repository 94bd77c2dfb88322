"""A second round and an adjudication against real Label Studio desk servers."""

from __future__ import annotations

import sqlite3

import pandas as pd
import pytest
from annotation_helpers import make_batch, post, result

from annotation.adjudication import push_adjudication
from annotation.artifacts import LABELS, LEDGER
from annotation.client import connect
from annotation.interface import ADJUDICATION_FIELDS
from annotation.pull import annotation_status, pull
from annotation.push import push
from annotation.tasks import BatchError
from heritage_weaver.atomic import write_table
from sampler.artifacts import BATCH, ROUND_BATCH

pytestmark = pytest.mark.labelstudio


def _round_two(study) -> None:
    records = pd.read_parquet(study.path("records", "records.parquet"))
    batch = make_batch(records, "A01", 40, 3)
    batch["is_overlap"] = False
    write_table(ROUND_BATCH.at(round=2, annotator="A01").location(study), batch)


def _ledger_batches(study) -> list[tuple]:
    with sqlite3.connect(LEDGER.location(study)) as db:
        return db.execute("SELECT annotator, round, kind, n_pairs FROM batches ORDER BY round, annotator").fetchall()


def test_round_two_gets_its_own_projects_and_pushing_again_creates_nothing(study, label_studio):
    connection = connect(study, "A01")
    first = push(study)
    before = {(r.annotator, r.project_id) for r in first}
    round1 = BATCH.at(annotator="A01").location(study).read_bytes()
    _round_two(study)
    reports = push(study)
    assert [(r.annotator, r.round, r.created, r.already) for r in reports] == [
        ("A01", "1", 0, 6),
        ("A02", "1", 0, 4),
        ("A01", "2", 3, 0),
    ]
    assert {(r.annotator, r.project_id) for r in reports[:2]} == before and reports[2].project_id != dict(before)["A01"]
    title = connection.get_json("project", f"/api/projects/{reports[2].project_id}/")["title"]
    assert " · round 2 · A01 · " in title
    assert _ledger_batches(study) == [
        ("A01", 1, "labelling", 6),
        ("A02", 1, "labelling", 4),
        ("A01", 2, "labelling", 3),
    ]
    again = push(study, rounds=[2])
    assert [(r.round, r.created, r.adopted, r.already) for r in again] == [("2", 0, 0, 3)]
    assert len(list(connection.tasks(reports[2].project_id))) == 3
    assert BATCH.at(annotator="A01").location(study).read_bytes() == round1
    assert study.manifest()[LEDGER.path]["rounds"][reports[2].batch_id] == 2

    round2_task = next(iter(connection.tasks(reports[2].project_id)))
    post(label_studio.curator("A01"), f"/api/tasks/{round2_task['id']}/annotations/", {"result": result("same object")})
    pull(study)
    labels = LABELS.read(study).set_index("pair_id")
    assert labels.loc[round2_task["data"]["pair_id"], "round"] == 2
    assert study.manifest()[LABELS.path]["latest_annotations_per_round"] == {"2": 1}


def _overlap_study(study, label_studio):
    """Both annotators share three pairs; they disagree on two of them (one only on the 4-label scale)."""
    records = pd.read_parquet(study.path("records", "records.parquet"))
    shared = make_batch(records, "A01", 60, 3)
    for annotator, extra_start in (("A01", 0), ("A02", 17)):
        batch = pd.concat([shared.assign(annotator=annotator), make_batch(records, annotator, extra_start, 2)])
        batch = batch.drop_duplicates("pair_id").assign(position=lambda f: range(len(f)))
        write_table(BATCH.at(annotator=annotator).location(study), batch.reset_index(drop=True))
    reports = push(study)
    with sqlite3.connect(LEDGER.location(study)) as db:
        tasks = dict(
            ((annotator, pair), task)
            for annotator, pair, task in db.execute(
                "SELECT b.annotator, t.pair_id, t.task_id FROM tasks t JOIN batches b USING (batch_id)"
            )
        )
    votes = {
        "A01": ["same object", "same object", "unrelated"],
        "A02": ["same object", "similar object", "same category"],
    }
    for annotator, labels in votes.items():
        for pair, label in zip(shared["pair_id"], labels):
            post(
                label_studio.curator(annotator),
                f"/api/tasks/{tasks[(annotator, pair)]}/annotations/",
                {"result": result(label)},
            )
    pull(study)
    return shared["pair_id"].tolist(), reports


def test_adjudication_sends_only_disagreeing_overlap_pairs_with_the_earlier_labels(study, label_studio):
    shared, _ = _overlap_study(study, label_studio)
    with pytest.raises(BatchError, match="A01 is an annotator of this study"):
        push_adjudication(study, "A01")
    (report,) = push_adjudication(study, "L01")
    connection = connect(study, "L01")  # the adjudicator's own server
    assert (report.annotator, report.round, report.pairs, report.created) == ("L01", "adjudication", 2, 2)
    project = connection.get_json("project", f"/api/projects/{report.project_id}/")
    assert " · adjudication · L01 · " in project["title"] and "$earlier_labels" in project["label_config"]
    served = {task["data"]["pair_id"]: task["data"] for task in connection.tasks(report.project_id)}
    assert set(served) == set(shared[1:])
    for data in served.values():
        assert set(data) == set(ADJUDICATION_FIELDS)  # blind: no model, score, stratum, overlap
        assert not any(word in str(data) for word in ("score", "stratum", "ft-best", "image-image", "text-text"))
    assert served[shared[1]]["earlier_labels"] == "A01: same object · A02: similar object"
    assert served[shared[2]]["earlier_labels"] == "A01: unrelated · A02: same category"
    assert [(r.created, r.already) for r in push_adjudication(study, "L01")] == [(0, 2)]
    assert ("L01", 0, "adjudication", 2) in _ledger_batches(study)

    task = next(t for t in connection.tasks(report.project_id) if t["data"]["pair_id"] == shared[2])
    post(label_studio.curator("L01"), f"/api/tasks/{task['id']}/annotations/", {"result": result("same category")})
    pull(study)
    labels = LABELS.read(study)
    decided = labels[labels["pair_id"] == shared[2]]
    assert len(decided) == 2 and set(decided["annotator"]) == {"A01", "A02"}  # the adjudicator adds no vote
    assert decided["adjudicated_label"].tolist() == ["same category"] * 2
    assert decided["adjudicator"].tolist() == ["L01"] * 2 and decided["adjudicated_at"].notna().all()
    assert labels.loc[labels["pair_id"] != shared[2], "adjudicated_label"].isna().all()
    assert "L01" not in set(labels["annotator"])
    assert study.manifest()[LABELS.path]["adjudicated_pairs"] == 1
    standing = annotation_status(study).set_index("annotator")
    assert standing.loc["L01", ["pairs", "done", "remaining"]].tolist() == [2, 1, 1]


def test_no_disagreement_means_nothing_to_adjudicate(study):
    push(study)
    pull(study)
    assert push_adjudication(study, "L01") == []
    assert "L01" not in {row[0] for row in _ledger_batches(study)}
