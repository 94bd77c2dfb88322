"""The texts of an IIIF Presentation resource: language maps (v3), language-tagged values (v2),
and the metadata pairs that `fields` and `columns` map by label.

A v3 language map is `{"en": ["…"], "none": ["…"]}`; a v2 value is a string, a
`{"@value": "…", "@language": "en"}` object, or a list of either. Values in `none` or in no
stated language go with whichever language `languages` chooses. HTML (which IIIF allows in
summaries and metadata values) is cleaned as in every other text field.
"""

from __future__ import annotations

from museum_formats.languages import Text, choose, chosen_language, in_chosen_language, primary_language
from museum_formats.markup import plain_text
from museum_formats.rows import SourceRow
from museum_formats.text import distinct_variants, not_text, text_key

NO_LANGUAGE = ("none", "@none")
DESCRIPTIONS = ("summary", "description")  # v3, v2
NOT_MAPPED = "a metadata pair whose label neither `fields` nor `columns` names"
NOT_A_PAIR = "not a metadata pair (an object with a label and a value)"


def node(resource: dict, name: str) -> object:
    """A property as v3 writes it (`id`, `type`) or as v2 does (`@id`, `@type`)."""
    return resource[name] if name in resource else resource.get(f"@{name}")


def _text(row: SourceRow, source_field: str, value: object, language: str | None) -> list[Text]:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        row.drop(source_field, value, not_text(value))
        return []
    text = plain_text(str(value))
    return [Text(text, language, 1)] if text else []


def texts(row: SourceRow, source_field: str, value: object, language: str | None = None) -> list[Text]:
    """The plain texts of a v3 language map or a v2 value, each with its language; what is not text is dropped."""
    if value is None:
        return []
    if isinstance(value, list):
        return [text for item in value for text in texts(row, source_field, item, language)]
    if isinstance(value, dict) and "@value" in value:
        stated = value.get("@language")
        tag = primary_language(stated) if isinstance(stated, str) and stated.strip() else language
        return _text(row, source_field, value["@value"], tag)
    if isinstance(value, dict):
        found = []
        for tag, values in value.items():
            stated = None if tag.strip().lower() in NO_LANGUAGE else primary_language(tag)
            found.extend(texts(row, source_field, values, stated))
        return found
    return _text(row, source_field, value, language)


def label(row: SourceRow, resource: dict, languages: list[str]) -> str:
    """The resource's `label` in the chosen language; its other values are dropped with the reason."""
    kept = choose(row, "label", texts(row, "label", resource.get("label")), languages)
    if kept is None:
        return ""
    row.keep("label")
    return kept.text


def descriptions(row: SourceRow, resource: dict, languages: list[str]) -> list[str]:
    """The `summary` (v3) and `description` (v2) values in the chosen language, repeats out."""
    kept: list[str] = []
    for source_field in DESCRIPTIONS:
        found = in_chosen_language(row, source_field, texts(row, source_field, resource.get(source_field)), languages)
        kept.extend(distinct_variants(row, source_field, found, earlier=kept))
    return kept


def _pair_label(row: SourceRow, pair: dict, languages: list[str]) -> tuple[set[str], str]:
    """The keys a pair's label matches by (every language's), and the label it is counted under."""
    labels = texts(row, "metadata", pair.get("label"))
    wanted = chosen_language(labels, languages)
    shown = next((t.text for t in labels if t.language in (None, wanted)), "")
    return {text_key(t.text) for t in labels}, shown


def metadata(row: SourceRow, resource: dict, labels: dict[str, str], languages: list[str]) -> dict[str, list[str]]:
    """The values in the chosen language of the metadata pairs that `labels` (key → label) names,
    by key, in order; each counted under `metadata[label]` by the caller. The values of pairs no
    key names, and other languages, are dropped."""
    by_label: dict[str, str] = {}
    for named, wanted in labels.items():
        by_label.setdefault(text_key(wanted), named)
    found: dict[str, list[str]] = {key: [] for key in labels}
    pairs = resource.get("metadata") or []
    for pair in pairs if isinstance(pairs, list) else [pairs]:
        if not isinstance(pair, dict) or "value" not in pair:
            row.drop("metadata", pair, NOT_A_PAIR)
            continue
        keys, shown = _pair_label(row, pair, languages)
        key = next((by_label[k] for k in keys if k in by_label), None)
        source_field = metadata_field(labels[key] if key else shown)
        values = in_chosen_language(row, source_field, texts(row, source_field, pair["value"]), languages)
        if key is None:
            for value in values:
                row.drop(source_field, value, NOT_MAPPED)
        else:
            found[key].extend(values)
    return found


def metadata_field(label: str) -> str:
    """The source field a metadata pair's values are counted under."""
    return f"metadata[{label}]"
