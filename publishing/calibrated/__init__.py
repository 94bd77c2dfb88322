"""The calibrated links of `hw export-links --precision P`: `links` picks them (unjudged candidates above
each comparison's threshold), `export` reads `hw calibrate`'s tables and builds them, `rdf` writes them
as N-Triples."""

from publishing.calibrated.export import CalibratedExport, calibrated_export
from publishing.calibrated.links import LEADING
from publishing.calibrated.rdf import write_ntriples

__all__ = ["LEADING", "CalibratedExport", "calibrated_export", "write_ntriples"]
