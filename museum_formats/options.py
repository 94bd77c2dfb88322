"""A collection's options: what every format shares, and the option groups several formats share.

A collection is one export of one museum: its `name`, its `format`, the `path` it lies at, how its
columns map onto the record fields, and where its images lie. Each format's own options model
(`<format>/options.py`) derives from `CollectionOptions`, or from a group below, adds only its own
options and checks, and narrows `format` to its name: a config tells the models apart by `format`.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator

from museum_formats.sources import export_folder, input_files

RECORD_FIELDS = ("record_id", "name", "description", "images", "category", "taxonomy")
# What a row holds besides its record fields (its collection, and where it lies); no extra field may take these names.
RECORD_BOOKKEEPING = ("collection", "source_file", "source_position", "source_id")
EXTRA_FIELD = r"^[a-z][a-z0-9_]*$"


class ExportNotFound(ValueError):
    """An option names a file, folder or glob that holds nothing to read; `key` names the option (`joins.0.path`)."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def under(root: Path, path: Path) -> Path:
    """`path` itself when absolute, else `path` relative to `root`."""
    return path if path.is_absolute() else root / path


class Options(BaseModel):
    """Options as a config writes them: an unknown key is an error, and nothing changes once read."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class CollectionOptions(Options):
    """The options of every format. A format's own model narrows `format` to its name."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    format: str
    path: Path = Field(description="the export: a file, or for formats read from many files a folder or a glob")
    columns: dict[str, str] = Field(default_factory=dict)
    fields: dict[str, str] = Field(
        default_factory=dict,
        description="extra fields (beyond the record fields) -> export column or path; one records column each",
    )
    encoding: str = "utf-8"
    image_base_url: str | None = None
    image_separator: str = "|"
    image_roots: list[Path] = Field(
        default_factory=list, description="folders besides the export's own that local images may lie in"
    )
    max_images: int = Field(default=10, gt=0, description="images kept per record; the rest are counted as dropped")

    qualified_ids: ClassVar[bool] = False
    """Whether the export numbers its rows as it likes, so that its ids name an object only together
    with the collection's name (`<collection>:<id>`)."""

    @field_validator("columns")
    @classmethod
    def _known_fields(cls, columns: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(columns) - set(RECORD_FIELDS))
        if unknown:
            raise ValueError(f"unknown record field(s) {unknown}; expected some of {list(RECORD_FIELDS)}")
        return columns

    @field_validator("fields")
    @classmethod
    def _extra_field_names(cls, fields: dict[str, str]) -> dict[str, str]:
        taken = sorted(set(fields) & set(RECORD_FIELDS + RECORD_BOOKKEEPING))
        if taken:
            raise ValueError(
                f"{taken}: a record field or records column; map record fields in `columns`, "
                f"and give extra fields other names than {list(RECORD_FIELDS + RECORD_BOOKKEEPING)}"
            )
        wrong = sorted(name for name in fields if not re.match(EXTRA_FIELD, name))
        if wrong:
            raise ValueError(f"field name(s) {wrong}: use lower-case letters, digits and _ (starting with a letter)")
        return fields

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, encoding: str) -> str:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ValueError(f'unknown encoding {encoding!r}; e.g. "utf-8", "cp1252", "latin-1"') from None
        return encoding

    @property
    def mapped(self) -> dict[str, str]:
        """Every mapped source column or path by its config key (`columns.name`, `fields.material`)."""
        return {
            **{f"columns.{key}": value for key, value in self.columns.items()},
            **{f"fields.{key}": value for key, value in self.fields.items()},
        }

    @property
    def folder(self) -> Path:
        """The folder the export lies in, against which relative image references resolve."""
        return export_folder(self.path)

    def inputs(self) -> list[Path]:
        """What a read of the collection opens: the file or folder itself, or a glob's matches."""
        return [self.path] if self.path.exists() else input_files(self.path, ())

    def resolved(self, root: Path, suffixes: tuple[str, ...]) -> Self:
        """These options with relative paths taken from `root`, once checked that `path` holds something
        to read: a file, or (for a format read from files with `suffixes`) a folder or glob of such files.
        Raises `ExportNotFound` naming the option where a path holds nothing."""
        source = under(root, self.path)
        if suffixes and not input_files(source, suffixes):
            raise ExportNotFound("path", f"no file, and no {'/'.join(suffixes)} file in or matching: {source}")
        if not suffixes and not source.is_file():
            raise ExportNotFound("path", f"file not found: {source}")
        roots = [under(root, folder) for folder in self.image_roots]
        return self.model_copy(update={"path": source, "image_roots": roots})


class DelimitedTextOptions(CollectionOptions):
    """The options of formats exported as delimited text (CSV)."""

    delimiter: str = Field(default=",", min_length=1, max_length=1)
    null_values: list[str] = Field(default_factory=lambda: ["NULL"], description="cells that mean empty")


class MultilingualOptions(CollectionOptions):
    """The options of formats whose values come in several languages."""

    languages: list[str] = Field(
        default_factory=lambda: ["en"],
        min_length=1,
        description="the languages to keep text in, first preferred; else a value's first language",
    )
