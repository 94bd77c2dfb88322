"""LIDO files read as a stream: every `lido:lido` of a `lido:lidoWrap`, a bare `lido:lido`, or an
OAI-PMH `ListRecords`/`GetRecord` response, one at a time, each freed once it has been read.

LIDO 1.0 and 1.1 share the namespace `http://www.lido-schema.org`. An XML file names its own
encoding in its declaration (UTF-8 when it names none, with or without a byte-order mark); the
collection's `encoding`, when set, overrides it for files that declare none or the wrong one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from heritage_weaver.ingest.reading import IngestError
from heritage_weaver.ingest.rows import Problem

LIDO = "{http://www.lido-schema.org}"
OAI = "{http://www.openarchives.org/OAI/2.0/}"
LIDO_ROOTS = (f"{LIDO}lidoWrap", f"{LIDO}lido")
OAI_ROOT = f"{OAI}OAI-PMH"
NO_RECORDS = "noRecordsMatch"  # the OAI-PMH error code of an empty, valid answer
DELETED = "deleted record"
NO_LIDO = "no lido:lido in the record's metadata"


def _root(path: Path, encoding: str | None) -> str:
    """The tag of the file's root element, refusing files that are no LIDO."""
    try:
        with path.open("rb") as handle:
            _, first = next(iter(etree.iterparse(handle, events=("start",), encoding=encoding, resolve_entities=False)))
    except etree.XMLSyntaxError as error:
        raise _syntax_error(path, error) from None
    tag = first.tag if isinstance(first.tag, str) else ""
    if tag not in (*LIDO_ROOTS, OAI_ROOT):
        local = etree.QName(tag).localname if tag else "(none)"
        raise IngestError(
            f"{path}: the root element is {tag or local}, not lido:lidoWrap, lido:lido or an OAI-PMH response"
            + (
                " (LIDO elements belong to the namespace http://www.lido-schema.org)"
                if local.startswith("lido")
                else ""
            )
        )
    return tag


def _syntax_error(path: Path, error: etree.XMLSyntaxError) -> IngestError:
    hint = ""
    if "encoding" in str(error).lower() or "utf-8" in str(error).lower():
        hint = (
            '; declare the file\'s encoding in its XML declaration (<?xml version="1.0" encoding="windows-1252"?>) '
            "or set the collection's `encoding`"
        )
    return IngestError(f"{path}: line {max(error.lineno, 1)}: not well-formed XML: {error.msg}{hint}")


def _release(element: etree._Element) -> None:
    """Free a handled element and the siblings before it, so memory stays bounded by one record."""
    element.clear()
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def _oai_record(record: etree._Element) -> list[etree._Element] | Problem:
    header = record.find(f"{OAI}header")
    identifier = (header.findtext(f"{OAI}identifier") or "").strip() if header is not None else ""
    if header is not None and header.get("status") == "deleted":
        return Problem("header", DELETED, f"OAI-PMH identifier {identifier}")
    records = list(record.iterfind(f"{OAI}metadata//{LIDO}lido"))
    return records or Problem("metadata", NO_LIDO, f"OAI-PMH identifier {identifier}")


def lido_records(path: Path, encoding: str | None = None) -> Iterator[tuple[int, etree._Element | Problem]]:
    """Each `lido:lido` of the file with the line it starts on, or the problem of an OAI-PMH record
    that holds none (a deleted record). The element is valid until the next one is asked for."""
    oai = _root(path, encoding) == OAI_ROOT
    tags = (f"{OAI}record", f"{OAI}error", f"{OAI}ListIdentifiers") if oai else (f"{LIDO}lido",)
    context = etree.iterparse(
        str(path), events=("end",), tag=tags, encoding=encoding, resolve_entities=False, huge_tree=True
    )
    try:
        for _, element in context:
            if element.tag == f"{OAI}error" and element.get("code") != NO_RECORDS:
                raise IngestError(
                    f"{path}: the OAI-PMH response is an error ({element.get('code')}): {(element.text or '').strip()}"
                )
            if element.tag == f"{OAI}ListIdentifiers":
                raise IngestError(f"{path}: a ListIdentifiers response holds no records; harvest with ListRecords")
            if element.tag == f"{OAI}record":
                found = _oai_record(element)
                for lido in found if isinstance(found, list) else []:
                    yield lido.sourceline or 0, lido
                if isinstance(found, Problem):
                    yield element.sourceline or 0, found
            elif element.tag == f"{LIDO}lido":
                yield element.sourceline or 0, element
            _release(element)
    except etree.XMLSyntaxError as error:
        raise _syntax_error(path, error) from None
