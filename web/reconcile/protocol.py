"""The requests of the Reconciliation Service API 0.2, read and checked: query batches and data
extension queries (JSON in the `queries` or `extend` field of a form or a URL).

A query is a query string, properties, or both. The service reads two properties: `description`
(text, added to the query's text) and `image` (an image URL or a local path); other properties are
ignored, as the specification leaves their use to the service. A property value that is an entity
(a cell reconciled before) counts by its name as a description and not at all as an image.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

DESCRIPTION = "description"
IMAGE = "image"
DEFAULT_LIMIT = 10
MAX_LIMIT = 100
MAX_QUERY_IMAGES = 4  # images read per query; more are ignored
MAX_TEXT = 20_000  # characters kept of a query string or a description value (SigLIP reads 64 tokens a unit)


class ProtocolError(ValueError):
    """A request the service cannot read (HTTP 400); the message says what is wrong."""

    status = 400


class BatchTooLarge(ProtocolError):
    """More queries in one batch than the manifest's `batchSize` (HTTP 413)."""

    status = 413


@dataclass(frozen=True)
class Query:
    """One reconciliation query, as the service uses it."""

    key: str
    text: str  # the query string, whitespace collapsed; '' where only properties are given
    descriptions: tuple[str, ...]
    images: tuple[str, ...]  # image URLs or local paths, as given
    types: tuple[str, ...]  # the collections to search; empty: every one
    limit: int


@dataclass(frozen=True)
class ExtensionQuery:
    ids: tuple[str, ...]
    properties: tuple[str, ...]


def _json_object(raw: str, field: str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ProtocolError(f"{field}: not JSON ({error})") from None
    if not isinstance(value, dict):
        raise ProtocolError(f"{field}: expected a JSON object, got {type(value).__name__}")
    return value


def _collapse(text: str) -> str:
    return " ".join(text[: 2 * MAX_TEXT].split())[:MAX_TEXT]


def _values(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _description(value: Any) -> str:
    if isinstance(value, dict):
        name = value.get("name")
        return _collapse(name) if isinstance(name, str) else ""
    if isinstance(value, bool | int | float):
        return str(value)
    return _collapse(value) if isinstance(value, str) else ""


def _types(value: Any, key: str, collections: Sequence[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    types = _values(value)
    if not all(isinstance(t, str) for t in types):
        raise ProtocolError(f"{key}.type: expected a type id or a list of them")
    unknown = sorted(set(types) - set(collections))
    if unknown:
        raise ProtocolError(f"{key}.type: unknown type(s) {unknown}; the types are the collections {list(collections)}")
    return tuple(types)


def _limit(value: Any, key: str) -> int:
    if value is None:
        return DEFAULT_LIMIT
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 1 or value != int(value):
        raise ProtocolError(f"{key}.limit: expected a positive integer, got {value!r}")
    return min(int(value), MAX_LIMIT)


def read_query(key: str, raw: Any, collections: Sequence[str]) -> Query:
    """One query of a batch; ProtocolError where it has neither a query string nor properties."""
    if not isinstance(raw, dict):
        raise ProtocolError(f"{key}: expected a query object")
    text = raw.get("query")
    if text is not None and not isinstance(text, str):
        raise ProtocolError(f"{key}.query: expected a string")
    properties = raw.get("properties") or []
    if not isinstance(properties, list) or not all(isinstance(p, dict) and "pid" in p for p in properties):
        raise ProtocolError(f"{key}.properties: expected a list of objects with a pid and a value v")
    descriptions: list[str] = []
    images: list[str] = []
    for found in properties:
        for value in _values(found.get("v")):
            if found["pid"] == DESCRIPTION and _description(value):
                descriptions.append(_description(value))
            elif found["pid"] == IMAGE and isinstance(value, str) and value.strip():
                images.append(value.strip())
    query = Query(
        key,
        _collapse(text or ""),
        tuple(descriptions),
        tuple(images[:MAX_QUERY_IMAGES]),
        _types(raw.get("type"), key, collections),
        _limit(raw.get("limit"), key),
    )
    if not (query.text or query.descriptions or query.images):
        raise ProtocolError(f"{key}: a query needs a query string, a description or an image")
    return query


def read_batch(raw: str, collections: Sequence[str], batch_size: int) -> list[Query]:
    """The queries of a batch (JSON: query key → query); BatchTooLarge past `batch_size`."""
    batch = _json_object(raw, "queries")
    if len(batch) > batch_size:
        raise BatchTooLarge(f"queries: {len(batch)} queries in one batch; this service takes at most {batch_size}")
    return [read_query(key, query, collections) for key, query in batch.items()]


def read_extension(raw: str, properties: Sequence[str]) -> ExtensionQuery:
    """A data extension query (JSON: `ids`, `properties` each with an `id`); ProtocolError for an
    unknown property."""
    query = _json_object(raw, "extend")
    ids, wanted = query.get("ids"), query.get("properties")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise ProtocolError("extend.ids: expected a list of entity ids")
    if not isinstance(wanted, list) or not all(isinstance(p, dict) and isinstance(p.get("id"), str) for p in wanted):
        raise ProtocolError("extend.properties: expected a list of objects with an id")
    chosen = tuple(p["id"] for p in wanted)
    unknown = sorted(set(chosen) - set(properties))
    if unknown:
        raise ProtocolError(
            f"extend.properties: unknown property id(s) {unknown}; the properties are {list(properties)}"
        )
    return ExtensionQuery(tuple(ids), chosen)
