"""An EDM record's images: `edm:isShownBy` and each `edm:hasView` of every aggregation, in order,
then `edm:object` where none of those is an image.

`edm:object` is the provider's thumbnail of the object, so it stands in only for a record
whose full-size media are missing or not images. A web resource that states its type
(`ebucore:hasMimeType`, then `dc:format`, then `edm:type`) is an image only when that type says
so; one that states none is judged by its file extension, else by the record's `edm:type`. A
web resource with an IIIF image service (`svcs:has_service`) is kept as the service's
full-size image. Landing pages (`edm:isShownAt`) are never images.
"""

from __future__ import annotations

from museum_formats.edm.graph import EdmRecord, Node
from museum_formats.edm.options import EdmOptions
from museum_formats.iiif.image_api import image_service
from museum_formats.lido.images import IMAGE_SUFFIXES, file_suffix
from museum_formats.media import add_images
from museum_formats.media_kinds import IMAGE, not_an_image, service_image, stated_kind
from museum_formats.rows import SourceRow

SHOWN_BY = "edm:isShownBy"
VIEW = "edm:hasView"
THUMBNAIL = "edm:object"
SHOWN_AT = "edm:isShownAt"
STATED = ("ebucore:hasMimeType", "dc:format", "edm:type")
LANDING_PAGE = "a landing page (edm:isShownAt), not an image"
REPEATED_IMAGE = "repeats an earlier image of the record"
REPEATED_LINK = "repeats an earlier link of the record, dropped there"
THUMBNAIL_ONLY = "the provider's thumbnail (edm:object), kept only where isShownBy and hasView give no image"


def _stated(resource: Node | None) -> list[tuple[str, str]]:
    if resource is None:
        return []
    return [(key, value.text) for key in STATED for value in resource.values(key) if value.text.strip()]


def _service(resource: Node | None) -> str | None:
    services = resource.links("svcs:has_service") if resource else []
    return services[0] if services else None


def _record_type(record: EdmRecord) -> str:
    return next((v.text.strip() for proxy in record.proxies for v in proxy.values("edm:type") if v.text.strip()), "")


def _not_image(record: EdmRecord, url: str) -> str | None:
    """Why the linked media is no image, or None when it is one."""
    resource = record.nodes.get(url)
    stated = _stated(resource)
    reason = not_an_image(url, stated)
    if reason or stated or image_service(url) or _service(resource) or file_suffix(url) in IMAGE_SUFFIXES:
        return reason
    kind = stated_kind(_record_type(record))
    if kind and kind != IMAGE:
        return f"the record's media type is {_record_type(record)} (edm:type) and its web resource states none"
    return None


def _reference(record: EdmRecord, url: str) -> str:
    service = _service(record.nodes.get(url))
    return service_image(service) if service else service_image(url) if image_service(url) else url


def add_record_images(row: SourceRow, record: EdmRecord, collection: EdmOptions) -> None:
    """Keep the record's images; every link read (landing pages included, unless mapped in `fields`) is counted."""
    kept_before: dict[str, bool] = {}  # each link read so far: whether it was kept as an image
    links = [(key, url) for a in record.aggregations for key in (SHOWN_BY, VIEW) for url in a.links(key)]
    thumbnails = [(THUMBNAIL, url) for a in record.aggregations for url in a.links(THUMBNAIL)]
    for key, url in links + thumbnails:
        if url in kept_before:
            row.drop(key, url, REPEATED_IMAGE if kept_before[url] else REPEATED_LINK)
            continue
        reason = THUMBNAIL_ONLY if key == THUMBNAIL and row.image_refs else _not_image(record, url)
        kept_before[url] = reason is None
        if reason:
            row.drop(key, url, reason)
        else:
            add_images(row, [_reference(record, url)], collection, key)
    if SHOWN_AT not in collection.fields.values():
        for url in (url for a in record.aggregations for url in a.links(SHOWN_AT)):
            row.drop(SHOWN_AT, url, LANDING_PAGE)
