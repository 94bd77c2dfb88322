"""int8 CPU inference: dynamically quantised linear layers give vectors within
`vector_tolerance("int8")` (3e-2 per component) of float32 ones, on the tiny and the base shape;
the checkpoint and the stored vectors stay float32; `hw embed` sizes its workers to the machine."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from embeddings.artifacts.vectors import ModelStore, load_vectors
from embeddings.runner import image_workers
from embeddings.stage import EmbedOptions, run_embed
from heritage_weaver.compute import cpu_cores
from heritage_weaver.progress import SILENT
from heritage_weaver.siglip import SiglipEncoder, load_siglip, vector_tolerance, weights_hash
from tests.embeddings.conftest import set_embedding_options

TEXTS = ["a telephone with a rotary dial", "a loom shuttle of boxwood", "brass telegraph key", "steam engine model"]


def _quantised_linears(encoder: SiglipEncoder) -> int:
    return sum(type(module).__module__.startswith("torch.ao.nn.quantized") for module in encoder.model.modules())


def _images(encoder: SiglipEncoder, count: int = 4) -> torch.Tensor:
    rng = np.random.default_rng(0)
    side = encoder.pixels.height
    return torch.from_numpy(rng.integers(0, 256, (count, side, side, 3), dtype=np.uint8))


def _assert_close_to_float32(int8: SiglipEncoder, float32: SiglipEncoder) -> None:
    images = _images(float32)
    for name, exact, quantised in (
        ("texts", float32.encode_texts(TEXTS), int8.encode_texts(TEXTS)),
        ("images", float32.encode_uint8(images), int8.encode_uint8(images)),
    ):
        assert quantised.dtype == np.float32, name
        np.testing.assert_allclose(np.linalg.norm(quantised, axis=1), 1.0, atol=1e-5)
        difference = np.abs(quantised - exact).max()
        assert vector_tolerance("float32") < difference <= vector_tolerance("int8"), (name, difference)


def test_int8_vectors_of_the_tiny_model_stay_within_tolerance_of_float32(tiny_model: Path, encoder) -> None:
    int8 = load_siglip(str(tiny_model), "cpu", cpu_precision="int8")
    assert int8.dtype == "int8" and encoder.dtype == "float32"
    linears = sum(isinstance(module, torch.nn.Linear) for module in encoder.model.modules())
    assert _quantised_linears(int8) > 0.9 * linears  # every tower's Linear but attention pooling's output
    assert _quantised_linears(encoder) == 0
    _assert_close_to_float32(int8, encoder)


def test_int8_leaves_the_checkpoint_alone_and_never_applies_to_training(tiny_model: Path) -> None:
    before = weights_hash(str(tiny_model))
    int8 = load_siglip(str(tiny_model), "cpu", cpu_precision="int8")
    assert int8.weights_hash == before == weights_hash(str(tiny_model))
    trainable = load_siglip(str(tiny_model), "cpu", training=True, cpu_precision="int8")
    assert trainable.dtype == "float32" and _quantised_linears(trainable) == 0
    with pytest.raises(ValueError, match="cpu_precision must be one of"):
        load_siglip(str(tiny_model), "cpu", cpu_precision="int4")


def test_hw_embed_in_int8_stores_float32_vectors_and_says_how_they_were_made(small_study) -> None:
    reference = run_embed(small_study, SILENT, EmbedOptions(device="cpu"))[0]
    units, exact = load_vectors(small_study, "base")
    ws = set_embedding_options(small_study, cpu_precision="int8")
    ModelStore.of(ws, "base").clear_vectors()
    summary = run_embed(ws, SILENT, EmbedOptions(device="cpu"))[0]
    assert summary.embedded == reference.embedded > 0 and summary.failed == reference.failed
    store = ModelStore.of(ws, "base")
    assert {store.shard_metadata(n)["compute_dtype"] for n in store.committed_shards()} == {"int8"}
    int8_units, quantised = load_vectors(ws, "base")
    assert int8_units["unit_id"].tolist() == units["unit_id"].tolist()
    assert quantised.dtype == np.float32 and quantised.shape == exact.shape
    np.testing.assert_allclose(quantised, exact, atol=vector_tolerance("int8"))
    assert torch.get_num_threads() == cpu_cores()


def test_image_workers_default_to_one_per_core(study) -> None:
    assert study.config.embedding.image_workers is None
    assert image_workers(study) == cpu_cores() >= 1
    assert image_workers(set_embedding_options(study, image_workers=0)) == 0


@pytest.fixture(scope="module")
def base_shaped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from heritage_weaver.tiny_siglip import build_base_shaped_siglip

    return build_base_shaped_siglip(tmp_path_factory.mktemp("base") / "base", TEXTS * 10, seed=0)


@pytest.mark.slow
def test_int8_vectors_of_the_base_shape_stay_within_tolerance_of_float32(base_shaped: Path) -> None:
    float32 = load_siglip(str(base_shaped), "cpu")
    int8 = load_siglip(str(base_shaped), "cpu", cpu_precision="int8")
    assert int8.encode_texts(TEXTS[:1]).shape == (1, 768)
    _assert_close_to_float32(int8, float32)


def test_query_encoders_follow_query_precision_and_load_each_precision_once(tiny_model: Path) -> None:
    from embeddings.search import query_encoders
    from heritage_weaver.config_sections import QueryPrecision

    split = query_encoders(str(tiny_model), QueryPrecision())
    assert (split["image"].cpu_precision, split["text"].cpu_precision) == ("int8", "float32")
    same = query_encoders(str(tiny_model), QueryPrecision(image="int8", text="int8"))
    assert same["image"] is same["text"]
