"""`hw export-links`: the verified links as CSV, Parquet, Turtle and JSON-LD."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from heritage_weaver.workspace import Workspace
from hw_cli.console import StudyOption, console, execute, open_study, stdout
from publishing.export import Export
from publishing.stage import EXPORT_LINKS


def export_links(
    study: StudyOption = Path("."),
    validate: Annotated[
        bool, typer.Option("--validate", help="Check the RDF against the SHACL shapes; fail if it does not conform.")
    ] = False,
) -> None:
    """Write the curator-verified links with their labels, agreement and provenance (publishing/links.*)."""
    workspace = open_study(study)
    show_export_links(workspace, execute(EXPORT_LINKS, workspace, validate=validate))


def show_export_links(workspace: Workspace, export: Export) -> None:
    links = export.table.links
    summary = Table("relation", "links", title=f"Verified links of {workspace.config.study.name}")
    for relation, count in links["relation"].value_counts().sort_index().items():
        summary.add_row(relation, f"{count:,}")
    for label, count in sorted(export.table.unmapped.items()):
        summary.add_row(f"(not exported: {label})", f"{count:,}")
    stdout.print(summary)
    stdout.print(f"{export.table.judged_pairs:,} judged pairs, {len(links):,} links, {export.triples:,} triples")
    if export.table.unknown_pairs:
        console.print(
            f"[yellow]note:[/] {export.table.unknown_pairs} labelled pair(s) are in no batch and were left out"
        )
    if export.validated:
        stdout.print("SHACL: the RDF conforms to the export's shapes (publishing/shapes.ttl in the package)")
    for path in export.paths.values():
        stdout.print(workspace.relative(path))
