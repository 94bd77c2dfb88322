"""Where a record's image location can be read from: a local file, or the fetch cache for URLs."""

from __future__ import annotations

from pathlib import Path

from heritage_weaver.workspace import Workspace
from ingest.artifacts import FETCHED
from museum_formats.sources import is_url


class ImageResolver:
    """Maps image locations to readable local files (None when an URL was not fetched)."""

    def __init__(self, workspace: Workspace) -> None:
        self._cached: dict[str, Path] = {}
        if FETCHED.exists(workspace):
            table = FETCHED.read(workspace, columns=["location", "status", "path"])
            ok = table[table["status"] == "ok"]
            self._cached = {location: workspace.path(path) for location, path in zip(ok["location"], ok["path"])}

    def __call__(self, location: str) -> Path | None:
        if is_url(location):
            return self._cached.get(location)
        return Path(location)
