"""LIDO files read as a stream (`xml_records`): every `lido:lido` of a `lido:lidoWrap`, a bare
`lido:lido`, or an OAI-PMH `ListRecords`/`GetRecord` response, one at a time.

LIDO 1.0 and 1.1 share the namespace `http://www.lido-schema.org`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from museum_formats.rows import Problem
from museum_formats.xml_records import XmlFormat, xml_records

LIDO = "{http://www.lido-schema.org}"
LIDO_XML = XmlFormat(
    record=f"{LIDO}lido",
    roots=(f"{LIDO}lidoWrap", f"{LIDO}lido"),
    roots_named="lido:lidoWrap, lido:lido",
    prefix="lido",
    namespace="http://www.lido-schema.org",
)


def lido_records(path: Path, encoding: str | None = None) -> Iterator[tuple[int, etree._Element | Problem]]:
    """Each `lido:lido` of the file with the line it starts on, or the problem of an OAI-PMH record
    that holds none (a deleted record). The element is valid until the next one is asked for."""
    return xml_records(path, LIDO_XML, encoding)
