"""What the GLAM exports say of a linked record: its URI, its name, and where a IIIF viewer shows it.

A record's IIIF target is known in two cases, both kept by ingest in `records/records.parquet`:

- a record of an `iiif` collection is a manifest (or, with `iiif_records = "canvas"`, a canvas):
  its `source_id` is the manifest's (canvas's) `id` as the file writes it;
- a record of a `linked_art` collection whose `fields` maps `manifest` has, in that field's column,
  the first IIIF manifest its `subject_of` names.

Either is used when it is an http(s) URL. A canvas record's manifest is not kept by ingest, so its
target is the canvas alone. Any other record is targeted by its URI (publishing.uris).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from heritage_weaver.config import StudyConfig
from heritage_weaver.workspace import Workspace
from ingest.artifacts import RECORDS
from museum_formats.iiif.options import IiifOptions

MANIFEST_FIELD = "manifest"  # what a linked_art collection's `fields` maps to keep a record's manifest


@dataclass(frozen=True)
class Record:
    uri: str
    name: str  # the catalogue's name, else the record id
    iiif: dict[str, str] | None  # {"id": manifest or canvas URL, "type": "Manifest" | "Canvas"}

    @property
    def target(self) -> str | dict[str, str]:
        """The annotation target: the IIIF resource where known, else the record's URI."""
        return self.iiif or self.uri


def manifest_columns(config: StudyConfig) -> dict[str, str]:
    """Per linked_art collection that keeps manifests, the records column holding them."""
    found = {}
    for collection in config.collections:
        names = [name for name, source in collection.fields.items() if source == MANIFEST_FIELD]
        if collection.format == "linked_art" and names:
            found[collection.name] = names[0]
    return found


def _is_web(value: object) -> bool:
    return isinstance(value, str) and value.startswith(("https://", "http://"))


def iiif_resource(config: StudyConfig, collection: str, source_id: object, manifest: object) -> dict[str, str] | None:
    """The IIIF manifest or canvas that shows a record of `collection`, or None."""
    settings = next((c for c in config.collections if c.name == collection), None)
    if isinstance(settings, IiifOptions) and _is_web(source_id):
        return {"id": str(source_id), "type": "Canvas" if settings.iiif_records == "canvas" else "Manifest"}
    if _is_web(manifest):
        return {"id": str(manifest), "type": "Manifest"}
    return None


def read_records(ws: Workspace, uris: dict[str, str]) -> dict[str, Record]:
    """Each record of `uris` (record id → URI) as the exports name it; a record missing from
    records.parquet keeps its id as its name and its URI as its target."""
    config = ws.config
    manifests = manifest_columns(config)
    columns = ["record_id", "collection", "name", "source_id", *dict.fromkeys(manifests.values())]
    table = RECORDS.read(ws, columns=columns)
    table = table[table["record_id"].isin(list(uris))]
    found = {}
    for row in table.to_dict("records"):
        manifest = row.get(manifests[row["collection"]]) if row["collection"] in manifests else None
        found[row["record_id"]] = Record(
            uris[row["record_id"]],
            _name(row["name"], row["record_id"]),
            iiif_resource(config, row["collection"], row["source_id"], manifest),
        )
    return {record: found.get(record, Record(uri, record, None)) for record, uri in uris.items()}


def _name(name: object, record_id: str) -> str:
    return str(name) if isinstance(name, str) and name.strip() else record_id


def record_uris(frames: Iterable[pd.DataFrame]) -> dict[str, str]:
    """Record id → URI of both sides of every link in `frames` (publishing.links or calibrated columns)."""
    uris: dict[str, str] = {}
    for frame in frames:
        for side in ("a", "b"):
            uris.update(zip(frame[f"record_{side}"].astype(str), frame[f"uri_{side}"].astype(str)))
    return uris
