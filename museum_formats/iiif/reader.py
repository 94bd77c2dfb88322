"""IIIF Presentation manifests (`format = "iiif"`), v2 and v3, as museums publish their images.

`path` is a manifest file, a folder (its `.json` files, at any depth) or a glob. A manifest is
one record (row 1 of its file); with `iiif_records = "canvas"` each canvas is one (its
position the canvas's number), read from the canvas's own label, summary and metadata. Texts
follow `languages` (`iiif_values`), images come one per canvas (`iiif_images`). What each
record field takes is listed in docs/project-lead.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from museum_formats.iiif.images import IMAGE, as_list, canvas_image, canvases
from museum_formats.iiif.options import IiifOptions
from museum_formats.iiif.values import descriptions, label, metadata, metadata_field, node
from museum_formats.media import add_images
from museum_formats.reading import json_files
from museum_formats.rows import FURTHER_CATEGORY, FURTHER_VALUE, Problem, SourceRow
from museum_formats.sources import input_files
from museum_formats.text import distinct_variants, join_sentences

SUFFIXES = (".json",)
MANIFEST_TYPES = {"manifest": 3, "sc:manifest": 2}
COLLECTION_TYPES = ("collection", "sc:collection")
COLLECTION = "an IIIF Collection, not a Manifest (give its manifests' files instead)"
NOT_MANIFEST = "not an IIIF Presentation manifest"
NO_CANVAS = 'a manifest without canvases (iiif_records = "canvas")'


def presentation_version(document: dict) -> int | Problem:
    """2 or 3, from the manifest's `@context`, else its type; the problem when it is no manifest."""
    kind = node(document, "type")
    kind = kind.strip().lower() if isinstance(kind, str) else ""
    if kind in COLLECTION_TYPES:
        return Problem("type", COLLECTION, f"type {node(document, 'type')}")
    if kind not in MANIFEST_TYPES:
        return Problem("type", NOT_MANIFEST, f"type {node(document, 'type')!r}")
    contexts = " ".join(c for c in as_list(document.get("@context")) if isinstance(c, str))
    for version in (3, 2):
        if f"presentation/{version}" in contexts:
            return version
    return MANIFEST_TYPES[kind]


def _record_id(row: SourceRow, resource: dict) -> None:
    identifier = node(resource, "id")
    if isinstance(identifier, str) and identifier.strip():
        row.record_id = identifier.strip()
        row.keep("id")
    else:
        row.problems.append(Problem("id", "missing record_id", "no id"))


def _first(row: SourceRow, source_field: str, values: list[str], further: str) -> str | None:
    """The first value, kept; the others dropped as `further`."""
    for value in values[1:]:
        row.drop(source_field, value, further)
    if values:
        row.keep(source_field)
    return values[0] if values else None


def _texts(row: SourceRow, resource: dict, collection: IiifOptions) -> None:
    """The id, label and summary of a manifest or canvas, and what `columns` and `fields` map of its metadata."""
    columns, fields, languages = collection.columns, collection.fields, collection.languages
    _record_id(row, resource)
    row.name = label(row, resource, languages)
    labels = {f"fields.{name}": wanted for name, wanted in fields.items()}
    labels.update({f"columns.{field}": wanted for field, wanted in columns.items()})
    values = metadata(row, resource, labels, languages)
    kept = descriptions(row, resource, languages)
    if "description" in columns:
        source_field = metadata_field(columns["description"])
        kept += distinct_variants(row, source_field, values["columns.description"], earlier=kept)
    row.description = join_sentences(kept)
    if "category" in columns:
        row.category = _first(row, metadata_field(columns["category"]), values["columns.category"], FURTHER_CATEGORY)
    for name, wanted in fields.items():
        value = _first(row, metadata_field(wanted), values[f"fields.{name}"], FURTHER_VALUE)
        if value is not None:
            row.extra[name] = value


def manifest_row(file: Path, manifest: dict, version: int, collection: IiifOptions) -> SourceRow:
    """The manifest as one record: its texts, and one image per canvas in order."""
    row = SourceRow(1, source_file=file)
    _texts(row, manifest, collection)
    images = [image for canvas in canvases(row, manifest, version) if (image := canvas_image(row, canvas, version))]
    add_images(row, images, collection, IMAGE)
    return row


def canvas_rows(file: Path, manifest: dict, version: int, collection: IiifOptions) -> Iterator[SourceRow]:
    """Each canvas as one record; what the manifest holds besides its canvases is counted on the first."""
    first = SourceRow(1, source_file=file)
    found = canvases(first, manifest, version)
    if not found:
        first.problems.append(Problem("items", NO_CANVAS))
        yield first
    for number, canvas in enumerate(found, start=1):
        row = first if number == 1 else SourceRow(number, source_file=file)
        _texts(row, canvas, collection)
        image = canvas_image(row, canvas, version)
        add_images(row, [image] if image else [], collection, IMAGE)
        yield row


def _manifest(document: object, problem: Problem | None) -> tuple[dict, int] | Problem:
    """A file's manifest and its Presentation version, or why it holds none."""
    if problem is not None:
        return problem
    if not isinstance(document, dict):
        return Problem("(file)", "expected a JSON object", f"got {type(document).__name__}")
    version = presentation_version(document)
    return version if isinstance(version, Problem) else (document, version)


def read_iiif(collection: IiifOptions) -> Iterator[SourceRow]:
    """Every manifest of the collection's files, in file order, as records (or its canvases, each one)."""
    for file, document, problem in json_files(collection, SUFFIXES):
        found = _manifest(document, problem)
        if isinstance(found, Problem):
            yield SourceRow(1, source_file=file, problems=[found])
        elif collection.iiif_records == "canvas":
            yield from canvas_rows(file, *found, collection)
        else:
            yield manifest_row(file, *found, collection)


@dataclass
class LocalManifests:
    """Manifests given as local files, by their id, for formats whose records point at manifests."""

    by_id: dict[str, tuple[dict, int]]

    @classmethod
    def read(cls, path: Path) -> LocalManifests:
        """Every readable manifest under `path` (file, folder or glob); unreadable files are skipped
        here: ingest them as a `format = "iiif"` collection to see why."""
        found: dict[str, tuple[dict, int]] = {}
        for file in input_files(path, SUFFIXES):
            try:
                document = json.loads(file.read_bytes().decode("utf-8-sig"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                continue
            manifest = _manifest(document, None)
            if not isinstance(manifest, Problem) and isinstance(identifier := node(manifest[0], "id"), str):
                found[_same_address(identifier)] = manifest
        return cls(found)

    def has(self, url: str) -> bool:
        return _same_address(url) in self.by_id

    def images(self, row: SourceRow, url: str) -> list[str]:
        """One image per canvas of the manifest, in order (what cannot be one is dropped on `row`)."""
        manifest, version = self.by_id[_same_address(url)]
        return [image for canvas in canvases(row, manifest, version) if (image := canvas_image(row, canvas, version))]


def _same_address(url: str) -> str:
    """A manifest's address as the record and the manifest may each write it (scheme, trailing slash)."""
    return url.strip().removeprefix("https://").removeprefix("http://").rstrip("/")
