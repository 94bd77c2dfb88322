"""Europeana EDM (`format = "edm"`): RDF/XML as providers send it (external) and Europeana
republishes it (internal), bare or inside OAI-PMH responses, and Record API JSON.

`path` is a file, a folder (its `.xml`, `.rdf` and `.json` files, at any depth) or a glob. Each
`edm:ProvidedCHO` is a record, at the line it starts on (a JSON file's record is its row 1).
The provider's and Europeana's proxies are merged: values come from the object itself, the
provider's proxy, then Europeana's, repeats dropped. Texts follow the collection's `languages`;
a link to a concept or agent takes the entity's label. Images come from `edm_images`. What each
record field takes is listed in docs/project-lead.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from museum_formats.edm.graph import RDF, EdmRecord, Value, rdf_records
from museum_formats.edm.images import add_record_images
from museum_formats.edm.json_records import api_record
from museum_formats.edm.options import EdmOptions
from museum_formats.languages import Text, choose, chosen_language, in_chosen_language
from museum_formats.markup import plain_text
from museum_formats.reading import json_file
from museum_formats.rows import Problem, SourceRow
from museum_formats.sources import input_files
from museum_formats.text import REPEAT, distinct_variants, join_sentences
from museum_formats.xml_records import XmlFormat, xml_records

SUFFIXES = (".xml", ".rdf", ".json")  # RDF/XML, and Record API JSON
EDM_XML = XmlFormat(
    record=f"{{{RDF}}}RDF", roots=(f"{{{RDF}}}RDF",), roots_named="rdf:RDF", prefix="rdf", namespace=RDF
)
TITLE = "dc:title"
ALTERNATIVE = "dcterms:alternative"
DESCRIPTION = "dc:description"
TYPE = "dc:type"
NO_LABEL = "a link to an entity the record gives no label"


def _label(record: EdmRecord, uri: str, languages: list[str]) -> Text | None:
    """The label of the entity `uri` names, in the first of `languages` it has, else its first."""
    node = record.nodes.get(uri)
    labels = [Text(plain_text(v.text), v.language, 0) for v in node.values("skos:prefLabel")] if node else []
    labels = [label for label in labels if label.text]
    wanted = chosen_language(labels, languages)
    return next((label for label in labels if label.language == wanted), None)


def _texts(
    row: SourceRow, record: EdmRecord, key: str, languages: list[str], links_as_text: bool = False
) -> list[Text]:
    """The values of property `key` in every proxy (or, failing them, every aggregation), in order:
    literals as plain text, links as their entity's label (or, with `links_as_text`, as the URI)."""
    values: list[Value] = [v for proxy in record.proxies for v in proxy.values(key)]
    values = values or [v for aggregation in record.aggregations for v in aggregation.values(key)]
    found = []
    seen = set()
    for value in values:
        if (value.text, value.language) in seen:  # proxies repeat each other
            row.drop(key, value.text, REPEAT)
            continue
        seen.add((value.text, value.language))
        if not value.resource:
            text = plain_text(value.text)
            found.extend([Text(text, value.language, 1)] if text else [])
        elif (label := _label(record, value.text, languages)) is not None:
            found.append(label)
        elif links_as_text:
            found.append(Text(value.text, None, 1))
        else:
            row.drop(key, value.text, NO_LABEL)
    return found


def _keep_one(row: SourceRow, key: str, values: list[Text], languages: list[str]) -> str:
    kept = choose(row, key, values, languages)
    if kept is None:
        return ""
    row.keep(key)
    return kept.text


def edm_row(record: EdmRecord, file: Path, collection: EdmOptions) -> SourceRow:
    languages = collection.languages
    row = SourceRow(record.line, source_file=file, record_id=record.about or None, source_id=record.about or None)
    if record.about:
        row.keep("rdf:about")
    row.name = _keep_one(row, TITLE, _texts(row, record, TITLE, languages), languages) or _keep_one(
        row, ALTERNATIVE, _texts(row, record, ALTERNATIVE, languages), languages
    )
    described = in_chosen_language(row, DESCRIPTION, _texts(row, record, DESCRIPTION, languages), languages)
    row.description = join_sentences(distinct_variants(row, DESCRIPTION, described))
    row.category = _keep_one(row, TYPE, _texts(row, record, TYPE, languages), languages) or None
    add_record_images(row, record, collection)
    for name, key in collection.fields.items():
        value = _keep_one(row, key, _texts(row, record, key, languages, links_as_text=True), languages)
        if value:
            row.extra[name] = value
    return row


def _file_records(path: Path, collection: EdmOptions) -> Iterator[tuple[int, EdmRecord | Problem]]:
    if path.suffix.lower() == ".json":
        document, problem = json_file(path, collection)
        yield 1, problem or api_record(document)
        return
    encoding = collection.encoding if "encoding" in collection.model_fields_set else None
    for line, item in xml_records(path, EDM_XML, encoding):
        found = item if isinstance(item, Problem) else rdf_records(item)
        if isinstance(found, Problem):
            yield line, found
        else:
            yield from ((record.line, record) for record in found)


def read_edm(collection: EdmOptions) -> Iterator[SourceRow]:
    """Every EDM record of the collection's files, in file order."""
    for path in input_files(collection.path, SUFFIXES):
        for line, item in _file_records(path, collection):
            if isinstance(item, Problem):
                yield SourceRow(line, source_file=path, problems=[item])
            else:
                yield edm_row(item, path, collection)
