"""A record's images: references resolved and confined to their roots, at most `max_images` kept."""

from __future__ import annotations

from heritage_weaver.config import CollectionConfig
from heritage_weaver.ingest.rows import SourceRow, resolve_image


def over_cap(collection: CollectionConfig) -> str:
    return f"over the cap of {collection.max_images} images per record (max_images)"


def add_images(
    row: SourceRow, refs: list[str], collection: CollectionConfig, source_field: str, lower: bool = False
) -> None:
    """Keep the references in the order given until the record holds `max_images`; drop the rest, with reasons."""
    roots = [collection.folder, *collection.image_roots]
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
