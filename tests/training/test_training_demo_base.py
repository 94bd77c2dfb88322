"""The demo's base model: the tiny SigLIP trained briefly, in place, on a separately drawn set."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from demo.base_model import pretrain_out_of_domain
from heritage_weaver.siglip import load_siglip, weights_hash


@pytest.mark.slow
def test_pretraining_changes_the_model_in_place_and_it_still_loads(tiny_base: Path, tmp_path: Path):
    model_dir = shutil.copytree(tiny_base, tmp_path / "base")
    image = [Image.new("RGB", (64, 64), (200, 40, 40))]
    before = load_siglip(str(model_dir), "cpu")
    before_vectors = before.encode_images(image), before.encode_texts(["telephone"])

    pretrain_out_of_domain(model_dir, steps=3, seed=0)

    after = load_siglip(str(model_dir), "cpu")
    assert after.weights_hash != before.weights_hash
    assert not np.allclose(after.encode_images(image), before_vectors[0], atol=1e-4)
    assert not np.allclose(after.encode_texts(["telephone"]), before_vectors[1], atol=1e-4)
    assert {p.name for p in model_dir.iterdir()} == {p.name for p in tiny_base.iterdir()}
    assert not list(tmp_path.glob(".base.*"))  # no staging folder left behind

    again = shutil.copytree(tiny_base, tmp_path / "again")
    pretrain_out_of_domain(again, steps=3, seed=0)
    assert weights_hash(str(again)) == after.weights_hash
