"""LIDO XML (`format = "lido"`), the harvesting schema of ICOM-CIDOC, as museums and aggregators
serve it: LIDO 1.0 and 1.1, bare or in OAI-PMH responses (see `reader`)."""

from museum_formats.format import Format
from museum_formats.lido.options import LidoOptions
from museum_formats.lido.reader import SUFFIXES, read_lido

FORMAT = Format("lido", LidoOptions, SUFFIXES, read_lido)
