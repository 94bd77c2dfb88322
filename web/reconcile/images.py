"""A reconciliation query's images: URLs fetched by the platform's rules, local files read from allowed folders.

An image URL is requested as `hw fetch-images` requests one (`ingest.fetch.ImageFetcher`): from
public addresses only unless `[fetch] allow_hosts` names the host, every redirect checked again,
never with credentials, at most `[fetch] max_bytes` and `max_pixels`, an IIIF image sized; and it
is written nowhere. A local path is read only where it lies, links resolved, inside one of
`[serve] image_folders`, and only up to the same caps. Whatever cannot be read is left out of its
query, with the reason.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PIL import Image

from heritage_weaver.decode import ImageProblem, open_rgb, to_rgb
from heritage_weaver.workspace import Workspace
from ingest.fetch import ImageFetcher, ImageUnavailable, iiif_side


class QueryImages:
    """Reads the images of reconciliation queries for one study."""

    def __init__(self, ws: Workspace, fetcher: ImageFetcher | None = None) -> None:
        self.settings = ws.config.fetch
        self.folders = [(f if f.is_absolute() else ws.root / f).resolve() for f in ws.config.serve.image_folders]
        self.fetcher = fetcher or ImageFetcher(ws, self.settings, iiif_side=iiif_side(ws, self.settings))

    def read(self, locations: Iterable[str]) -> dict[str, Image.Image | str]:
        """Each location → its RGB image, or why it could not be read; URLs fetched side by side."""
        distinct = list(dict.fromkeys(locations))
        if not distinct:
            return {}
        with ThreadPoolExecutor(min(self.settings.workers, len(distinct))) as pool:
            return dict(zip(distinct, pool.map(self._read_one, distinct), strict=True))

    def _read_one(self, location: str) -> Image.Image | str:
        try:
            if "://" in location:
                return self._from_url(location)
            return self._from_folder(location)
        except (ImageUnavailable, ImageProblem) as error:
            return str(error)

    def _from_url(self, url: str) -> Image.Image:
        data = self.fetcher.read(url)  # checked: an image within the byte and pixel caps
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            return to_rgb(image)

    def _from_folder(self, location: str) -> Image.Image:
        if not self.folders:
            raise ImageProblem("local image paths are not read: [serve] image_folders names no folder")
        given = Path(location)
        candidates = [given] if given.is_absolute() else [folder / given for folder in self.folders]
        for candidate in candidates:
            path = candidate.resolve()
            if not any(path.is_relative_to(folder) for folder in self.folders):
                continue
            if path.is_file():
                if path.stat().st_size > self.settings.max_bytes:
                    raise ImageProblem(f"larger than the {self.settings.max_bytes:,}-byte limit")
                return open_rgb(path, max_pixels=self.settings.max_pixels)
        raise ImageProblem("no such file inside the folders of [serve] image_folders")
