"""The `hw` command: one verb per stage of the study."""

from __future__ import annotations

import importlib

import typer

from heritage_weaver import commands

app = typer.Typer(
    name="hw",
    help="Heritage Weaver: link museum collections with multimodal embeddings and test the links with experts.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
commands.register(app)

_STAGES = ("embeddings", "training", "sampler", "annotation", "analysis")
for _stage in _STAGES:
    try:
        _module = importlib.import_module(f"{_stage}.commands")
    except ModuleNotFoundError as error:
        if error.name not in (_stage, f"{_stage}.commands"):
            raise
        continue
    _module.register(app)
