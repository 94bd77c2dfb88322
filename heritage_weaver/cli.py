"""The `hw` command: one verb per stage of the study; each stage package registers its own."""

from __future__ import annotations

import typer

import analysis.commands
import annotation.commands
import embeddings.commands
import publishing.commands
import sampler.commands
import training.commands
import web.commands
from heritage_weaver import commands

app = typer.Typer(
    name="hw",
    help="Heritage Weaver: link museum collections with multimodal embeddings and test the links with experts.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
for stage in (commands, embeddings.commands, training.commands, sampler.commands, annotation.commands, analysis.commands,
              publishing.commands, web.commands):
    stage.register(app)
