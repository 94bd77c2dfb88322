"""Every text value of a row cleaned before it becomes a record (`heritage_weaver.text_safety`),
and every image URL without credentials: what changed is noted on the row, by record field and
reason, and an id with control characters rejects the row."""

from __future__ import annotations

from heritage_weaver.config_sections import IngestConfig
from heritage_weaver.text_safety import CONTROL, clean, visible
from heritage_weaver.url_safety import has_credentials, without_credentials
from museum_formats.rows import VALUE_SHOWN, Dropped, Problem, SourceRow

CHANGED = "changed: "  # the reasons of dropped.parquet's rows whose value the record keeps, changed
CONTROL_ID = "control characters in the record id"
CREDENTIALS = "user name or password taken out of the URL"


def _shown(text: str) -> str:
    """A changed value as dropped.parquet shows it: escaped, at most `VALUE_SHOWN` characters."""
    shown = visible(text[: VALUE_SHOWN + 1])
    return shown[:VALUE_SHOWN] + "…" if len(text) > VALUE_SHOWN else shown


def _cleaned(row: SourceRow, field: str, text: str, cap: int | None = None) -> str:
    cleaned = clean(text, cap)
    row.changed.extend(Dropped(field, _shown(text), CHANGED + reason) for reason in cleaned.changes)
    return cleaned.text


def _image(row: SourceRow, ref: str) -> str:
    """An image URL without the credentials it carries (shown without them too): never sent, never shown."""
    if not has_credentials(ref):
        return ref
    row.changed.append(Dropped("images", _shown(without_credentials(ref)), CHANGED + CREDENTIALS))
    return without_credentials(ref)


def clean_row(row: SourceRow, settings: IngestConfig) -> None:
    """Clean every text value of a row the adapter could read, in place, noting each change in
    `row.changed`; a record id (or the id as the export writes it) with control characters adds
    a problem instead: such an id is never changed into another record's."""
    if row.rejected:
        return
    for written in (row.record_id, row.source_id):
        if written is not None and CONTROL.search(written):
            row.problems.append(Problem("record_id", CONTROL_ID, visible(written)))
            return
    if row.record_id is not None:
        row.record_id = _cleaned(row, "record_id", row.record_id)
    if row.source_id is not None:
        row.source_id = clean(row.source_id).text
    row.name = _cleaned(row, "name", row.name, settings.max_value)
    row.description = _cleaned(row, "description", row.description, settings.max_description)
    row.image_refs = [_image(row, _cleaned(row, "images", ref)) for ref in row.image_refs]
    if row.category is not None:
        row.category = _cleaned(row, "category", row.category, settings.max_value)
    if row.taxonomy is not None:
        row.taxonomy = _cleaned(row, "taxonomy", row.taxonomy, settings.max_value)
    row.extra = {name: _cleaned(row, name, value, settings.max_value) for name, value in row.extra.items()}
