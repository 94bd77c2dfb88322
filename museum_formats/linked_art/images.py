"""A Linked Art object's images, from every pattern the specification has, in the order written.

- `representation` → `VisualItem` → `digitally_shown_by` → `DigitalObject` → `access_point`: the
  1.0 pattern. A digital object that `conforms_to` the IIIF Image API names a service, kept as its
  full-size image.
- `representation` → `VisualItem` with an `id` and no digital object: the VisualItem's id is the
  image (records before 1.0, and some since).
- `subject_of` → … → `digitally_carried_by` → `DigitalObject` → `access_point`: an IIIF manifest
  when it conforms to the Presentation API (or its URL names one); recorded, not taken for an
  image. Other pages about the object are dropped with the reason. An entry without a digital
  carrier that has its own `id`, `format` and `conforms_to` (as the Getty writes its manifest
  and home page) is its own carrier.

A digital object's `format` is its stated type: a sound, PDF, 3D model or web page is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from museum_formats.iiif.image_api import image_service, is_presentation
from museum_formats.linked_art.nodes import node_id, nodes
from museum_formats.media_kinds import not_an_image, service_image
from museum_formats.rows import SourceRow

DIGITAL = "digitally_shown_by"
REPRESENTATION = "representation"
SUBJECT_OF = "subject_of"
IIIF_IMAGE_API = "iiif.io/api/image"
IIIF_PRESENTATION_API = "iiif.io/api/presentation"
REPEATED_IMAGE = "repeats an earlier image of the record"
NOT_IMAGE_PAGE = "a page about the object (subject_of), neither an IIIF manifest nor an image"


@dataclass
class Found:
    images: list[tuple[str, str]] = field(default_factory=list)  # (source field, image reference) in order
    manifests: list[str] = field(default_factory=list)  # IIIF manifests about the object


def _conforms(digital: dict, api: str) -> bool:
    stated = [node_id(n) for n in nodes(digital.get("conforms_to"))] + [str(digital.get("format") or "")]
    return any(api in s for s in stated)


def _image(url: str, digital: dict) -> str:
    """The image reference of an access point: a IIIF service's full-size image, else the URL."""
    return service_image(url) if image_service(url) or _conforms(digital, IIIF_IMAGE_API) else url


def _candidate(row: SourceRow, found: Found, source_field: str, url: str, digital: dict) -> None:
    stated = digital.get("format")
    reason = not_an_image(url, [("format", stated)] if isinstance(stated, str) else [])
    if reason and not image_service(url):
        row.drop(source_field, url, reason)
        return
    reference = _image(url, digital)
    if any(reference == kept for _, kept in found.images):
        row.drop(source_field, url, REPEATED_IMAGE)
    else:
        found.images.append((source_field, reference))


def _access_points(digital: dict) -> list[str]:
    return [url for point in nodes(digital.get("access_point")) if (url := node_id(point))]


def _carried(subject: dict) -> list[tuple[str, dict]]:
    """Each (URL, digital object) of a `subject_of` entry."""
    carriers = nodes(subject.get("digitally_carried_by"))
    if carriers:
        return [(url, digital) for digital in carriers for url in _access_points(digital)]
    return [(node_id(subject), subject)] if node_id(subject) else []


def object_media(row: SourceRow, record: dict) -> Found:
    """The object's images and manifests; every access point and direct id read is kept or dropped."""
    found = Found()
    for visual in nodes(record.get(REPRESENTATION)):
        digitals = nodes(visual.get(DIGITAL))
        for digital in digitals:
            for url in _access_points(digital):
                _candidate(row, found, DIGITAL, url, digital)
        if not digitals and node_id(visual):
            _candidate(row, found, REPRESENTATION, node_id(visual), visual)
    for subject in nodes(record.get(SUBJECT_OF)):
        for url, digital in _carried(subject):
            if _conforms(digital, IIIF_PRESENTATION_API) or is_presentation(url):
                found.manifests.append(url)
            else:
                row.drop(SUBJECT_OF, url, NOT_IMAGE_PAGE)
    return found
