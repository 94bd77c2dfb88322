"""Catalogue text the CLI prints is text: no markup read from it, no control character written raw,
and a missing value shown empty, never as `nan`."""

from __future__ import annotations

import io
import math

import pandas as pd
from rich.console import Console

from heritage_weaver.workspace import Workspace
from hw_cli.console import catalogue
from hw_cli.embeddings import search_table

HOSTILE_NAMES = [
    "Key\x1b]0;pwned\x07 and \x1b[2J clear",
    "[link=http://127.0.0.1:8089/]click me[/link]",
    "closing [/x] tag",
    "[bold red]loud[/]",
    "bidi \u202eevil NUL\x00",
]


def _rendered(renderable) -> str:
    buffer = io.StringIO()
    Console(file=buffer, width=160, force_terminal=True, color_system="truecolor").print(renderable)
    return buffer.getvalue()


def test_catalogue_values_print_as_text_with_escapes():
    for name in HOSTILE_NAMES:
        assert catalogue(name).spans == [] and catalogue(name).plain.count("\x1b") == 0
    assert catalogue("[/x]").plain == "[/x]"
    assert catalogue("a\x1bb").plain == "a\\x1bb"
    assert catalogue(math.nan).plain == "" and catalogue(None).plain == ""


def test_search_table_shows_hostile_names_without_their_effects(tmp_path):
    results = pd.DataFrame(
        {
            "record_id": [f"h:{i}\x07" for i in range(len(HOSTILE_NAMES))],
            "collection": ["h"] * len(HOSTILE_NAMES),
            "name": HOSTILE_NAMES,
            "score": [0.9] * len(HOSTILE_NAMES),
            "modality": ["text", "image", "text", "image", "text"],
            "image": ["http://93.184.215.14/a\x1b[2J.jpg", math.nan, None, "x.jpg", "[/y].jpg"],
        }
    )
    output = _rendered(search_table(Workspace(tmp_path), results, "base: text 'x'", with_images=True))
    assert "\x1b]" not in output and "\x07" not in output and "\x00" not in output and "\u202e" not in output
    assert "\x1b[2J" not in output  # styles are escape sequences too: a screen clear is not one of them
    assert "click me" in output and "[link=" in output and "8;;" not in output  # no terminal hyperlink
    assert "[/x]" in output and "[bold red]loud[/]" in output and "\\x1b]0;pwned\\x07" in output
    assert "nan" not in output
