"""The options of an NMS collection: those of delimited text; its record fields are fixed."""

from __future__ import annotations

from typing import Literal

from museum_formats.options import DelimitedTextOptions


class NmsOptions(DelimitedTextOptions):
    format: Literal["nms"]
