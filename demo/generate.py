"""Writes the demo collections in the real source formats, with a hidden ground truth."""

from __future__ import annotations

import csv
import json
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
from PIL import Image

from demo.artifacts import DEMO_TRUTH
from demo.catalogue import (
    CATEGORIES,
    REPRESENTATIONS,
    TYPES,
    nms_description,
    nms_name,
    smg_description,
    smg_name,
)
from demo.drawing import draw_object
from heritage_weaver import atomic
from museum_formats.nms.reader import NMS_COLUMNS

GROUND_TRUTH_COLUMNS = DEMO_TRUTH.columns
# The object type is the second level of an SMG record's taxonomy (`communications > telephone`);
# NMS records never have it, and this share of SMG records lacks it too (no `terms`), so that
# `hw predict taxonomy.2` proposes types in both collections.
SMG_UNCLASSIFIED = 0.1

ImageSize = int | tuple[int, int]
"""A picture's side in pixels, or an inclusive range from which each picture's side is drawn."""

# Share of records without images, and (by default) of the others with two images rather than one.
NO_IMAGES = {"smg": 0.06, "nms": 0.1}
TWO_IMAGES = {"smg": 0.2, "nms": 0.15}
_COLLECTION_INDEX = {"smg": 0, "nms": 1}


def two_image_share(collection: str, records: int, images: int | None) -> float:
    """The share of image-bearing records that get two images, so that `records` hold about
    `images` images in all (None: the demo's own share)."""
    if images is None:
        return TWO_IMAGES[collection]
    with_images = 1 - NO_IMAGES[collection]
    low, high = round(records * with_images), round(records * 2 * with_images)
    if records and not low <= images <= high:
        raise ValueError(
            f"{collection}: {images} images for {records} records is outside what the demo draws "
            f"({low} to {high}: {NO_IMAGES[collection]:.0%} of records have none, the others one or two)"
        )
    return images / (records * with_images) - 1 if records else 0.0


def _side(size: ImageSize, seed: int, collection: int, index: int, image_index: int) -> int:
    if isinstance(size, int):
        return size
    low, high = size
    # a generator of its own, so that the record's own stream is the same whatever the sizes
    return int(np.random.default_rng([seed, collection, index, image_index, 1]).integers(low, high + 1))


@dataclass(frozen=True)
class DemoFiles:
    smg: Path
    nms: Path
    ground_truth: Path


def _record_rng(seed: int, collection: int, index: int) -> np.random.Generator:
    # One generator per record: a record does not change when the collection sizes do.
    return np.random.default_rng([seed, collection, index])


def _draw(rng, kind_index: int, variant: int, style: str, path: Path | None, size: int) -> None:
    if path is None:
        return
    picture = draw_object(TYPES[kind_index].shape, variant, rng, style, size)
    path.parent.mkdir(parents=True, exist_ok=True)
    picture.save(path, "JPEG", quality=88 if style == "smg" else 65)


def _smg_entry(
    index: int, seed: int, folder: Path, images: bool, size: ImageSize, two_images: float = TWO_IMAGES["smg"]
) -> tuple[str, tuple]:
    rng = _record_rng(seed, 0, index)
    kind_index = int(rng.integers(len(TYPES)))
    kind, variant = TYPES[kind_index], int(rng.integers(3))
    maker = kind.makers[int(rng.integers(len(kind.makers)))]
    year = int(rng.integers(*kind.years))
    representation = REPRESENTATIONS[int(rng.integers(2))] if rng.random() < 0.05 else None
    record_id = f"co{8600000 + index}"
    image_count = 0 if rng.random() < NO_IMAGES["smg"] else (2 if rng.random() < two_images else 1)
    multimedia = []
    for image_index in range(image_count):
        location = f"images/smg/{record_id}-{image_index}.jpg"
        side = _side(size, seed, 0, index, image_index)
        _draw(rng, kind_index, variant, "smg", folder / location if images else None, side)
        multimedia.append({"processed": {"medium": {"location": location}}})
    source: dict = {
        "name": [{"value": smg_name(kind, kind.variants[variant], maker, year, representation)}],
        "title": [{"value": nms_name(kind, kind.variants[variant], None).capitalize()}],
        "categories": [{"name": CATEGORIES[kind.category][0]}],
        "terms": [
            {
                "hierarchy": [
                    {"sort": 2, "name": [{"value": kind.name}]},
                    {"sort": 1, "name": [{"value": CATEGORIES[kind.category][1].lower()}]},
                ]
            }
        ],
        "multimedia": multimedia,
    }
    if rng.random() >= 0.08:
        source["description"] = [{"value": smg_description(kind, kind.variants[variant], maker, year, rng)}]
    if rng.random() < SMG_UNCLASSIFIED:  # drawn last, so that every other value stays as it was
        del source["terms"]
    truth = (record_id, "smg", kind.category, kind.name, kind.variants[variant])
    return json.dumps({"_id": record_id, "_index": "ciim", "_source": source}, ensure_ascii=False), truth


def _nms_row(
    index: int, seed: int, folder: Path, images: bool, size: ImageSize, two_images: float = TWO_IMAGES["nms"]
) -> tuple[dict, tuple]:
    rng = _record_rng(seed, 1, index)
    kind_index = int(rng.integers(len(TYPES)))
    kind, variant = TYPES[kind_index], int(rng.integers(3))
    maker = kind.makers[int(rng.integers(len(kind.makers)))]
    representation = REPRESENTATIONS[0] if rng.random() < 0.05 else None
    record_id = f"T.{1950 + index % 60}.{index}"
    references = []
    image_count = 0 if rng.random() < NO_IMAGES["nms"] else (2 if rng.random() < two_images else 1)
    for image_index in range(image_count):
        prefix = "PF" if image_index == 0 else "MP"
        location = f"images/nms/{prefix}{index:06d}{image_index}.jpg"
        side = _side(size, seed, 1, index, image_index)
        _draw(rng, kind_index, variant, "nms", folder / location if images else None, side)
        references.append(location)
    if rng.random() < 0.3:
        references.append(f"DOC{index:06d}")  # a document, not an image: the adapter skips it
    row = {
        "object_number": record_id,
        "object_name": nms_name(kind, kind.variants[variant], representation),
        "description": "" if rng.random() < 0.1 else nms_description(kind, kind.variants[variant], maker, rng),
        "object_category": CATEGORIES[kind.category][1],
        "administration_name": "Science and Technology",
        "media.reference": "|".join(references),
    }
    return row, (record_id, "nms", kind.category, kind.name, kind.variants[variant])


def write_demo_data(
    folder: Path,
    smg_records: int = 800,
    nms_records: int = 200,
    seed: int = 0,
    images: bool = True,
    image_size: ImageSize = 128,
    smg_images: int | None = None,
    nms_images: int | None = None,
    workers: int = 0,
) -> DemoFiles:
    """Write `smg.jsonl`, `nms.csv`, their images (JPEGs) and `ground_truth.csv` into `folder`.

    `image_size`: every picture's side in pixels, or a (low, high) range each side is drawn from.
    `smg_images`, `nms_images`: about how many images each collection has (default: the demo's
    ~1.13 and ~1.04 per record). `workers` > 0 draws the pictures in that many processes; the
    files are the same for any number of workers.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    smg_share = two_image_share("smg", smg_records, smg_images)
    nms_share = two_image_share("nms", nms_records, nms_images)
    if not isinstance(image_size, int) and not 0 < image_size[0] <= image_size[1]:
        raise ValueError(f"image size range {image_size}: expected 0 < low <= high")
    make_smg = partial(_smg_entry, seed=seed, folder=folder, images=images, size=image_size, two_images=smg_share)
    make_nms = partial(_nms_row, seed=seed, folder=folder, images=images, size=image_size, two_images=nms_share)
    with ProcessPoolExecutor(workers) if workers else _InProcess() as pool:
        smg = list(pool.map(make_smg, range(smg_records), chunksize=64))
        nms = list(pool.map(make_nms, range(nms_records), chunksize=64))
    truth_rows = [truth for _, truth in smg]
    files = DemoFiles(folder / "smg.jsonl", folder / "nms.csv", folder / "ground_truth.csv")
    atomic.write_text(files.smg, "\n".join(line for line, _ in smg) + "\n")
    nms_rows = [row for row, _ in nms]
    truth_rows += [truth for _, truth in nms]
    with atomic.atomic_path(files.nms) as temporary, temporary.open("w", newline="", encoding="utf-8") as handle:
        records = csv.DictWriter(handle, fieldnames=NMS_COLUMNS)
        records.writeheader()
        records.writerows(nms_rows)
    with (
        atomic.atomic_path(files.ground_truth) as temporary,
        temporary.open("w", newline="", encoding="utf-8") as handle,
    ):
        truth_file = csv.writer(handle)
        truth_file.writerow(GROUND_TRUTH_COLUMNS)
        truth_file.writerows(truth_rows)
    return files


class _InProcess:
    """`map` in this process, with the executor interface (for `workers = 0`)."""

    def __enter__(self) -> _InProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    def map(self, function, items, chunksize: int = 1):
        return map(function, items)


def synthetic_pairs(count: int, seed: int, style: str = "sketch", size: int = 128) -> list[tuple[Image.Image, str]]:
    """Captioned pictures drawn differently from both demo collections (to pre-train a base model)."""
    pairs = []
    for index in range(count):
        rng = _record_rng(seed, 2, index)
        kind_index = int(rng.integers(len(TYPES)))
        kind, variant = TYPES[kind_index], int(rng.integers(3))
        picture = draw_object(kind.shape, variant, rng, style, size)
        pairs.append((picture, f"a drawing of a {kind.variants[variant]} {kind.name}"))
    return pairs
