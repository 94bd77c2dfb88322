"""The canvases of an IIIF manifest and the one image each canvas paints.

v3: `items` holds the canvases; a canvas's `items` hold annotation pages of painting
annotations, each with a `body`. v2: the first of `sequences` holds the `canvases`; a canvas's
`images` hold painting annotations, each with a `resource`. A canvas's image is its first
painting body that is an image (a `Choice`'s first option): the full size of the body's IIIF
image service where it has one (a v2 service inside a v3 manifest too, and a service whose body
states no URL), else the body's `id`. Every other body, option, and canvas without an image is
dropped with the reason.
"""

from __future__ import annotations

from museum_formats.iiif.image_api import full_image
from museum_formats.iiif.values import node
from museum_formats.rows import SourceRow

CANVAS = "canvas"
IMAGE = "image"
SEQUENCE = "sequences"
NOT_CANVAS = "not a Canvas"
FURTHER_SEQUENCE = "a further sequence (another order of the same canvases; the first is read)"
NO_IMAGE = "a canvas without a painting annotation"
FURTHER_BODY = "a further painting of the same canvas (one image per canvas)"
OTHER_CHOICE = "another option of a Choice (the first is kept)"
NOT_ANNOTATION = "not an annotation (a JSON object)"
NO_URL = "a painting body with neither an IIIF image service nor a URL"
NOT_PAINTING = "an annotation that does not paint the canvas (motivation {})"
CHOICES = ("choice", "oa:choice")
IMAGE_TYPES = ("image", "dctypes:image")
PAINTING = ("painting", "sc:painting")
# What names an Image API version in a service's type, @context or profile (v1's compliance URLs too).
SERVICE_VERSIONS = (
    (3, ("imageservice3", "iiif.io/api/image/3")),
    (2, ("imageservice2", "iiif.io/api/image/2")),
    (1, ("imageservice1", "iiif.io/api/image/1", "image-api/1")),
)


def as_list(value: object) -> list:
    return value if isinstance(value, list) else [] if value is None else [value]


def _kind(resource: dict) -> str:
    kind = node(resource, "type")
    return kind.strip().lower() if isinstance(kind, str) else ""


def canvases(row: SourceRow, manifest: dict, version: int) -> list[dict]:
    """The manifest's canvases in order; further v2 sequences and items that are no canvas are dropped."""
    if version == 3:
        items = as_list(manifest.get("items"))
    else:
        sequences = as_list(manifest.get("sequences"))
        for further in sequences[1:]:
            row.drop(SEQUENCE, node(further, "id") if isinstance(further, dict) else further, FURTHER_SEQUENCE)
        items = as_list(sequences[0].get("canvases")) if sequences and isinstance(sequences[0], dict) else []
    found = []
    for item in items:
        if isinstance(item, dict) and _kind(item) in ("canvas", "sc:canvas"):
            found.append(item)
        else:
            row.drop(CANVAS, node(item, "id") if isinstance(item, dict) else item, NOT_CANVAS)
    return found


def _painting_bodies(row: SourceRow, canvas: dict, version: int) -> list[object]:
    if version == 3:
        annotations = [
            a for page in as_list(canvas.get("items")) if isinstance(page, dict) for a in as_list(page.get("items"))
        ]
    else:
        annotations = as_list(canvas.get("images"))
    bodies = []
    for annotation in annotations:
        if not isinstance(annotation, dict):
            row.drop(IMAGE, annotation, NOT_ANNOTATION)
            continue
        motivations = [str(m).strip().lower() for m in as_list(annotation.get("motivation"))]
        body = annotation.get("body" if version == 3 else "resource")
        if motivations and not set(motivations) & set(PAINTING):
            row.drop(IMAGE, node(body, "id") if isinstance(body, dict) else body, NOT_PAINTING.format(motivations[0]))
            continue
        bodies.extend(as_list(body))
    return bodies


def _first_choice(row: SourceRow, body: dict) -> object:
    """A Choice's first option (v2: its `default`); the other options are dropped."""
    options = as_list(body.get("default")) + as_list(body.get("items")) + as_list(body.get("item"))
    for other in options[1:]:
        row.drop(IMAGE, node(other, "id") if isinstance(other, dict) else other, OTHER_CHOICE)
    return options[0] if options else None


def service_version(service: dict) -> int | None:
    """The Image API version a service states (type, @context or profile); None for other services."""
    profile = service.get("profile")
    words = " ".join(
        str(word).lower()
        for word in (node(service, "type"), service.get("@context"), *as_list(profile))
        if isinstance(word, str)
    )
    return next((version for version, signs in SERVICE_VERSIONS if any(sign in words for sign in signs)), None)


def _service_image(body: dict) -> str | None:
    """The full-size image of the body's first IIIF image service."""
    for service in as_list(body.get("service")):
        if isinstance(service, dict):
            version, base = service_version(service), node(service, "id")
            if version and isinstance(base, str) and base.strip():
                return full_image(base.strip(), version)
    return None


def body_image(body: object) -> tuple[str | None, str]:
    """The image a painting body gives (a URL, or a reference as written), or None and why it gives none."""
    if not isinstance(body, dict):
        return (body.strip() or None, NO_URL) if isinstance(body, str) else (None, NO_URL)
    kind = _kind(body)
    if kind and kind not in IMAGE_TYPES:
        return None, f"a {node(body, 'type')} body, not an image"
    form = body.get("format")
    if isinstance(form, str) and form.strip() and not form.strip().lower().startswith("image/"):
        return None, f"not an image (format {form})"
    identifier = node(body, "id")
    written = identifier.strip() if isinstance(identifier, str) else ""
    return _service_image(body) or written or None, NO_URL


def canvas_image(row: SourceRow, canvas: dict, version: int) -> str | None:
    """The canvas's image: its first painting body that is one; the other bodies are dropped, and
    the canvas itself where it paints nothing."""
    kept = None
    bodies = _painting_bodies(row, canvas, version)
    for body in bodies:
        if isinstance(body, dict) and _kind(body) in CHOICES:
            body = _first_choice(row, body)
        image, reason = body_image(body)
        shown = node(body, "id") if isinstance(body, dict) else body
        if kept is not None:
            row.drop(IMAGE, image or shown or body, FURTHER_BODY)
        elif image is None:
            row.drop(IMAGE, shown or body, reason)
        else:
            kept = image
    if not bodies:
        row.drop(CANVAS, node(canvas, "id") or "", NO_IMAGE)
    return kept
