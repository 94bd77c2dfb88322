"""Record-per-element XML files read as a stream: every record element of a bare root or of an
OAI-PMH `ListRecords`/`GetRecord` response, one at a time, each freed once it has been read.

What a record element is (`lido:lido`, `rdf:RDF`) and which roots hold it come from the format
(`XmlFormat`). An XML file names its own encoding in its declaration (UTF-8 when it names none,
with or without a byte-order mark); the collection's `encoding`, when set, overrides it for files
that declare none or the wrong one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from museum_formats.reading import ExportError
from museum_formats.rows import Problem

OAI = "{http://www.openarchives.org/OAI/2.0/}"
OAI_ROOT = f"{OAI}OAI-PMH"
NO_RECORDS = "noRecordsMatch"  # the OAI-PMH error code of an empty, valid answer
DELETED = "deleted record"


@dataclass(frozen=True)
class XmlFormat:
    record: str  # the record element's tag, in Clark notation
    roots: tuple[str, ...]  # the root elements a file of bare records may have
    roots_named: str  # the roots as the refusal names them ("lido:lidoWrap, lido:lido")
    prefix: str  # the local names' prefix that hints at a missing namespace ("lido")
    namespace: str


def _root(path: Path, encoding: str | None, kind: XmlFormat) -> str:
    """The tag of the file's root element, refusing files that are not of the format."""
    try:
        with path.open("rb") as handle:
            _, first = next(iter(etree.iterparse(handle, events=("start",), encoding=encoding, resolve_entities=False)))
    except etree.XMLSyntaxError as error:
        raise _syntax_error(path, error) from None
    tag = first.tag if isinstance(first.tag, str) else ""
    if tag not in (*kind.roots, OAI_ROOT):
        local = etree.QName(tag).localname if tag else "(none)"
        raise ExportError(
            f"{path}: the root element is {tag or local}, not {kind.roots_named} or an OAI-PMH response"
            + (
                f" ({kind.prefix.upper()} elements belong to the namespace {kind.namespace})"
                if local.lower().startswith(kind.prefix.lower())
                else ""
            )
        )
    return tag


def _syntax_error(path: Path, error: etree.XMLSyntaxError) -> ExportError:
    hint = ""
    if "encoding" in str(error).lower() or "utf-8" in str(error).lower():
        hint = (
            '; declare the file\'s encoding in its XML declaration (<?xml version="1.0" encoding="windows-1252"?>) '
            "or set the collection's `encoding`"
        )
    return ExportError(f"{path}: line {max(error.lineno, 1)}: not well-formed XML: {error.msg}{hint}")


def _release(element: etree._Element) -> None:
    """Free a handled element and the siblings before it, so memory stays bounded by one record."""
    element.clear()
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def _oai_record(record: etree._Element, kind: XmlFormat) -> list[etree._Element] | Problem:
    header = record.find(f"{OAI}header")
    identifier = (header.findtext(f"{OAI}identifier") or "").strip() if header is not None else ""
    if header is not None and header.get("status") == "deleted":
        return Problem("header", DELETED, f"OAI-PMH identifier {identifier}")
    records = list(record.iterfind(f"{OAI}metadata//{kind.record}"))
    missing = f"no {kind.prefix}:{etree.QName(kind.record).localname} in the record's metadata"
    return records or Problem("metadata", missing, f"OAI-PMH identifier {identifier}")


def xml_records(
    path: Path, kind: XmlFormat, encoding: str | None = None
) -> Iterator[tuple[int, etree._Element | Problem]]:
    """Each record element of the file with the line it starts on, or the problem of an OAI-PMH
    record that holds none (a deleted record). The element is valid until the next one is asked for."""
    oai = _root(path, encoding, kind) == OAI_ROOT
    tags = (f"{OAI}record", f"{OAI}error", f"{OAI}ListIdentifiers") if oai else (kind.record,)
    context = etree.iterparse(
        str(path), events=("end",), tag=tags, encoding=encoding, resolve_entities=False, huge_tree=True
    )
    try:
        for _, element in context:
            if element.tag == f"{OAI}error" and element.get("code") != NO_RECORDS:
                raise ExportError(
                    f"{path}: the OAI-PMH response is an error ({element.get('code')}): {(element.text or '').strip()}"
                )
            if element.tag == f"{OAI}ListIdentifiers":
                raise ExportError(f"{path}: a ListIdentifiers response holds no records; harvest with ListRecords")
            if element.tag == f"{OAI}record":
                found = _oai_record(element, kind)
                for inner in found if isinstance(found, list) else []:
                    yield inner.sourceline or 0, inner
                if isinstance(found, Problem):
                    yield element.sourceline or 0, found
            elif element.tag == kind.record:
                yield element.sourceline or 0, element
            _release(element)
    except etree.XMLSyntaxError as error:
        raise _syntax_error(path, error) from None
