"""The stage registry's building blocks: what a stage declares, and when it is ready or up to date.

A `Stage` is one `hw` verb: the artifacts it writes, a check that says why it cannot run yet
(None when it can), and `run(ws, progress, **options)`, the Python call that does its work and
returns a result for the caller to show. Stages never print; the CLI shows their results. The
ordered list of the study's stages lives above every stage package (hw_cli.stages), so that this
core module imports none of them; the core's own stages (ingest, fetch-images) are declared here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from heritage_weaver.artifacts import DROPPED, FETCHED, LABELSTUDIO_DATA, RECORDS, REJECTS, Artifact, ArtifactError
from heritage_weaver.fetch import fetch_study_images
from heritage_weaver.images import is_url
from heritage_weaver.ingest import IngestResult, ingest_collections
from heritage_weaver.ingest.adapters import IngestError
from heritage_weaver.progress import Progress
from heritage_weaver.workspace import Workspace

Check = Callable[[Workspace], str | None]  # None: ready; otherwise why the stage cannot run yet
READY = "ready"
UP_TO_DATE = "up to date"


def always_ready(_: Workspace) -> None:
    return None


@dataclass(frozen=True)
class Stage:
    """One verb of the study: its outputs, when it can run, and the call that runs it."""

    verb: str
    outputs: tuple[Artifact, ...]
    run: Callable[..., Any]
    ready: Check = always_ready
    always: bool = False  # look again on every `hw run` (new labels may have arrived, say)
    errors: tuple[type[Exception], ...] = (ArtifactError,)  # failures of input or state, shown without a traceback

    def state(self, ws: Workspace) -> str:
        """`ready`, `up to date`, or the reason the stage cannot run yet."""
        reason = self.ready(ws)
        if reason:
            return reason
        if self.always:
            return READY
        states = ws.verb_states(self.verb).values()
        return UP_TO_DATE if states and all(s == "done" for s in states) else READY


def needs(*artifacts: Artifact) -> Check:
    """Ready once every artifact exists (a template: once one instance of it exists)."""

    def check(ws: Workspace) -> str | None:
        missing = [a.path for a in artifacts if not (a.instances(ws) if a.placeholders else a.exists(ws))]
        return f"needs {', '.join(missing)}" if missing else None

    return check


def all_of(*checks: Check) -> Check:
    def check(ws: Workspace) -> str | None:
        return next((reason for c in checks if (reason := c(ws))), None)

    return check


def labelstudio_servers(ws: Workspace) -> str | None:
    """Ready once every annotator's Label Studio server has been started (`hw labelstudio up`)."""
    folder = LABELSTUDIO_DATA.location(ws)
    missing = [
        desk for desk in ws.config.sampling.annotators if not (folder / desk / "server" / "server.json").is_file()
    ]
    return f"needs Label Studio servers for {', '.join(missing)} (`hw labelstudio up`)" if missing else None


def simulation(ws: Workspace) -> str | None:
    return None if ws.config.study.simulation else "labels come from curators, not a simulation"


def has_image_urls(ws: Workspace) -> str | None:
    if not RECORDS.exists(ws):
        return f"needs {RECORDS.path}"
    images = RECORDS.read(ws, columns=["images"])["images"]
    return None if any(is_url(location) for locations in images for location in locations) else "no image URLs to fetch"


def _ingest(ws: Workspace, progress: Progress) -> IngestResult:
    return ingest_collections(ws)


INGEST = Stage("ingest", (RECORDS, REJECTS, DROPPED), _ingest, errors=(IngestError, OSError))
FETCH_IMAGES = Stage("fetch-images", (FETCHED,), fetch_study_images, has_image_urls, errors=(ArtifactError, OSError))
