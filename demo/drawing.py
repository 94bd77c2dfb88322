"""Procedural pictures of the demo objects: a recipe per shape, then pose, colour and a house style.

Each recipe draws on a 100 × 100 unit canvas; the variant index (0–2) changes proportions so
that variants of one type look alike but not identical, and different types look different.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

Colour = tuple[int, int, int]
Recipe = Callable[[ImageDraw.ImageDraw, int, Colour, Colour], None]
_CANVAS = 200
_S = _CANVAS / 100


def _box(x0: float, y0: float, x1: float, y1: float) -> list[float]:
    return [x0 * _S, y0 * _S, x1 * _S, y1 * _S]


def _telephone(d, v, main, accent):
    d.rectangle(_box(25, 55 - 5 * v, 75, 85), fill=main)
    d.ellipse(_box(38, 60, 62, 80), outline=accent, width=4)
    d.arc(_box(15, 25 + 5 * v, 85, 65), 180, 360, fill=main, width=int(9 * _S))


def _radio(d, v, main, accent):
    d.rounded_rectangle(_box(15, 30 - 5 * v, 85, 80), radius=10 * (v + 1), fill=main)
    d.ellipse(_box(22, 40, 48, 66), fill=accent)
    for i in range(3 + v):
        d.line(_box(55, 42 + 7 * i, 78, 42 + 7 * i), fill=accent, width=3)


def _valve(d, v, main, accent):
    d.ellipse(_box(32 - 4 * v, 12, 68 + 4 * v, 72), fill=main)
    d.rectangle(_box(40, 70, 60, 88), fill=accent)
    for i in range(2 + v):
        d.line(_box(42 + 6 * i, 30, 42 + 6 * i, 62), fill=accent, width=2)


def _key(d, v, main, accent):
    d.rectangle(_box(10, 70, 90, 82), fill=main)
    d.line(_box(20, 62, 78, 52 - 4 * v), fill=accent, width=int(5 * _S))
    d.ellipse(_box(72, 40 - 4 * v, 88, 56 - 4 * v), fill=main)


def _microphone(d, v, main, accent):
    d.ellipse(_box(32, 12, 68, 48 + 6 * v), fill=main)
    d.line(_box(50, 48, 50, 85), fill=accent, width=int(4 * _S))
    d.rectangle(_box(35, 82, 65, 90), fill=accent)


def _loudspeaker(d, v, main, accent):
    d.polygon([(20 * _S, 40 * _S), (45 * _S, 45 * _S), (45 * _S, 55 * _S), (20 * _S, 60 * _S)], fill=accent)
    d.polygon([(45 * _S, 45 * _S), (85 * _S, (20 - 5 * v) * _S), (85 * _S, 80 * _S), (45 * _S, 55 * _S)], fill=main)


def _television(d, v, main, accent):
    d.rectangle(_box(15, 20, 85, 85 - 5 * v), fill=main)
    d.rounded_rectangle(_box(22, 28, 62, 62), radius=8, fill=accent)
    d.ellipse(_box(68, 35, 78, 45), fill=accent)


def _headphones(d, v, main, accent):
    d.arc(_box(22, 15, 78, 75), 180, 360, fill=main, width=int(5 * _S))
    d.ellipse(_box(14, 42 - 3 * v, 34, 68), fill=accent)
    d.ellipse(_box(66, 42 - 3 * v, 86, 68), fill=accent)


def _battery(d, v, main, accent):
    d.rectangle(_box(35 - 8 * v, 25, 65 + 8 * v, 85), fill=main)
    d.rectangle(_box(45, 17, 55, 25), fill=accent)
    d.line(_box(35 - 8 * v, 45, 65 + 8 * v, 45), fill=accent, width=4)


def _lamp(d, v, main, accent):
    d.ellipse(_box(28, 12, 72, 58 - 4 * v), fill=main)
    d.rectangle(_box(42, 55, 58, 75), fill=accent)
    d.line(_box(45, 30, 55, 40), fill=accent, width=3)


def _dynamo(d, v, main, accent):
    d.ellipse(_box(20, 25, 70, 75), fill=main)
    d.ellipse(_box(35, 40, 55, 60), fill=accent)
    d.rectangle(_box(65, 45, 90 - 5 * v, 55), fill=accent)
    d.rectangle(_box(15, 75, 75, 85), fill=main)


def _motor(d, v, main, accent):
    d.rounded_rectangle(_box(20, 30, 75, 75), radius=6, fill=main)
    for i in range(4 + v):
        d.line(_box(24 + 10 * i, 32, 24 + 10 * i, 73), fill=accent, width=2)
    d.line(_box(75, 52, 92, 52), fill=accent, width=int(3 * _S))


def _meter(d, v, main, accent):
    d.rectangle(_box(25, 15, 75, 85), fill=main)
    d.ellipse(_box(32, 22, 68, 58), fill=(240, 240, 230))
    d.line(_box(50, 40, 62 - 8 * v, 28), fill=accent, width=3)
    d.rectangle(_box(35, 65, 65, 75), fill=accent)


def _switch(d, v, main, accent):
    d.rectangle(_box(20, 55, 80, 75), fill=main)
    d.line(_box(30, 55, 70, 25 + 10 * v), fill=accent, width=int(3 * _S))
    d.ellipse(_box(65, 20 + 10 * v, 75, 30 + 10 * v), fill=accent)


def _transformer(d, v, main, accent):
    d.rectangle(_box(20, 25, 80, 80), outline=main, width=int(8 * _S))
    d.rectangle(_box(30 - 5 * v, 35, 45, 70), fill=accent)
    d.rectangle(_box(55, 35, 70 + 5 * v, 70), fill=accent)


def _blade(d, v, main, accent):
    d.polygon(
        [(40 * _S, 85 * _S), (60 * _S, 85 * _S), ((70 + 5 * v) * _S, 15 * _S), ((50 + 5 * v) * _S, 10 * _S)], fill=main
    )
    d.rectangle(_box(35, 80, 65, 92), fill=accent)


def _loom(d, v, main, accent):
    d.rectangle(_box(15, 20, 85, 85), outline=main, width=int(5 * _S))
    for i in range(6 + 2 * v):
        x = 20 + i * 60 / (6 + 2 * v)
        d.line(_box(x, 25, x, 80), fill=accent, width=2)
    d.line(_box(15, 50, 85, 50), fill=main, width=int(3 * _S))


def _bobbin(d, v, main, accent):
    d.rectangle(_box(42 - 3 * v, 15, 58 + 3 * v, 85), fill=accent)
    d.ellipse(_box(30, 10, 70, 22), fill=main)
    d.ellipse(_box(30, 78, 70, 90), fill=main)


def _wheel(d, v, main, accent):
    d.ellipse(_box(15, 10, 75, 70), outline=main, width=int(4 * _S))
    for angle in np.linspace(0, np.pi, 4 + v, endpoint=False):
        dx, dy = 30 * np.cos(angle), 30 * np.sin(angle)
        d.line(_box(45 - dx, 40 - dy, 45 + dx, 40 + dy), fill=main, width=3)
    d.line(_box(45, 40, 80, 90), fill=accent, width=int(3 * _S))


def _shuttle(d, v, main, accent):
    d.polygon(
        [
            (8 * _S, 50 * _S),
            (30 * _S, (38 - 3 * v) * _S),
            (70 * _S, (38 - 3 * v) * _S),
            (92 * _S, 50 * _S),
            (70 * _S, (62 + 3 * v) * _S),
            (30 * _S, (62 + 3 * v) * _S),
        ],
        fill=main,
    )
    d.rectangle(_box(40, 45, 60, 55), fill=accent)


def _sewing(d, v, main, accent):
    d.rectangle(_box(15, 70, 85, 82), fill=accent)
    d.rectangle(_box(65, 30, 78, 70), fill=main)
    d.rectangle(_box(25, 30 + 3 * v, 78, 42), fill=main)
    d.line(_box(30, 42, 30, 62), fill=accent, width=3)


def _spindle(d, v, main, accent):
    d.line(_box(50, 8, 50, 92), fill=main, width=int(3 * _S))
    d.ellipse(_box(32 - 4 * v, 62, 68 + 4 * v, 74), fill=accent)


def _knitting(d, v, main, accent):
    d.ellipse(_box(20, 30, 80, 70 + 5 * v), outline=main, width=int(6 * _S))
    for i in range(8):
        x = 25 + i * 7
        d.line(_box(x, 20, x, 35), fill=accent, width=2)


def _comb(d, v, main, accent):
    d.rectangle(_box(15, 30, 85, 45), fill=main)
    for i in range(10 + 3 * v):
        x = 17 + i * 66 / (10 + 3 * v)
        d.line(_box(x, 45, x, 70), fill=accent, width=2)
    d.rectangle(_box(42, 10, 58, 30), fill=main)


RECIPES: dict[str, Recipe] = {
    "telephone": _telephone,
    "radio": _radio,
    "valve": _valve,
    "key": _key,
    "microphone": _microphone,
    "loudspeaker": _loudspeaker,
    "television": _television,
    "headphones": _headphones,
    "battery": _battery,
    "lamp": _lamp,
    "dynamo": _dynamo,
    "motor": _motor,
    "meter": _meter,
    "switch": _switch,
    "transformer": _transformer,
    "blade": _blade,
    "loom": _loom,
    "bobbin": _bobbin,
    "wheel": _wheel,
    "shuttle": _shuttle,
    "sewing": _sewing,
    "spindle": _spindle,
    "knitting": _knitting,
    "comb": _comb,
}

# background, lighting factor, crop margin (share of the canvas kept around the object), blur, JPEG quality
STYLES: dict[str, dict] = {
    "smg": {"background": (250, 250, 250), "brightness": 1.1, "margin": 0.05, "blur": 0.0, "quality": 88},
    "nms": {"background": (70, 72, 80), "brightness": 0.85, "margin": 0.2, "blur": 0.6, "quality": 65},
    "sketch": {"background": (225, 205, 160), "brightness": 1.0, "margin": 0.12, "blur": 1.2, "quality": 75},
}


def _colour(rng: np.random.Generator) -> Colour:
    return tuple(int(c) for c in rng.integers(30, 226, size=3))  # type: ignore[return-value]


def draw_object(shape: str, variant: int, rng: np.random.Generator, style: str, size: int = 128) -> Image.Image:
    """One picture of an object: recipe, random colour, pose and scale, in a collection's style."""
    look = STYLES[style]
    layer = Image.new("RGBA", (_CANVAS, _CANVAS), (0, 0, 0, 0))
    main, accent = _colour(rng), _colour(rng)
    if style == "sketch":
        main, accent = (60, 40, 20), (120, 80, 40)
    RECIPES[shape](ImageDraw.Draw(layer), variant, main, accent)
    layer = layer.rotate(float(rng.uniform(-25, 25)), resample=Image.Resampling.BICUBIC, expand=False)
    scale = float(rng.uniform(0.75, 1.0))
    object_size = max(8, int(_CANVAS * scale * (1 - 2 * look["margin"])))
    layer = layer.resize((object_size, object_size), Image.Resampling.BICUBIC)
    picture = Image.new("RGB", (_CANVAS, _CANVAS), look["background"])
    slack = _CANVAS - object_size
    offset = (int(rng.integers(0, slack + 1)), int(rng.integers(0, slack + 1)))
    picture.paste(layer, offset, layer)
    if look["blur"]:
        picture = picture.filter(ImageFilter.GaussianBlur(look["blur"]))
    picture = ImageEnhance.Brightness(picture).enhance(look["brightness"] * float(rng.uniform(0.9, 1.1)))
    return picture.resize((size, size), Image.Resampling.BILINEAR)
