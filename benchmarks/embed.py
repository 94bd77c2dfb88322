"""Embedding throughput: units/s end to end through `embed_model`, and images/s and texts/s apart.

    python benchmarks/embed.py                       # tiny SigLIP, CPU
    python benchmarks/embed.py --arch base --records 64 --batch-size 16   # SigLIP-base shape, random weights
    python benchmarks/embed.py --arch base --records 20000 --workers 14   # on a GPU machine

Images are 224 px JPEGs (decoding is part of the figure); each record has one image, a name and a
two-sentence description. Prints figures; asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import pandas as pd
import torch
from PIL import Image, ImageDraw

from demo import create_demo_study
from heritage_weaver import atomic

NOUNS = ["telephone", "radio receiver", "loom shuttle", "steam engine", "dynamo", "spinning wheel", "telegraph key"]


def write_records(ws, count: int, image_size: int, seed: int = 0) -> None:
    """`count` records, each with one procedurally drawn `image_size` px JPEG."""
    rng = np.random.default_rng(seed)
    folder = ws.path("bench-images")
    folder.mkdir(exist_ok=True)
    rows = []
    for i in range(count):
        noun = NOUNS[i % len(NOUNS)]
        image = Image.fromarray(rng.integers(90, 170, (image_size, image_size, 3), dtype=np.uint8))
        draw = ImageDraw.Draw(image)
        for _ in range(6):
            x, y = rng.integers(0, image_size, 2)
            draw.ellipse(
                [x, y, x + image_size // 4, y + image_size // 5], fill=tuple(int(c) for c in rng.integers(0, 255, 3))
            )
        path = folder / f"{i:06d}.jpg"
        image.save(path, quality=90)
        rows.append(
            {
                "record_id": f"b{i}",
                "collection": "smg" if i % 5 else "nms",
                "name": f"{noun} {i}",
                "description": f"A {noun} made in {1900 + i % 90}. It was used in a workshop number {i}.",
                "images": [str(path)],
                "category": None,
                "taxonomy": None,
                "source_file": "bench",
                "source_position": i,
                "source_id": f"b{i}",
            }
        )
    atomic.write_table(ws.path("records", "records.parquet"), pd.DataFrame(rows))


def build_model(ws, arch: str) -> Path:
    from heritage_weaver.tiny_siglip import build_base_shaped_siglip, build_tiny_siglip

    target = ws.path("models", "base")
    texts = [f"{noun} {i}" for noun in NOUNS for i in range(50)]
    build = build_tiny_siglip if arch == "tiny" else build_base_shaped_siglip
    return build(target, texts, seed=0)


class NullWriter:
    def __init__(self) -> None:
        self.embedded = self.failed = 0

    def add(self, rows, vectors) -> None:
        self.embedded += len(rows)

    def fail(self, rows, reasons) -> None:
        self.failed += len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", choices=["tiny", "base"], default="tiny")
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--workers", type=int, default=2, help="image decoding workers")
    parser.add_argument("--device", default=None)
    args = parser.parse_args()

    from embeddings.runner import embed_images, embed_model, embed_texts, study_units
    from heritage_weaver.siglip import default_batch_size, load_siglip

    with tempfile.TemporaryDirectory() as scratch:
        ws = create_demo_study(Path(scratch) / "study", 5, 5)
        config = ws.path("study.toml")
        config.write_text(config.read_text().replace("[embedding]", f"[embedding]\nimage_workers = {args.workers}"))
        ws = type(ws).open(ws.root)
        write_records(ws, args.records, 224)
        encoder = load_siglip(str(build_model(ws, args.arch)), args.device)
        batch = args.batch_size or default_batch_size(encoder.device)
        units = study_units(ws, encoder.processor.tokenizer).units
        images, texts = units[units["modality"] == "image"], units[units["modality"] == "text"]
        embed_texts(texts.head(batch), encoder, batch, NullWriter(), lambda n: None)  # warm-up

        figures = {}
        for label, run in [
            ("texts", lambda w: embed_texts(texts, encoder, batch, w, lambda n: None)),
            ("images", lambda w: embed_images(ws, images, encoder, batch, args.workers, w, lambda n: None)),
        ]:
            writer, start = NullWriter(), time.perf_counter()
            run(writer)
            if str(encoder.device).startswith("cuda"):
                torch.cuda.synchronize()
            figures[label] = (writer.embedded + writer.failed) / (time.perf_counter() - start)

        start = time.perf_counter()
        summary = embed_model(ws, "base", encoder, batch)
        elapsed = time.perf_counter() - start
        print(
            f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch threads "
            f"{torch.get_num_threads()}, device {encoder.device}"
            + (f" ({torch.cuda.get_device_name()})" if str(encoder.device).startswith("cuda") else "")
        )
        print(
            f"arch {args.arch}, {args.records} records, {len(images)} images (224 px JPEG), {len(texts)} text units, "
            f"batch {batch}, {args.workers} image workers"
        )
        print(f"texts/s (tokenise + encode):            {figures['texts']:,.0f}")
        print(f"images/s (decode + preprocess + encode): {figures['images']:,.0f}")
        print(
            f"units/s end to end (hw embed, shards written): {summary.units / elapsed:,.0f} "
            f"({summary.units} units in {elapsed:.1f} s; embedded {summary.embedded}, failed {summary.failed})"
        )


if __name__ == "__main__":
    main()
