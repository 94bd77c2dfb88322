"""The image path: resized to uint8 in the workers, normalised on the device, equal to the image
processor's own float32 pixels within 1e-5 per vector component (CPU, float32 weights).

On CUDA the weights are bfloat16 for inference: vectors then agree with these within
`vector_tolerance("bfloat16")` (1e-2 per component; see `heritage_weaver.siglip`).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from embeddings.artifacts.vectors import load_vectors
from embeddings.runner import embed_model
from heritage_weaver.decode import open_rgb
from heritage_weaver.siglip import PixelRecipe, load_siglip
from tests.embeddings.conftest import read_records, write_records


def processor_vectors(encoder, images: list[Image.Image]) -> np.ndarray:
    """What the embedding runner gave before the uint8 path: the image processor's pixels, then the model."""
    with torch.inference_mode():
        features = encoder.model.get_image_features(pixel_values=encoder.pixel_values(images)).pooler_output
    return torch.nn.functional.normalize(features, dim=-1).numpy()


def test_recipe_gives_the_processor_pixels(encoder, awkward_images):
    images = [open_rgb(awkward_images[name]) for name in ("plain", "cmyk", "palette_alpha", "sixteen_bit")]
    images += [Image.new("RGB", (800, 531), (200, 30, 90)), Image.new("L", (224, 300), 77)]
    expected = encoder.pixel_values(images)
    got = encoder.pixels.normalise(encoder.pixels.batch(images), "cpu")
    assert got.shape == expected.shape and got.dtype == torch.float32
    np.testing.assert_allclose(got.numpy(), expected.numpy(), atol=1e-6)


def test_runner_vectors_equal_the_processor_path(study, encoder):
    """Demo JPEGs of 224–800 px through `embed_model` (2 workers) against the float pixel path."""
    from demo.generate import write_demo_data

    data = write_demo_data(study.path("sized"), 6, 2, seed=3, image_size=(224, 800))
    records = read_records(study)
    records = records[records["images"].map(len) > 0].head(6).copy()
    pictures = sorted(p for p in (data.smg.parent / "images").rglob("*.jpg"))[: len(records)]
    records["images"] = [[str(p)] for p in pictures]
    write_records(study, records)

    embed_model(study, "base", encoder, batch_size=4)
    units, vectors = load_vectors(study, "base", modality="image")
    expected = processor_vectors(encoder, [open_rgb(p, encoder.pixels.draft_size) for p in units["image"]])
    assert {Image.open(p).size[0] for p in pictures} != {224}, "the pictures have several sizes"
    np.testing.assert_allclose(vectors, expected, atol=1e-5)


def test_processors_that_crop_are_refused():
    from transformers import SiglipImageProcessorPil

    processor = SiglipImageProcessorPil(size={"shortest_edge": 32})
    with pytest.raises(ValueError, match="fixed height and width"):
        PixelRecipe.of(processor)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_bf16_vectors_within_tolerance(tiny_model, encoder):
    from heritage_weaver.siglip import vector_tolerance

    cuda = load_siglip(str(tiny_model), "cuda")
    assert cuda.weights_dtype == torch.bfloat16 and cuda.dtype == "bfloat16"
    assert load_siglip(str(tiny_model), "cuda", training=True).weights_dtype == torch.float32
    images = [Image.new("RGB", (300, 224), (200, 30, 90)), Image.new("RGB", (224, 224), (20, 130, 90))]
    texts = ["a brass telephone", "a loom shuttle of boxwood"]
    tolerance = vector_tolerance(cuda.dtype, encoder.dtype)
    np.testing.assert_allclose(cuda.encode_images(images), encoder.encode_images(images), atol=tolerance)
    np.testing.assert_allclose(cuda.encode_texts(texts), encoder.encode_texts(texts), atol=tolerance)
