"""Science Museum Group object documents (`format = "smg"`): Elasticsearch hits, JSON:API documents
or bare object documents, one per line or the whole file as one JSON document (see `reader`)."""

from museum_formats.format import Format
from museum_formats.smg.options import SmgOptions
from museum_formats.smg.reader import read_smg

FORMAT = Format("smg", SmgOptions, (), read_smg)
