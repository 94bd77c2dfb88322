"""The options of a csv collection: a column mapping, the tables joined to its objects, and those of
delimited text."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal, Self

from pydantic import Field, field_validator, model_validator

from museum_formats.options import RECORD_FIELDS, DelimitedTextOptions, ExportNotFound, Options, under


class JoinOptions(Options):
    """A table joined to a csv collection's objects: its rows add values to the object whose `on` cell they share."""

    path: Path
    on: str = Field(min_length=1, description="the column both tables hold; it names one object of the main table")
    order_by: str | None = Field(default=None, description="the column whose numbers (else text) order the rows")
    columns: dict[str, str] = Field(min_length=1)

    @field_validator("columns")
    @classmethod
    def _record_fields_only(cls, columns: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(columns) - set(RECORD_FIELDS[1:]))
        if unknown:
            raise ValueError(
                f"unknown record field(s) {unknown}; a joined table maps some of {list(RECORD_FIELDS[1:])}"
            )
        return columns


class CsvOptions(DelimitedTextOptions):
    format: Literal["csv"]
    joins: list[JoinOptions] = Field(default_factory=list, description="tables joined to the objects")

    qualified_ids: ClassVar[bool] = True

    @model_validator(mode="after")
    def _mapping(self) -> Self:
        if "record_id" not in self.columns:
            raise ValueError("a csv collection needs columns.record_id")
        sources = [("columns", self.columns)] + [(f"joins.{i}.columns", j.columns) for i, j in enumerate(self.joins)]
        for field in RECORD_FIELDS:
            mapping = [where for where, columns in sources if field in columns]
            if len(mapping) > 1:
                raise ValueError(f"{field} is mapped more than once ({', '.join(mapping)}); map it in one table")
        return self

    def inputs(self) -> list[Path]:
        """The export, then its joined tables."""
        return super().inputs() + [join.path for join in self.joins]

    def resolved(self, root: Path, suffixes: tuple[str, ...]) -> Self:
        """The export and its joined tables' paths taken from `root`, each checked to be a file."""
        options = super().resolved(root, suffixes)
        joins = []
        for number, join in enumerate(self.joins):
            table = under(root, join.path)
            if not table.is_file():
                raise ExportNotFound(f"joins.{number}.path", f"file not found: {table}")
            joins.append(join.model_copy(update={"path": table}))
        return options.model_copy(update={"joins": joins})
