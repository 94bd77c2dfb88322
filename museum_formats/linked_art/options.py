"""The options of a linked_art collection: the languages to keep text in, the extra fields it may map,
and local copies of the IIIF manifests its objects point at."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, model_validator

from museum_formats.iiif.reader import SUFFIXES as MANIFEST_SUFFIXES
from museum_formats.options import ExportNotFound, MultilingualOptions, under
from museum_formats.sources import input_files

# What a linked_art collection's `fields` may name: these, or any statement's AAT concept (aat:300435429).
LINKED_ART_FIELDS = (
    "maker",
    "date",
    "accession_number",
    "type_uri",
    "manifest",
    "dimensions",
    "materials",
    "provenance",
    "credit_line",
    "inscription",
)
AAT_CONCEPT = r"^(aat:|https?://vocab\.getty\.edu/aat/)\d+$"


class LinkedArtOptions(MultilingualOptions):
    format: Literal["linked_art"]
    manifests: Path | None = Field(
        default=None, description="local copies of the objects' IIIF manifests (file, folder or glob)"
    )

    @model_validator(mode="after")
    def _known_sources(self) -> Self:
        unknown = sorted(
            source
            for source in self.fields.values()
            if source not in LINKED_ART_FIELDS and not re.match(AAT_CONCEPT, source)
        )
        if unknown:
            raise ValueError(
                f"fields: a linked_art collection maps {list(LINKED_ART_FIELDS)} or a statement's AAT concept "
                f"(aat:300435429), not {unknown}"
            )
        return self

    def resolved(self, root: Path, suffixes: tuple[str, ...]) -> Self:
        """The export's and the manifests' paths taken from `root`, each checked to hold files to read."""
        options = super().resolved(root, suffixes)
        if self.manifests is None:
            return options
        manifests = under(root, self.manifests)
        if not input_files(manifests, MANIFEST_SUFFIXES):
            raise ExportNotFound(
                "manifests",
                f"no file, and no {'/'.join(MANIFEST_SUFFIXES)} file in or matching: {manifests}",
            )
        return options.model_copy(update={"manifests": manifests})
