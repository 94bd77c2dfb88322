"""The options of a lido collection: the languages to keep text in, and the extra fields it may map."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import model_validator

from museum_formats.options import MultilingualOptions

# What a lido collection's `fields` may name (see docs/project-lead.md, "LIDO XML").
LIDO_FIELDS = ("maker", "maker_uri", "date", "material", "material_uri", "work_type_uri", "classification_uri")


class LidoOptions(MultilingualOptions):
    format: Literal["lido"]

    @model_validator(mode="after")
    def _known_sources(self) -> Self:
        unknown = sorted(set(self.fields.values()) - set(LIDO_FIELDS))
        if unknown:
            raise ValueError(f"fields: a lido collection maps {list(LIDO_FIELDS)}, not {unknown}")
        return self
