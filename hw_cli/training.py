"""Training verbs: `hw model tiny` (an offline checkpoint, the demo's base), `hw model export`
(a checkpoint ready to upload) and `hw train`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from demo.base_model import out_of_domain
from demo.stage import MODEL_STAGE
from heritage_weaver.workspace import Workspace
from hw_cli.console import StudyOption, console, execute, fail, open_study, stdout
from hw_cli.verbs import Verb
from training.export import ExportError, export_checkpoint
from training.run import TrainingSummary
from training.stage import TINY_MODEL, TRAIN, TinyModelOptions, TrainOptions

model_app = typer.Typer(help="Build or inspect SigLIP checkpoints.", no_args_is_help=True, rich_markup_mode=None)


@model_app.command("tiny")
def model_tiny(
    directory: Annotated[
        str,
        typer.Argument(
            help="A configured model's name (its folder), a new name (models/NAME), or a folder (relative to the study)."
        ),
    ],
    study: StudyOption = Path("."),
    seed: Annotated[int, typer.Option(help="Seed of the random weights.")] = 0,
    pretrain_steps: Annotated[
        int, typer.Option(help="Out-of-domain pre-training steps on the demo's drawings (0: random weights).")
    ] = 0,
) -> None:
    """Build a tiny SigLIP offline, with a tokenizer trained on the study's records."""
    workspace = open_study(study)
    pretraining = out_of_domain(pretrain_steps) if pretrain_steps > 0 else None
    target = execute(TINY_MODEL, workspace, TinyModelOptions(directory=directory, seed=seed, pretraining=pretraining))
    console.print(
        Text.assemble(
            "Wrote a tiny SigLIP to ", (str(target), "bold"), f" (seed {seed}, {pretrain_steps} pre-training steps)."
        )
    )
    if not any(workspace.model_location(name) == str(target) for name in workspace.config.models):
        console.print(
            f'No model of the study is that folder yet: name it in [models], e.g. {target.name} = "{workspace.relative(target)}"'
        )


@model_app.command("export")
def model_export(
    model: Annotated[str, typer.Argument(help="The checkpoint: a model name of the study, e.g. ft-best.")],
    directory: Annotated[Path, typer.Argument(help="A new (or empty) folder to write it to.")],
    study: StudyOption = Path("."),
) -> None:
    """Write a checkpoint as a folder ready to upload to a model hub: safetensors weights, the
    processor's files and its model card. Nothing is uploaded."""
    workspace = open_study(study)
    try:
        summary = export_checkpoint(workspace, model, directory)
    except ExportError as error:
        fail(str(error))
    console.print(
        Text.assemble(
            f"Exported {summary.model} ({workspace.relative(summary.source)}) to ", (str(summary.target), "bold"), ":"
        )
    )
    console.print(", ".join(summary.files), soft_wrap=True)
    stdout.print(str(summary.target), soft_wrap=True)


def show_model(workspace: Workspace, target: Path) -> None:
    console.print(Text.assemble("Wrote the demo's base model to ", (str(target), "bold"), "."))


def train(
    study: StudyOption = Path("."),
    restart: Annotated[bool, typer.Option("--restart", help="Discard a saved training state and start again.")] = False,
    device: Annotated[
        str | None, typer.Option("--device", help="cuda, cuda:1, cpu… (default: CUDA when present).")
    ] = None,
) -> None:
    """Train the base model on the collections' image–text pairs; resumes where a killed run stopped.

    Settings come from the training section of study.toml. Writes models/<best_name> (lowest
    evaluation loss), models/<last_name> (after the last epoch), training/split.parquet,
    training/pairs.parquet, training/metrics.parquet and training/loss.png.
    """
    workspace = open_study(study)
    show_train(workspace, execute(TRAIN, workspace, TrainOptions(restart=restart, device=device)))


def show_train(workspace: Workspace, summary: TrainingSummary) -> None:
    settings = workspace.config.training
    console.print(
        Text.assemble(
            ("done", "green"),
            f": {summary.steps} steps on {summary.pairs_train:,} pairs; best evaluation loss "
            f"{summary.best_eval_loss:.4f} after epoch {(summary.best_epoch or 0) + 1} → models/{settings.best_name}, "
            f"last → models/{settings.last_name}; each with its model card (README.md)",
        )
    )


MODEL_VERB = Verb(MODEL_STAGE, show_model)  # `hw model tiny` builds one in any folder
TRAIN_VERB = Verb(TRAIN, show_train, train)
