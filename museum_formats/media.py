"""A record's images: references resolved and confined to their roots, at most `max_images` kept."""

from __future__ import annotations

from pathlib import Path

from museum_formats.options import CollectionOptions
from museum_formats.rows import SourceRow, resolve_image


def over_cap(collection: CollectionOptions) -> str:
    return f"over the cap of {collection.max_images} images per record (max_images)"


def image_roots(collection: CollectionOptions, source_file: Path | None = None) -> list[Path]:
    """Where a row's local images may lie, in the order looked in: beside its own file (where the
    collection reads a folder or glob), the export's folder, then the collection's `image_roots`."""
    beside = [source_file.parent] if source_file else []
    return list(dict.fromkeys([*beside, collection.folder, *collection.image_roots]))


def add_images(
    row: SourceRow, refs: list[str], collection: CollectionOptions, source_field: str, lower: bool = False
) -> None:
    """Keep the references in the order given until the record holds `max_images`; drop the rest, with reasons."""
    roots = image_roots(collection, row.source_file)
    for ref in refs:
        if len(row.image_refs) >= collection.max_images:
            row.drop(source_field, ref, over_cap(collection))
            continue
        location, reason = resolve_image(ref, collection.image_base_url, roots, lower)
        if location is None:
            row.drop(source_field, ref, reason)
        else:
            row.image_refs.append(location)
            row.keep(source_field)
