"""The options of an SMG collection: which image renditions it prefers; it maps no extra fields."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, model_validator

from museum_formats.options import CollectionOptions

SMG_RENDITIONS = ("medium", "large", "zoom")


class SmgOptions(CollectionOptions):
    format: Literal["smg"]
    image_renditions: list[str] = Field(
        default_factory=lambda: list(SMG_RENDITIONS),
        min_length=1,
        description="the renditions of a media entry to take its image from, first preferred",
    )

    @model_validator(mode="after")
    def _no_extra_fields(self) -> Self:
        if self.fields:
            raise ValueError("fields: format 'smg' maps no extra fields")
        return self
