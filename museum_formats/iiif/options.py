"""The options of an iiif collection: the languages to keep text in, and whether a record is a manifest
or a canvas; its `columns` name metadata labels."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, model_validator

from museum_formats.options import MultilingualOptions

# The record fields an iiif collection's `columns` may take from a metadata pair, by its label.
IIIF_COLUMNS = ("description", "category")


class IiifOptions(MultilingualOptions):
    format: Literal["iiif"]
    iiif_records: Literal["manifest", "canvas"] = Field(
        default="manifest", description="one record per manifest, or one per canvas"
    )

    @model_validator(mode="after")
    def _metadata_columns(self) -> Self:
        unknown = sorted(set(self.columns) - set(IIIF_COLUMNS))
        if unknown:
            raise ValueError(f"columns: an iiif collection maps {list(IIIF_COLUMNS)} to metadata labels, not {unknown}")
        return self
