"""The ingest package's stages: `ingest` (exports → records) and `fetch-images`."""

from __future__ import annotations

from heritage_weaver.artifacts import ArtifactError
from heritage_weaver.progress import Progress
from heritage_weaver.stages import Stage
from heritage_weaver.workspace import Workspace
from ingest.artifacts import DROPPED, FETCHED, RECORDS, REJECTS
from ingest.fetch import fetch_study_images
from ingest.run import IngestResult, ingest_collections
from museum_formats.reading import ExportError
from museum_formats.sources import is_url


def has_image_urls(ws: Workspace) -> str | None:
    if not RECORDS.exists(ws):
        return f"needs {RECORDS.path}"
    images = RECORDS.read(ws, columns=["images"])["images"]
    return None if any(is_url(location) for locations in images for location in locations) else "no image URLs to fetch"


def _ingest(ws: Workspace, progress: Progress) -> IngestResult:
    return ingest_collections(ws)


INGEST = Stage("ingest", (RECORDS, REJECTS, DROPPED), _ingest, errors=(ExportError, OSError))
FETCH_IMAGES = Stage("fetch-images", (FETCHED,), fetch_study_images, has_image_urls, errors=(ArtifactError, OSError))
