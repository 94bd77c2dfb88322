"""Which of a value's translations a record keeps: the first of the collection's `languages` that
the values are in, preferred values first, else the first value.

Languages compare by their primary subtag, so `en` matches `en-GB`, and a three-letter ISO 639-2
code (`eng`, `ger`, `deu`, which German LIDO exports write) as its two-letter one; a value in no
stated language (`None`) goes with whichever language is chosen.
"""

from __future__ import annotations

from dataclasses import dataclass

from museum_formats.rows import SourceRow

OTHER_LANGUAGE = "in another language than the value kept (languages)"
VARIANT = "an alternative or further value (one is kept, preferred first)"


@dataclass
class Text:
    text: str
    language: str | None
    rank: int  # 0 preferred, 1 not marked, 2 alternate


# ISO 639-2 codes (bibliographic and terminology forms) of the languages museum records are
# mostly written in, by their ISO 639-1 code.
_TWO_LETTER = {
    **dict.fromkeys(("eng",), "en"),
    **dict.fromkeys(("ger", "deu"), "de"),
    **dict.fromkeys(("fre", "fra"), "fr"),
    **dict.fromkeys(("dut", "nld"), "nl"),
    **dict.fromkeys(("spa",), "es"),
    **dict.fromkeys(("ita",), "it"),
    **dict.fromkeys(("por",), "pt"),
    **dict.fromkeys(("gre", "ell"), "el"),
    **dict.fromkeys(("pol",), "pl"),
    **dict.fromkeys(("cze", "ces"), "cs"),
    **dict.fromkeys(("swe",), "sv"),
    **dict.fromkeys(("dan",), "da"),
    **dict.fromkeys(("fin",), "fi"),
    **dict.fromkeys(("hun",), "hu"),
    **dict.fromkeys(("rus",), "ru"),
    **dict.fromkeys(("lat",), "la"),
}


def primary_language(tag: str) -> str:
    """A language tag's primary subtag, by which languages compare: `en-GB` is `en`, `eng` is `en`."""
    primary = tag.strip().lower().split("-")[0]
    return _TWO_LETTER.get(primary, primary)


def same_language(stated: str | None, wanted: str) -> bool:
    return stated is not None and stated == primary_language(wanted)


def chosen_language(values: list[Text], languages: list[str]) -> str | None:
    """The first of `languages` that a value is in (preferred values first), else the first value's."""
    ordered = sorted(values, key=lambda value: value.rank)
    for wanted in languages:
        match = next((value for value in ordered if same_language(value.language, wanted)), None)
        if match:
            return match.language
    return ordered[0].language if ordered else None


def choose(row: SourceRow, source_field: str, values: list[Text], languages: list[str]) -> Text | None:
    """The value to keep (the caller keeps it); the others are dropped, each with its reason."""
    wanted = chosen_language(values, languages)
    ordered = sorted(values, key=lambda value: (value.language != wanted, value.rank))
    if not ordered:
        return None
    for other in ordered[1:]:
        reason = OTHER_LANGUAGE if other.language not in (None, ordered[0].language) else VARIANT
        row.drop(source_field, other.text, reason)
    return ordered[0]


def in_chosen_language(row: SourceRow, source_field: str, values: list[Text], languages: list[str]) -> list[str]:
    """The values in the chosen language or in none stated, in the order given; the others dropped."""
    wanted = chosen_language(values, languages)
    kept = []
    for value in values:
        if value.language in (None, wanted):
            kept.append(value.text)
        else:
            row.drop(source_field, value.text, OTHER_LANGUAGE)
    return kept
