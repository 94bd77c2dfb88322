"""National Museums Scotland CSV exports: fixed columns; `media.reference` holds `|`-separated image
references, of which those whose file name starts with PF or MP are images."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath

from museum_formats.mapping import cell_value, extra_fields, unreadable
from museum_formats.markup import plain_text
from museum_formats.media import add_images
from museum_formats.nms.options import NmsOptions
from museum_formats.reading import csv_rows
from museum_formats.rows import SourceRow, normalise

NMS_COLUMNS = (
    "object_number",
    "object_name",
    "description",
    "object_category",
    "administration_name",
    "media.reference",
)
NMS_IMAGE_PREFIXES = ("PF", "MP")
NOT_NMS_IMAGE = "not an image (NMS image references start with PF or MP)"


def _cell(row: SourceRow, column: str, value: str | None) -> str:
    """A CSV cell's plain text (markup out), counted as kept when it holds any."""
    text = plain_text(value or "")
    if text:
        row.keep(column)
    return text


def read_nms(collection: NmsOptions) -> Iterator[SourceRow]:
    """Every row of a National Museums Scotland CSV export, in file order."""
    required = NMS_COLUMNS[:3] + ("media.reference", *collection.fields.values())
    for number, values, problem in csv_rows(collection, tuple(dict.fromkeys(required))):
        if problem or values is None:
            yield unreadable(number, problem)
            continue
        row = SourceRow(number, record_id=normalise(values["object_number"]) or None)
        row.name = _cell(row, "object_name", values["object_name"])
        row.description = _cell(row, "description", values["description"])
        row.category = _cell(row, "object_category", values.get("object_category")) or None
        row.taxonomy = _cell(row, "administration_name", values.get("administration_name")) or None
        images = []
        for ref in (r.strip() for r in values["media.reference"].split("|")):
            if PurePosixPath(ref).name.startswith(NMS_IMAGE_PREFIXES):
                images.append(ref)
            elif ref:
                row.drop("media.reference", ref, NOT_NMS_IMAGE)
        add_images(row, images, collection, "media.reference")
        extra_fields(row, values, collection, cell_value)
        yield row
