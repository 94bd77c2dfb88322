"""Training throughput: pairs/s of the `hw train` loop (cached images, sigmoid loss, AdamW).

Synthetic pictures (224 px JPEGs drawn by the demo generator) are decoded into the image
cache (measured: images/s), each is paired with two captions, and one epoch runs through
the very `Trainer` that `hw train` uses. `--arch base` is the SigLIP-base-patch16-224
architecture (768-d, 12+12 layers, 224 px) with random weights.

    python benchmarks/train.py                       # tiny model, CPU
    python benchmarks/train.py --arch base --pairs 64 --batch-size 16
    python benchmarks/train.py --arch base --pairs 20000 --batch-size 64 --workers 8   # on a GPU
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def build_model(arch: str, folder: Path, captions: list[str]) -> Path:
    from heritage_weaver.tiny_siglip import build_base_shaped_siglip, build_tiny_siglip

    build = build_tiny_siglip if arch == "tiny" else build_base_shaped_siglip
    return build(folder, captions, seed=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", choices=["tiny", "base"], default="tiny")
    parser.add_argument("--pairs", type=int, default=2000, help="training pairs (two captions per picture)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="image cache and data loader processes")
    parser.add_argument("--device", default=None, help="default: CUDA when present")
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: torch's)")
    arguments = parser.parse_args()

    import numpy as np
    import torch

    if arguments.threads:
        torch.set_num_threads(arguments.threads)

    from demo import synthetic_pairs
    from heritage_weaver.siglip import load_siglip
    from training.cache import image_cache
    from training.data import PairDataset
    from training.loop import Outputs, Settings, Trainer
    from training.run import token_ids

    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        pictures = synthetic_pairs(max(arguments.pairs // 2, 2), seed=1, style="sketch", size=224)
        paths = []
        for index, (picture, _) in enumerate(pictures):
            paths.append(str(scratch / f"{index:06d}.jpg"))
            picture.save(paths[-1], "JPEG", quality=85)
        captions = [caption for _, caption in pictures]
        encoder = load_siglip(
            str(build_model(arguments.arch, scratch / "model", captions)), arguments.device, training=True
        )
        size = encoder.processor.image_processor.size["height"]

        started = time.perf_counter()
        cache = image_cache(paths, lambda location: Path(location), scratch / "cache", size, arguments.workers)
        cache_seconds = time.perf_counter() - started

        rows = np.repeat(np.array([cache.rows[p] for p in paths]), 2)
        texts = [text for caption in captions for text in (caption, f"{caption}, photographed in a museum store")]
        ids = token_ids(encoder, texts)
        dataset = PairDataset(cache.array_path, rows, ids)
        one_batch = PairDataset(cache.array_path, rows[: arguments.batch_size], ids[: arguments.batch_size])
        settings = Settings(
            epochs=1,
            batch_size=arguments.batch_size,
            learning_rate=1e-5,
            weight_decay=0.0,
            warmup_ratio=0.05,
            grad_accum=1,
            max_grad_norm=1.0,
            loss_normalisation="study",
            checkpoint_every=10**9,
            workers=arguments.workers,
            seed=0,
        )
        outputs = Outputs(state=scratch / "state.pt", best=scratch / "ft-best", last=scratch / "ft-last")
        trainer = Trainer(encoder, dataset, one_batch, settings, outputs, fingerprint="benchmark")
        trainer.resume()
        progress = trainer.run()

    steps = [row for row in progress.metrics if row["split"] == "train"]
    steady = [row["pairs_per_s"] for row in steps[2:]] or [row["pairs_per_s"] for row in steps]
    device = encoder.device
    if device.startswith("cuda"):
        device += f" ({torch.cuda.get_device_name()})"
    print(
        f"machine: {platform.node()} ({os.cpu_count()} CPUs), device {device}, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads"
    )
    print(f"arch {arguments.arch}, {len(dataset)} pairs, batch {arguments.batch_size}, workers {arguments.workers}")
    print(
        f"image cache: {len(paths)} JPEGs decoded + resized to {size} px in {cache_seconds:.2f} s "
        f"({len(paths) / cache_seconds:,.0f} images/s)"
    )
    print(
        f"training: {len(steps)} steps, median {np.median(steady):,.1f} pairs/s "
        f"(after 2 warm-up steps; min {min(steady):,.1f}, max {max(steady):,.1f})"
    )


if __name__ == "__main__":
    main()
