"""`hw verify push|pull` against the real Label Studio server: a material field's proposals as a
verification project, idempotent re-push, lost-answer adoption, and the verdicts back."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from annotation.artifacts import LEDGER
from annotation.client import connect
from annotation.desks import VERIFICATION_DESK
from annotation.ledger import Ledger
from annotation.tasks import NO_IMAGE
from annotation.verification import TASK_FIELDS, pull_verdicts, push_proposals
from heritage_weaver.workspace import Workspace
from hw_cli.app import app
from prediction.artifacts import PREDICTION_PROPOSALS, PREDICTION_VERDICTS

pytestmark = pytest.mark.labelstudio


def _post(connection, task_id: int, verdict: str | None, correction: str | None = None, cancel: bool = False):
    result = (
        []
        if verdict is None
        else [{"from_name": "verdict", "to_name": "description", "type": "choices", "value": {"choices": [verdict]}}]
    )
    if correction:
        result.append(
            {"from_name": "correction", "to_name": "description", "type": "textarea", "value": {"text": [correction]}}
        )
    body = {"result": result, "was_cancelled": cancel}
    connection.http.post(f"/api/tasks/{task_id}/annotations/", json=body).raise_for_status()


def test_verification_push_is_idempotent_and_pull_reads_the_verdicts(predicted: Workspace, label_studio):
    connection = connect(predicted, VERIFICATION_DESK)  # proposals go to the verification desk's own server
    curator = label_studio.curator(VERIFICATION_DESK)
    proposals = PREDICTION_PROPOSALS.at(field="material").read(predicted)
    top = proposals[proposals["rank"] == 1].set_index(["collection", "record_id"])
    (report,) = push_proposals(predicted, connection, ["material"])
    assert (report.records, report.created, report.adopted, report.already) == (56, 56, 0, 0)
    served = list(connection.tasks(report.project_id))
    assert len(served) == 56
    for task in served:
        data = task["data"]
        assert set(data) == set(TASK_FIELDS)  # nothing but what a curator needs
        proposed = top.loc[(data["collection"], data["record_id"])]
        assert data["proposal"] == f"Proposed material: {proposed['value']} (probability {proposed['probability']:.2f})"
        assert data["alternatives"].startswith("Other candidates: ") and data["alternatives"].count("(") == 2
        assert data["image"] == NO_IMAGE
    project = connection.get_json("project", f"/api/projects/{report.project_id}/")
    assert project["title"].endswith("· verify material") and "accept" in project["label_config"]

    (again,) = push_proposals(predicted, connection, ["material"])
    assert (again.project_id, again.created, again.adopted, again.already) == (report.project_id, 0, 0, 56)
    assert len(list(connection.tasks(report.project_id))) == 56

    with Ledger(LEDGER.location(predicted)) as ledger:  # an import whose answer was lost: the ledger forgets 5 tasks
        tasks = ledger.with_verification().verification_tasks("material")
        lost = sorted(tasks)[:5]
        with ledger.transaction() as db:
            db.executemany(
                "DELETE FROM verification_tasks WHERE collection = ? AND record_id = ?", [list(key) for key in lost]
            )
    (resumed,) = push_proposals(predicted, connection, ["material"])
    assert (resumed.created, resumed.adopted, resumed.already) == (0, 5, 51)
    assert len(list(connection.tasks(report.project_id))) == 56

    keys = sorted(tasks)
    _post(curator, tasks[keys[0]], "accept")
    _post(curator, tasks[keys[1]], "reject")
    _post(curator, tasks[keys[2]], "correct", "  pewter ")
    _post(curator, tasks[keys[3]], None, cancel=True)
    _post(curator, tasks[keys[4]], "correct")  # a correction without its value is kept, not lost
    (pulled,) = pull_verdicts(predicted, connection)
    assert pulled.verdicts == 5 and pulled.new_versions == 5 and pulled.corrections_without_value == 1
    assert pulled.by_verdict == {"accept": 1, "reject": 1, "correct": 2, "skipped": 1}
    verdicts = PREDICTION_VERDICTS.at(field="material").read(predicted).set_index(["collection", "record_id"])
    assert verdicts.loc[keys[0], "value"] == top.loc[keys[0], "value"] == verdicts.loc[keys[0], "proposed"]
    assert verdicts.loc[keys[1], "verdict"] == "reject" and pd.isna(verdicts.loc[keys[1], "value"])
    assert verdicts.loc[keys[2], "value"] == "pewter" and verdicts.loc[keys[3], "verdict"] == "skipped"
    assert verdicts["is_latest"].all() and verdicts["curator"].notna().all()
    (twice,) = pull_verdicts(predicted, connection, ["material"])
    assert twice.new_versions == 0 and twice.verdicts == 5


def test_hw_verify_and_predict_push_through_the_cli(predicted: Workspace):
    runner = CliRunner()
    done = runner.invoke(app, ["predict", "material", "--push", "--study", str(predicted.root)])
    assert done.exit_code == 0, done.output
    assert "Verification projects" in done.output and "56" in done.output
    again = runner.invoke(app, ["verify", "push", "--study", str(predicted.root)])  # [prediction] fields
    assert again.exit_code == 0, again.output
    row = next(line for line in again.output.splitlines() if "material" in line)
    assert [cell.strip() for cell in row.split("│")[3:7]] == ["56", "0", "0", "56"]
    pulled = runner.invoke(app, ["verify", "pull", "--study", str(predicted.root)])
    assert pulled.exit_code == 0, pulled.output
    assert "Verdicts" in pulled.output
    assert PREDICTION_VERDICTS.at(field="material").read(predicted).empty
    unknown = runner.invoke(app, ["verify", "pull", "category", "--study", str(predicted.root)])
    assert unknown.exit_code == 1 and "no verification project for ['category']" in unknown.output
