"""Images decoded and resized once, into a uint8 array that the data loader's workers read by row.

The array (`images-<size>.npy`) is written beside an index table (`images-<size>.parquet`:
`location`, `row`, `status`, `error`); an image that cannot be read gets `status = failed`,
row -1 and the reason, and its pairs are left out of training.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from heritage_weaver import atomic
from heritage_weaver.decode import ImageProblem, open_rgb
from training.artifacts import IMAGE_CACHE, IMAGE_CACHE_ROWS


def read_resized(path: str, size: int) -> np.ndarray:
    """An image file as a `size`×`size`×3 uint8 RGB array (bicubic, like the SigLIP processor).

    Decoded as the embedding runner decodes (CMYK, alpha and 16-bit converted faithfully), so a
    model is trained on the pixels it later embeds.
    """
    image = open_rgb(path, draft_size=size).resize((size, size), Image.Resampling.BICUBIC)
    return np.asarray(image, dtype=np.uint8)


def _decode(job: tuple[str | None, int]) -> tuple[np.ndarray | None, str | None]:
    path, size = job
    if path is None:
        return None, "image not available locally (run `hw fetch-images` for URLs)"
    try:
        return read_resized(path, size), None
    except ImageProblem as error:
        return None, str(error)


@dataclass(frozen=True)
class ImageCache:
    array_path: Path
    index: pd.DataFrame

    @property
    def rows(self) -> dict[str, int]:
        ok = self.index[self.index["status"] == "ok"]
        return dict(zip(ok["location"], ok["row"]))

    @property
    def failures(self) -> pd.DataFrame:
        return self.index[self.index["status"] == "failed"].reset_index(drop=True)


def image_cache(
    locations: list[str],
    resolve: Callable[[str], Path | None],
    folder: Path,
    size: int,
    workers: int,
    on_progress: Callable[[int], None] = lambda n: None,
) -> ImageCache:
    """The cache for `locations`, reused when an earlier run cached exactly these at this size."""
    array_path = folder / Path(IMAGE_CACHE.at(size=size).path).name
    index_path = folder / Path(IMAGE_CACHE_ROWS.at(size=size).path).name
    wanted = sorted(set(locations))
    if array_path.is_file() and index_path.is_file():
        index = pd.read_parquet(index_path)
        if sorted(index["location"]) == wanted:
            on_progress(len(wanted))
            return ImageCache(array_path, index)

    jobs = [(None if (path := resolve(location)) is None else str(path), size) for location in wanted]
    statuses, errors, rows = [], [], []
    folder.mkdir(parents=True, exist_ok=True)
    with atomic.atomic_path(array_path) as temporary:
        array = np.lib.format.open_memmap(temporary, mode="w+", dtype=np.uint8, shape=(len(wanted), size, size, 3))
        with ProcessPoolExecutor(max_workers=workers) if workers else nullcontext() as pool:
            results = pool.map(_decode, jobs, chunksize=16) if pool else map(_decode, jobs)
            row = 0
            for pixels, error in results:
                statuses.append("ok" if error is None else "failed")
                errors.append(error)
                rows.append(row if error is None else -1)
                if error is None:
                    array[row] = pixels
                    row += 1
                on_progress(1)
        array.flush()
        del array
    index = pd.DataFrame({"location": wanted, "row": rows, "status": statuses, "error": errors})
    atomic.write_table(index_path, index)
    return ImageCache(array_path, index)
