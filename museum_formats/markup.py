"""Catalogue text as plain text: HTML markup and character references out, block breaks kept as sentence breaks.

Museum exports often carry descriptions edited in a web form: `<p>` paragraphs, `<br>` line
breaks, `<i>` titles, `&amp;` and `&nbsp;`. `plain_text` turns such a value into the text a
person reads. Known HTML elements are markup: inline ones (`<i>`, `<span>`, `<a>`) vanish,
block ones (`<p>`, `<br>`, `<li>`, `<div>`, headings, table cells) end a sentence, so two
paragraphs never run together into one sentence; `<script>` and `<style>` content and comments
are not text. Anything else in angle brackets (a guide term such as `<object facet>`, or
`voltage < 5 V`) is kept as written. Markup escaped once more (`&lt;p&gt;`), as some APIs send
it, is cleaned too.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_SENTENCE_END = (".", "!", "?", ":", ";")
BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "caption",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    ]
)
INLINE_TAGS = frozenset(
    [
        "a",
        "abbr",
        "b",
        "bdi",
        "bdo",
        "big",
        "cite",
        "code",
        "del",
        "dfn",
        "em",
        "font",
        "i",
        "img",
        "ins",
        "kbd",
        "mark",
        "q",
        "s",
        "samp",
        "small",
        "span",
        "strike",
        "strong",
        "sub",
        "sup",
        "time",
        "tt",
        "u",
        "var",
        "wbr",
    ]
)
_DROPPED_CONTENT = frozenset({"script", "style"})
_MARKUP_HINT = re.compile(r"<\s*/?\s*[A-Za-z!]|&(?:#\d+|#x[0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);?")
_ESCAPED_TAG = re.compile(r"<\s*/?\s*(?:" + "|".join(sorted(BLOCK_TAGS | INLINE_TAGS)) + r")\b[^<>]*>", re.I)


class _TextCollector(HTMLParser):
    """Collects the text of an HTML fragment as blocks (what block elements separate)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[list[str]] = [[]]
        self.hidden = 0

    def _break(self) -> None:
        if self.blocks[-1]:
            self.blocks.append([])

    def _tag(self, tag: str, raw: str | None, closing: bool = False) -> None:
        if tag in _DROPPED_CONTENT:
            self.hidden = max(self.hidden + (-1 if closing else 1), 0)
        elif tag in BLOCK_TAGS:
            self._break()
        elif tag not in INLINE_TAGS and raw:
            self.handle_data(raw)  # not HTML: text that happens to sit in angle brackets

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self._tag(tag, self.get_starttag_text())

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        if tag not in _DROPPED_CONTENT:
            self._tag(tag, self.get_starttag_text())

    def handle_endtag(self, tag: str) -> None:
        self._tag(tag, f"</{tag}>", closing=True)

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.blocks[-1].append(data)

    def text(self) -> str:
        blocks = [" ".join("".join(parts).split()) for parts in self.blocks]
        blocks = [block for block in blocks if block]
        ended = [b if i == len(blocks) - 1 or b.endswith(_SENTENCE_END) else f"{b}." for i, b in enumerate(blocks)]
        return " ".join(ended)


def _parse(value: str) -> str:
    collector = _TextCollector()
    collector.feed(value)
    collector.close()
    return collector.text()


# C1 control characters never stand in text: where they appear, a cp1252 byte was read as
# Latin-1 (BnF records write `AL-DIMA&#x8a;QĪ` for `AL-DIMAŠQĪ`); each becomes its cp1252
# character, and the five bytes cp1252 leaves undefined are removed.
_C1_AS_CP1252 = {code: bytes([code]).decode("cp1252", errors="ignore") or None for code in range(0x80, 0xA0)}


def plain_text(value: str) -> str:
    """`value` without HTML markup or character references, whitespace collapsed to single spaces.

    Text that holds neither is only whitespace-collapsed. Every block element ends a sentence:
    a block that does not end in `.`, `!`, `?`, `:` or `;` gets a full stop when more text
    follows it.
    """
    if not _MARKUP_HINT.search(value):
        return " ".join(value.translate(_C1_AS_CP1252).split())
    text = _parse(value)
    if _ESCAPED_TAG.search(text):  # markup that was escaped once more: `&lt;p&gt;`
        text = _parse(text)
    return text.translate(_C1_AS_CP1252)
