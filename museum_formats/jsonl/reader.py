"""Any JSON-lines export (`format = "jsonl"`), or a folder or glob of JSON documents (one per file),
read through the collection's column mapping; nested values are addressed by path (`paths`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from museum_formats.jsonl.options import JsonlOptions
from museum_formats.jsonl.paths import lookup
from museum_formats.mapping import Lookup, mapped_row, unreadable
from museum_formats.reading import json_files, json_lines
from museum_formats.rows import Problem, SourceRow

SUFFIXES = (".json",)


def _json_row(
    number: int,
    entry: object,
    problem: Problem | None,
    collection: JsonlOptions,
    get: Lookup,
    source_file: Path | None = None,
) -> SourceRow:
    if problem is None and not isinstance(entry, dict):
        where = "(file)" if source_file else "(line)"
        problem = Problem(where, "expected a JSON object", f"got {type(entry).__name__}")
    return (
        mapped_row(number, entry, collection, get, source_file=source_file)
        if isinstance(entry, dict) and not problem
        else unreadable(number, problem, source_file)
    )


def read_jsonl(collection: JsonlOptions) -> Iterator[SourceRow]:
    """Every line of a JSON-lines file, or every JSON document of a folder or glob (each its file's row 1)."""
    get = lookup(collection)
    if collection.path.is_file():
        for number, entry, problem in json_lines(collection):
            yield _json_row(number, entry, problem, collection, get)
        return
    for path, entry, problem in json_files(collection, SUFFIXES):
        yield _json_row(1, entry, problem, collection, get, path)
