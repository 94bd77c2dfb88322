"""What the reconciliation service says of the study's records: its manifest, entity suggestions,
previews' thumbnails and the data extension's property values.

Entities are records, identified by their study record id (unique across the study's collections);
their types are the collections. Data extension offers a record's name, description, category, its
first image (the catalogue's URL where it has one, else this service's copy of the local file), its
verified links (`hw export-links`) and its calibrated links (`hw export-links --precision`), the
links as entities of this service. Link tables are read again when they change.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from heritage_weaver.artifacts import Artifact
from heritage_weaver.config import StudyConfig
from heritage_weaver.url_safety import AddressRule, without_credentials
from heritage_weaver.workspace import Workspace
from museum_formats.iiif.image_api import sized
from museum_formats.sources import is_url
from publishing.artifacts import PUBLISHED_CALIBRATED, PUBLISHED_LINKS
from publishing.uris import study_base
from web.catalogue import Catalogue, Record, image_url
from web.reconcile.protocol import DESCRIPTION, IMAGE

SCHEMA_SPACE = "http://www.cidoc-crm.org/cidoc-crm/E22_Human-Made_Object"
PREVIEW_WIDTH, PREVIEW_HEIGHT = 430, 270
THUMBNAIL_SIDE = 240
SUGGESTIONS = 10
# Data extension: property id → (name, what it holds).
PROPERTIES = {
    "name": ("name", "the record's name"),
    "description": ("description", "the record's description"),
    "category": ("category", "the record's category"),
    "image": ("image", "the URL of the record's first image"),
    "links": ("verified links", "records that curators verified as linked (hw export-links)"),
    "calibrated_links": (
        "calibrated links",
        "records linked above a threshold at the study's stated precision (hw export-links --precision)",
    ),
}
QUERY_PROPERTIES = {
    DESCRIPTION: "in a query: a description, embedded with the query's text",
    IMAGE: "in a query: an image URL or a local path, compared with the records' texts and images",
}


def property_suggestions(prefix: str) -> list[dict]:
    """The properties whose id or name starts with `prefix` (any case): those a query reads, then
    those data extension offers, each once with what it means in either role."""
    key = prefix.strip().casefold()
    found = []
    for pid in dict.fromkeys([*QUERY_PROPERTIES, *PROPERTIES]):
        name, offered = PROPERTIES.get(pid, (pid, ""))
        if pid.startswith(key) or name.casefold().startswith(key):
            meaning = "; ".join(part for part in (QUERY_PROPERTIES.get(pid), offered) if part)
            found.append({"id": pid, "name": name, "description": meaning})
    return found


def manifest(config: StudyConfig, model: str, base: str, batch_size: int) -> dict:
    """The service manifest, its URLs under `base` (the address the request came to, without a slash at the end)."""
    return {
        "versions": ["0.1", "0.2"],
        "name": f"Heritage Weaver · {config.study.name} ({model})",
        "identifierSpace": f"{study_base(config)}record/",
        "schemaSpace": SCHEMA_SPACE,
        "documentation": f"{base}/reconcile/documentation",
        "defaultTypes": [{"id": c.name, "name": f"{c.name} records"} for c in config.collections],
        "view": {"url": f"{base}/reconcile/view/{{{{id}}}}"},
        "preview": {"url": f"{base}/reconcile/preview/{{{{id}}}}", "width": PREVIEW_WIDTH, "height": PREVIEW_HEIGHT},
        "suggest": {
            "entity": {"service_url": base, "service_path": "/reconcile/suggest/entity"},
            "property": {"service_url": base, "service_path": "/reconcile/suggest/property"},
        },
        "extend": {
            "propose_properties": {"service_url": base, "service_path": "/reconcile/properties"},
            "property_settings": [],
        },
        "batchSize": batch_size,
    }


class _WhenChanged:
    """A value computed from an artifact, computed again when the artifact's file changes (None while it is missing)."""

    def __init__(self, ws: Workspace, artifact: Artifact, compute: Callable[[], dict]) -> None:
        self.path, self.compute = artifact.location(ws), compute
        self._at: float | None = None
        self._value: dict = {}
        self._lock = threading.Lock()

    def get(self) -> dict:
        changed_at = self.path.stat().st_mtime if self.path.is_file() else None
        with self._lock:
            if changed_at != self._at:
                self._value = self.compute() if changed_at is not None else {}
                self._at = changed_at
            return self._value


def _partners(frame: pd.DataFrame) -> dict[str, list[str]]:
    """Record → the records it is linked to (either side), in the table's order, each once."""
    partners: dict[str, list[str]] = {}
    for a, b in zip(frame["record_a"], frame["record_b"], strict=True):
        for mine, other in ((a, b), (b, a)):
            found = partners.setdefault(mine, [])
            if other not in found:
                found.append(other)
    return partners


class Entities:
    """The study's records as reconciliation entities."""

    def __init__(self, ws: Workspace, catalogue: Catalogue) -> None:
        self.ws, self.catalogue = ws, catalogue
        self.rule = AddressRule(ws.config.fetch.allow_hosts)
        self.collection_of = {record_id: collection for collection, record_id in catalogue.records}
        self._names = sorted((r.name.casefold(), r.record_id) for r in catalogue.records.values() if r.name)
        self._verified = _WhenChanged(ws, PUBLISHED_LINKS, lambda: _partners(PUBLISHED_LINKS.read(ws)))
        self._calibrated = _WhenChanged(
            ws,
            PUBLISHED_CALIBRATED,
            lambda: _partners(PUBLISHED_CALIBRATED.read(ws).sort_values("probability", ascending=False)),
        )

    def get(self, record_id: str) -> Record | None:
        collection = self.collection_of.get(record_id)
        return None if collection is None else self.catalogue.get(collection, record_id)

    def thumbnail(self, record: Record) -> str | None:
        """Where a preview shows the record's first image: this service's copy of a local or fetched
        file, else its public URL (an IIIF image sized to a thumbnail); None where it has none."""
        source = self.catalogue.image_source(record.collection, record.record_id, 0)
        if source is None or isinstance(source, Path):
            return None if source is None else image_url(record.collection, record.record_id, 0)
        url = without_credentials(sized(source, THUMBNAIL_SIDE) or source)
        return None if self.rule.refusal(url) else url

    def suggest(self, prefix: str, cursor: int, types: Sequence[str]) -> list[dict]:
        """Records whose id is `prefix`, then those whose name starts with it (any case), `cursor` skipped."""
        key = prefix.strip().casefold()
        if not key:
            return []
        found: list[str] = []

        def take(record_id: str) -> None:
            if record_id not in found and (not types or self.collection_of[record_id] in types):
                found.append(record_id)

        if prefix.strip() in self.collection_of:
            take(prefix.strip())
        for name, record_id in self._names[bisect.bisect_left(self._names, (key, "")) :]:
            if not name.startswith(key) or len(found) >= cursor + SUGGESTIONS:
                break
            take(record_id)
        return [self.suggestion(record_id) for record_id in found[cursor:]]

    def suggestion(self, record_id: str) -> dict:
        record = self.get(record_id)
        assert record is not None
        return {
            "id": record_id,
            "name": record.name or record_id,
            "description": shortened(record.description),
            "notable": [{"id": record.collection, "name": f"{record.collection} records"}],
        }

    def extend(self, ids: Sequence[str], properties: Sequence[str], base: str) -> dict:
        """The data extension response: per entity id and property, its values."""
        rows = {
            record_id: {p: self._values(record_id, p, base) for p in properties} for record_id in dict.fromkeys(ids)
        }
        return {"meta": [{"id": p, "name": PROPERTIES[p][0]} for p in properties], "rows": rows}

    def _values(self, record_id: str, prop: str, base: str) -> list[dict]:
        record = self.get(record_id)
        if record is None:
            return []
        if prop in ("name", "description", "category"):
            value = getattr(record, prop)
            return [{"str": value}] if value else []
        if prop == "image":
            if not record.images:
                return []
            first = record.images[0]
            url = first if is_url(first) else f"{base}{image_url(record.collection, record_id, 0)}"
            return [{"str": without_credentials(url)}]
        partners = (self._verified if prop == "links" else self._calibrated).get().get(record_id, [])
        return [self._entity(other) for other in partners]

    def _entity(self, record_id: str) -> dict:
        record = self.get(record_id)
        return {"id": record_id, "name": (record.name if record else "") or record_id}


def shortened(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
