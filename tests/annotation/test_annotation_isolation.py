"""The curious curator: everything one curator's account tries against the study, refused or harmless.

Each test plays a row of the table in issue 22 against real desk servers: A01's curator, with their
own token and browser session, tries to reach A02's work, the study's files, the invite, and to
change or destroy labels. Then what the platform makes of what got through: quarantine,
withdrawal, a lost project that costs nothing already pulled.
"""

from __future__ import annotations

import stat

import httpx
import pytest
from annotation_helpers import post, result
from typer.testing import CliRunner

from annotation import server
from annotation.artifacts import LABELS, LEDGER, QUARANTINE
from annotation.client import Connection, connect
from annotation.ledger import Ledger
from annotation.pull import annotation_status, pull
from annotation.push import push
from demo.simulate import simulate
from hw_cli.app import app

pytestmark = pytest.mark.labelstudio


def _tasks(study, desk: str) -> dict[str, int]:
    """pair_id → task id of the desk's round-1 batch."""
    with Ledger(LEDGER.location(study)) as ledger:
        (project,) = [p for p in ledger.projects() if p.annotator == desk]
        return ledger.task_pairs(project.batch_id)


def _label(connection: Connection, task_id: int, label: str) -> dict:
    return post(connection, f"/api/tasks/{task_id}/annotations/", {"result": result(label), "lead_time": 3.0})


def test_a_curator_reaches_no_other_annotators_projects_tasks_or_labels(study, label_studio):
    a01, a02 = push(study)
    _label(label_studio.curator("A02"), next(iter(_tasks(study, "A02").values())), "same object")
    curator = label_studio.curator("A01")

    listed = curator.get_json("projects", "/api/projects/", page_size=1000)["results"]
    assert listed and all(" · A01 · " in project["title"] for project in listed)  # only A01's own desk
    own_pairs = {task["data"]["pair_id"] for project in listed for task in curator.tasks(project["id"])}
    assert own_pairs.isdisjoint(_tasks(study, "A02"))  # so no overlap partner can be found either
    exported = curator.export(a01.project_id)
    assert all(not task["annotations"] for task in exported)  # nobody else's judgement is on A01's server

    other = label_studio.url("A02")  # A01's token on A02's server: not an account there
    for method, path in (
        ("GET", "/api/projects/"),
        ("GET", f"/api/tasks/?project={a02.project_id}"),
        ("GET", f"/api/projects/{a02.project_id}/export"),
        ("POST", f"/api/tasks/{next(iter(_tasks(study, 'A02').values()))}/annotations/"),
        ("DELETE", f"/api/projects/{a02.project_id}/"),
    ):
        answer = httpx.request(method, other + path, headers={"Authorization": f"Token {curator.token}"}, json={})
        assert answer.status_code == 401, (method, path, answer.status_code)
    assert connect(study, "A02").project_exists(a02.project_id)


def test_no_study_file_is_reachable_through_local_files(study, label_studio):
    (a01, _) = push(study)
    curator = label_studio.curator("A01")
    desk = server.Desk(label_studio.workspace, "A01").folder.resolve()
    mine = curator.create_project("my own", "", "<View><Image name='i' value='$image'/></View>", "")
    token = server.Desk(label_studio.workspace, "A01").credentials().token
    for folder in (
        study.root,
        study.path("annotation"),
        desk,
        desk / "server",
        desk / "media",  # the document root itself is refused by Label Studio too
        study.path("sampler", "batches"),
    ):
        made = curator.http.post(
            "/api/storages/localfiles/",
            json={"project": mine, "path": str(folder), "title": "x", "use_blob_urls": False},
        )
        assert made.status_code == 400, (folder, made.status_code)
    for secret in (
        "../server/credentials.json",
        "../server/.env",
        f"../server/{server.DATABASE_NAME}",
        "../../../ledger.sqlite",
        str(LEDGER.location(study)),
        "/etc/passwd",
    ):
        answer = curator.http.get("/data/local-files/", params={"d": secret})
        assert answer.status_code in (403, 404, 500), (secret, answer.status_code)  # 500: Django's path guard
        assert token not in answer.text
    images = curator.http.post(
        "/api/storages/localfiles/",
        json={"project": mine, "path": str(desk / "media" / "images"), "title": "x", "use_blob_urls": False},
    )
    assert images.status_code == 201  # harmless: the folder holds only the images of this desk's tasks
    served = [path.name for path in (desk / "media").rglob("*") if path.is_file()]
    assert served and all(name.split(".")[0].isalnum() and len(name.split(".")[0]) == 32 for name in served)


def test_secrets_and_unblinding_files_are_private_to_the_studys_owner(study, label_studio):
    push(study)
    pull(study)
    for path, mode in (
        (LEDGER.location(study), 0o600),
        (study.path("annotation"), 0o700),
        (server.Desk(label_studio.workspace, "A01").server_dir, 0o700),
        (server.Desk(label_studio.workspace, "A01").server_dir / "credentials.json", 0o600),
        (server.Desk(label_studio.workspace, "A01").database, 0o600),
        (server.Desk(study, "A01").snapshots()[-1], 0o600),
        (study.path("annotation", "backups", "A01"), 0o700),
        (study.path("annotation", "labels.parquet"), 0o600),
    ):
        assert stat.S_IMODE(path.stat().st_mode) == mode, path
    dot_env = server.Desk(label_studio.workspace, "A01").server_dir / ".env"
    if dot_env.exists():
        assert stat.S_IMODE(dot_env.stat().st_mode) & 0o077 == 0


def test_an_invite_a_curator_reads_admits_nobody_else_and_dies_at_the_next_pull(study, label_studio):
    push(study)
    curator = label_studio.curator("A01")
    token = curator.get_json("invite", "/api/invite")["token"]  # the community edition shows members the invite

    def sign_up(url: str, invite: str | None) -> int:
        with httpx.Client(base_url=url) as browser:
            browser.get("/user/signup/")
            form = {"email": "intruder@example.org", "password": "intruder-pass-1", "csrfmiddlewaretoken": ""}
            form["csrfmiddlewaretoken"] = browser.cookies.get("csrftoken", "")
            return browser.post("/user/signup/", params={"token": invite} if invite else {}, data=form).status_code

    assert sign_up(label_studio.url("A02"), token) == 403  # A01's invite opens no other desk
    assert sign_up(label_studio.url("A01"), None) == 403  # no sign-up without a link
    pull(study)
    assert sign_up(label_studio.url("A01"), token) == 403  # every pull replaces the invite token


def test_labels_written_by_another_account_are_quarantined_and_deleted_ones_withdrawn(study, label_studio):
    push(study)
    tasks = list(_tasks(study, "A01").items())
    curator, admin = label_studio.curator("A01"), connect(study, "A01")
    _label(curator, tasks[0][1], "same object")
    edited = _label(curator, tasks[1][1], "unrelated")
    deleted = _label(curator, tasks[2][1], "same category")
    pull(study)

    intruder = admin  # any account but A01's curator: here the admin account itself
    _label(intruder, tasks[3][1], "similar object")  # an annotation added to A01's task
    intruder.http.patch(f"/api/annotations/{edited['id']}/", json={"result": result("same object")}).raise_for_status()
    curator.http.delete(f"/api/annotations/{deleted['id']}/").raise_for_status()
    report = pull(study)

    assert report.withdrawn == 1 and report.quarantined == 2
    labels = LABELS.read(study)
    a01 = labels[labels["annotator"] == "A01"].set_index("pair_id")
    assert a01.loc[tasks[0][0], ["label", "is_latest"]].tolist() == ["same object", True]
    assert a01.loc[tasks[2][0], ["status", "is_latest"]].tolist() == ["withdrawn", False]
    assert tasks[1][0] not in a01.index and tasks[3][0] not in a01.index  # never analysed
    quarantine = QUARANTINE.read(study).set_index("pair_id")
    assert set(quarantine.index) == {tasks[1][0], tasks[3][0]}
    assert (quarantine["author"] == server.Desk(label_studio.workspace, "A01").credentials().username).all()
    assert quarantine.loc[tasks[1][0], "label"] == "same object"
    assert study.manifest()[LABELS.path]["withdrawn"] == 1
    standing = annotation_status(study).set_index("annotator")
    assert standing.loc["A01", ["done", "withdrawn", "quarantined"]].tolist() == [1, 1, 2]
    assert pull(study).withdrawn == 0  # withdrawn once, not at every pull


def test_a_deleted_project_loses_nothing_pulled_blocks_nobody_and_comes_back(study, label_studio):
    a01, a02 = push(study)
    tasks = list(_tasks(study, "A01").items())
    curator = label_studio.curator("A01")
    _label(curator, tasks[0][1], "same object")
    _label(label_studio.curator("A02"), next(iter(_tasks(study, "A02").values())), "unrelated")
    pull(study)  # A01's first label is now safe in the ledger, and in a snapshot
    _label(curator, tasks[1][1], "unrelated")  # made after the last pull: the only kind that can be lost
    curator.http.delete(f"/api/projects/{a01.project_id}/").raise_for_status()  # the curator deletes their own project
    _label(label_studio.curator("A02"), list(_tasks(study, "A02").values())[1], "same category")

    runner = CliRunner()
    pulled = runner.invoke(app, ["pull", "--study", str(study.root)], env={"COLUMNS": "200"})
    assert pulled.exit_code == 0, pulled.output
    assert "A01's project is gone from the server" in pulled.output and "labels pulled up to" in pulled.output
    labels = LABELS.read(study)
    assert set(labels.loc[labels["annotator"] == "A02", "label"]) == {"unrelated", "same category"}  # A02 pulled
    assert labels.loc[labels["annotator"] == "A01", "label"].tolist() == ["same object"]  # nothing pulled is lost
    status = runner.invoke(app, ["annotation", "status", "--study", str(study.root)], env={"COLUMNS": "200"})
    assert "A01's project is gone from the server" in status.output
    pushed = runner.invoke(app, ["push", "--study", str(study.root)], env={"COLUMNS": "200"})
    assert pushed.exit_code == 0 and "GONE" in pushed.output and "--recreate A01" in pushed.output

    recreated = runner.invoke(app, ["push", "--recreate", "A01", "--study", str(study.root)], env={"COLUMNS": "200"})
    assert recreated.exit_code == 0, recreated.output
    with Ledger(LEDGER.location(study)) as ledger:
        (project,) = [p for p in ledger.projects() if p.annotator == "A01"]
    assert project.project_id != a01.project_id and project.lost_at is None
    fresh = {task["data"]["pair_id"]: task["id"] for task in connect(study, "A01").tasks(project.project_id)}
    assert set(fresh) == {pair for pair, _ in tasks} - {tasks[0][0]}  # every pair but the one already labelled
    _label(curator, fresh[tasks[1][0]], "same category")  # the lost label, made again in the new project
    posted = simulate(study, noise=0.0)  # the demo's simulated curators label only the new project's tasks
    assert set(posted.loc[posted["annotator"] == "A01", "pair_id"]) == set(fresh) - {tasks[1][0]}
    report = pull(study)
    assert report.withdrawn == 0 and not report.missing  # the label kept from the lost project is not withdrawn
    a01 = LABELS.read(study).query("annotator == 'A01' and is_latest").set_index("pair_id")
    assert len(a01) == 6 and report.quarantined == 0
    assert a01[["label", "status", "is_latest"]].loc[[tasks[0][0], tasks[1][0]]].values.tolist() == [
        ["same object", "labelled", True],
        ["same category", "labelled", True],
    ]


def test_restore_brings_a_deleted_project_back_from_the_last_snapshot(study, label_studio):
    a01, _ = push(study)
    tasks = list(_tasks(study, "A01").items())
    curator = label_studio.curator("A01")
    _label(curator, tasks[0][1], "same object")
    pull(study)
    curator.http.delete(f"/api/projects/{a01.project_id}/").raise_for_status()
    assert pull(study).missing
    restored = CliRunner().invoke(app, ["labelstudio", "restore", "A01", "--study", str(study.root)])
    assert restored.exit_code == 0, restored.output
    assert connect(study, "A01").project_exists(a01.project_id)
    report = pull(study)
    assert not report.missing and report.new_versions == 0  # the label pulled before is back, unchanged
    assert LABELS.read(study).query("annotator == 'A01'")["label"].tolist() == ["same object"]
