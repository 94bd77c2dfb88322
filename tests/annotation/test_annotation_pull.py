"""Pull against real desk servers: every annotation kept, latest flagged, skips and drafts as such."""

from __future__ import annotations

import pandas as pd
import pytest
from annotation_helpers import post, result
from typer.testing import CliRunner

from annotation import server
from annotation.artifacts import LABELS, LEDGER
from annotation.client import connect
from annotation.interface import TASK_FIELDS
from annotation.pull import annotation_status, pull
from annotation.push import push
from annotation.server import Credentials
from demo.simulate import simulate
from demo.truth import SIMULATION_MARK
from hw_cli.app import app

pytestmark = pytest.mark.labelstudio


def test_pull_keeps_history_flags_latest_and_records_skips_drafts_and_unknown_tasks(study, label_studio):
    a01, a02 = push(study)
    connection, other = label_studio.curator("A01"), label_studio.curator("A02")
    from annotation.ledger import Ledger

    ledger = Ledger(LEDGER.location(study))
    tasks_a01 = sorted(ledger.task_pairs(a01.batch_id).items(), key=lambda item: item[1])
    tasks_a02 = sorted(ledger.task_pairs(a02.batch_id).items(), key=lambda item: item[1])
    ledger.close()
    (p1, t1), (p2, t2), (p3, t3) = tasks_a01[:3]
    first = post(
        connection,
        f"/api/tasks/{t1}/annotations/",
        {"result": result("similar object", "both telephones"), "lead_time": 12.5},
    )
    post(connection, f"/api/tasks/{t2}/annotations/", {"result": [], "was_cancelled": True, "lead_time": 2.0})
    draft = post(connection, f"/api/tasks/{t3}/drafts", {"result": result("unrelated"), "lead_time": 4.0})
    post(other, f"/api/tasks/{tasks_a02[0][1]}/annotations/", {"result": result("same category"), "lead_time": 3.0})
    stray = connect(study, "A02").import_tasks(a02.project_id, [{field: "stray" for field in TASK_FIELDS}])[0]
    post(other, f"/api/tasks/{stray}/annotations/", {"result": result("unrelated")})

    report = pull(study)
    assert report.unknown_tasks == [stray] and report.drafts_seen == 1 and report.new_versions == 4
    labels = LABELS.read(study)
    assert list(labels.columns) == [
        "annotation_id",
        "pair_id",
        "annotator",
        "label",
        "status",
        "comment",
        "created_at",
        "updated_at",
        "lead_time",
        "is_latest",
        "round",
        "adjudicated_label",
        "adjudicator",
        "adjudicated_at",
    ]
    assert (labels["round"] == 1).all() and labels["adjudicated_label"].isna().all()
    by_pair = labels.set_index("pair_id")
    assert by_pair.loc[p1, ["label", "status", "comment", "lead_time", "is_latest"]].tolist() == [
        "similar object",
        "labelled",
        "both telephones",
        12.5,
        True,
    ]
    assert by_pair.loc[p2, "status"] == "skipped" and pd.isna(by_pair.loc[p2, "label"]) and by_pair.loc[p2, "is_latest"]
    assert by_pair.loc[p3, "status"] == "draft" and not by_pair.loc[p3, "is_latest"]
    assert by_pair.loc[tasks_a02[0][0], ["annotator", "label"]].tolist() == ["A02", "same category"]

    again = pull(study)
    assert again.new_versions == 0  # incremental: nothing changed, nothing added

    # The curator changes her mind: the edit is a new version; a second annotation of the pair supersedes the first.
    response = connection.http.patch(f"/api/annotations/{first['id']}/", json={"result": result("same object")})
    response.raise_for_status()
    post(connection, f"/api/tasks/{t1}/annotations/", {"result": result("unrelated"), "lead_time": 1.0})
    submitted = {"result": result("same category"), "lead_time": 5.0, "draft_id": draft["id"]}  # as the editor does
    post(connection, f"/api/tasks/{t3}/annotations/", submitted)
    connection.http.delete(f"/api/drafts/{post(connection, f'/api/tasks/{t3}/drafts', {'result': []})['id']}/")
    third = pull(study)
    assert third.new_versions == 3
    labels = LABELS.read(study)
    history = labels[labels["pair_id"] == p1].sort_values("updated_at")
    assert history["label"].tolist() == ["same object", "unrelated"] and history["is_latest"].tolist() == [False, True]
    assert labels[labels["pair_id"] == p3]["status"].tolist() == ["labelled"]  # the draft was submitted

    status = annotation_status(study).set_index("annotator")
    assert status.loc["A01"].tolist() == [6, 2, 1, 3, 0, 0, 0, 0]
    assert status.loc["A02"].tolist() == [4, 1, 0, 3, 0, 0, 0, 0]


@pytest.mark.slow
def test_simulated_labels_are_marked_and_follow_the_ground_truth(study):
    push(study)
    posted = simulate(study, noise=0.0)
    assert len(posted) == 10 and (posted["label"] == posted["true_label"]).all()
    assert len(simulate(study, noise=0.0)) == 0  # every task has its annotation already
    report = pull(study)
    labels = LABELS.read(study)
    assert report.quarantined == 0  # written through each desk's (simulated) curator account, so they count
    assert len(labels) == 10 and labels["comment"].str.startswith(SIMULATION_MARK).all()
    merged = labels.merge(posted, on=["annotator", "pair_id"])
    assert (merged["label_x"] == merged["true_label"]).all()


def test_cli_check_push_pull_and_status(study, label_studio, monkeypatch):
    runner = CliRunner()
    checked = runner.invoke(app, ["labelstudio", "check", "--study", str(study.root)])
    assert checked.exit_code == 0 and "1.23.2" in checked.output, checked.output
    pushed = runner.invoke(app, ["push", "--study", str(study.root)])
    assert pushed.exit_code == 0, pushed.output
    assert "A01" in pushed.output and "A02" in pushed.output
    pulled = runner.invoke(app, ["pull", "--study", str(study.root)])
    assert pulled.exit_code == 0 and "0 annotation(s)" in pulled.output
    status = runner.invoke(app, ["annotation", "status", "--study", str(study.root)])
    assert status.exit_code == 0 and "remaining" in status.output
    servers = runner.invoke(app, ["labelstudio", "status", "--study", str(study.root)], env={"COLUMNS": "200"})
    assert servers.exit_code == 0, servers.output
    for desk in ("A01", "A02"):
        assert f"{desk} " in servers.output and label_studio.url(desk) in servers.output
    assert "curator-a01@example.org" in servers.output
    monkeypatch.setattr("annotation.server.Desk.credentials", lambda self: Credentials("x", "y", "wrong-token"))
    refused = runner.invoke(app, ["labelstudio", "check", "--study", str(study.root)])
    assert refused.exit_code == 1 and "token was refused" in refused.output


def test_watch_pulls_on_a_schedule_and_each_pull_snapshots_every_desk(study):
    push(study)
    watched = CliRunner().invoke(
        app, ["annotation", "watch", "--every", "1s", "--times", "2", "--study", str(study.root)]
    )
    assert watched.exit_code == 0, watched.output
    assert watched.output.count("pull 1:") == 1 and watched.output.count("pull 2:") == 1
    for desk in ("A01", "A02"):
        assert len(server.Desk(study, desk).snapshots()) == 2
    refused = CliRunner().invoke(app, ["annotation", "watch", "--every", "soon", "--study", str(study.root)])
    assert refused.exit_code == 1 and "10m" in refused.output


def test_up_refuses_to_expose_a_server_beyond_loopback_without_public(study):
    refused = CliRunner().invoke(app, ["labelstudio", "up", "A01", "--host", "0.0.0.0", "--study", str(study.root)])
    assert refused.exit_code == 1 and "TLS reverse proxy" in refused.output and "--public" in refused.output
