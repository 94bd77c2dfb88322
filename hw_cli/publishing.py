"""`hw export-links`: the verified links as CSV, Parquet, Turtle and JSON-LD, IIIF Web Annotations and Linked Art."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table
from rich.text import Text

from heritage_weaver.workspace import Workspace
from hw_cli.console import StudyOption, console, execute, open_study, stdout
from hw_cli.verbs import Verb
from publishing.export import Export
from publishing.stage import EXPORT_LINKS, ExportLinksOptions


def export_links(
    study: StudyOption = Path("."),
    validate: Annotated[
        bool, typer.Option("--validate", help="Check the RDF against the SHACL shapes; fail if it does not conform.")
    ] = False,
    precision: Annotated[
        float | None,
        typer.Option(
            "--precision",
            min=0.0,
            max=1.0,
            help="Also publish the unjudged links above each comparison's threshold from `hw calibrate` "
            "(must be [publishing] target_precision).",
        ),
    ] = None,
) -> None:
    """Write the curator-verified links with their labels, agreement and provenance (publishing/links.*)."""
    workspace = open_study(study)
    show_export_links(
        workspace, execute(EXPORT_LINKS, workspace, ExportLinksOptions(validate=validate, precision=precision))
    )


def show_export_links(workspace: Workspace, export: Export) -> None:
    links = export.table.links
    summary = Table("relation", "links", title=f"Verified links of {workspace.config.study.name}")
    for relation, count in links["relation"].value_counts().sort_index().items():
        summary.add_row(relation, f"{count:,}")
    for label, count in sorted(export.table.unmapped.items()):
        summary.add_row(f"(not exported: {label})", f"{count:,}")
    glam = export.glam
    summary.add_row("(IIIF annotation pages)", f"{len(glam.index):,} ({glam.iiif_targets:,} on a manifest or canvas)")
    summary.add_row("(IIIF annotations)", f"{glam.total('annotations'):,}")
    summary.add_row("(Linked Art equivalents)", f"{glam.total('equivalents'):,}")
    summary.add_row("(Linked Art related objects)", f"{glam.total('related'):,}")
    stdout.print(summary)
    stdout.print(f"{export.table.judged_pairs:,} judged pairs, {len(links):,} links, {export.triples:,} triples")
    if export.table.unknown_pairs:
        console.print(
            Text.assemble(
                ("note:", "yellow"), f" {export.table.unknown_pairs} labelled pair(s) are in no batch and were left out"
            )
        )
    if export.calibrated is not None:
        show_calibrated_sets(export.calibrated.sets)
    if export.validated:
        stdout.print("SHACL: the RDF conforms to the export's shapes (publishing/shapes.ttl in the package)")
    for path in export.paths.values():
        stdout.print(workspace.relative(path))


def show_calibrated_sets(sets: pd.DataFrame) -> None:
    """Per comparison: the threshold, the links above it, their precision with its bounds, the unjudged ones published."""
    confidence = float(sets["confidence"].dropna().iloc[0]) if sets["confidence"].notna().any() else None
    level = f"{confidence:.0%} " if confidence is not None else ""
    summary = Table(
        "comparison",
        "threshold",
        "links above",
        "precision",
        f"{level}lower bound",
        f"{level}interval",
        "published unjudged",
        title="Calibrated links (not judged by a curator)",
    )
    reasons = []
    for row in sets.itertuples():
        if pd.isna(row.threshold):
            summary.add_row(row.comparison, "none", "", "", "", "", "0")
            reasons.append(f"{row.comparison}: {row.message}")
            continue
        summary.add_row(
            row.comparison,
            f"{row.threshold:.3f}",
            f"{int(row.links):,}",
            f"{row.precision:.3f}",
            f"{row.lower_bound:.3f}",
            f"[{row.ci_low:.3f}, {row.ci_high:.3f}]",
            f"{int(row.calibrated_links):,}",
        )
    stdout.print(summary)
    for reason in reasons:
        stdout.print(reason)


EXPORT_LINKS_VERB = Verb(EXPORT_LINKS, show_export_links, export_links)
