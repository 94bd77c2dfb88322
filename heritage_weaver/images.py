"""Where a record's image location can be read from: a local file, or the fetch cache for URLs."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from heritage_weaver.workspace import Workspace

FETCHED = "images/fetched.parquet"


def is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


class ImageResolver:
    """Maps image locations to readable local files (None when an URL was not fetched)."""

    def __init__(self, workspace: Workspace) -> None:
        self._cached: dict[str, Path] = {}
        fetched = workspace.path(FETCHED)
        if fetched.is_file():
            table = pq.read_table(fetched, columns=["location", "status", "path"]).to_pylist()
            self._cached = {row["location"]: workspace.path(row["path"]) for row in table if row["status"] == "ok"}

    def __call__(self, location: str) -> Path | None:
        if is_url(location):
            return self._cached.get(location)
        return Path(location)
