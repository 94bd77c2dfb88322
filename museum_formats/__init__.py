"""Museum export formats, read into uniform rows: a library that knows nothing of what uses it.

Every format offers one interface, a `Format` (`museum_formats.format`): its `name`, its options
model, the `suffixes` of the files a folder of its exports is read for, and `read(options)`, which
yields a `SourceRow` per object (`museum_formats.rows`) with the values it kept and dropped, and
for formats that join tables a `DroppedRow` per joined row that added to no object. `FORMATS`
holds them by name:

    options = FORMATS["lido"].options(name="museum", format="lido", path=Path("export.xml"))
    rows = list(FORMATS["lido"].read(options.resolved(Path.cwd(), FORMATS["lido"].suffixes)))

Each format is a subpackage (`lido/`, `edm/`, `iiif/`, `linked_art/`, `smg/`, `nms/`, `csv/`,
`jsonl/`) holding its reader, its values and images, and its options model. What several formats
share sits beside them: reading files (`reading`, `xml_records`, `sources`), markup and text
(`markup`, `text`), languages (`languages`), images (`media`, `media_kinds`), column mappings
(`mapping`) and the options every format shares (`options`).

Adding a museum format
----------------------
1. Create a subpackage `museum_formats/<name>/` with its reader, `read_<name>(options) -> Rows`,
   and its options model in `options.py`: a pydantic model derived from `CollectionOptions` (or
   from `DelimitedTextOptions` or `MultilingualOptions`, whose options it then has) that narrows
   `format` to `Literal["<name>"]`, adds only the options of its own, and checks them in its own
   validators. Where an option names further files, override `resolved` to resolve and check them.
2. Expose `FORMAT = Format("<name>", <Name>Options, SUFFIXES, read_<name>)` in its `__init__.py`.
3. Import the subpackage below and add its `FORMAT` to `FORMATS`, one line. A study config then
   accepts `format = "<name>"` with the new options; nothing else changes.
"""

from typing import Any

from museum_formats import csv, edm, iiif, jsonl, lido, linked_art, nms, smg
from museum_formats.format import Format

FORMATS: dict[str, Format[Any]] = {
    museum_format.name: museum_format
    for museum_format in (
        smg.FORMAT,
        nms.FORMAT,
        csv.FORMAT,
        jsonl.FORMAT,
        lido.FORMAT,
        linked_art.FORMAT,
        edm.FORMAT,
        iiif.FORMAT,
    )
}
