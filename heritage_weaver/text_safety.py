"""Catalogue text made safe to keep and to show: one Unicode form, no control characters, no
invalid code points, no value past its length cap.

`clean` is what ingest does to every text value it keeps; `visible` is how a value is shown or
written for people where it may still hold such characters (rejects, dropped values, terminals):
each one as an escape (`\\x1b`, `\\u202e`), never the character itself.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# C0 but tab and newline, DEL, C1; bidi embeddings and overrides (U+202A–U+202E) and isolates (U+2066–U+2069).
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Surrogate code points: a lone one cannot be written as UTF-8.
INVALID = re.compile("[\ud800-\udfff]")
_SHOWN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
# A sentence ends at its stop (a closing quote or bracket may follow) before white space.
_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*(?=\s)")

CONTROLS_REMOVED = "control characters removed"
INVALID_REPLACED = "invalid code points (lone surrogates) replaced with U+FFFD"
CUT = "cut at a sentence boundary: longer than the cap"


@dataclass(frozen=True)
class Cleaned:
    """A cleaned value and what cleaning changed: control characters removed, invalid code
    points replaced, and whether it was cut to its cap."""

    text: str
    controls: int = 0
    invalid: int = 0
    cut: bool = False

    @property
    def changes(self) -> list[str]:
        """The reasons the value changed (none where it is kept as written, NFC aside)."""
        return [
            reason
            for reason, changed in (
                (INVALID_REPLACED, self.invalid),
                (CONTROLS_REMOVED, self.controls),
                (CUT, self.cut),
            )
            if changed
        ]


def has_control(text: str) -> bool:
    """Whether `text` holds a control character (see `CONTROL`) or an invalid code point."""
    return _SHOWN.search(text) is not None


def clean(text: str, cap: int | None = None) -> Cleaned:
    """`text` with lone surrogates replaced by U+FFFD, control characters (`CONTROL`) removed,
    in Unicode NFC, and when longer than `cap` characters cut to its last sentence end within
    the cap (else its last white space, else the cap itself), trailing white space out."""
    text, invalid = INVALID.subn("\ufffd", text)
    text, controls = CONTROL.subn("", text)
    text = unicodedata.normalize("NFC", text)
    cut = cap is not None and len(text) > cap
    if cut:
        assert cap is not None
        head = text[: cap + 1]
        ends = [match.end() for match in _SENTENCE_END.finditer(head)]
        spaces = [match.start() for match in re.finditer(r"\s", head)]
        text = head[: (ends or spaces or [cap])[-1]].rstrip()
    return Cleaned(text, controls, invalid, cut)


def _escape(match: re.Match[str]) -> str:
    point = ord(match.group())
    return f"\\x{point:02x}" if point < 0x100 else f"\\u{point:04x}"


def visible(text: str) -> str:
    """`text` with every control character and invalid code point written as its escape
    (`\\x1b`, `\\u202e`, `\\udfff`); everything else as it is."""
    return _SHOWN.sub(_escape, text)
