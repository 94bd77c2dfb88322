"""IIIF Image API addresses: which URLs name an image service, and the service's full-size image.

An image service lives at a base URI; `{base}/info.json` describes it and
`{base}/{region}/{size}/{rotation}/{quality}.{format}` requests an image from it. A URL is
taken for a service when it is one of those two forms, or when it names a service by its base:
a path with an `iiif` segment whose last segment has no file extension (`…/iiif/2/obj42`),
unless the path names a Presentation resource (`manifest`, `collection`, `canvas`, `sequence`,
`range`, `annotation`), which is not an image.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_REGION = r"(?:full|square|\d+,\d+,\d+,\d+|pct:[\d.]+,[\d.]+,[\d.]+,[\d.]+)"
_SIZE = r"(?:full|max|\^?max|\^?!?\d*,\d*|\^?pct:[\d.]+|\^?\d+,)"
_ROTATION = r"!?\d+(?:\.\d+)?"
QUALITIES = frozenset({"default", "color", "colour", "gray", "grey", "bitonal", "native"})
_QUALITY = rf"(?:{'|'.join(sorted(QUALITIES))})\.(?:jpe?g|png|tiff?|gif|jp2|webp|pdf)"
_REQUEST = re.compile(rf"^(?P<base>https?://.+?)/(?P<region>{_REGION})/(?P<size>{_SIZE})/{_ROTATION}/{_QUALITY}$", re.I)
_INFO = re.compile(r"^(?P<base>https?://.+?)/info\.json$", re.I)
PRESENTATION_SEGMENTS = frozenset(
    {"manifest", "manifest.json", "collection", "canvas", "sequence", "range", "annotation"}
)


def is_presentation(url: str) -> bool:
    """An IIIF Presentation resource (a manifest, canvas …): a document about images, not one."""
    lowered = url.lower()
    if lowered.endswith("manifest.json"):
        return True
    if "iiif" not in lowered:
        return False
    segments = {s for s in urlsplit(lowered).path.split("/") if s}
    return "iiif" in segments and bool(PRESENTATION_SEGMENTS & segments)


def image_service(url: str) -> str | None:
    """The base URI of the IIIF image service `url` names, or None when it names none."""
    url = url.strip()
    last = url.rsplit("/", 1)[-1].lower()
    pattern = _INFO if last == "info.json" else _REQUEST if last.partition(".")[0] in QUALITIES else None
    match = pattern.match(url) if pattern else None
    if match:
        return match.group("base")
    if "iiif" not in url.lower() or not url.startswith(("http://", "https://")) or is_presentation(url):
        return None
    segments = [s for s in urlsplit(url).path.split("/") if s]
    if "iiif" in (s.lower() for s in segments) and segments and "." not in segments[-1]:
        return url.rstrip("/")
    return None


def full_image(base: str, version: int = 3) -> str:
    """The whole image of the service at `base` at full size, as its Image API `version` asks for
    it: size `max` (3, and 2.1 where the version is not known), `full` (2), quality `native` (1)."""
    size, quality = {1: ("full", "native"), 2: ("full", "default")}.get(version, ("max", "default"))
    return f"{base.rstrip('/')}/full/{size}/0/{quality}.jpg"


def full_size(url: str) -> str:
    """The full-size image of the service `url` names: the URL itself when it already requests the
    whole image at full size, else `{base}/full/max/0/default.jpg` (`max`: Image API 2.1 and 3)."""
    match = _REQUEST.match(url.strip())
    if match and match.group("region").lower() == "full" and match.group("size").lower() in ("full", "max"):
        return url.strip()
    base = image_service(url)
    assert base is not None, "full_size takes the URL of an image service"
    return full_image(base)


def sized(url: str, side: int) -> str | None:
    """The request that fetches the image `url` names no larger than `side` × `side` pixels
    (size `!side,side`; an Image API request keeps its region, rotation, quality and format,
    a service base or `info.json` asks for `full/…/0/default.jpg`); None when `url` names no service."""
    url = url.strip()
    match = _REQUEST.match(url)
    if match:
        return f"{url[: match.start('size')]}!{side},{side}{url[match.end('size') :]}"
    base = image_service(url)
    return f"{base}/full/!{side},{side}/0/default.jpg" if base else None
