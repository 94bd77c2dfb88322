"""Where a mapped field lies in a nested JSON object: a dotted path with list indices, or JMESPath."""

from __future__ import annotations

import re
from collections.abc import Callable

from museum_formats.jsonl.options import JsonlOptions

_STEP = re.compile(r"\.?([^.\[\]]+)|\[(-?\d+)\]")
_MISSING = object()


def dotted(entry: dict, path: str) -> object:
    """`entry[path]` when the entry has that key, else the value at `a.b[0].c`; None when absent."""
    if path in entry:
        return entry[path]
    value: object = entry
    position = 0
    while position < len(path):
        step = _STEP.match(path, position)
        if step is None:
            return None
        key, index = step.groups()
        if key is not None:
            value = value.get(key, _MISSING) if isinstance(value, dict) else _MISSING
        else:
            value = (
                value[int(index)] if isinstance(value, list) and -len(value) <= int(index) < len(value) else _MISSING
            )
        if value is _MISSING:
            return None
        position = step.end()
    return value


def lookup(collection: JsonlOptions) -> Callable[[dict, str], object]:
    """How the collection's `columns` and `fields` address a value of one entry."""
    if collection.column_paths == "dotted":
        return dotted
    import jmespath  # only jsonl collections that ask for JMESPath need the package

    compiled = {expression: jmespath.compile(expression) for expression in collection.mapped.values()}
    return lambda entry, expression: compiled[expression].search(entry)
