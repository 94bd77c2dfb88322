"""A LIDO record's images: one per `resourceSet`, in `lido:sortorder`, the best of its renditions.

Each `resourceRepresentation`'s `linkResource` is a rendition. Of a set's renditions that are
images, an IIIF image service is kept first (`museum_formats.iiif.image_api`; its full-size image);
else the largest: by the pixel width or height that `resourceMeasurementsSet` states when every
rendition states one, else by `lido:type` (a master over a provided or large image over one of
unstated kind over a thumbnail or preview), then by stated pixels, then the first. A rendition that
is neither a URL nor a file beside its LIDO file, under the export's folder or `image_roots` (a bare file name of the
provider's disk) is dropped with that reason, and the next best is kept instead.

A rendition is an image when its URL has an image file extension, or its `lido:type` or the
set's `resourceType` says image. `formatResource` alone never makes one: portals mark landing
pages and viewers `image/jpeg` too. Sound, video, 3D, text, PDF and web-page renditions are
dropped with the reason, whatever `formatResource` says.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from museum_formats.iiif.image_api import full_size, image_service, is_presentation
from museum_formats.lido.documents import LIDO
from museum_formats.lido.values import sortorder
from museum_formats.rows import SourceRow, resolve_image

LINK = "linkResource"
RESOURCE_SET = "resourceSet"
OTHER_RENDITION = "another rendition of the same resource (one is kept: the IIIF service, else the largest)"
NO_LINK = "a resourceSet without a linkResource"
PRESENTATION = "an IIIF Presentation resource (a manifest or canvas), not an image"
ONLY_FORMAT = "only formatResource says it is an image (no image file extension, image type or IIIF service)"
NO_SIGN = "no sign that it is an image (no image file extension, image type or IIIF service)"
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".jpe", ".png", ".gif", ".tif", ".tiff", ".webp", ".bmp", ".jp2", ".jpx"})
KIND_BY_SUFFIX = {
    **dict.fromkeys((".pdf",), "a PDF"),
    **dict.fromkeys((".html", ".htm", ".php", ".asp", ".aspx", ".jsp"), "a web page"),
    **dict.fromkeys((".mp4", ".m4v", ".mov", ".avi", ".webm", ".mpg", ".mpeg", ".ogv"), "a video"),
    **dict.fromkeys((".mp3", ".wav", ".ogg", ".oga", ".flac", ".m4a", ".aac"), "a sound"),
    **dict.fromkeys((".glb", ".gltf", ".obj", ".stl", ".ply", ".fbx", ".x3d", ".nxs", ".nxz", ".3ds"), "a 3D model"),
    **dict.fromkeys((".xml", ".json", ".txt", ".zip", ".doc", ".docx"), "a document"),
}
# lido:type values (LIDO 1.0 words, LIDO 1.1 terminology URIs) and resourceType words, by what they say.
KIND_BY_TYPE = {
    "lido00465": "a sound",
    "audio": "a sound",
    "sound": "a sound",
    "lido00466": "a video",
    "video": "a video",
    "lido00468": "a 3D model",
    "3d": "a 3D model",
    "lido00482": "a text",
    "text": "a text",
    "pdf": "a PDF",
}
RANK_BY_TYPE = (  # the first match counts
    (("thumb", "preview", "lido00451"), 0),
    (("master", "original"), 3),
    (("lido00464", "provided", "large", "display"), 2),
)
IMAGE_WORDS = ("image", "bild", "foto", "photo")
SIDES = ("width", "height", "breite", "höhe")


@dataclass
class Rendition:
    link: str
    rank: int  # by lido:type: 0 thumbnail … 3 master; 1 when the type says neither
    pixels: int  # the larger of the stated pixel width and height, 0 when none is stated
    service: str | None = None
    not_image: str | None = None  # why the rendition is no image


def _kind(words: str) -> str | None:
    words = words.lower()
    return next((kind for key, kind in KIND_BY_TYPE.items() if key in words), None)


def _rank(rendition_type: str) -> int:
    lowered = rendition_type.lower()
    return next((rank for keys, rank in RANK_BY_TYPE if any(key in lowered for key in keys)), 1)


def _words(element: etree._Element, tag: str) -> str:
    """The text of `element`'s child `tag`, SKOS labels and all, lower-cased."""
    child = element.find(f"{LIDO}{tag}")
    return " ".join(" ".join(child.itertext()).split()).lower() if child is not None else ""


def _pixels(representation: etree._Element) -> int:
    sides = []
    for measured in representation.iterfind(f"{LIDO}resourceMeasurementsSet"):
        parts = {
            child.tag: " ".join(child.itertext()).strip().lower() for child in measured if isinstance(child.tag, str)
        }
        side = parts.get(f"{LIDO}measurementType", "")
        unit = parts.get(f"{LIDO}measurementUnit", "")
        value = parts.get(f"{LIDO}measurementValue", "")
        if any(word in side for word in SIDES) and value.isdigit() and (not unit or "pix" in unit or unit == "px"):
            sides.append(int(value))
    return max(sides, default=0)


def file_suffix(link: str) -> str:
    """The file extension of a URL's path or of a file name, lower-cased."""
    path = link.split("?", 1)[0].split("#", 1)[0]
    if "://" in path:
        path = path.split("://", 1)[1].partition("/")[2]
    return os.path.splitext(path.rsplit("/", 1)[-1])[1].lower()


def _claims_image(format_resource: str) -> bool:
    return format_resource.startswith("image/") or f".{format_resource}" in IMAGE_SUFFIXES


def _not_image(link: str, rendition_type: str, resource_type: str, format_resource: str) -> str | None:
    """Why a rendition that names no image service is no image, or None when it is one."""
    suffix = file_suffix(link)
    though = f", though formatResource says {format_resource}" if _claims_image(format_resource) else ""
    kind = _kind(rendition_type)
    if kind:
        return f"{kind} rendition (lido:type {rendition_type}){though}"
    kind = _kind(resource_type)
    if kind:
        return f"{kind} resource (resourceType {resource_type}){though}"
    if suffix in KIND_BY_SUFFIX:
        return f"{KIND_BY_SUFFIX[suffix]} file ({suffix}){though}"
    if format_resource and not _claims_image(format_resource):
        return f"not an image (formatResource {format_resource})"
    words = f"{rendition_type.lower()} {resource_type}"
    image_type = _rank(rendition_type) != 1 or any(word in words for word in IMAGE_WORDS)
    if suffix in IMAGE_SUFFIXES or image_type:
        return None
    return ONLY_FORMAT if though else NO_SIGN


def renditions(resource_set: etree._Element) -> list[Rendition]:
    """The set's renditions with a link, each with its kind, rank and stated size."""
    resource_type = _words(resource_set, "resourceType")
    found = []
    for representation in resource_set.iterfind(f"{LIDO}resourceRepresentation"):
        link_element = representation.find(f"{LIDO}{LINK}")
        link = (link_element.text or "").strip() if link_element is not None else ""
        if not link:
            continue
        assert link_element is not None, "a link comes from an element"
        rendition_type = (representation.get(f"{LIDO}type") or "").strip()
        format_resource = (link_element.get(f"{LIDO}formatResource") or "").strip().lower()
        rendition = Rendition(link, _rank(rendition_type), _pixels(representation))
        if is_presentation(link):
            rendition.not_image = PRESENTATION
        else:
            rendition.service = image_service(link)
            if rendition.service is None:
                rendition.not_image = _not_image(link, rendition_type, resource_type, format_resource)
        found.append(rendition)
    return found


def _preference(images: list[Rendition]) -> list[Rendition]:
    """The images of a set, best first: IIIF services, then by stated size when all state one, else by type."""
    sized = all(r.pixels for r in images)
    return sorted(images, key=lambda r: (r.service is None, (-r.pixels, -r.rank) if sized else (-r.rank, -r.pixels)))


def resource_images(row: SourceRow, record: etree._Element, roots: list[Path]) -> list[str]:
    """One image reference per resourceSet, in sortorder (sets without one last, as written): the
    best rendition that is a URL or a file under `roots`. Every other rendition is dropped with its reason."""
    sets = sorted(
        record.iterfind(f"{LIDO}administrativeMetadata/{LIDO}resourceWrap/{LIDO}{RESOURCE_SET}"), key=sortorder
    )
    refs = []
    for resource_set in sets:
        found = renditions(resource_set)
        if not found:
            row.drop(RESOURCE_SET, (resource_set.findtext(f"{LIDO}resourceID") or "").strip(), NO_LINK)
        kept = None
        for rendition in _preference([r for r in found if r.not_image is None]):
            if kept is None:
                location, reason = resolve_image(rendition.link, None, roots)
                kept = rendition if location else None
                rendition.not_image = reason or None
            else:
                rendition.not_image = OTHER_RENDITION
        for rendition in found:
            if rendition is kept:
                refs.append(full_size(rendition.link) if rendition.service else rendition.link)
            else:
                row.drop(LINK, rendition.link, rendition.not_image or OTHER_RENDITION)
    return refs
