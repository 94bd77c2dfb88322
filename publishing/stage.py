"""The publishing package's stage: `export-links` (verified links, and with `--precision` calibrated ones, as tables and RDF)."""

from __future__ import annotations

from annotation.artifacts import LABELS
from heritage_weaver.artifacts import ArtifactError
from heritage_weaver.progress import Progress
from heritage_weaver.stages import Stage, needs
from heritage_weaver.workspace import Workspace
from publishing.artifacts import (
    PUBLISHED_CALIBRATED,
    PUBLISHED_CALIBRATED_CSV,
    PUBLISHED_CALIBRATED_NT,
    PUBLISHED_CSV,
    PUBLISHED_GLAM_INDEX,
    PUBLISHED_IIIF,
    PUBLISHED_JSONLD,
    PUBLISHED_LINKED_ART,
    PUBLISHED_LINKS,
    PUBLISHED_TURTLE,
)
from publishing.export import Export, ExportError, export_links
from publishing.verdicts import LabelError


def _export(ws: Workspace, progress: Progress, validate: bool = False, precision: float | None = None) -> Export:
    return export_links(ws, validate, precision, progress)


EXPORT_LINKS = Stage(
    "export-links",
    (
        PUBLISHED_LINKS,
        PUBLISHED_CSV,
        PUBLISHED_TURTLE,
        PUBLISHED_JSONLD,
        PUBLISHED_CALIBRATED,
        PUBLISHED_CALIBRATED_CSV,
        PUBLISHED_CALIBRATED_NT,
        PUBLISHED_IIIF,
        PUBLISHED_LINKED_ART,
        PUBLISHED_GLAM_INDEX,
    ),
    _export,
    needs(LABELS),
    always=True,
    errors=(ExportError, LabelError, ArtifactError),
)
