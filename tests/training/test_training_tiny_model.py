"""The tiny SigLIP: built offline, deterministic, and loaded like the real one."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from heritage_weaver.siglip import load_siglip, weights_hash
from heritage_weaver.tiny_siglip import build_tiny_siglip

TEXTS = [
    "A brass telephone with a rotary dial",
    "Cotton textile sample, woven",
    "Steam engine model",
    "Electric lamp with a glass bulb",
    "Loudspeaker, moving coil",
] * 4
EXPECTED_FILES = {
    "config.json",
    "model.safetensors",
    "preprocessor_config.json",
    "processor_config.json",
    "spiece.model",
    "tokenizer_config.json",
}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_siglip(tmp_path_factory.mktemp("tiny") / "model", TEXTS, seed=0)


def test_round_trip_through_the_loader(tiny: Path):
    assert {p.name for p in tiny.iterdir()} == EXPECTED_FILES
    encoder = load_siglip(str(tiny), "cpu")
    assert (encoder.model_id, encoder.device, encoder.dtype) == (str(tiny), "cpu", "float32")
    assert encoder.weights_hash == weights_hash(str(tiny)) and len(encoder.weights_hash) == 16
    images = [Image.new("RGB", (50, 40), "red"), Image.new("L", (20, 20), 128), Image.new("RGBA", (30, 90))]
    image_vectors = encoder.encode_images(images)
    text_vectors = encoder.encode_texts(["a telephone", "lamp", ""])
    for vectors in (image_vectors, text_vectors):
        assert vectors.shape == (3, 64) and vectors.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    assert encoder.pixel_values(images).shape == (3, 3, 32, 32)
    assert encoder.token_ids(["a telephone"]).shape == (1, 64)
    with torch.inference_mode():
        reference = encoder.model.get_image_features(pixel_values=encoder.pixel_values(images)).pooler_output
    reference = torch.nn.functional.normalize(reference, dim=-1).numpy()
    np.testing.assert_allclose(image_vectors, reference, atol=1e-5)  # the image processor's own path


def test_token_ids_agree_and_transformers_loads_it_without_warnings(tiny: Path, caplog: pytest.LogCaptureFixture):
    from transformers import AutoModel, AutoProcessor

    with caplog.at_level(logging.WARNING):
        model = AutoModel.from_pretrained(tiny)
        processor = AutoProcessor.from_pretrained(tiny)
        load_siglip(str(tiny), "cpu")
    assert not [r for r in caplog.records if "token" in r.getMessage().lower()]
    tokenizer, text_config = processor.tokenizer, model.config.text_config
    assert (tokenizer.pad_token_id, tokenizer.eos_token_id, tokenizer.unk_token_id) == (1, 1, 2)
    assert (text_config.pad_token_id, text_config.eos_token_id) == (1, 1)
    assert text_config.vocab_size == tokenizer.vocab_size
    ids = tokenizer(["telephone"], padding="max_length", max_length=64)["input_ids"][0]
    assert len(ids) == 64 and ids[-1] == 1 and 2 not in ids  # padded with </s>, known word → no <unk>


def test_build_is_deterministic_per_seed(tiny: Path, tmp_path: Path):
    again = build_tiny_siglip(tmp_path / "again", reversed(TEXTS), seed=0)
    other = build_tiny_siglip(tmp_path / "other", TEXTS, seed=1)
    for name in EXPECTED_FILES:
        assert (tiny / name).read_bytes() == (again / name).read_bytes(), name
    assert weights_hash(str(other)) != weights_hash(str(tiny))
    assert (other / "spiece.model").read_bytes() == (tiny / "spiece.model").read_bytes()


def test_no_text_is_refused(tmp_path: Path):
    with pytest.raises(ValueError, match="no text"):
        build_tiny_siglip(tmp_path / "empty", ["", "  ", "!!"])
