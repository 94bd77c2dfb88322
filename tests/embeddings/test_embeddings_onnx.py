"""`cpu_runtime = "onnxruntime"`: the int8 vision tower exported once, cached beside the checkpoint,
its vectors within `vector_tolerance("int8")` of float32; texts stay on PyTorch's int8 tower."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from embeddings.artifacts.vectors import ModelStore, load_vectors
from embeddings.stage import EmbedOptions, run_embed
from heritage_weaver.onnx_vision import OnnxVision, exported_path
from heritage_weaver.progress import SILENT
from heritage_weaver.siglip import load_siglip, vector_tolerance
from tests.embeddings.conftest import set_embedding_options

pytest.importorskip("onnxruntime")
pytest.importorskip("onnxscript")


def _images(side: int, count: int = 5) -> torch.Tensor:
    return torch.from_numpy(np.random.default_rng(1).integers(0, 256, (count, side, side, 3), dtype=np.uint8))


def test_onnx_int8_images_stay_within_tolerance_and_the_export_is_cached(
    tiny_model: Path, tmp_path: Path, encoder
) -> None:
    checkpoint = tmp_path / "models" / "base"
    shutil.copytree(tiny_model, checkpoint)
    onnx = load_siglip(str(checkpoint), "cpu", cpu_precision="int8", cpu_runtime="onnxruntime")
    cached = exported_path(str(checkpoint), onnx.weights_hash)
    assert cached.parent == tmp_path / "models" / "base.onnx" and cached.is_file()
    assert isinstance(onnx.vision, OnnxVision) and onnx.dtype == "int8"
    assert onnx.weights_hash == encoder.weights_hash  # the checkpoint folder is left as it was

    images = _images(encoder.pixels.height)
    exact, quantised = encoder.encode_uint8(images), onnx.encode_uint8(images)
    assert quantised.dtype == np.float32 and quantised.shape == exact.shape
    np.testing.assert_allclose(np.linalg.norm(quantised, axis=1), 1.0, atol=1e-5)
    assert vector_tolerance("float32") < np.abs(quantised - exact).max() <= vector_tolerance("int8")
    torch_int8 = load_siglip(str(checkpoint), "cpu", cpu_precision="int8")
    texts = ["a brass telegraph key", "a loom shuttle"]
    np.testing.assert_array_equal(onnx.encode_texts(texts), torch_int8.encode_texts(texts))

    written = cached.stat().st_mtime_ns
    again = load_siglip(str(checkpoint), "cpu", cpu_precision="int8", cpu_runtime="onnxruntime")
    assert cached.stat().st_mtime_ns == written and list(cached.parent.iterdir()) == [cached]
    np.testing.assert_array_equal(again.encode_uint8(images), quantised)

    retrained = load_siglip(str(checkpoint), "cpu", training=True).model
    with torch.no_grad():
        retrained.vision_model.post_layernorm.bias.add_(0.5)
    retrained.save_pretrained(checkpoint)
    moved = load_siglip(str(checkpoint), "cpu", cpu_precision="int8", cpu_runtime="onnxruntime")
    assert moved.weights_hash != onnx.weights_hash
    assert list(cached.parent.iterdir()) == [exported_path(str(checkpoint), moved.weights_hash)]
    assert np.abs(moved.encode_uint8(images) - quantised).max() > vector_tolerance("int8")


def test_onnxruntime_applies_only_to_int8_on_a_local_folder(tiny_model: Path, encoder) -> None:
    float32 = load_siglip(str(tiny_model), "cpu", cpu_runtime="onnxruntime")
    assert float32.vision is None and not exported_path(str(tiny_model), float32.weights_hash).exists()
    images = _images(encoder.pixels.height, 2)
    np.testing.assert_array_equal(float32.encode_uint8(images), encoder.encode_uint8(images))
    with pytest.raises(ValueError, match="cpu_runtime must be one of"):
        load_siglip(str(tiny_model), "cpu", cpu_precision="int8", cpu_runtime="tensorrt")
    with pytest.raises(ValueError, match="local checkpoint folder"):
        exported_path("google/siglip-base-patch16-224", float32.weights_hash)


def test_a_missing_onnxruntime_is_a_plain_error_naming_the_extra(
    tiny_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    found = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "onnxruntime" else found(name, *a)
    )
    with pytest.raises(ValueError, match=r"needs onnxruntime: pip install 'heritage-weaver\[onnx\]'"):
        load_siglip(str(tiny_model), "cpu", cpu_precision="int8", cpu_runtime="onnxruntime")


def test_hw_embed_with_onnxruntime_stores_vectors_within_tolerance(small_study) -> None:
    run_embed(small_study, SILENT, EmbedOptions(device="cpu"))
    units, exact = load_vectors(small_study, "base")
    ws = set_embedding_options(small_study, cpu_precision="int8", cpu_runtime="onnxruntime")
    assert ws.config.embedding.cpu_runtime == "onnxruntime"
    ModelStore.of(ws, "base").clear_vectors()
    run_embed(ws, SILENT, EmbedOptions(device="cpu"))
    onnx_units, quantised = load_vectors(ws, "base")
    assert onnx_units["unit_id"].tolist() == units["unit_id"].tolist()
    images = (units["modality"] == "image").to_numpy()
    assert images.any() and quantised.dtype == np.float32
    np.testing.assert_allclose(quantised, exact, atol=vector_tolerance("int8"))
    assert Path(ws.model_location("base") + ".onnx").is_dir()
