"""National Museums Scotland CSV exports (`format = "nms"`): fixed columns, images by their
`media.reference` (see `reader`)."""

from museum_formats.format import Format
from museum_formats.nms.options import NmsOptions
from museum_formats.nms.reader import read_nms

FORMAT = Format("nms", NmsOptions, (), read_nms)
