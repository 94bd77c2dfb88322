"""The one interface every museum format offers: its name, options model, file suffixes and reader."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from museum_formats.options import CollectionOptions
from museum_formats.rows import DroppedRow, SourceRow

OptionsT = TypeVar("OptionsT", bound=CollectionOptions)

Rows = Iterator[SourceRow | DroppedRow]
"""What a reader yields: one `SourceRow` per object (or per line or file it could not read), each
with the values it kept and dropped; for formats that join tables, then a `DroppedRow` per joined
row that added to no object."""


@dataclass(frozen=True)
class Format(Generic[OptionsT]):
    """A museum export format.

    - `name`: what a collection's `format` says, the `format` literal of `options`.
    - `options`: the options model of its collections (pydantic).
    - `suffixes`: the files a folder or glob of its exports is read for; none where it comes as one file.
    - `read`: every row of a collection's export, in file order, given the collection's options
      (their paths resolved, see `CollectionOptions.resolved`). It raises `ExportError` where a whole
      file cannot be read; a row it cannot read is a row with its problem.
    """

    name: str
    options: type[OptionsT]
    suffixes: tuple[str, ...]
    read: Callable[[OptionsT], Rows]
