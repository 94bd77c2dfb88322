"""Europeana Record API responses (`/record/v2/{id}.json`) as EDM graphs (`edm_graph`).

The response's `object` holds the proxies, the aggregations with their `webResources`, the
`europeanaAggregation`, and the contextual entities (`agents`, `concepts`, `places`,
`timespans`, `organizations`). A property such as `dcTitle` is `dc:title`; a language map (`{"en": [...],
"def": [...]}`) gives each value its language, `def` none. A string that is a URL is a link.
"""

from __future__ import annotations

from museum_formats.edm.graph import (
    AGGREGATIONS,
    CHO,
    PROXY,
    EdmRecord,
    Node,
    Value,
    clean_uri,
    is_europeana_proxy,
)
from museum_formats.languages import primary_language
from museum_formats.rows import Problem

JSON_PREFIXES = ("dcterms", "dc", "edm", "ebucore", "ore", "skos", "owl")  # the longer of dc/dcterms first
UNPREFIXED = {
    "hasView": "edm:hasView",
    "prefLabel": "skos:prefLabel",
    "altLabel": "skos:altLabel",
    "proxyFor": "ore:proxyFor",
    "aggregatedCHO": "edm:aggregatedCHO",
    "svcsHasService": "svcs:has_service",
    "europeanaProxy": "edm:europeanaProxy",
}
ENTITIES = ("agents", "concepts", "places", "timespans", "organizations")
NOT_A_RECORD = "not a Europeana Record API response"


def property_key(key: str) -> str | None:
    """`dcTitle` as `dc:title`, None for keys that name no EDM property."""
    if key in UNPREFIXED:
        return UNPREFIXED[key]
    for prefix in JSON_PREFIXES:
        rest = key[len(prefix) :]
        if key.lower().startswith(prefix) and rest[:1].isupper():  # `ebuCoreHasMimeType` in older responses
            return f"{prefix}:{rest[0].lower()}{rest[1:]}"
    return None


def _value(text: str, language: str | None) -> Value:
    if text.strip().startswith(("http://", "https://")):
        return Value(clean_uri(text), resource=True)
    return Value(text, language)


def _values(written: object) -> list[Value]:
    if isinstance(written, bool):
        return [Value(str(written).lower())]
    if isinstance(written, (str, int, float)):
        return [_value(str(written), None)]
    if isinstance(written, list):
        return [value for item in written for value in _values(item)]
    if isinstance(written, dict):
        return [
            _value(str(text), None if tag == "def" else primary_language(tag))
            for tag, items in written.items()
            for text in (items if isinstance(items, list) else [items])
            if isinstance(text, (str, int, float)) and not isinstance(text, bool)
        ]
    return []


def _node(entry: dict, kind: str | None, found: dict[str, Node]) -> Node:
    about = clean_uri(str(entry.get("about") or ""))
    node = found.setdefault(about, Node(about, line=1))
    node.types.extend([kind] if kind else [])
    for key, written in entry.items():
        name = property_key(key)
        if name:
            node.properties.setdefault(name, []).extend(_values(written))
    return node


def api_record(document: object) -> EdmRecord | Problem:
    """The record of a Record API response (or of its bare `object`)."""
    if isinstance(document, dict) and document.get("success") is False:
        return Problem("success", "an error response of the Record API", str(document.get("error") or ""))
    record = document.get("object", document) if isinstance(document, dict) else None
    if not isinstance(record, dict) or not isinstance(record.get("proxies"), list):
        return Problem("object", NOT_A_RECORD, "no object with proxies")
    found: dict[str, Node] = {}
    cho = _node({"about": record.get("about") or ""}, CHO, found)
    proxies = [_node(p, PROXY, found) for p in record["proxies"] if isinstance(p, dict)]
    aggregations = [_node(a, AGGREGATIONS[0], found) for a in record.get("aggregations") or [] if isinstance(a, dict)]
    if isinstance(record.get("europeanaAggregation"), dict):
        aggregations.append(_node(record["europeanaAggregation"], AGGREGATIONS[1], found))
    resources = [
        r for a in record.get("aggregations") or [] if isinstance(a, dict) for r in a.get("webResources") or []
    ]
    entities = [e for group in ENTITIES for e in record.get(group) or []]
    for entry in resources + entities:
        if isinstance(entry, dict) and entry.get("about"):
            _node(entry, None, found)
    return EdmRecord(cho.about, 1, [cho, *sorted(proxies, key=is_europeana_proxy)], aggregations, found)
