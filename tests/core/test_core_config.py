from pathlib import Path

import pytest
from pydantic import TypeAdapter

from heritage_weaver.config import CollectionConfig, ConfigError, load_config
from heritage_weaver.scaffold import init_workspace, render
from museum_formats import FORMATS


def _write(folder: Path, text: str) -> Path:
    (folder / "data").mkdir(exist_ok=True)
    (folder / "data" / "smg.jsonl").write_text("")
    (folder / "data" / "nms.csv").write_text("")
    path = folder / "study.toml"
    path.write_text(text)
    return path


def test_template_is_valid_and_commented(tmp_path):
    config = load_config(_write(tmp_path, render("museum-study")))
    assert config.study.name == "museum-study"
    assert [c.name for c in config.collections] == ["smg", "nms"]
    assert config.models["base"] == "google/siglip-base-patch16-224"
    assert [c.name for c in config.comparisons] == ["image-image", "text-text", "text-image"]
    assert config.sampling.percentile == 99
    assert config.collection_pair == ("smg", "nms")
    assert config.collections[0].path == (tmp_path / "data" / "smg.jsonl").resolve()
    assert render("x").count("\n#") > 10


def test_init_refuses_to_overwrite(tmp_path):
    init_workspace(tmp_path / "s")
    with pytest.raises(FileExistsError):
        init_workspace(tmp_path / "s")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("percentile = 99 ", "percentile = 100 "), "sampling.percentile"),
        (("seed = 42", 'seed = "many"'), "study.seed"),
        (("[embedding]", "[embedding]\nbatch = 3"), "embedding.batch"),
        (('path = "data/nms.csv"', 'path = "data/missing.csv"'), "collections.1.path: file not found"),
        (('base_model = "base"\nlink_rule', 'base_model = "clip"\nlink_rule'), "sampling.base_model"),
        (('base_model = "base"\nepochs', 'base_model = "clip"\nepochs'), "training.base_model"),
        (('format = "nms"', 'format = "xml"'), "collections.1.format"),
        (("[labelstudio]", '[labelstudio]\ntoken = "secret"'), "labelstudio.token"),
        (('engine = "local"', 'engine = "spark"'), "compute.engine"),
        (("[compute]", "[compute]\nblock_size = 0"), "compute.block_size"),
        (("[study]", "[study\n"), "not valid TOML"),
    ],
)
def test_config_errors_name_the_key(tmp_path, change, message):
    text = render("s")
    assert change[0] in text
    path = _write(tmp_path, text.replace(change[0], change[1], 1))
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")) as error:
        load_config(path)
    assert str(path) in str(error.value)


def test_generic_collection_needs_record_id_mapping(tmp_path):
    text = render("s").replace('format = "nms"', 'format = "csv"')
    with pytest.raises(ConfigError, match="columns.record_id"):
        load_config(_write(tmp_path, text))


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="hw init"):
        load_config(tmp_path / "study.toml")


def test_the_compute_section_changes_no_hash(tmp_path):
    local = load_config(_write(tmp_path, render("s")))
    ray = load_config(_write(tmp_path, render("s").replace('engine = "local"', 'engine = "ray"\nblock_size = 64')))
    assert (local.compute.engine, ray.compute.engine, ray.compute.block_size) == ("local", "ray", 64)
    assert local.section_hash() == ray.section_hash()
    assert local.section_hash("embedding") == ray.section_hash("embedding")
    assert local.section_hash("compute") != ray.section_hash("compute")


@pytest.mark.parametrize("name", list(FORMATS))
def test_a_collection_takes_the_options_model_of_its_format(name):
    block = {"name": "c", "format": name, "path": "x"} | (
        {"columns": {"record_id": "id"}} if name in ("csv", "jsonl") else {}
    )
    assert type(TypeAdapter(CollectionConfig).validate_python(block)) is FORMATS[name].options


def _collection_error(tmp_path: Path, block: str) -> str:
    path = _write(tmp_path, render("s").replace('format = "nms"\npath = "data/nms.csv"', block, 1))
    with pytest.raises(ConfigError) as error:
        load_config(path)
    return str(error.value).removeprefix(f"{path}: ")


def test_collection_errors_name_the_key_without_pydantics_tag(tmp_path):
    assert _collection_error(tmp_path, 'format = "marc"\npath = "data/nms.csv"') == (
        "collections.1.format: unknown format 'marc'; expected one of "
        '"smg", "nms", "csv", "jsonl", "lido", "linked_art", "edm", "iiif"'
    )
    assert _collection_error(tmp_path, 'path = "data/nms.csv"') == "collections.1.format: Field required"
    assert _collection_error(tmp_path, 'format = "nms"\npath = "data/nms.csv"\nlanguages = ["de"]') == (
        'collections.1.languages: not an option of format "nms"; it applies to format = '
        '"lido", "linked_art", "edm" or "iiif" only'
    )
    assert _collection_error(tmp_path, 'format = "nms"\npath = "data/nms.csv"\ncolour = "red"') == (
        "collections.1.colour: Extra inputs are not permitted"
    )
    assert _collection_error(tmp_path, 'format = "nms"\npath = "data/nms.csv"\nmax_images = 0') == (
        "collections.1.max_images: Input should be greater than 0"
    )
    assert _collection_error(tmp_path, 'format = "nms"\npath = "data/nms.csv"\nfields = { Maker = "m" }').startswith(
        "collections.1.fields: Value error, field name(s) ['Maker']"
    )
