"""LIDO XML (`format = "lido"`): the harvesting schema of ICOM-CIDOC, as museums and aggregators serve it.

`path` is a file, a folder (its `.xml` files, at any depth) or a glob. Each `lido:lido` becomes
one row (`lido_xml` finds them under any root); its position is the line its `lido:lido` starts
on. Texts follow the collection's `languages` (`lido_values`), images come one per
`resourceSet` (`lido_images`). What each record field takes is listed in docs/project-lead.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from lxml import etree

from museum_formats.languages import choose, in_chosen_language
from museum_formats.lido.documents import LIDO, lido_records
from museum_formats.lido.images import LINK, resource_images
from museum_formats.lido.options import LidoOptions
from museum_formats.lido.values import RDF_ABOUT, SKOS, concept_terms, concept_uri, sortorder, texts
from museum_formats.media import add_images, image_roots
from museum_formats.rows import FURTHER_VALUE, Problem, SourceRow, normalise
from museum_formats.sources import input_files
from museum_formats.text import distinct_variants, join_sentences, without_guide_terms

SUFFIXES = (".xml",)
RECORD_ID = "lidoRecID"
TITLE = "titleSet"
NOTE = "descriptiveNoteValue"
WORK_TYPE = "objectWorkType"
CLASSIFICATION = "classification"
FURTHER_ID = "a further lidoRecID (the first is the record's id)"
FURTHER_WORK_TYPE = "a further object work type (a record keeps one category)"
TECHNIQUE = "a technique, not a material (termMaterialsTech type)"
EUROPEANA_TYPE = "europeana:type"  # aggregators' classification of the record's media (IMAGE, TEXT, 3D …)
MEDIA_TYPE = "the Europeana type of the record's media (europeana:type), not a classification of the object"
# An event is a production when its type is one of these concepts (LIDO 1.1, LIDO 1.0, AAT) or terms.
PRODUCTION_URIS = ("/lido00007", "/eventtype/production", "/aat/300054713")
PRODUCTION_TERMS = ("production", "herstellung")

_DESCRIPTIVE = f"{LIDO}descriptiveMetadata/"
_IDENTIFICATION = f"{_DESCRIPTIVE}{LIDO}objectIdentificationWrap/"
_CLASSIFICATION = f"{_DESCRIPTIVE}{LIDO}objectClassificationWrap/"
TITLE_SETS = f"{_IDENTIFICATION}{LIDO}titleWrap/{LIDO}titleSet"
NOTE_SETS = f"{_IDENTIFICATION}{LIDO}objectDescriptionWrap/{LIDO}objectDescriptionSet"
WORK_TYPES = f"{_CLASSIFICATION}{LIDO}objectWorkTypeWrap/{LIDO}objectWorkType"
CLASSIFICATIONS = f"{_CLASSIFICATION}{LIDO}classificationWrap/{LIDO}classification"
EVENTS = f"{_DESCRIPTIVE}{LIDO}eventWrap/{LIDO}eventSet/{LIDO}event"
MATERIALS = f"{LIDO}eventMaterialsTech/{LIDO}materialsTech/{LIDO}termMaterialsTech"


def _children(parents: Iterable[etree._Element], tag: str) -> Iterator[etree._Element]:
    """The `tag` children of `parents`, the parents taken in `lido:sortorder`."""
    for parent in sorted(parents, key=sortorder):
        yield from parent.iterfind(f"{LIDO}{tag}")


def _record_id(row: SourceRow, record: etree._Element) -> None:
    ids = [(element.text or "").strip() for element in record.iterfind(f"{LIDO}{RECORD_ID}")]
    ids = [written for written in ids if written]
    if not ids:
        row.problems.append(Problem(RECORD_ID, "missing record_id", "no lidoRecID"))
        return
    row.source_id, row.record_id = ids[0], normalise(ids[0])
    row.keep(RECORD_ID)
    for further in ids[1:]:
        row.drop(RECORD_ID, further, FURTHER_ID)


def _description(row: SourceRow, record: etree._Element, languages: list[str]) -> str:
    """Each description set's notes in its chosen language (or in none stated), as sentences, repeats out.

    A set is one note, often with its translations; the language is chosen per set, so that a set
    written in one language only is kept when another set also has a translation.
    """
    kept = []
    for description_set in sorted(record.iterfind(NOTE_SETS), key=sortorder):
        notes = texts(row, NOTE, description_set.iterfind(f"{LIDO}{NOTE}"))
        kept.extend(in_chosen_language(row, NOTE, notes, languages))
    return join_sentences(distinct_variants(row, NOTE, kept))


def _terms(row: SourceRow, source_field: str, concepts: Iterable[etree._Element], languages: list[str]) -> list[str]:
    """One label per concept, in the order written."""
    labels = []
    for concept in concepts:
        kept = choose(row, source_field, concept_terms(row, source_field, concept), languages)
        if kept is not None:
            labels.append(kept.text)
    return labels


def _object_classifications(row: SourceRow, record: etree._Element, languages: list[str]) -> list[etree._Element]:
    """The record's classifications but `europeana:type` ones, whose labels are dropped with the reason."""
    classifications = []
    for concept in record.iterfind(CLASSIFICATIONS):
        if (concept.get(f"{LIDO}type") or "").strip().lower() == EUROPEANA_TYPE:
            for label in _terms(row, CLASSIFICATION, [concept], languages):
                row.drop(CLASSIFICATION, label, MEDIA_TYPE)
        else:
            classifications.append(concept)
    return classifications


def _classify(row: SourceRow, record: etree._Element, languages: list[str]) -> None:
    work_types = _terms(row, WORK_TYPE, record.iterfind(WORK_TYPES), languages)
    if work_types:
        row.category = work_types[0]
        row.keep(WORK_TYPE)
    for further in work_types[1:]:
        row.drop(WORK_TYPE, further, FURTHER_WORK_TYPE)
    terms = _terms(row, CLASSIFICATION, _object_classifications(row, record, languages), languages)
    row.taxonomy = " > ".join(without_guide_terms(row, CLASSIFICATION, terms)) or None


def _is_production(event: etree._Element) -> bool:
    kind = event.find(f"{LIDO}eventType")
    if kind is None:
        return False
    uris = [c.text or "" for c in kind.iterfind(f"{LIDO}conceptID")]
    uris += [c.get(RDF_ABOUT) or "" for c in kind.iterfind(f"{SKOS}Concept")]
    words = [" ".join(t.itertext()) for t in kind.iterfind(f"{LIDO}term")]
    words += [" ".join(t.itertext()) for t in kind.iterfind(f"{SKOS}Concept/{SKOS}prefLabel")]
    return any(u.strip().lower().endswith(PRODUCTION_URIS) for u in uris) or any(
        w.strip().lower() in PRODUCTION_TERMS for w in words
    )


def _first_text(row: SourceRow, source_field: str, elements: Iterable[etree._Element], languages: list[str]) -> str:
    kept = choose(row, source_field, texts(row, source_field, elements), languages)
    return kept.text if kept else ""


def _maker(row: SourceRow, actor: etree._Element, languages: list[str]) -> str:
    """An actor's name (its name sets, else `displayActorInRole`)."""
    names = actor.iterfind(f"{LIDO}actorInRole/{LIDO}actor/{LIDO}nameActorSet/{LIDO}appellationValue")
    return _first_text(row, "maker", names, languages) or _first_text(
        row, "maker", actor.iterfind(f"{LIDO}displayActorInRole"), languages
    )


def _date(row: SourceRow, event: etree._Element, languages: list[str]) -> str:
    """`displayDate`, else the earliest and latest date as an ISO 8601 interval (one date when they agree)."""
    shown = _first_text(row, "date", event.iterfind(f"{LIDO}eventDate/{LIDO}displayDate"), languages)
    earliest = normalise(event.findtext(f"{LIDO}eventDate/{LIDO}date/{LIDO}earliestDate"))
    latest = normalise(event.findtext(f"{LIDO}eventDate/{LIDO}date/{LIDO}latestDate"))
    return shown or ("/".join(dict.fromkeys(d for d in (earliest, latest) if d)))


def _materials(row: SourceRow, source_field: str, events: list[etree._Element]) -> list[etree._Element]:
    materials = []
    for term in (t for event in events for t in event.iterfind(MATERIALS)):
        if "technique" in (term.get(f"{LIDO}type") or "").lower():
            row.drop(source_field, " ".join(" ".join(term.itertext()).split()), TECHNIQUE)
        else:
            materials.append(term)
    return materials


def _extra_values(
    row: SourceRow, record: etree._Element, events: list[etree._Element], source: str, languages: list[str]
) -> list[str]:
    """The values of one `LIDO_FIELDS` source, in the order written; `events` are the record's productions."""
    actors = [actor for event in events for actor in event.iterfind(f"{LIDO}eventActor")]
    if source == "maker":
        return [name for actor in actors if (name := _maker(row, actor, languages))]
    if source == "maker_uri":
        ids = (actor.find(f"{LIDO}actorInRole/{LIDO}actor") for actor in actors)
        return [uri for found in ids if found is not None and (uri := concept_uri(found, f"{LIDO}actorID"))]
    if source == "date":
        return [date for event in events if (date := _date(row, event, languages))]
    if source == "material":
        return _terms(row, source, _materials(row, source, events), languages)
    if source == "material_uri":
        return [uri for term in _materials(row, source, events) if (uri := concept_uri(term))]
    concepts = record.iterfind(WORK_TYPES if source == "work_type_uri" else CLASSIFICATIONS)
    return [uri for concept in concepts if (uri := concept_uri(concept))]


def _extra_fields(row: SourceRow, record: etree._Element, collection: LidoOptions) -> None:
    events = [event for event in record.iterfind(EVENTS) if _is_production(event)] if collection.fields else []
    for name, source in collection.fields.items():
        values = _extra_values(row, record, events, source, collection.languages)
        if values:
            row.extra[name] = values[0]
            row.keep(source)
        for further in values[1:]:
            row.drop(source, further, FURTHER_VALUE)


def lido_row(record: etree._Element, file: Path, position: int, collection: LidoOptions) -> SourceRow:
    """One `lido:lido` of `file` as a row; its bare image names are looked for beside `file` first."""
    row = SourceRow(position, source_file=file)
    _record_id(row, record)
    title = choose(
        row, TITLE, texts(row, TITLE, _children(record.iterfind(TITLE_SETS), "appellationValue")), collection.languages
    )
    if title is not None:
        row.name = title.text
        row.keep(TITLE)
    row.description = _description(row, record, collection.languages)
    _classify(row, record, collection.languages)
    add_images(row, resource_images(row, record, image_roots(collection, file)), collection, LINK)
    _extra_fields(row, record, collection)
    return row


def read_lido(collection: LidoOptions) -> Iterator[SourceRow]:
    """Every LIDO record of the collection's files, in file order."""
    encoding = collection.encoding if "encoding" in collection.model_fields_set else None
    for file in input_files(collection.path, SUFFIXES):
        for position, item in lido_records(file, encoding):
            if isinstance(item, Problem):
                yield SourceRow(position, source_file=file, problems=[item])
            else:
                yield lido_row(item, file, position, collection)
