"""The texts of LIDO elements with their language and preference, from which `languages` picks
the one a record keeps: preferred before alternate, in the first of the collection's
`languages` that the values are in, else the first value.

A value's language is its own `xml:lang` (or `lido:lang`), else that of the nearest element
around it that states one (LIDO states it on `descriptiveMetadata`); languages compare by their
primary subtag, so `en` matches `en-GB`.
LIDO 1.0 marks preference with `lido:pref="preferred"`/`"alternate"`, LIDO 1.1 with the
terminology URIs lido00169 and lido00170; SKOS labels inside a LIDO 1.1 concept count as
preferred (`prefLabel`) and alternate (`altLabel`) terms.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lxml import etree

from museum_formats.languages import Text, primary_language
from museum_formats.lido.documents import LIDO
from museum_formats.markup import plain_text
from museum_formats.rows import SourceRow

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
LIDO_LANG = f"{LIDO}lang"
SKOS = "{http://www.w3.org/2004/02/skos/core#}"
RDF_ABOUT = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about"
PREFERRED = ("preferred", "http://terminology.lido-schema.org/lido00169")
ALTERNATE = ("alternate", "http://terminology.lido-schema.org/lido00170")
PLACEHOLDER = "a placeholder for no text (-)"
SEARCH_TERM = "a search term added for retrieval (addedSearchTerm), not the concept's label"
_PLACEHOLDER = re.compile(r"^[-‐‑–—]+$")


def language(element: etree._Element) -> str | None:
    node: etree._Element | None = element
    while node is not None:
        stated = node.get(XML_LANG) or node.get(LIDO_LANG)
        if stated and stated.strip():
            return primary_language(stated)
        node = node.getparent()
    return None


def _rank(element: etree._Element) -> int:
    pref = (element.get(f"{LIDO}pref") or "").strip().lower()
    return 0 if pref in PREFERRED else 2 if pref in ALTERNATE else 1


def texts(row: SourceRow, source_field: str, elements: Iterable[etree._Element], rank: int | None = None) -> list[Text]:
    """The plain texts of `elements` (markup out); empty ones hold nothing, placeholders are dropped."""
    found = []
    for element in elements:
        text = plain_text(element.text or "" if len(element) == 0 else "".join(element.itertext()))
        if _PLACEHOLDER.match(text):
            row.drop(source_field, text, PLACEHOLDER)
        elif text:
            found.append(Text(text, language(element), _rank(element) if rank is None else rank))
    return found


def concept_terms(row: SourceRow, source_field: str, concept: etree._Element) -> list[Text]:
    """A concept's labels: its `lido:term`s (added search terms dropped) and SKOS labels."""
    terms = []
    for term in concept.iterfind(f"{LIDO}term"):
        found = texts(row, source_field, [term])
        if term.get(f"{LIDO}addedSearchTerm") == "yes":
            for value in found:
                row.drop(source_field, value.text, SEARCH_TERM)
        else:
            terms.extend(found)
    terms.extend(texts(row, source_field, concept.iterfind(f"{SKOS}Concept/{SKOS}prefLabel"), rank=0))
    terms.extend(texts(row, source_field, concept.iterfind(f"{SKOS}Concept/{SKOS}altLabel"), rank=2))
    return terms


def concept_uri(concept: etree._Element, identifiers: str = f"{LIDO}conceptID") -> str | None:
    """The concept's URI: its first identifier (`lido:conceptID`) that is a URL, else its SKOS concept's `rdf:about`."""
    for identifier in concept.iterfind(identifiers):
        text = (identifier.text or "").strip()
        if text.startswith(("http://", "https://")):
            return text
    about = concept.find(f"{SKOS}Concept")
    return (about.get(RDF_ABOUT) or "").strip() or None if about is not None else None


def sortorder(element: etree._Element) -> float:
    """The element's `lido:sortorder`; elements without one sort after those with one, as written."""
    order = (element.get(f"{LIDO}sortorder") or "").strip()
    return int(order) if order.lstrip("-").isdigit() else float("inf")
