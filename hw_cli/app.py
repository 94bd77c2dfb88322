"""The `hw` command: the study's stage verbs in stage order, then the verbs around them."""

from __future__ import annotations

import typer

from hw_cli import annotation, embeddings, harvest, labelstudio, run, study, training, verification, web
from hw_cli.stages import VERBS

app = typer.Typer(
    name="hw",
    help="Heritage Weaver: link museum collections with multimodal embeddings and test the links with experts.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,  # help is plain text: rich markup would eat "[prediction] fields" (so on every sub-app)
)
app.command("init")(study.init)
app.command("demo-data")(study.demo_data)
for verb in VERBS:
    if verb.command is not None:
        app.command(verb.name)(verb.command)
app.command("harvest")(harvest.harvest)  # not a stage (there is no study yet); the stages stay listed right after init
app.command("run")(run.run)
app.command("status")(run.status)
app.command("search")(embeddings.search)
app.command("serve")(web.serve)
app.add_typer(training.model_app, name="model")
app.add_typer(labelstudio.labelstudio_app, name="labelstudio")
app.add_typer(annotation.annotation_app, name="annotation")
app.add_typer(verification.verify_app, name="verify")
