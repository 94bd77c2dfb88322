"""The JSON-LD contexts the GLAM exports name, read from the copies shipped in publishing/contexts/.

The exports name each context by its public URL. To read an export as RDF without the network,
`offline_graph` puts the shipped copy in place of every URL it knows, in the document and inside
the contexts themselves (the IIIF context names the Web Annotation one in its type-scoped
definitions), before rdflib sees it. A context URL that has no copy is left as written: rdflib
would fetch it only where the document uses a term defined by it, and the exports use none.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from rdflib import Graph

WEB_ANNOTATION = "http://www.w3.org/ns/anno.jsonld"
IIIF_PRESENTATION = "http://iiif.io/api/presentation/3/context.json"
LINKED_ART = "https://linked.art/ns/v1/linked-art.json"
SHIPPED = {
    WEB_ANNOTATION: "anno.jsonld",
    IIIF_PRESENTATION: "iiif-presentation-3.json",
    LINKED_ART: "linked-art.json",
}
CONTEXT = "@context"


def contexts_folder() -> Path:
    return Path(str(files("publishing") / "contexts"))


@cache
def _shipped(url: str) -> Any:
    """The `@context` value of the shipped copy of `url`, the URLs it names in turn replaced too."""
    document = json.loads((contexts_folder() / SHIPPED[url]).read_text(encoding="utf-8"))
    return _with_copies(document[CONTEXT], in_context=True)


def _with_copies(value: Any, in_context: bool = False) -> Any:
    """`value` (a document, or a context when `in_context`) with each shipped context URL named as a
    context replaced by its copy; other strings are left alone."""
    if isinstance(value, str):
        return _shipped(value) if in_context and value in SHIPPED else value
    if isinstance(value, list):
        return [_with_copies(item, in_context) for item in value]
    if isinstance(value, dict):
        return {key: _with_copies(item, in_context=key == CONTEXT) for key, item in value.items()}
    return value


def offline_graph(document: dict) -> Graph:
    """The RDF of a JSON-LD `document` whose contexts are the shipped ones, parsed without the network."""
    return Graph().parse(data=json.dumps(_with_copies(document)), format="json-ld")
