"""Image decoding: broken files give a reason, unusual valid ones become faithful 8-bit RGB."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from heritage_weaver.decode import ImageProblem, open_rgb, to_rgb


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("zero_byte", "empty file"),
        ("corrupt", "not a readable image"),
        ("bad_jpeg", "corrupt or truncated"),
        ("truncated", "corrupt or truncated"),
        ("oversized", "oversized"),
    ],
)
def test_broken_images_raise_a_reason(awkward_images, name, reason):
    with pytest.raises(ImageProblem, match=reason):
        open_rgb(awkward_images[name])


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(ImageProblem, match="file not found: .*nowhere.jpg"):
        open_rgb(tmp_path / "nowhere.jpg")


@pytest.mark.parametrize("name", ["cmyk", "palette_alpha", "grey_alpha", "sixteen_bit", "plain"])
def test_unusual_images_decode_to_rgb(awkward_images, name):
    image = open_rgb(awkward_images[name])
    assert image.mode == "RGB"
    assert image.size == Image.open(awkward_images[name]).size


def test_alpha_is_composited_over_white():
    pixels = np.zeros((2, 2, 4), np.uint8)
    pixels[0, 0] = (255, 0, 0, 255)  # opaque red
    pixels[0, 1] = (0, 0, 255, 0)  # fully transparent
    pixels[1, 0] = (0, 0, 0, 128)  # half-transparent black
    out = np.asarray(to_rgb(Image.fromarray(pixels, "RGBA")))
    assert out[0, 0].tolist() == [255, 0, 0]
    assert out[0, 1].tolist() == [255, 255, 255]
    assert out[1, 0].tolist() == [127, 127, 127]


def test_sixteen_bit_is_scaled_not_clipped():
    values = np.array([[0, 257, 32896, 65535]], np.uint16)
    out = np.asarray(to_rgb(Image.fromarray(values)))
    assert out[0, :, 0].tolist() == [0, 1, 128, 255]
    assert (out[..., 0] == out[..., 2]).all()


def test_palette_transparency_becomes_white(awkward_images):
    source = Image.open(awkward_images["palette_alpha"])
    transparent = np.asarray(source) == source.info["transparency"]
    out = np.asarray(open_rgb(awkward_images["palette_alpha"]))
    assert transparent.any()
    assert (out[transparent] == 255).all()


def test_jpeg_draft_decodes_at_reduced_scale(tmp_path):
    path = tmp_path / "big.jpg"
    Image.new("RGB", (1024, 768), (10, 200, 30)).save(path)
    image = open_rgb(path, draft_size=224)
    assert image.size == (512, 384)  # 1/2 scale: the smallest DCT scale keeping both sides >= 224
    assert open_rgb(path).size == (1024, 768)
