"""Which URLs name an IIIF image service, and the full-size image each one gives."""

import pytest

from museum_formats.iiif.image_api import full_image, full_size, image_service, is_presentation, sized


@pytest.mark.parametrize(
    ("url", "service", "full"),
    [
        # A full-size request (Image API 2 `full`, 3 `max`) stays as written.
        (
            "https://img.example.org/iiif/image/a.jpg/full/full/0/default.jpg",
            "https://img.example.org/iiif/image/a.jpg",
            "https://img.example.org/iiif/image/a.jpg/full/full/0/default.jpg",
        ),
        (
            "https://h.example/s/b/full/max/0/color.png",
            "https://h.example/s/b",
            "https://h.example/s/b/full/max/0/color.png",
        ),
        # A sized, cropped or rotated request names its service; the full size is asked of the service.
        (
            "https://h.example/s/c/full/300,/0/default.jpg",
            "https://h.example/s/c",
            "https://h.example/s/c/full/max/0/default.jpg",
        ),
        (
            "https://h.example/s/c/0,0,10,10/!448,448/90/gray.jpg",
            "https://h.example/s/c",
            "https://h.example/s/c/full/max/0/default.jpg",
        ),
        (
            "https://h.example/iiif/2/d/info.json",
            "https://h.example/iiif/2/d",
            "https://h.example/iiif/2/d/full/max/0/default.jpg",
        ),
        # A bare service base: an `iiif` path segment, no file extension at the end.
        (
            "https://h.example/iiif/3/e/",
            "https://h.example/iiif/3/e",
            "https://h.example/iiif/3/e/full/max/0/default.jpg",
        ),
    ],
)
def test_image_services_and_their_full_size(url, service, full):
    assert image_service(url) == service
    assert full_size(url) == full


@pytest.mark.parametrize(
    "url",
    [
        "https://h.example/iiif/manifest/f",
        "https://h.example/iiif/f/manifest.json",
        "https://h.example/iiif/f/canvas/1",
        "https://h.example/images/g.jpg",
        "https://h.example/iiif/h.jpg",
        "images/iiif/local",
    ],
)
def test_other_urls_name_no_service(url):
    assert image_service(url) is None


def test_presentation_resources_are_no_images():
    assert is_presentation("https://h.example/iiif/manifest/f")
    assert is_presentation("https://h.example/objects/f/manifest.json")
    assert not is_presentation("https://h.example/iiif/2/d/info.json")


@pytest.mark.parametrize(
    ("url", "request_url"),
    [
        # What LIDO and IIIF records keep (the full size) is fetched as the whole image, at most 448 × 448.
        (
            "https://h.example/iiif/2/0001-a/full/max/0/default.jpg",
            "https://h.example/iiif/2/0001-a/full/!448,448/0/default.jpg",
        ),
        (
            "https://h.example/iiif/2/b/full/full/0/default.jpg",
            "https://h.example/iiif/2/b/full/!448,448/0/default.jpg",
        ),
        ("https://h.example/s/v1/full/full/0/native.jpg", "https://h.example/s/v1/full/!448,448/0/native.jpg"),
        # A request for part of an image keeps its region, rotation, quality and format.
        ("https://h.example/s/c/0,0,10,10/300,/90/gray.png", "https://h.example/s/c/0,0,10,10/!448,448/90/gray.png"),
        ("https://h.example/iiif/2/d/info.json", "https://h.example/iiif/2/d/full/!448,448/0/default.jpg"),
        ("https://h.example/iiif/3/e/", "https://h.example/iiif/3/e/full/!448,448/0/default.jpg"),
        ("https://h.example/images/g.jpg", None),
    ],
)
def test_sized_requests(url, request_url):
    assert sized(url, 448) == request_url


def test_full_image_as_each_image_api_version_asks_for_it():
    base = "https://h.example/svc/"
    assert [full_image(base, version) for version in (1, 2, 3)] == [
        "https://h.example/svc/full/full/0/native.jpg",
        "https://h.example/svc/full/full/0/default.jpg",
        "https://h.example/svc/full/max/0/default.jpg",
    ]
