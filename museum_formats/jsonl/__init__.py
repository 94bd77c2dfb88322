"""Any JSON-lines export, or a folder or glob of JSON documents (`format = "jsonl"`): a column mapping
of dotted paths or JMESPath expressions onto the record fields (see `reader` and `paths`)."""

from museum_formats.format import Format
from museum_formats.jsonl.options import JsonlOptions
from museum_formats.jsonl.reader import SUFFIXES, read_jsonl

FORMAT = Format("jsonl", JsonlOptions, SUFFIXES, read_jsonl)
