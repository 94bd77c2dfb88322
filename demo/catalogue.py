"""The demo's object types and how each collection catalogues them (names, descriptions)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ObjectType:
    name: str
    category: str
    shape: str  # the drawing recipe in drawing.py
    variants: tuple[str, ...]
    makers: tuple[str, ...]
    uses: str
    materials: tuple[str, ...]
    years: tuple[int, int]


CATEGORIES = {
    "communications": ("Telecommunications", "Communications"),
    "energy": ("Electricity Supply", "Energy"),
    "textiles": ("Textiles Machinery", "Textiles"),
}

TYPES: tuple[ObjectType, ...] = (
    ObjectType(
        "telephone",
        "communications",
        "telephone",
        ("model 232", "candlestick", "700-series"),
        ("Siemens Brothers", "Ericsson", "GPO"),
        "speaking over the telephone network",
        ("bakelite", "brass"),
        (1900, 1970),
    ),
    ObjectType(
        "radio receiver",
        "communications",
        "radio",
        ("crystal set", "superheterodyne", "portable"),
        ("Marconi", "Pye", "Murphy Radio"),
        "listening to broadcast programmes",
        ("walnut veneer", "bakelite"),
        (1922, 1965),
    ),
    ObjectType(
        "thermionic valve",
        "communications",
        "valve",
        ("triode", "pentode", "rectifier"),
        ("Mullard", "Osram", "Ediswan"),
        "amplifying weak radio signals",
        ("glass", "nickel"),
        (1915, 1960),
    ),
    ObjectType(
        "telegraph key",
        "communications",
        "key",
        ("straight key", "double-current key", "sounder"),
        ("Reid Brothers", "Post Office Engineering", "Walters"),
        "sending Morse code messages",
        ("brass", "mahogany"),
        (1850, 1940),
    ),
    ObjectType(
        "microphone",
        "communications",
        "microphone",
        ("ribbon", "carbon", "moving-coil"),
        ("Reisz", "STC", "Marconi-Sykes"),
        "picking up speech for broadcasting",
        ("chrome", "steel"),
        (1920, 1960),
    ),
    ObjectType(
        "loudspeaker",
        "communications",
        "loudspeaker",
        ("horn", "cone", "cabinet"),
        ("Amplion", "Brown", "Celestion"),
        "reproducing sound from a receiver",
        ("paper", "wood"),
        (1920, 1955),
    ),
    ObjectType(
        "television receiver",
        "communications",
        "television",
        ("baird televisor", "console", "table model"),
        ("Baird", "HMV", "Bush"),
        "watching television broadcasts",
        ("wood", "glass"),
        (1930, 1965),
    ),
    ObjectType(
        "headphones",
        "communications",
        "headphones",
        ("single earpiece", "double", "lightweight"),
        ("Brown", "Ericsson", "Sterling"),
        "private listening to radio",
        ("steel", "leather"),
        (1915, 1950),
    ),
    ObjectType(
        "battery",
        "energy",
        "battery",
        ("dry cell", "accumulator", "leclanche cell"),
        ("Exide", "Ever Ready", "Chloride"),
        "storing electrical energy",
        ("zinc", "glass"),
        (1880, 1960),
    ),
    ObjectType(
        "lamp",
        "energy",
        "lamp",
        ("carbon filament", "arc lamp", "miner's safety lamp"),
        ("Swan", "Ediswan", "Davy"),
        "lighting homes and mines",
        ("glass", "brass"),
        (1880, 1950),
    ),
    ObjectType(
        "dynamo",
        "energy",
        "dynamo",
        ("gramme ring", "shunt-wound", "bicycle"),
        ("Siemens", "Crompton", "Mather and Platt"),
        "generating direct current",
        ("iron", "copper"),
        (1870, 1930),
    ),
    ObjectType(
        "electric motor",
        "energy",
        "motor",
        ("induction", "series-wound", "fractional horsepower"),
        ("Brush", "GEC", "Westinghouse"),
        "driving machinery",
        ("iron", "copper"),
        (1885, 1960),
    ),
    ObjectType(
        "electricity meter",
        "energy",
        "meter",
        ("ampere-hour", "prepayment", "watt-hour"),
        ("Ferranti", "Chamberlain and Hookham", "Aron"),
        "measuring electricity used",
        ("brass", "glass"),
        (1890, 1960),
    ),
    ObjectType(
        "switch",
        "energy",
        "switch",
        ("knife switch", "tumbler", "rotary"),
        ("Crabtree", "MK", "Ferranti"),
        "opening and closing electric circuits",
        ("porcelain", "brass"),
        (1890, 1960),
    ),
    ObjectType(
        "transformer",
        "energy",
        "transformer",
        ("core type", "shell type", "instrument"),
        ("Ferranti", "Brush", "Parsons"),
        "changing alternating voltages",
        ("iron", "copper"),
        (1890, 1960),
    ),
    ObjectType(
        "turbine blade",
        "energy",
        "blade",
        ("steam", "gas", "impulse"),
        ("Parsons", "Metropolitan-Vickers", "Rolls-Royce"),
        "turning steam into rotation",
        ("steel", "nickel alloy"),
        (1900, 1970),
    ),
    ObjectType(
        "loom",
        "textiles",
        "loom",
        ("handloom", "power loom", "jacquard"),
        ("Hattersley", "Northrop", "Platt Brothers"),
        "weaving cloth",
        ("wood", "cast iron"),
        (1800, 1950),
    ),
    ObjectType(
        "bobbin",
        "textiles",
        "bobbin",
        ("warp bobbin", "weft bobbin", "ring bobbin"),
        ("Wilson Brothers", "Coats", "Kendal Bobbin Mill"),
        "holding yarn during spinning",
        ("birch wood", "wood"),
        (1820, 1960),
    ),
    ObjectType(
        "spinning wheel",
        "textiles",
        "wheel",
        ("great wheel", "saxony wheel", "castle wheel"),
        ("Shetland maker", "Highland maker", "unknown maker"),
        "spinning fibre into yarn",
        ("wood", "oak"),
        (1700, 1900),
    ),
    ObjectType(
        "shuttle",
        "textiles",
        "shuttle",
        ("fly shuttle", "boat shuttle", "automatic shuttle"),
        ("Pilling", "Lancashire Shuttle Co.", "Northrop"),
        "carrying weft across the loom",
        ("boxwood", "steel"),
        (1780, 1950),
    ),
    ObjectType(
        "sewing machine",
        "textiles",
        "sewing",
        ("treadle", "hand-cranked", "electric"),
        ("Singer", "Jones", "Bradbury"),
        "stitching fabric",
        ("cast iron", "steel"),
        (1860, 1960),
    ),
    ObjectType(
        "spindle",
        "textiles",
        "spindle",
        ("drop spindle", "mule spindle", "flyer spindle"),
        ("unknown maker", "Platt Brothers", "Howard and Bullough"),
        "twisting fibre into thread",
        ("wood", "steel"),
        (1700, 1950),
    ),
    ObjectType(
        "knitting machine",
        "textiles",
        "knitting",
        ("circular", "flat-bed", "stocking frame"),
        ("Griswold", "Harrison", "Dubied"),
        "knitting tubes and panels of fabric",
        ("steel", "cast iron"),
        (1850, 1960),
    ),
    ObjectType(
        "carding comb",
        "textiles",
        "comb",
        ("hand card", "wool comb", "flax heckle"),
        ("unknown maker", "Shetland maker", "Yorkshire maker"),
        "preparing fibres for spinning",
        ("wood", "wire"),
        (1750, 1920),
    ),
)

REPRESENTATIONS = ("model", "replica")


def smg_name(kind: ObjectType, variant: str, maker: str, year: int, representation: str | None) -> str:
    prefix = f"{representation.capitalize()} of {kind.name}" if representation else kind.name.capitalize()
    return f"{prefix}, {variant}, by {maker}, {year}"


def nms_name(kind: ObjectType, variant: str, representation: str | None) -> str:
    base = f"{variant} {kind.name}" if variant.split()[-1] != kind.name.split()[-1] else variant
    return f"{representation} of {base}" if representation else base


def smg_description(kind: ObjectType, variant: str, maker: str, year: int, rng: np.random.Generator) -> str:
    material = kind.materials[int(rng.integers(len(kind.materials)))]
    sentences = [
        f"{kind.name.capitalize()} of the {variant} type, made by {maker} in {year}.",
        f"Objects like this were used for {kind.uses}.",
        f"The case is of {material} and shows signs of long use.",
        f"It came to the museum from a {rng.choice(['private collector', 'works museum', 'telephone exchange', 'mill', 'power station'])} in {year + int(rng.integers(20, 60))}.",
        f"The {variant} design was widely copied by other makers.",
    ]
    count = int(rng.integers(2, len(sentences) + 1))
    return " ".join(sentences[:count])


def nms_description(kind: ObjectType, variant: str, maker: str, rng: np.random.Generator) -> str:
    material = kind.materials[int(rng.integers(len(kind.materials)))]
    options = [
        f"{variant.capitalize()} {kind.name}, {material}, by {maker}.",
        f"{kind.name.capitalize()} used for {kind.uses}.",
        f"{material.capitalize()} {kind.name}; {variant}.",
    ]
    return options[int(rng.integers(len(options)))]
