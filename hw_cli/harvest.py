"""`hw harvest`: an OAI-PMH repository's records into a folder of pages, before any study exists."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from hw_cli.console import console, fail, reporting, stdout

INTERRUPTED = 130  # the shell's code for a command ended by Ctrl-C


def harvest(
    url: Annotated[str, typer.Argument(help="The repository's OAI-PMH base URL.")],
    prefix: Annotated[
        str, typer.Option(help="The metadataPrefix to harvest, as the repository names it: lido or edm.")
    ],
    out: Annotated[Path, typer.Option(help="Folder for the pages (page-00001.xml, …) and the harvest's state.")],
    set_spec: Annotated[str | None, typer.Option("--set", help="Harvest only this set (its setSpec).")] = None,
    from_date: Annotated[
        str | None, typer.Option("--from", help="Only records changed since this date (2024-01-31).")
    ] = None,
) -> None:
    """Save every ListRecords response of a repository as a file, following resumption tokens.

    Run the same command again after a stop (Ctrl-C, a lost connection) and it resumes from the
    last page it saved; a collection with `path` = the folder then ingests the pages."""
    from ingest.harvest import HarvestError, HarvestRequest, read_state
    from ingest.harvest import harvest as run_harvest

    logging.getLogger("sickle").setLevel(logging.ERROR)  # its retry warnings repeat the harvest's own notes
    request = HarvestRequest(url, prefix, set_spec, from_date)
    try:
        with reporting() as progress:
            state = run_harvest(request, out, progress)
    except HarvestError as error:
        fail(str(error))
    except KeyboardInterrupt:
        saved = read_state(out)
        pages = saved.pages if saved is not None else 0
        fail(f"interrupted after {pages} pages in {out}; run the same command again to resume", INTERRUPTED)
    if state.complete and state.fetched == 0 and state.pages == 0:
        stdout.print(f"{url} has no records for this request; nothing written to {out}")
        return
    resumed = f" ({state.pages - state.fetched} saved before)" if state.pages > state.fetched else ""
    stdout.print(f"{state.pages} pages, {state.records} records in {out}{resumed}")
    console.print(f'Ingest them with a collection whose path = "{out}" (format = "lido" for LIDO, "edm" for EDM).')
