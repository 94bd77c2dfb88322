"""`hw verify push|pull`: a field's proposals as a Label Studio verification project, and the verdicts back."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from annotation.client import LabelStudioError, connect
from annotation.desks import VERIFICATION_DESK
from annotation.tasks import BatchError
from annotation.verification import VerifyPullReport, VerifyPushReport, pull_verdicts, push_proposals
from heritage_weaver.artifacts import ArtifactError
from heritage_weaver.workspace import Workspace
from hw_cli.console import StudyOption, console, fail, open_study, stdout
from prediction.artifacts import PREDICTION_VERDICTS

verify_app = typer.Typer(
    help="Curators verify hw predict's proposals in Label Studio (accept / reject / correct).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
ERRORS = (LabelStudioError, ArtifactError, BatchError, OSError)
FieldsArgument = Annotated[
    list[str] | None, typer.Argument(help="Predicted fields (default: [prediction] fields; pull: every project).")
]


def push_fields(ws: Workspace, fields: list[str]) -> None:
    """Push the fields' proposals and show what was created; a failure ends the command with its message."""
    try:
        reports = push_proposals(ws, connect(ws, VERIFICATION_DESK), fields)
    except ERRORS as error:
        fail(str(error))
    show_verify_push(reports)


@verify_app.command("push")
def verify_push(fields: FieldsArgument = None, study: StudyOption = Path(".")) -> None:
    """Push each field's proposals (predict/<field>/proposals.parquet) as a verification project (safe to re-run)."""
    workspace = open_study(study)
    chosen = fields or workspace.config.prediction.fields
    if not chosen:
        fail("name a field (hw verify push FIELD) or list some in [prediction] fields")
    push_fields(workspace, chosen)


def show_verify_push(reports: list[VerifyPushReport]) -> None:
    table = Table("field", "project", "records", "created", "adopted", "already there", title="Verification projects")
    for r in reports:
        table.add_row(r.field, str(r.project_id), str(r.records), str(r.created), str(r.adopted), str(r.already))
    stdout.print(table)


@verify_app.command("pull")
def verify_pull(fields: FieldsArgument = None, study: StudyOption = Path(".")) -> None:
    """Fetch the curators' verdicts into the ledger and predict/<field>/verdicts.parquet."""
    workspace = open_study(study)
    try:
        reports = pull_verdicts(workspace, connect(workspace, VERIFICATION_DESK), fields or [])
    except ERRORS as error:
        fail(str(error))
    show_verify_pull(workspace, reports)


def show_verify_pull(ws: Workspace, reports: list[VerifyPullReport]) -> None:
    table = Table("field", "project", "verdicts", "accept", "reject", "correct", "skipped", "new", title="Verdicts")
    for r in reports:
        counts = [str(r.by_verdict.get(v, 0)) for v in ("accept", "reject", "correct", "skipped")]
        table.add_row(r.field, str(r.project_id), str(r.verdicts), *counts, str(r.new_versions))
    stdout.print(table)
    for r in reports:
        if r.unknown:
            console.print(
                Text.assemble(
                    (f"{r.field}: {len(r.unknown)} verdict(s) outside accept/reject/correct", "yellow"),
                    ": " + ", ".join(r.unknown[:5]),
                ),
                soft_wrap=True,
            )
        if r.corrections_without_value:
            console.print(
                Text.assemble(
                    (f"{r.field}: {r.corrections_without_value} correction(s) without a value", "yellow"),
                    " (kept, with no verified value)",
                ),
                soft_wrap=True,
            )
        stdout.print(str(PREDICTION_VERDICTS.at(field=r.field).location(ws)), soft_wrap=True)
