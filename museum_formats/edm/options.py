"""The options of an edm collection: the languages to keep text in; its extra fields name EDM properties."""

from __future__ import annotations

import re
from typing import Literal, Self

from pydantic import model_validator

from museum_formats.options import MultilingualOptions

EDM_PROPERTY = (
    r"^(dc|dcterms|edm):[A-Za-z]+$"  # what an edm collection's `fields` name: a proxy or aggregation property
)


class EdmOptions(MultilingualOptions):
    format: Literal["edm"]

    @model_validator(mode="after")
    def _properties(self) -> Self:
        unknown = sorted(source for source in self.fields.values() if not re.match(EDM_PROPERTY, source))
        if unknown:
            raise ValueError(
                f"fields: an edm collection maps dc:, dcterms: or edm: properties (dc:creator), not {unknown}"
            )
        return self
