"""CLI verb of the prediction stage: `hw predict [FIELD]...`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from annotation.stage import VERIFY_PUSH, VerifyOptions
from heritage_weaver.workspace import Workspace
from hw_cli.console import StudyOption, console, execute, open_study, stdout
from hw_cli.verbs import Verb
from hw_cli.verification import show_verify_push
from prediction.artifacts import PREDICTION_PROPOSALS
from prediction.run import PredictResult
from prediction.stage import PREDICT, PredictOptions


def predict(
    fields: Annotated[
        list[str] | None,
        typer.Argument(
            help="Fields to predict: category, taxonomy, taxonomy.N or an extra field mapped in [[collections]] fields "
            "(default: [prediction] fields)."
        ),
    ] = None,
    study: StudyOption = Path("."),
    models: Annotated[
        list[str] | None, typer.Option("--model", "-m", help="Use only these models (repeatable).")
    ] = None,
    push: Annotated[
        bool,
        typer.Option("--push", help="Then push the proposals to Label Studio for verification (as `hw verify push`)."),
    ] = False,
) -> None:
    """Predict catalogue fields from the record embeddings (per modality and fused), score them on
    the held-out records and propose values for the records that lack them."""
    workspace = open_study(study)
    result = execute(PREDICT, workspace, PredictOptions(fields=tuple(fields or ()), models=tuple(models or ())))
    show_predict(workspace, result)
    if push and result.outcomes:
        pushed = VerifyOptions(fields=tuple(outcome.field for outcome in result.outcomes))
        show_verify_push(workspace, execute(VERIFY_PUSH, workspace, pushed))


def show_predict(ws: Workspace, result: PredictResult) -> None:
    for outcome in result.outcomes:
        scores = outcome.scores[outcome.scores["metric"] == "macro_f1"]
        models = list(dict.fromkeys(scores["model"]))
        table = Table("modality", *models, title=f"{outcome.field}: held-out macro F1 (95% interval)")
        for modality, rows in scores.groupby("modality", sort=False):
            cells = {r.model: f"{r.value:.3f} [{r.ci_low:.2f}, {r.ci_high:.2f}]" for r in rows.itertuples()}
            table.add_row(str(modality), *[cells.get(m, "–") for m in models])
        console.print(table)
        n_eval, n_train = int(scores["n_eval"].iloc[0]), int(scores["n_train"].iloc[0])
        proposed = outcome.proposals["record_id"].nunique()
        console.print(
            f"{outcome.field}: {n_train} training and {n_eval} held-out records; "
            f"{proposed} record(s) without it get proposals from {outcome.chosen_model} (stacked)"
        )
        for note in outcome.notes:
            console.print(Text.assemble(("note:", "yellow"), f" {note}"), soft_wrap=True)
        stdout.print(str(PREDICTION_PROPOSALS.at(field=outcome.field).location(ws)), soft_wrap=True)
    for field, why in result.failures.items():
        console.print(Text.assemble(("not predicted", "yellow"), f" {field}: {why}"), soft_wrap=True)


PREDICT_VERB = Verb(PREDICT, show_predict, predict)
