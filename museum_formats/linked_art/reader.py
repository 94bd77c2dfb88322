"""Linked Art JSON-LD (`format = "linked_art"`): the CIDOC-CRM profile museums publish per object.

`path` is a file, a folder (its `.json` and `.jsonld` files, at any depth) or a glob; each file
holds one object, its file's row 1. Records written before Linked Art 1.0 (`ManMadeObject`,
`label`, `value`) ingest as 1.0 ones do. What each record field takes is listed in
docs/project-lead.md; images come from `linked_art_images`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from museum_formats.iiif.reader import LocalManifests
from museum_formats.languages import Text, choose, in_chosen_language
from museum_formats.linked_art.images import SUBJECT_OF, object_media
from museum_formats.linked_art.nodes import (
    aat,
    concepts,
    content,
    label,
    language,
    node_id,
    node_type,
    nodes,
)
from museum_formats.linked_art.options import LinkedArtOptions
from museum_formats.media import add_images
from museum_formats.reading import json_files
from museum_formats.rows import FURTHER_VALUE, Problem, SourceRow
from museum_formats.text import distinct_variants, join_sentences

SUFFIXES = (".json", ".jsonld")
OBJECT_TYPES = ("HumanMadeObject", "ManMadeObject")  # ManMadeObject: CIDOC-CRM's E22 as named before Linked Art 1.0
PRIMARY_NAME = "300404670"
# description; descriptions (documents); description (activity), which the Getty writes
DESCRIPTIONS = ("300435416", "300411780", "300080091")
BRIEF_TEXT = "300418049"
TYPE_OF_WORK = "300435443"
ACCESSION_NUMBER = "300312355"
STATEMENTS = {  # the statement kinds `fields` may name, by their AAT concept
    "dimensions": "300435430",
    "materials": "300435429",
    "provenance": "300435438",
    "credit_line": "300435418",
    "inscription": "300435414",
}
NAMES = "identified_by"
STATEMENT = "referred_to_by"
CLASSIFICATION = "classified_as"
NOT_AN_OBJECT = "not a Linked Art object"
FURTHER_CLASSIFICATION = "a further classification (a record keeps one category)"
NO_LABEL = "a classification without a _label"
MANIFEST_IMAGE = "subject_of manifest image"  # where an image of a local manifest is counted
MANIFEST_UNUSED = "an IIIF manifest of the object, not among the local `manifests` (kept where `fields` maps manifest)"


def _unused_statement(statement: dict) -> str:
    kinds = [label(c) or node_id(c) for c in nodes(statement.get(CLASSIFICATION))]
    return f"a statement not used ({', '.join(kinds) or 'unclassified'}); map its concept in `fields` to keep it"


def _name(row: SourceRow, record: dict, languages: list[str]) -> None:
    names = [
        Text(text, language(name), 0 if PRIMARY_NAME in concepts(name) else 1)
        for name in nodes(record.get(NAMES))
        if node_type(name) == "Name" and (text := content(name))
    ]
    kept = choose(row, NAMES, names, languages)
    if kept is not None:
        row.name = kept.text
        row.keep(NAMES)
    elif label(record):  # a record without Names: its label is its title
        row.name = label(record)
        row.keep("_label")


def _statement_sources(collection: LinkedArtOptions) -> dict[str, str]:
    """The AAT number of each statement kind that `fields` maps, to the source it names."""
    mapped = {}
    for source in collection.fields.values():
        number = STATEMENTS.get(source) or (aat(source) if source.startswith(("aat:", "http")) else None)
        if number:
            mapped[number] = source
    return mapped


def _is_description(statement: dict, kinds: list[str]) -> bool:
    """Classified as a description, or as brief text and nothing else: the Getty marks its dimensions,
    materials, place and rights statements Brief Text too, beside their own kind."""
    classes = nodes(statement.get(CLASSIFICATION))
    return bool(set(kinds) & set(DESCRIPTIONS)) or (BRIEF_TEXT in kinds and len(classes) == 1)


def _statements(row: SourceRow, record: dict, collection: LinkedArtOptions) -> dict[str, list[str]]:
    """The description (kept on the row), and the texts of each mapped statement source."""
    mapped = _statement_sources(collection)
    described: list[Text] = []
    extra: dict[str, list[str]] = {}
    for statement in nodes(record.get(STATEMENT)):
        text = content(statement)
        if not text:
            continue
        kinds = concepts(statement)
        source = next((mapped[k] for k in kinds if k in mapped), None)
        if source:
            extra.setdefault(source, []).append(text)
        elif _is_description(statement, kinds):
            described.append(Text(text, language(statement), 1))
        else:
            row.drop(STATEMENT, text, _unused_statement(statement))
    kept = in_chosen_language(row, STATEMENT, described, collection.languages)
    row.description = join_sentences(distinct_variants(row, STATEMENT, kept))
    return extra


def _classify(row: SourceRow, record: dict) -> list[str]:
    """The category: the first type of work (else the first classification) with a label; the
    classification ids in the same order, for `type_uri`."""
    classes = nodes(record.get(CLASSIFICATION))
    ordered = sorted(classes, key=lambda c: TYPE_OF_WORK not in concepts(c))
    for concept in ordered:
        if not label(concept):
            row.drop(CLASSIFICATION, node_id(concept), NO_LABEL)
        elif row.category is None:
            row.category = label(concept)
            row.keep(CLASSIFICATION)
        else:
            row.drop(CLASSIFICATION, label(concept), FURTHER_CLASSIFICATION)
    return [uri for concept in ordered if (uri := node_id(concept))]


def _production_values(record: dict, source: str) -> list[str]:
    produced = nodes(record.get("produced_by"))
    activities = produced + [part for p in produced for part in nodes(p.get("part"))]
    if source == "maker":
        agents = [agent for activity in activities for agent in nodes(activity.get("carried_out_by"))]
        return [name for agent in agents if (name := label(agent))]
    return [date for activity in activities for span in nodes(activity.get("timespan")) if (date := _date(span))]


def _date(span: dict) -> str:
    """A time-span's name as written, else its outer bounds as an ISO 8601 interval of days (one day when they agree)."""
    shown = [text for name in nodes(span.get("identified_by")) if (text := content(name))]
    bounds = [str(span.get(key) or "")[:10] for key in ("begin_of_the_begin", "end_of_the_end")]
    return shown[0] if shown else "/".join(dict.fromkeys(bound for bound in bounds if bound))


def _extra_fields(row: SourceRow, record: dict, collection: LinkedArtOptions, found: dict[str, list[str]]) -> None:
    for name, source in collection.fields.items():
        if source in ("maker", "date"):
            values = _production_values(record, source)
        elif source == "accession_number":
            ids = nodes(record.get(NAMES))
            values = [text for i in ids if ACCESSION_NUMBER in concepts(i) and (text := content(i))]
        elif source == "type_uri":
            values = found["type_uri"]
        elif source == "manifest":
            values = found["manifest"]
        else:  # a statement kind or AAT concept
            values = found.get(source, [])
        if values:
            row.extra[name] = values[0]
            row.keep(source)
        for further in values[1:]:
            row.drop(source, further, FURTHER_VALUE)


def linked_art_row(
    record: object, file: Path, collection: LinkedArtOptions, manifests: LocalManifests | None = None
) -> SourceRow:
    row = SourceRow(1, source_file=file)
    if not isinstance(record, dict):
        row.problems.append(Problem("(file)", "expected a JSON object", f"got {type(record).__name__}"))
        return row
    if node_type(record) not in OBJECT_TYPES:
        written = node_type(record) or "none"
        row.problems.append(Problem("type", NOT_AN_OBJECT, f"type {written}; an object is a {OBJECT_TYPES[0]}"))
        return row
    row.record_id = row.source_id = node_id(record) or None
    if row.record_id:
        row.keep("id")
    _name(row, record, collection.languages)
    found = _statements(row, record, collection)
    found["type_uri"] = _classify(row, record)
    media = object_media(row, record)
    for source_field, reference in media.images:
        add_images(row, [reference], collection, source_field)
    found["manifest"] = media.manifests
    for manifest in media.manifests:
        if manifests is not None and manifests.has(manifest):
            add_images(row, manifests.images(row, manifest), collection, MANIFEST_IMAGE)
            row.keep(SUBJECT_OF)
        elif "manifest" not in collection.fields.values():
            row.drop(SUBJECT_OF, manifest, MANIFEST_UNUSED)
    _extra_fields(row, record, collection, found)
    return row


def read_linked_art(collection: LinkedArtOptions) -> Iterator[SourceRow]:
    """Every Linked Art object of the collection's files, in file order; the images of a `subject_of`
    manifest come from its local copy when `manifests` holds it."""
    local = LocalManifests.read(collection.manifests) if collection.manifests else None
    for path, record, problem in json_files(collection, SUFFIXES):
        if problem:
            yield SourceRow(1, source_file=path, problems=[problem])
        else:
            yield linked_art_row(record, path, collection, local)
