"""Linked Art JSON-LD (`format = "linked_art"`), the CIDOC-CRM profile museums publish per object,
1.0 and the records written before it (see `reader`)."""

from museum_formats.format import Format
from museum_formats.linked_art.options import LinkedArtOptions
from museum_formats.linked_art.reader import SUFFIXES, read_linked_art

FORMAT = Format("linked_art", LinkedArtOptions, SUFFIXES, read_linked_art)
