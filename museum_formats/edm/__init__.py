"""Europeana EDM (`format = "edm"`): RDF/XML as providers send it and Europeana republishes it, bare
or in OAI-PMH responses, and Record API JSON (see `reader`)."""

from museum_formats.edm.options import EdmOptions
from museum_formats.edm.reader import SUFFIXES, read_edm
from museum_formats.format import Format

FORMAT = Format("edm", EdmOptions, SUFFIXES, read_edm)
