"""Whether a linked resource is an image, by what its record states (a MIME type, a format, an
EDM media type), else by its file extension.

A stated type decides: `image/…` or the EDM type IMAGE is an image; sound, video, 3D, text, PDF
and web pages are not, whatever the URL looks like. Where nothing is stated, a URL whose file
extension names another medium (`.pdf`, `.mp3`, `.glb` …) is not an image; any other URL is taken
for one (the fetch stage still refuses what does not decode).
"""

from __future__ import annotations

from museum_formats.iiif.image_api import full_size, image_service, is_presentation
from museum_formats.lido.images import KIND_BY_SUFFIX, PRESENTATION, file_suffix

IMAGE = "image"
# Stated types (MIME types, EDM types, format words) by what they say, the first match counting.
KIND_BY_STATED = (
    (("image/", "image", "jpeg", "jpg", "png", "tiff"), IMAGE),
    (("audio/", "sound", "audio", "mp3"), "a sound"),
    (("video/", "video"), "a video"),
    (("model/", "3d", "gltf"), "a 3D model"),
    (("application/pdf", "pdf"), "a PDF"),
    (("text/html", "html"), "a web page"),
    (("text/", "application/", "text"), "a document"),
)


def stated_kind(stated: str) -> str | None:
    """What a stated type says the resource is (`IMAGE` for an image), or None when it says nothing known."""
    lowered = stated.strip().lower()
    return next((kind for keys, kind in KIND_BY_STATED if any(lowered.startswith(key) for key in keys)), None)


def not_an_image(url: str, stated: list[tuple[str, str]]) -> str | None:
    """Why `url` is no image, or None when it is one; `stated` holds (where, value) pairs, most telling first."""
    for where, value in stated:
        kind = stated_kind(value)
        if kind == IMAGE:
            return None
        if kind:
            return f"{kind} ({where} {value.strip()})"
    if is_presentation(url):
        return PRESENTATION
    suffix = file_suffix(url)
    return f"{KIND_BY_SUFFIX[suffix]} file ({suffix})" if suffix in KIND_BY_SUFFIX else None


def service_image(service: str) -> str:
    """The full-size image of a stated IIIF image service, given its base URI or any of its URLs."""
    return full_size(service) if image_service(service) else f"{service.rstrip('/')}/full/max/0/default.jpg"
