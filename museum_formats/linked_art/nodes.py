"""Reading Linked Art JSON-LD nodes as both 1.0 and earlier records write them.

Linked Art 1.0 writes `id`, `type`, `_label` and `content`; records made before it (JSON-LD
keywords, `ManMadeObject`, `label`, `value`) are read the same way. Concepts are compared by
their Getty AAT number, whichever way the id is written (`aat:300404670` or the full URI). A
museum that names concepts with its own URIs (Yale's LUX writes
`https://lux.collections.yale.edu/data/concept/…` labelled "Description" or "Type of Work")
has those concepts known by their label, for the kinds the reader reads.
"""

from __future__ import annotations

import re

from museum_formats.markup import plain_text

_AAT = re.compile(r"(?:aat:|vocab\.getty\.edu/aat/)(\d+)$")
# AAT language concepts by the language tag they stand for.
LANGUAGE_CONCEPTS = {
    "300388277": "en",
    "300388306": "fr",
    "300388344": "de",
    "300388256": "nl",
    "300389311": "es",
    "300388474": "it",
}
# The AAT number a concept stands for when its own id is not an AAT one, by its label, case aside.
_LABELLED_CONCEPTS = {
    "primary": "300404670",
    "primary name": "300404670",
    "primary title": "300404670",
    "description": "300435416",
    "brief text": "300418049",
    "type of work": "300435443",
    "accession number": "300312355",
    "material statement": "300435429",
    "materials statement": "300435429",
    "dimension statement": "300435430",
    "dimensions statement": "300435430",
    "provenance statement": "300435438",
    "credit line": "300435418",
    "inscription": "300435414",
    "english": "300388277",
    "french": "300388306",
    "german": "300388344",
    "dutch": "300388256",
    "spanish": "300389311",
    "italian": "300388474",
}


def nodes(value: object) -> list[dict]:
    """The JSON objects of a property, which holds one or a list of them."""
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, dict)]


def node_id(node: dict) -> str:
    written = node.get("id", node.get("@id"))
    return written.strip() if isinstance(written, str) else ""


def node_type(node: dict) -> str:
    written = node.get("type", node.get("@type"))
    return written if isinstance(written, str) else ""


def label(node: dict) -> str:
    written = node.get("_label", node.get("label"))
    return plain_text(written) if isinstance(written, str) else ""


def content(node: dict) -> str:
    written = node.get("content", node.get("value"))
    return plain_text(written) if isinstance(written, str) else ""


def aat(concept_id: str) -> str | None:
    match = _AAT.search(concept_id.strip())
    return match.group(1) if match else None


def concept_number(concept: dict) -> str | None:
    """The AAT number of a concept: its id's, else the one its label names."""
    return aat(node_id(concept)) or _LABELLED_CONCEPTS.get(label(concept).casefold())


def concepts(node: dict) -> list[str]:
    """The AAT numbers `node` is directly classified as, in the order written."""
    return [number for concept in nodes(node.get("classified_as")) if (number := concept_number(concept))]


def language(node: dict) -> str | None:
    """The language tag of the node's first language that is an AAT language concept."""
    for stated in nodes(node.get("language")):
        tag = LANGUAGE_CONCEPTS.get(concept_number(stated) or "")
        if tag:
            return tag
    return None
