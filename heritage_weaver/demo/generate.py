"""Writes the demo collections in the real source formats, with a hidden ground truth."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from heritage_weaver import atomic
from heritage_weaver.artifacts import DEMO_TRUTH
from heritage_weaver.demo.catalogue import (
    CATEGORIES,
    REPRESENTATIONS,
    TYPES,
    nms_description,
    nms_name,
    smg_description,
    smg_name,
)
from heritage_weaver.demo.drawing import draw_object
from heritage_weaver.ingest.adapters import NMS_COLUMNS

GROUND_TRUTH_COLUMNS = DEMO_TRUTH.columns
# The object type is the second level of an SMG record's taxonomy (`communications > telephone`);
# NMS records never have it, and this share of SMG records lacks it too (no `terms`), so that
# `hw predict taxonomy.2` proposes types in both collections.
SMG_UNCLASSIFIED = 0.1


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


def _smg_entry(index: int, seed: int, folder: Path, images: bool, size: int) -> tuple[str, dict, tuple]:
    rng = _record_rng(seed, 0, index)
    kind_index = int(rng.integers(len(TYPES)))
    kind, variant = TYPES[kind_index], int(rng.integers(3))
    maker = kind.makers[int(rng.integers(len(kind.makers)))]
    year = int(rng.integers(*kind.years))
    representation = REPRESENTATIONS[int(rng.integers(2))] if rng.random() < 0.05 else None
    record_id = f"co{8600000 + index}"
    image_count = 0 if rng.random() < 0.06 else (2 if rng.random() < 0.2 else 1)
    multimedia = []
    for image_index in range(image_count):
        location = f"images/smg/{record_id}-{image_index}.jpg"
        _draw(rng, kind_index, variant, "smg", folder / location if images else None, size)
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
    return record_id, {"_id": record_id, "_index": "ciim", "_source": source}, truth


def _nms_row(index: int, seed: int, folder: Path, images: bool, size: int) -> tuple[dict, tuple]:
    rng = _record_rng(seed, 1, index)
    kind_index = int(rng.integers(len(TYPES)))
    kind, variant = TYPES[kind_index], int(rng.integers(3))
    maker = kind.makers[int(rng.integers(len(kind.makers)))]
    representation = REPRESENTATIONS[0] if rng.random() < 0.05 else None
    record_id = f"T.{1950 + index % 60}.{index}"
    references = []
    image_count = 0 if rng.random() < 0.1 else (2 if rng.random() < 0.15 else 1)
    for image_index in range(image_count):
        prefix = "PF" if image_index == 0 else "MP"
        location = f"images/nms/{prefix}{index:06d}{image_index}.jpg"
        _draw(rng, kind_index, variant, "nms", folder / location if images else None, size)
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
    image_size: int = 128,
) -> DemoFiles:
    """Write `smg.jsonl`, `nms.csv`, their images and `ground_truth.csv` into `folder`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    truth_rows = []
    smg_lines = []
    for index in range(smg_records):
        _, entry, truth = _smg_entry(index, seed, folder, images, image_size)
        smg_lines.append(json.dumps(entry, ensure_ascii=False))
        truth_rows.append(truth)
    files = DemoFiles(folder / "smg.jsonl", folder / "nms.csv", folder / "ground_truth.csv")
    atomic.write_text(files.smg, "\n".join(smg_lines) + "\n")
    nms_rows = []
    for index in range(nms_records):
        row, truth = _nms_row(index, seed, folder, images, image_size)
        nms_rows.append(row)
        truth_rows.append(truth)
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
