"""Decoding one image file into an 8-bit RGB picture the image processor can take.

Unusual but valid images are converted faithfully (CMYK, palette, alpha over white, 16-bit and
float greyscale scaled to 8 bits); unreadable ones raise `ImageProblem` with a reason that says
what is wrong, so the runner can record it and go on.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

# Above this many pixels an image is refused rather than decoded (Pillow's own bomb threshold).
MAX_PIXELS = Image.MAX_IMAGE_PIXELS or 89_478_485
_WIDE_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I", "F")


class ImageProblem(Exception):
    """An image that cannot be embedded; the message is the reason recorded in failures.parquet."""


def open_rgb(path: Path | str, draft_size: int | None = None, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Decode `path` as RGB; JPEGs are decoded at the smallest scale still >= `draft_size`."""
    path = Path(path)
    if not path.is_file():
        raise ImageProblem(f"file not found: {path}")
    if path.stat().st_size == 0:
        raise ImageProblem("empty file (0 bytes)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                width, height = image.size
                if width * height > max_pixels:
                    raise ImageProblem(f"oversized: {width}x{height} pixels exceeds the limit of {max_pixels:,}")
                if draft_size:
                    image.draft(None, (draft_size, draft_size))
                image.load()
                return to_rgb(image)
    except ImageProblem:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageProblem(f"oversized: {error}") from None
    except UnidentifiedImageError:
        raise ImageProblem("not a readable image (unknown or corrupt format)") from None
    except (OSError, SyntaxError, ValueError) as error:
        raise ImageProblem(f"corrupt or truncated image: {error}") from None


def to_rgb(image: Image.Image) -> Image.Image:
    """An 8-bit RGB copy of a decoded image of any Pillow mode."""
    if image.mode in _WIDE_MODES:
        image = _wide_to_grey(image)
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def _wide_to_grey(image: Image.Image) -> Image.Image:
    """16-bit or float greyscale scaled into 0..255 (Pillow's own conversion clips instead)."""
    values = np.asarray(image, dtype=np.float64)
    peak = float(values.max()) if values.size else 0.0
    if image.mode.startswith("I;16") or 255 < peak <= 65535:
        values = values / 257.0
    elif peak > 65535:
        values = values * (255.0 / peak)
    return Image.fromarray(np.clip(np.rint(values), 0, 255).astype(np.uint8), mode="L")
