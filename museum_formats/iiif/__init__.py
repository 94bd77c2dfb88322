"""IIIF Presentation manifests (`format = "iiif"`), v2 and v3: one record per manifest, or per canvas
(see `reader`); the Image API's addresses (`image_api`) serve the other formats' images too."""

from museum_formats.format import Format
from museum_formats.iiif.options import IiifOptions
from museum_formats.iiif.reader import SUFFIXES, read_iiif

FORMAT = Format("iiif", IiifOptions, SUFFIXES, read_iiif)
