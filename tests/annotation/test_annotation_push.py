"""Push against real Label Studio desk servers: projects, blind tasks, images, idempotence, resumption."""

from __future__ import annotations

import hashlib
import sqlite3

import pytest

from annotation import server
from annotation.artifacts import LEDGER
from annotation.client import Connection, LabelStudioError, connect
from annotation.interface import TASK_FIELDS
from annotation.push import push
from annotation.tasks import NO_IMAGE

pytestmark = pytest.mark.labelstudio


def ledger_tasks(workspace) -> dict[tuple[str, str], int]:
    with sqlite3.connect(LEDGER.location(workspace)) as db:
        rows = db.execute("SELECT b.annotator, t.pair_id, t.task_id FROM tasks t JOIN batches b USING (batch_id)")
        return {(annotator, pair_id): task_id for annotator, pair_id, task_id in rows}


def ledger_digest(workspace) -> str | None:
    path = LEDGER.location(workspace)
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def test_push_creates_one_blind_project_per_batch_with_loadable_images(study, label_studio):
    reports = push(study)

    assert [(r.annotator, r.pairs, r.created, r.adopted, r.already) for r in reports] == [
        ("A01", 6, 6, 0, 0),
        ("A02", 4, 4, 0, 0),
    ]
    tasks = ledger_tasks(study)
    assert len(tasks) == 10 and len({(annotator, task) for (annotator, _), task in tasks.items()}) == 10
    forbidden = (
        "score",
        "link",
        "stratum",
        "model",
        "comparison",
        "overlap",
        "control",
        "base",
        "ft-best",
        "image-image",
        "text-text",
    )
    loaded = 0
    for report in reports:
        connection = connect(study, report.annotator)  # each batch on its annotator's own server
        project = connection.get_json("project", f"/api/projects/{report.project_id}/")
        assert project["title"].endswith(f"· {report.annotator} · {report.batch_id.rsplit('-', 1)[-1]}")
        assert "same object" in project["expert_instruction"] and project["show_instruction"]
        served = list(connection.tasks(report.project_id))
        assert len(served) == report.pairs
        for task in served:
            data = task["data"]
            assert set(data) == set(TASK_FIELDS)  # nothing but what a curator needs
            assert tasks[(report.annotator, data["pair_id"])] == task["id"]
            for key, value in data.items():
                assert not any(word in key for word in forbidden)
                if key.startswith(("name", "description")):
                    assert "ft-best" not in value and "image-image" not in value
            for side in ("a", "b"):
                if data[f"image_{side}"] == NO_IMAGE:  # a record without images shows a placeholder
                    continue
                loaded += 1
                curator = label_studio.curator(report.annotator)  # what the curator's browser fetches
                response = curator.http.get(data[f"image_{side}"])  # relative: through the server
                assert response.status_code == 200, data[f"image_{side}"]
                assert response.headers["content-type"] == "image/jpeg" and len(response.content) > 500
    assert loaded >= 10


def test_push_twice_creates_nothing_new(study):
    push(study)
    before = ledger_tasks(study)
    again = push(study)
    assert [(r.created, r.adopted, r.already) for r in again] == [(0, 0, 6), (0, 0, 4)]
    assert ledger_tasks(study) == before
    for report in again:
        assert len(list(connect(study, report.annotator).tasks(report.project_id))) == report.pairs


def test_push_resumes_after_the_server_is_killed_mid_push(study, label_studio):
    imported = []

    def kill_after_first_import(n: int) -> None:
        imported.append(n)
        if sum(imported) >= 2:
            server.Desk(label_studio.workspace, "A01").kill()

    with pytest.raises(LabelStudioError, match="unreachable"):
        push(study, on_progress=kill_after_first_import)
    partial = ledger_tasks(study)
    assert len(partial) == 2  # the first import of two tasks, recorded as it was created

    label_studio.restart("A01")
    reports = push(study)
    assert [(r.created, r.already) for r in reports] == [(4, 2), (4, 0)]
    complete = ledger_tasks(study)
    assert len(complete) == 10 and all(complete[key] == task for key, task in partial.items())
    for report in reports:
        pairs = [task["data"]["pair_id"] for task in connect(study, report.annotator).tasks(report.project_id)]
        assert len(pairs) == len(set(pairs)) == report.pairs  # no duplicates on the server


def test_push_adopts_tasks_whose_creation_answer_was_lost(study):
    first = push(study)
    with sqlite3.connect(LEDGER.location(study)) as db:  # as if the last import's answer never arrived
        db.execute(
            "DELETE FROM tasks WHERE task_id IN (SELECT task_id FROM tasks WHERE batch_id LIKE 'A01%' ORDER BY task_id DESC LIMIT 3)"
        )
    again = push(study)
    assert sum(r.created for r in again) == 0 and sum(r.adopted for r in again) == 3
    assert len(ledger_tasks(study)) == 10
    assert [len(list(connect(study, r.annotator).tasks(r.project_id))) for r in first] == [6, 4]


def test_a_stopped_server_or_rejected_config_leaves_the_ledger_unchanged(study, label_studio, monkeypatch):
    invited = ledger_digest(study)  # the ledger knows the curators' accounts, nothing pushed yet
    with pytest.raises(LabelStudioError, match="creating project"):
        push(study, config="<View><Choices name='label' toName='nowhere'></View>")
    monkeypatch.setattr(server.Desk, "running", lambda self: None)  # as if A01's server were down
    with pytest.raises(LabelStudioError, match="A01's Label Studio server is not running"):
        push(study)
    monkeypatch.undo()
    assert ledger_digest(study) == invited

    push(study, annotators=["A01"])
    before = ledger_digest(study)
    with pytest.raises(LabelStudioError, match="creating project"):
        push(study, config="<View><Choices name='label' toName='nowhere'></View>")
    assert ledger_digest(study) == before


def test_a_wrong_token_is_refused_and_personal_access_tokens_work_as_legacy_ones(label_studio):
    with pytest.raises(LabelStudioError, match="token was refused"):
        Connection(label_studio.url("A02"), "not-the-token").check()
    legacy = label_studio.admin("A02")
    response = legacy.http.post("/api/token/")
    response.raise_for_status()
    personal = Connection(label_studio.url("A02"), response.json()["token"])
    assert personal.check().user == legacy.check().user
    project = personal.create_project("personal-token check", "", "<View><Text name='t' value='$t'/></View>", "")
    assert len(personal.import_tasks(project, [{"t": "one"}, {"t": "two"}])) == 2
