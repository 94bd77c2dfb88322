"""The one interface of the museum formats: every format a subpackage with its options model, its
suffixes and its reader, registered once in `FORMATS`."""

import importlib
import typing
from pathlib import Path

import pytest
from formats_helpers import FIXTURES, read
from pydantic import ValidationError

import museum_formats
from museum_formats import FORMATS
from museum_formats.format import Format
from museum_formats.options import CollectionOptions, ExportNotFound

PACKAGE = Path(museum_formats.__file__).parent
# One small export per format, among the test fixtures.
EXPORTS = {
    "smg": ("smg.jsonl", {}),
    "nms": ("nms.csv", {}),
    "csv": ("npg/NPGObjects.csv", {"columns": {"record_id": "ObjectID", "description": "Medium"}}),
    "jsonl": ("tate/artworks", {"columns": {"record_id": "acno", "name": "title"}}),
    "lido": ("lido/bare-v1.1.xml", {}),
    "linked_art": ("linked_art/vase.json", {}),
    "edm": ("edm/external.rdf", {}),
    "iiif": ("iiif/v3-manifest.json", {}),
}


def test_every_subpackage_is_a_registered_format_and_every_format_a_subpackage():
    subpackages = sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py"))
    assert subpackages == sorted(FORMATS)
    assert sorted(EXPORTS) == sorted(FORMATS)


@pytest.mark.parametrize("name", list(FORMATS))
def test_a_format_is_its_subpackages_format(name):
    subpackage = importlib.import_module(f"museum_formats.{name}")
    known = FORMATS[name]
    assert subpackage.FORMAT is known and isinstance(known, Format) and known.name == name
    assert subpackage.__doc__ and "TODO" not in subpackage.__doc__ and f'format = "{name}"' in subpackage.__doc__


@pytest.mark.parametrize("name", list(FORMATS))
def test_an_options_model_names_its_format_and_suffixes_are_file_suffixes(name):
    known = FORMATS[name]
    assert issubclass(known.options, CollectionOptions)
    assert known.options.model_fields["format"].annotation == typing.Literal[name]
    assert all(suffix.startswith(".") and suffix == suffix.lower() for suffix in known.suffixes)


@pytest.mark.parametrize("name", list(FORMATS))
def test_every_format_reads_an_export(name, tmp_path):
    (tmp_path / "smg.jsonl").write_text('{"_id": "co1", "_source": {"name": [{"value": "loom"}]}}\n')
    (tmp_path / "nms.csv").write_text("object_number,object_name,description,media.reference\nT.1,loom,,\n")
    relative, options = EXPORTS[name]
    path = tmp_path / relative if name in ("smg", "nms") else FIXTURES / relative
    result = read(name, path, **options)
    assert result.accepted and all(row.record_id for row in result.accepted)


@pytest.mark.parametrize("name", list(FORMATS))
def test_every_format_has_the_common_options_and_refuses_others_options(name, tmp_path):
    common = {"image_base_url": "https://x/", "image_roots": ["photos"], "max_images": 3, "encoding": "cp1252"}
    mapping = {"columns": {"record_id": "id"}} if name in ("csv", "jsonl") else {}
    options = FORMATS[name].options(name="c", format=name, path=tmp_path / "x", **common, **mapping)
    assert (options.max_images, options.encoding) == (3, "cp1252")
    foreign = {"joins": [], "iiif_records": "canvas", "column_paths": "jmespath", "manifests": "m"}
    for option, value in foreign.items():
        if option in FORMATS[name].options.model_fields:
            continue
        with pytest.raises(ValidationError, match=f"{option}\n  Extra inputs are not permitted"):
            FORMATS[name].options(name="c", format=name, path=tmp_path / "x", **mapping, **{option: value})


def test_options_are_checked_where_they_are_declared(tmp_path):
    with pytest.raises(ValidationError, match=r"unknown record field\(s\) \['title'\]"):
        FORMATS["nms"].options(name="c", format="nms", path=tmp_path, columns={"title": "t"})
    with pytest.raises(ValidationError, match="a csv collection needs columns.record_id"):
        FORMATS["csv"].options(name="c", format="csv", path=tmp_path)
    with pytest.raises(ValidationError, match=r"a lido collection maps \['maker'"):
        FORMATS["lido"].options(name="c", format="lido", path=tmp_path, fields={"maker": "creator"})
    with pytest.raises(ValidationError, match="format 'smg' maps no extra fields"):
        FORMATS["smg"].options(name="c", format="smg", path=tmp_path, fields={"maker": "creator"})
    with pytest.raises(ValidationError, match="unknown encoding 'klingon'"):
        FORMATS["jsonl"].options(
            name="c", format="jsonl", path=tmp_path, columns={"record_id": "id"}, encoding="klingon"
        )


def test_resolving_names_the_option_whose_path_holds_nothing(tmp_path):
    (tmp_path / "objects.csv").write_text("id\n1\n")
    csv = FORMATS["csv"].options.model_validate(
        {
            "name": "c",
            "format": "csv",
            "path": "objects.csv",
            "columns": {"record_id": "id"},
            "joins": [{"path": "titles.csv", "on": "id", "columns": {"name": "title"}}],
            "image_roots": ["photos"],
        }
    )
    with pytest.raises(ExportNotFound, match="file not found: .*titles.csv") as missing:
        csv.resolved(tmp_path, FORMATS["csv"].suffixes)
    assert missing.value.key == "joins.0.path"
    (tmp_path / "titles.csv").write_text("id,title\n1,Loom\n")
    resolved = csv.resolved(tmp_path, FORMATS["csv"].suffixes)
    assert (resolved.path, resolved.image_roots, resolved.joins[0].path) == (
        tmp_path / "objects.csv",
        [tmp_path / "photos"],
        tmp_path / "titles.csv",
    )
    assert resolved.inputs() == [tmp_path / "objects.csv", tmp_path / "titles.csv"]
    lido = FORMATS["lido"].options(name="c", format="lido", path=Path("nothing-*.xml"))
    with pytest.raises(ExportNotFound, match=r"no file, and no \.xml file in or matching") as missing:
        lido.resolved(tmp_path, FORMATS["lido"].suffixes)
    assert missing.value.key == "path"
