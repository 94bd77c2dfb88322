"""Reading export files in the collection's encoding: JSON lines (or one JSON document) and delimited text."""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterator, Sequence
from pathlib import Path

from museum_formats.options import CollectionOptions, DelimitedTextOptions
from museum_formats.rows import Problem
from museum_formats.sources import input_files

_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


class ExportError(ValueError):
    """A whole file cannot be read (missing columns, wrong encoding, unreadable file); names file and cause."""


def _codec(encoding: str) -> str:
    """UTF-8 is read with or without a byte-order mark."""
    return "utf-8-sig" if codecs.lookup(encoding).name == "utf-8" else encoding


def _decode_hint(collection: CollectionOptions) -> str:
    return (
        f"set `encoding` for collection {collection.name!r} to the file's encoding "
        f'(Excel\'s plain "CSV" on Windows writes encoding = "cp1252")'
    )


def json_lines(collection: CollectionOptions) -> Iterator[tuple[int, object | None, Problem | None]]:
    """Each non-blank line's JSON value, or the problem that makes the line unreadable."""
    codec = _codec(collection.encoding)
    with collection.path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                text = raw.decode(codec)
            except UnicodeDecodeError as error:
                yield (
                    number,
                    None,
                    Problem(
                        "(line)",
                        f"bytes that are not valid {collection.encoding}",
                        f"byte {error.start}; {_decode_hint(collection)}",
                    ),
                )
                continue
            try:
                yield number, json.loads(text), None
            except json.JSONDecodeError as error:
                yield number, None, Problem("(line)", "malformed JSON", f"{error.msg} at column {error.colno}")


def json_files(
    collection: CollectionOptions, suffixes: tuple[str, ...]
) -> Iterator[tuple[Path, object | None, Problem | None]]:
    """Each file of a folder or glob of JSON documents (its files with one of `suffixes`; one per file;
    a file on its own too), with its value or the problem that makes it unreadable."""
    for path in input_files(collection.path, suffixes):
        yield path, *json_file(path, collection)


def json_file(path: Path, collection: CollectionOptions) -> tuple[object | None, Problem | None]:
    """The file's one JSON document, or the problem that makes it unreadable."""
    data = path.read_bytes()
    try:
        text = data.decode(_codec(collection.encoding))
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        reason = f"bytes that are not valid {collection.encoding}"
        return None, Problem("(file)", reason, f"line {line}; {_decode_hint(collection)}")
    try:
        return json.loads(text), None
    except json.JSONDecodeError as error:
        detail = f"{error.msg} at line {error.lineno}, column {error.colno}"
        return None, Problem("(file)", "malformed JSON", detail)


def json_document(path: Path, encoding: str) -> object | None:
    """The file as one JSON document when it is one (e.g. a pretty-printed API page), else None.

    A file whose first line is JSON on its own is JSON lines, and is not read whole.
    """
    codec = _codec(encoding)
    with path.open("rb") as handle:
        first = next((line for line in handle if line.strip()), b"")
    try:
        json.loads(first.decode(codec))
        return None
    except (UnicodeDecodeError, json.JSONDecodeError):
        pass
    try:
        return json.loads(path.read_bytes().decode(codec))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None


def _delimiter_hint(collection: DelimitedTextOptions, header: Sequence[str], required: tuple[str, ...]) -> str:
    line = collection.delimiter.join(header)
    for candidate, name in _DELIMITERS.items():
        if candidate != collection.delimiter and set(required) <= set(line.split(candidate)):
            return f"; the header is {name}-separated: set delimiter = {json.dumps(candidate)} for collection {collection.name!r}"
    return ""


def csv_rows(
    collection: DelimitedTextOptions, required: tuple[str, ...], path: Path | None = None
) -> Iterator[tuple[int, dict[str, str] | None, Problem | None]]:
    """Each data row of `path` (default: the collection's file) as a dict of the header's columns, or the
    problem that makes it unreadable. Cells in the collection's `null_values` read as empty."""
    path = path or collection.path
    data = path.read_bytes()
    try:
        text = data.decode(_codec(collection.encoding))
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ExportError(
            f"{path}: line {line}: byte 0x{data[error.start]:02x} is not valid {collection.encoding}; "
            f"{_decode_hint(collection)}"
        ) from None
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=collection.delimiter)
    header = reader.fieldnames or []
    missing = [c for c in required if c not in header]
    if missing:
        raise ExportError(
            f"{path}: missing column(s) {missing}; the header has {header}"
            f"{_delimiter_hint(collection, header, required)}"
        )
    nulls = frozenset(collection.null_values)
    for number, values in enumerate(reader, start=2):  # row 1 is the header, as a spreadsheet numbers them
        if None in values:
            extra = len(values[None])
            yield number, None, Problem("(row)", "cells beyond the header", f"{extra} unknown cell(s)")
        elif any(v is None for v in values.values()):
            yield number, None, Problem("(row)", "fewer cells than the header", f"{len(values)} header columns")
        else:
            yield number, {k: "" if v.strip() in nulls else v for k, v in values.items()}, None
