"""`hw serve`: the curators' read-only search page on a local address."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from hw_cli.console import StudyOption, console, fail, open_study


def serve(
    study: StudyOption = Path("."),
    host: Annotated[str, typer.Option(help="Address to listen on (127.0.0.1: this machine only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    threads: Annotated[int, typer.Option(min=1, help="CPU threads per query (torch and FAISS).")] = 1,
    reconcile: Annotated[
        bool, typer.Option(help="Also serve the reconciliation service for OpenRefine at /reconcile ([serve] section).")
    ] = True,
) -> None:
    """Serve the search page: text, image or combined search, record pages with neighbours and verified links;
    and the reconciliation service (Reconciliation Service API 0.2) at /reconcile."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import uvicorn

    from web.app import create_app
    from web.catalogue import MissingRecords
    from web.search import set_threads

    workspace = open_study(study)
    set_threads(threads)
    try:
        app = create_app(workspace, reconcile=reconcile)
    except (MissingRecords, FileNotFoundError) as error:
        fail(str(error))
    with console.status(Text(f"loading model {app.state.search.default_model}")):
        app.state.search.warm()
    if reconcile:
        with console.status(Text(f"loading the reconciliation model {app.state.reconcile.model}")):
            app.state.reconcile.reconciler.warm()
    console.print(
        Text.assemble(
            "Search page of ", (workspace.config.study.name, "bold"), f" at http://{host}:{port}/ (Ctrl+C stops it)"
        )
    )
    if reconcile:
        console.print(Text(f"Reconciliation service (OpenRefine) at http://{host}:{port}/reconcile"))
    uvicorn.run(app, host=host, port=port, log_level="warning")
