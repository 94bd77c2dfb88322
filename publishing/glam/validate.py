"""Offline checks of the GLAM documents: what each specification requires of the JSON, and their RDF.

`problems` names what a document lacks, by the specification that requires it:

- an IIIF AnnotationPage (IIIF Presentation 3, with the W3C Web Annotation Data Model): `@context`
  with the Presentation 3 context last; `id` an absolute URI; `type` `AnnotationPage`; `items` a
  non-empty list of annotations, each with an absolute `id`, `type` `Annotation`, `motivation`
  `linking`, two bodies (the linked record with `id`, `type` and a `label` language map, and a
  `TextualBody` with a `value`), and a `target` that is a URI or a `Manifest` or `Canvas` with an `id`;
- a Linked Art record (Linked Art 1.0 API): `@context` the Linked Art context; `id`; `type`
  `HumanMadeObject`; `_label`; an `equivalent` or `attributed_by`; each equivalent a reference
  (`id`, `type`, `_label`); each assignment `type` `AttributeAssignment` with `assigned`
  references, `classified_as` and `identified_by`, `referred_to_by`, either `carried_out_by`
  (curators) or the artificial-intelligence `technique` (a calibrated link), and a `timespan`,
  where it has one, with both bounds in order.

`documents_graph` reads documents as RDF with the shipped contexts (publishing.glam.contexts), for
the SHACL shapes of publishing/shapes.ttl.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import TypeGuard
from urllib.parse import urlsplit

from rdflib import Graph

from publishing.glam.contexts import CONTEXT, IIIF_PRESENTATION, LINKED_ART, offline_graph
from publishing.glam.linked_art import ARTIFICIAL_INTELLIGENCE

IIIF_TARGETS = ("Manifest", "Canvas")


def _is_uri(value: object) -> bool:
    return isinstance(value, str) and bool(urlsplit(value).scheme)


def _is_reference(value: object) -> TypeGuard[dict]:
    return isinstance(value, dict) and _is_uri(value.get("id")) and isinstance(value.get("type"), str)


def _references(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(_is_reference(item) for item in value)


def _is_language_map(value: object) -> bool:
    return (
        isinstance(value, dict)
        and bool(value)
        and all(
            isinstance(texts, list) and texts and all(isinstance(t, str) for t in texts) for texts in value.values()
        )
    )


def problems(document: dict) -> list[str]:
    """What `document` (an AnnotationPage or a Linked Art object) lacks, each with the specification."""
    if document.get("type") == "AnnotationPage":
        return _page_problems(document)
    if document.get("type") == "HumanMadeObject":
        return _linked_art_problems(document)
    return [f"neither an AnnotationPage nor a HumanMadeObject: type {document.get('type')!r}"]


def _page_problems(page: dict) -> list[str]:
    found = []
    contexts = page.get("@context")
    last = contexts[-1] if isinstance(contexts, list) and contexts else contexts
    if last != IIIF_PRESENTATION:
        found.append(f"IIIF Presentation 3: @context must end with {IIIF_PRESENTATION}")
    if not _is_uri(page.get("id")):
        found.append("IIIF Presentation 3: an AnnotationPage needs an absolute URI as id")
    items = page.get("items")
    if not isinstance(items, list) or not items:
        return [*found, "IIIF Presentation 3: an AnnotationPage needs a non-empty items list"]
    for number, annotation in enumerate(items, start=1):
        found += [f"annotation {number}: {problem}" for problem in _annotation_problems(annotation)]
    return found


def _annotation_problems(annotation: object) -> list[str]:
    if not isinstance(annotation, dict):
        return ["Web Annotation: an annotation is a JSON object"]
    found = []
    if not _is_uri(annotation.get("id")):
        found.append("Web Annotation: id must be an absolute URI")
    if annotation.get("type") != "Annotation":
        found.append("Web Annotation: type must be Annotation")
    if annotation.get("motivation") != "linking":
        found.append("Web Annotation: motivation must be linking")
    bodies = annotation.get("body")
    bodies = bodies if isinstance(bodies, list) else [bodies]
    records = [body for body in bodies if _is_reference(body) and _is_language_map(body.get("label"))]
    words = [
        b for b in bodies if isinstance(b, dict) and b.get("type") == "TextualBody" and isinstance(b.get("value"), str)
    ]
    if len(records) != 1 or len(words) != 1 or len(bodies) != 2:
        found.append(
            "IIIF Presentation 3: the body is the linked record (id, type, label) and a TextualBody with a value"
        )
    target = annotation.get("target")
    if not (_is_uri(target) or (_is_reference(target) and target["type"] in IIIF_TARGETS)):
        found.append(f"Web Annotation: the target must be a URI or one of {list(IIIF_TARGETS)} with an id")
    return found


def _linked_art_problems(document: dict) -> list[str]:
    found = []
    if document.get("@context") != LINKED_ART:
        found.append(f"Linked Art: @context must be {LINKED_ART}")
    if not _is_uri(document.get("id")):
        found.append("Linked Art: a record needs an absolute URI as id")
    if not isinstance(document.get("_label"), str) or not document["_label"]:
        found.append("Linked Art: a record needs a _label")
    equivalents, assignments = document.get("equivalent"), document.get("attributed_by")
    if equivalents is None and assignments is None:
        found.append("Linked Art: a linked record has an equivalent or an attributed_by")
    if equivalents is not None and not (_references(equivalents) and all("_label" in e for e in equivalents)):
        found.append("Linked Art: each equivalent is a reference with id, type and _label")
    for number, assignment in enumerate(assignments or [], start=1):
        found += [f"attributed_by {number}: {problem}" for problem in _assignment_problems(assignment)]
    return found


def _assignment_problems(assignment: dict) -> list[str]:
    found = []
    if assignment.get("type") != "AttributeAssignment":
        found.append("Linked Art: type must be AttributeAssignment")
    for key in ("assigned", "classified_as"):
        if not _references(assignment.get(key)):
            found.append(f"Linked Art: {key} must be a non-empty list of references")
    for key in ("identified_by", "referred_to_by"):
        if not isinstance(assignment.get(key), list) or not assignment[key]:
            found.append(f"Linked Art: {key} must be a non-empty list")
    by_people = _references(assignment.get("carried_out_by"))
    by_model = ARTIFICIAL_INTELLIGENCE in (assignment.get("technique") or [])
    if by_people == by_model:
        found.append("Linked Art: either carried_out_by (curators) or the artificial-intelligence technique (a model)")
    span = assignment.get("timespan")
    if span is not None and not _is_time_span(span):
        found.append("Linked Art: a timespan is a TimeSpan with begin_of_the_begin no later than end_of_the_end")
    return found


def _is_time_span(span: object) -> bool:
    if not isinstance(span, dict) or span.get("type") != "TimeSpan":
        return False
    try:
        return datetime.fromisoformat(span["begin_of_the_begin"]) <= datetime.fromisoformat(span["end_of_the_end"])
    except (KeyError, TypeError, ValueError):
        return False


def documents_graph(documents: Iterable[dict]) -> Graph:
    """The RDF of `documents` together, read with the shipped contexts (no network). Documents with the
    same `@context` are read as the nodes of one `@graph`, so that each context is processed once."""
    nodes: dict[str, list[dict]] = {}
    for document in documents:
        shared = json.dumps(document.get(CONTEXT))
        nodes.setdefault(shared, []).append({key: value for key, value in document.items() if key != CONTEXT})
    graph = Graph()
    for context, members in nodes.items():
        graph += offline_graph({CONTEXT: json.loads(context), "@graph": members})
    return graph
