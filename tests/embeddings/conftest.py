"""Embedding fixtures: one tiny SigLIP per session, small studies, and awkward image files."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from heritage_weaver import atomic
from heritage_weaver.workspace import Workspace

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def read_records(ws: Workspace) -> pd.DataFrame:
    return pd.read_parquet(ws.path("records", "records.parquet"))


def write_records(ws: Workspace, records: pd.DataFrame) -> None:
    atomic.write_table(ws.path("records", "records.parquet"), records.reset_index(drop=True))


def set_embedding_options(ws: Workspace, section: str = "embedding", **options: object) -> Workspace:
    """Rewrite keys of the study's [embedding] (or another) section; returns a fresh Workspace (config re-read)."""
    config = ws.path("study.toml")
    lines = [f"{key} = {value!r}".replace("'", '"') for key, value in options.items()]
    text = config.read_text(encoding="utf-8")
    text = "\n".join(line for line in text.splitlines() if line.split("=")[0].strip() not in options)
    header = f"[{section}]"
    config.write_text(text.replace(header, header + "\n" + "\n".join(lines), 1) + "\n", encoding="utf-8")
    return Workspace.open(ws.root)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory, ingested_study: Workspace) -> Path:
    from heritage_weaver.tiny_siglip import build_tiny_siglip

    records = read_records(ingested_study)
    texts = records["name"].tolist() + records["description"].tolist()
    return build_tiny_siglip(tmp_path_factory.mktemp("tiny") / "base", texts, seed=0)


@pytest.fixture(scope="session")
def encoder(tiny_model: Path):
    from heritage_weaver.siglip import load_siglip

    return load_siglip(str(tiny_model), "cpu")


@pytest.fixture
def study(study_copy: Workspace, tiny_model: Path) -> Workspace:
    """A private copy of the small demo study with the tiny SigLIP as its `base` model."""
    shutil.copytree(tiny_model, study_copy.path("models", "base"))
    return study_copy


@pytest.fixture
def small_study(study: Workspace) -> Workspace:
    """The study cut down to 8 SMG and 4 NMS records (fast to embed)."""
    records = read_records(study)
    small = pd.concat(
        [records[records["collection"] == "smg"].head(8), records[records["collection"] == "nms"].head(4)]
    )
    write_records(study, small)
    return study


def make_awkward_images(folder: Path) -> dict[str, Path]:
    """Broken files (must fail) and unusual-but-valid ones (must embed), by name."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    rgb = Image.fromarray(rng.integers(0, 256, (40, 48, 3), dtype=np.uint8), "RGB")
    paths = {
        name: folder / f"{name}.{ext}"
        for name, ext in [
            ("zero_byte", "jpg"),
            ("corrupt", "jpg"),
            ("bad_jpeg", "jpg"),
            ("truncated", "jpg"),
            ("oversized", "png"),
            ("cmyk", "jpg"),
            ("palette_alpha", "png"),
            ("grey_alpha", "png"),
            ("sixteen_bit", "png"),
            ("plain", "jpg"),
        ]
    }
    paths["zero_byte"].write_bytes(b"")
    paths["corrupt"].write_bytes(b"this is no image at all\n" * 20)
    paths["bad_jpeg"].write_bytes(b"\xff\xd8\xff\xe0 a jpeg marker, then junk" * 20)
    rgb.save(paths["plain"], quality=95)
    paths["truncated"].write_bytes(paths["plain"].read_bytes()[:400])
    Image.new("1", (10_000, 10_000)).save(paths["oversized"])
    rgb.convert("CMYK").save(paths["cmyk"], quality=95)
    palette = rgb.convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    palette.info["transparency"] = 0
    palette.save(paths["palette_alpha"], transparency=0)
    Image.fromarray(np.stack([np.full((30, 30), 10, np.uint8), np.zeros((30, 30), np.uint8)], -1), "LA").save(
        paths["grey_alpha"]
    )
    Image.fromarray((np.arange(30 * 30).reshape(30, 30) * 70).astype(np.uint16)).save(paths["sixteen_bit"])
    return paths


@pytest.fixture(scope="session")
def awkward_images(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_awkward_images(tmp_path_factory.mktemp("awkward"))
