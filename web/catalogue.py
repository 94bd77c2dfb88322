"""What the page shows of the records: their fields, their images as files or URLs, their verified links."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from heritage_weaver.workspace import Workspace
from ingest.artifacts import RECORDS
from ingest.artifacts.images import ImageResolver
from museum_formats.sources import is_url
from publishing.artifacts import PUBLISHED_LINKS

RECORD_COLUMNS = ("record_id", "collection", "name", "description", "images", "category", "taxonomy")


def record_url(collection: str, record_id: str) -> str:
    """The path of a record's page."""
    return f"/record/{quote(collection, safe='')}/{quote(record_id, safe='')}"


def image_url(collection: str, record_id: str, position: int) -> str:
    """The path of a record's image at `position`, as the page serves it."""
    return f"/image/{quote(collection, safe='')}/{position}/{quote(record_id, safe='')}"


class MissingRecords(RuntimeError):
    """records.parquet is absent; the message says which verb makes it."""


@dataclass(frozen=True)
class Record:
    record_id: str
    collection: str
    name: str
    description: str
    category: str
    taxonomy: str
    images: tuple[str, ...]


def _text(value: object) -> str:
    """A record's text field; a missing one (None, or NaN as pandas reads a null string) is empty."""
    return value if isinstance(value, str) else ""


class Catalogue:
    """Every ingested record by (collection, record_id), read once."""

    def __init__(self, ws: Workspace) -> None:
        if not RECORDS.exists(ws):
            raise MissingRecords(RECORDS.missing_message())
        frame = RECORDS.read(ws, columns=list(RECORD_COLUMNS))
        self.ws = ws
        self.records = {
            (r["collection"], r["record_id"]): Record(
                r["record_id"],
                r["collection"],
                _text(r["name"]),
                _text(r["description"]),
                _text(r["category"]),
                _text(r["taxonomy"]),
                tuple(r["images"]) if r["images"] is not None else (),
            )
            for r in frame.to_dict("records")
        }
        self.resolve = ImageResolver(ws)

    def get(self, collection: str, record_id: str) -> Record | None:
        return self.records.get((collection, record_id))

    def image_position(self, collection: str, record_id: str, location: str | None) -> int | None:
        """Which of the record's images `location` is (its first when `location` is none of them)."""
        record = self.get(collection, record_id)
        if record is None or not record.images:
            return None
        return record.images.index(location) if location in record.images else 0

    def image_source(self, collection: str, record_id: str, position: int) -> Path | str | None:
        """A record's image: a readable local file, else its URL (not fetched), else None."""
        record = self.get(collection, record_id)
        if record is None or not 0 <= position < len(record.images):
            return None
        location = record.images[position]
        local = self.resolve(location)
        if local is not None and local.is_file():
            return local
        return location if is_url(location) else None

    def verified_links(self, collection: str, record_id: str) -> list[dict] | None:
        """The record's exported links, each with `other_collection`, `other_record` and `other_name`; None before
        `hw export-links` has run. Read on every call, so a new export shows without a restart."""
        if not PUBLISHED_LINKS.exists(self.ws):
            return None
        links = PUBLISHED_LINKS.read(self.ws, columns=PUBLISHED_LINKS.columns).astype({"agreement": object})
        links["agreement"] = links["agreement"].where(links["agreement"].notna(), None)
        rows = []
        for side, other in (("a", "b"), ("b", "a")):
            mine = links[(links[f"collection_{side}"] == collection) & (links[f"record_{side}"] == record_id)]
            for link in mine.to_dict("records"):
                found = self.get(link[f"collection_{other}"], link[f"record_{other}"])
                rows.append(
                    {
                        **link,
                        "other_collection": link[f"collection_{other}"],
                        "other_record": link[f"record_{other}"],
                        "other_name": found.name if found else "",
                    }
                )
        return rows
