"""The ingest package's stages: `ingest` (exports → records) and `fetch-images`."""

from __future__ import annotations

from dataclasses import dataclass

from heritage_weaver.artifacts import ArtifactError
from heritage_weaver.progress import Progress
from heritage_weaver.stages import NO_OPTIONS, NoOptions, Stage
from heritage_weaver.workspace import Workspace
from ingest.artifacts import DROPPED, FETCHED, RECORDS, REJECTS
from ingest.fetch import FetchSummary, fetch_study_images
from ingest.run import IngestResult, ingest_collections
from museum_formats.reading import ExportError
from museum_formats.sources import is_url


def has_image_urls(ws: Workspace) -> str | None:
    if not RECORDS.exists(ws):
        return f"needs {RECORDS.path}"
    images = RECORDS.read(ws, columns=["images"])["images"]
    return None if any(is_url(location) for locations in images for location in locations) else "no image URLs to fetch"


@dataclass(frozen=True)
class FetchOptions:
    workers: int | None = None  # parallel downloads (default: fetch.workers)
    retry_failed: bool = False  # also try again URLs that failed in an earlier run


def _ingest(ws: Workspace, progress: Progress, options: NoOptions) -> IngestResult:
    return ingest_collections(ws)


def _fetch(ws: Workspace, progress: Progress, options: FetchOptions) -> FetchSummary:
    return fetch_study_images(ws, progress, options.workers, options.retry_failed)


INGEST = Stage("ingest", (RECORDS, REJECTS, DROPPED), _ingest, NO_OPTIONS, errors=(ExportError, OSError))
FETCH_IMAGES = Stage(
    "fetch-images", (FETCHED,), _fetch, FetchOptions(), has_image_urls, errors=(ArtifactError, OSError)
)
