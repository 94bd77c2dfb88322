"""Text as curators wrote it: variants in order, repeats out, guide terms out of taxonomy paths."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from museum_formats.rows import SourceRow

REPEAT = "repeats an earlier value"
CONTAINED = "adds no text to an earlier variant of the field"
GUIDE_TERM = "guide term (in angle brackets), not part of the taxonomy path"
_EDGES = " .!?;:,'\"()[]"
# A sentence ends at its stop even when a closing quote or bracket follows it: `sind."`
_ENDS_SENTENCE = re.compile(r"[.!?…][\"'”’»)\]]*$")


def text_key(text: str) -> str:
    """What two values must share to count as the same text: whitespace, case and the
    punctuation or quotes at either end do not matter."""
    return " ".join(text.split()).casefold().strip(_EDGES)


def join_sentences(parts: list[str]) -> str:
    pieces = [p if _ENDS_SENTENCE.search(p) else f"{p}." for p in parts if p]
    return " ".join(pieces)


def _inside(key: str, text: str) -> bool:
    """`key` occurs in `text` as whole words."""
    return re.search(rf"(?<!\w){re.escape(key)}(?!\w)", text) is not None


def not_text(value: object) -> str:
    """Why a JSON value that is not text is dropped: `not text (a JSON dict)`."""
    return f"not text (a JSON {type(value).__name__})"


def is_guide_term(text: str) -> bool:
    return text.startswith("<") and text.endswith(">")


def without_guide_terms(row: SourceRow, source_field: str, terms: Iterable[str]) -> list[str]:
    """`terms` in order, each kept; a guide term (`<…>`, a thesaurus heading) dropped with its reason."""
    kept = []
    for term in terms:
        if is_guide_term(term):
            row.drop(source_field, term, GUIDE_TERM)
        else:
            kept.append(term)
            row.keep(source_field)
    return kept


def distinct_variants(row: SourceRow, source_field: str, values: list[str], earlier: Sequence[str] = ()) -> list[str]:
    """The variants of one field, in the order given, without those that add no text.

    A variant is dropped when it repeats a value kept before it (in this field or in `earlier`,
    the fields that precede it in the same record field), or when its text lies inside an
    earlier variant of the same field.
    """
    seen = {text_key(value) for value in earlier}
    kept: list[str] = []
    for value in values:
        key = text_key(value)
        if key in seen:
            row.drop(source_field, value, REPEAT)
        elif key and any(_inside(key, text_key(other)) for other in kept):
            row.drop(source_field, value, CONTAINED)
        else:
            kept.append(value)
            seen.add(key)
            row.keep(source_field)
    return kept
