from pathlib import Path

import pytest

from heritage_weaver.config import ConfigError, load_config
from heritage_weaver.scaffold import init_workspace, render


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
