"""The publishing package's stage: `export-links` (verified links, and with `--precision` calibrated ones, as tables and RDF)."""

from __future__ import annotations

from dataclasses import dataclass

from annotation.artifacts import LABELS
from heritage_weaver.artifacts import ArtifactError
from heritage_weaver.progress import Progress
from heritage_weaver.stages import Stage, needs
from heritage_weaver.workspace import Workspace
from publishing.artifacts import ARTIFACTS
from publishing.export import Export, ExportError, export_links
from publishing.verdicts import LabelError


@dataclass(frozen=True)
class ExportLinksOptions:
    validate: bool = False  # check the RDF against the SHACL shapes; fail if it does not conform
    precision: float | None = None  # also publish the calibrated links at this target precision


def _export(ws: Workspace, progress: Progress, options: ExportLinksOptions) -> Export:
    return export_links(ws, options.validate, options.precision, progress)


EXPORT_LINKS = Stage(
    "export-links",
    ARTIFACTS,  # every file of the publishing package
    _export,
    ExportLinksOptions(),
    needs(LABELS),
    always=True,
    errors=(ExportError, LabelError, ArtifactError),
)
