"""The vision tower on the CPU: PyTorch against ONNX Runtime, float32 against int8, in one run.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_int8_onnx.py --arch base   # SigLIP-base shape, random weights
    PYTHONPATH=. .venv/bin/python benchmarks/bench_int8_onnx.py               # the tiny SigLIP

The vision tower (`get_image_features`, pixel values in, pooled features out) of one checkpoint,
run as:

- torch float32 and torch int8 (`load_siglip(cpu_precision=...)`, PyTorch dynamic quantisation);
- ORT float32: exported with `torch.onnx.export` (the torch.export-based exporter, dynamic batch);
- ORT int8: that export through `onnxruntime.quantization.quantize_dynamic`, weights QInt8 and
  QUInt8 (activations are quantised per batch as uint8 either way);
- ORT fused float32 and int8 (QInt8): the export through ONNX Runtime's transformer optimizer
  first (`model_type="vit"`: GELU with its bias and the residual additions with layer norm fused),
  then quantised.

One fixed batch of random normalised 224-px pixel values (`--batch`), torch and ORT each on one
thread per core (`intra_op_num_threads`, `onnx_vision.OnnxVision`), the configurations alternating `--repeats` times; the
best run of each is printed (the machine is shared), and the median beside it. Encoding only: JPEG decoding and resizing,
the same for every configuration, are left out. The largest per-component difference of each
configuration's unit vectors against torch float32 is printed beside its speed.

Then the runner's own path, as `hw embed` runs it (`embed_images`: one DataLoader worker per core
decodes and resizes the demo's JPEGs, the encoder encodes; `--images` of them, batch 32) for
`load_siglip` in float32, in int8, and in int8 with `cpu_runtime="onnxruntime"` (its export
cached beside the checkpoint), alternating `--repeats` times, the best of each printed.

Prints figures; asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import onnxruntime as ort
import torch
from bench_int8 import CollectingWriter, build_checkpoint
from embed import NOUNS
from onnxruntime.quantization import QuantType, quantize_dynamic
from serve import machine

from demo import create_demo_study
from embeddings.runner import embed_images, study_units
from heritage_weaver.compute import cpu_cores
from heritage_weaver.onnx_vision import OnnxVision, export_vision
from heritage_weaver.progress import SILENT
from heritage_weaver.siglip import load_siglip
from ingest.stage import INGEST


def fused(source: Path, target: Path, heads: int, hidden: int) -> tuple[Path, dict[str, int]]:
    from onnxruntime.transformers.optimizer import optimize_model

    optimised = optimize_model(str(source), model_type="vit", num_heads=heads, hidden_size=hidden)
    optimised.save_model_to_file(str(target), use_external_data_format=True)
    counts = {op: n for op, n in optimised.get_fused_operator_statistics().items() if n}
    return target, counts


def quantised(source: Path, target: Path, weights: QuantType) -> Path:
    quantize_dynamic(str(source), str(target), weight_type=weights)
    return target


def torch_runner(model: torch.nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
    def run(pixels: torch.Tensor) -> torch.Tensor:
        with torch.inference_mode():
            return model.get_image_features(pixel_values=pixels).pooler_output

    return run


def unit(features: torch.Tensor) -> np.ndarray:
    vectors = features.float().numpy()
    return vectors / np.maximum(np.linalg.norm(vectors, axis=-1, keepdims=True), 1e-12)


def runner_path(root: Path, location: str, count: int, repeats: int) -> tuple[dict[str, float], dict[str, float], int]:
    """Best images/s of `embed_images` per configuration, the largest difference of each one's
    vectors against float32's, and the images encoded."""
    ws = create_demo_study(root, smg_records=150, nms_records=50, seed=0)
    INGEST.run(ws, SILENT, INGEST.defaults)
    encoders = {
        "torch float32": load_siglip(location, "cpu"),
        "torch int8": load_siglip(location, "cpu", cpu_precision="int8"),
        "ORT int8": load_siglip(location, "cpu", cpu_precision="int8", cpu_runtime="onnxruntime"),
    }
    units = study_units(ws, encoders["torch float32"].processor.tokenizer).units
    images = units[units["modality"] == "image"].head(count)
    best: dict[str, float] = {}
    vectors: dict[str, dict[str, np.ndarray]] = {}
    for _ in range(repeats):
        for name, encoder in encoders.items():
            writer = CollectingWriter()
            start = time.perf_counter()
            embed_images(ws, images, encoder, 32, cpu_cores(), writer, lambda n: None)
            best[name] = max(best.get(name, 0.0), len(images) / (time.perf_counter() - start))
            vectors[name] = writer.vectors
    exact = vectors["torch float32"]
    differences = {
        name: max(float(np.abs(exact[unit] - found[unit]).max()) for unit in exact) for name, found in vectors.items()
    }
    return best, differences, len(images)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", choices=["tiny", "base"], default="tiny")
    parser.add_argument("--batch", type=int, default=16, help="images per timed batch")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--images", type=int, default=64, help="demo images through the runner's path")
    args = parser.parse_args()
    cores = cpu_cores()
    torch.set_num_threads(cores)
    load_before = os.getloadavg()[0]

    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        location = str(build_checkpoint(root / "model", args.arch, list(NOUNS), seed=0))
        exact = load_siglip(location, "cpu", cpu_precision="float32")
        vision = exact.model.config.vision_config
        side = exact.pixels.height
        start = time.perf_counter()
        exported = export_vision(exact.model, side, root / "vision.onnx")
        export_seconds = time.perf_counter() - start
        optimised, fusions = fused(exported, root / "vision-fused.onnx", vision.num_attention_heads, vision.hidden_size)
        runners = {
            "torch float32": torch_runner(exact.model),
            "torch int8": torch_runner(load_siglip(location, "cpu", cpu_precision="int8").model),
            "ORT float32": OnnxVision(exported, cores),
            "ORT int8 (QInt8)": OnnxVision(quantised(exported, root / "s8.onnx", QuantType.QInt8), cores),
            "ORT int8 (QUInt8)": OnnxVision(quantised(exported, root / "u8.onnx", QuantType.QUInt8), cores),
            "ORT fused float32": OnnxVision(optimised, cores),
            "ORT fused int8 (QInt8)": OnnxVision(quantised(optimised, root / "fused-s8.onnx", QuantType.QInt8), cores),
        }
        pixels = torch.from_numpy(
            np.random.default_rng(0).standard_normal((args.batch, 3, side, side), dtype=np.float32)
        )
        for run in runners.values():
            run(pixels[:2])  # warm-up
        rates: dict[str, list[float]] = {name: [] for name in runners}
        vectors: dict[str, np.ndarray] = {}
        for _ in range(args.repeats):
            for name, run in runners.items():
                start = time.perf_counter()
                vectors[name] = unit(run(pixels))
                rates[name].append(args.batch / (time.perf_counter() - start))
        del runners
        path_rates, path_differences, path_images = runner_path(root / "study", location, args.images, args.repeats)

    best = {name: max(runs) for name, runs in rates.items()}
    reference, baseline = vectors["torch float32"], best["torch float32"]
    print(f"machine: {machine()}; load average {load_before:.1f} at the start")
    print(
        f"arch {args.arch} vision tower ({side} px, {vision.num_hidden_layers} layers, {vision.hidden_size}-d); "
        f"batch {args.batch}; {cores} threads for torch and for ORT {ort.__version__}; best of {args.repeats}"
    )
    print(f"export {export_seconds:.1f} s; ORT transformer optimizer fused {fusions}")
    print("| runtime, precision | images/s (median) | images/s per core | × torch float32 | largest difference |")
    print("| --- | --- | --- | --- | --- |")
    for name, rate in best.items():
        difference = float(np.abs(vectors[name] - reference).max())
        median = float(np.median(rates[name]))
        print(
            f"| {name} | {rate:.2f} ({median:.2f}) | {rate / cores:.2f} | {rate / baseline:.2f}× | {difference:.1e} |"
        )
    print(f"\nthe runner's path (embed_images, {cores} decoding workers, batch 32), {path_images} demo images")
    print("| load_siglip | images/s | images/s per core | × float32 | largest difference |")
    print("| --- | --- | --- | --- | --- |")
    for name, rate in path_rates.items():
        ratio = rate / path_rates["torch float32"]
        print(f"| {name} | {rate:.2f} | {rate / cores:.2f} | {ratio:.2f}× | {path_differences[name]:.1e} |")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
