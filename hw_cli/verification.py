"""`hw verify push|pull`: a field's proposals as a Label Studio verification project, and the verdicts back."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from annotation.stage import VERIFY_PULL, VERIFY_PUSH, VerifyOptions
from annotation.verification import VerifyPullReport, VerifyPushReport
from heritage_weaver.workspace import Workspace
from hw_cli.console import StudyOption, console, execute, open_study, stdout
from hw_cli.verbs import Verb
from prediction.artifacts import PREDICTION_VERDICTS

verify_app = typer.Typer(
    help="Curators verify hw predict's proposals in Label Studio (accept / reject / correct).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
FieldsArgument = Annotated[
    list[str] | None, typer.Argument(help="Predicted fields (default: [prediction] fields; pull: every project).")
]


@verify_app.command("push")
def verify_push(fields: FieldsArgument = None, study: StudyOption = Path(".")) -> None:
    """Push each field's proposals (predict/<field>/proposals.parquet) as a verification project (safe to re-run)."""
    workspace = open_study(study)
    show_verify_push(workspace, execute(VERIFY_PUSH, workspace, VerifyOptions(fields=tuple(fields or ()))))


def show_verify_push(ws: Workspace, reports: list[VerifyPushReport]) -> None:
    table = Table("field", "project", "records", "created", "adopted", "already there", title="Verification projects")
    for r in reports:
        table.add_row(r.field, str(r.project_id), str(r.records), str(r.created), str(r.adopted), str(r.already))
    stdout.print(table)


@verify_app.command("pull")
def verify_pull(fields: FieldsArgument = None, study: StudyOption = Path(".")) -> None:
    """Fetch the curators' verdicts into the ledger and predict/<field>/verdicts.parquet."""
    workspace = open_study(study)
    show_verify_pull(workspace, execute(VERIFY_PULL, workspace, VerifyOptions(fields=tuple(fields or ()))))


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


VERIFY_PUSH_VERB = Verb(VERIFY_PUSH, show_verify_push)  # `hw verify push`, a command of `verify_app`
VERIFY_PULL_VERB = Verb(VERIFY_PULL, show_verify_pull)  # `hw verify pull`
