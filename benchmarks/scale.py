"""Scale: `hw sample` on synthetic collections far larger than the study, and the projection to national scale.

    python benchmarks/scale.py sample --records-a 1000000 --records-b 100000 --dim 32 --rule top_k
    python benchmarks/scale.py sample --records-a 100000 --records-b 10000 --dim 32 --rule percentile
    python benchmarks/scale.py project --block-seconds 0.1 --cores 2 --images-per-second 7100

`sample` runs the sampler's pipeline (`sampler.pipeline.run_sample`: scores, links, strata, batches)
on one comparison of unit vectors drawn per record (a record latent shared by the models plus model
noise, normalised) and prints wall time, peak memory (the process's maximum resident set, vectors
included), record pairs per second and seconds per block of 4096 × 4096 record pairs. Each call is a
fresh process, so the peak belongs to that stage alone.

`project` turns measured rates into the time 10M × 10M records and 50M images would take, and prints
the arithmetic: blocks = ⌈10M / 4096⌉², seconds = blocks × seconds per block / machines for the
sampler; images / (images per second per GPU × GPUs) for the embedding, linear in GPUs as the Ray
engine runs one model replica per GPU with no traffic between them.
"""

from __future__ import annotations

import argparse
import math
import resource
import tempfile
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from sampler.pipeline import SampleSettings, run_sample

BLOCK = 4096


@dataclass(frozen=True)
class Comparison:
    name: str
    modality_a: str
    modality_b: str
    aggregation: str


class SyntheticCollections:
    """(model, modality, collection) → units and unit vectors, drawn once per collection and model."""

    def __init__(self, records: dict[str, int], units_per_record: int, dim: int, seed: int = 0) -> None:
        self.records, self.units_per_record, self.dim, self.seed = records, units_per_record, dim, seed
        self.seconds = 0.0

    def __call__(self, model: str, modality: str, collection: str) -> tuple[pd.DataFrame, np.ndarray]:
        start = time.perf_counter()
        count = self.records[collection]
        generator = torch.Generator().manual_seed(self.seed + (0 if collection == "a" else 1))
        latents = torch.randn(count, self.dim, generator=generator)
        generator.manual_seed(self.seed + 7 + zlib.crc32(model.encode()))
        owners = torch.arange(count).repeat_interleave(self.units_per_record)
        vectors = latents[owners] * 0.5 + torch.randn(len(owners), self.dim, generator=generator)
        vectors /= vectors.norm(dim=1, keepdim=True)
        ids = np.char.add(f"{collection}", np.char.zfill(owners.numpy().astype(str), 8))
        self.seconds += time.perf_counter() - start
        return pd.DataFrame({"record_id": ids}), vectors.numpy()


def sample(args: argparse.Namespace) -> None:
    models = tuple(["base", "ft-last", "ft-best"][: args.models])
    collections = SyntheticCollections({"a": args.records_a, "b": args.records_b}, args.units, args.dim)
    settings = SampleSettings(
        models=models,
        base_model="base",
        comparisons=(Comparison("text-text", "text", "text", args.aggregation),),
        collection_a="a",
        collection_b="b",
        link_rule=args.rule,
        percentile=args.percentile,
        percentile_mode="record",
        top_k=args.top_k,
        direction=args.direction,
        block_size=args.block_size,
        annotators=("A01", "A02"),
        per_annotator=100,
        overlap=0.0,
        controls=10,
        seed=0,
    )
    with tempfile.TemporaryDirectory(dir=args.workdir) as workdir:
        start = time.perf_counter()
        result = run_sample(settings, collections, Path(workdir))
        wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    pairs = args.records_a * args.records_b * len(models)
    blocks = args.records_a * args.records_b * args.units**2 / BLOCK**2  # full blocks' worth of unit pairs
    computing = wall - collections.seconds
    print(
        f"sample: {args.records_a:,} × {args.records_b:,} records, {args.units} unit(s) each, {args.dim}-d, "
        f"{len(models)} model(s), {args.aggregation}, rule {args.rule}"
        + (f" (k {args.top_k}, {args.direction})" if args.rule == "top_k" else f" ({args.percentile:g}th)")
        + f", block {args.block_size}, torch threads {torch.get_num_threads()}"
    )
    print(
        f"wall {wall:.1f} s (vector generation {collections.seconds:.1f} s), peak RSS {peak:.2f} GiB, "
        f"{pairs / computing / 1e6:.1f} M record pairs/s, {computing / (blocks * len(models)):.4f} s per "
        f"{BLOCK}×{BLOCK} unit pairs and model"
    )
    print(f"links {result.links.num_rows:,}; batch pairs {sum(len(b) for b in result.batches.values())}")
    print(result.thresholds[["model", "rule", "threshold", "links", "record_pairs"]].to_string(index=False))


def project(args: argparse.Namespace) -> None:
    """The projection's arithmetic, printed as a Markdown table."""
    records = 10_000_000
    blocks = math.ceil(records / BLOCK) ** 2
    core_seconds = blocks * args.block_seconds * args.cores
    print(f"sampler, top-k, 10M × 10M records, one model and comparison: ⌈10,000,000 / {BLOCK}⌉² = {blocks:,} blocks")
    print(f"measured {args.block_seconds} s per block on {args.cores} cores = {core_seconds / 3600:,.0f} core-hours")
    print("| nodes of 64 cores | hours (per model and comparison) |")
    print("| --- | --- |")
    for nodes in (1, 8, 64):
        print(f"| {nodes} | {core_seconds / (64 * nodes) / 3600:,.1f} |")
    images = 50_000_000
    print(f"\nembedding, {images:,} images at {args.images_per_second:,.0f} images/s per GPU")
    print("| GPUs | hours |")
    print("| --- | --- |")
    for gpus in (1, 8, 64):
        print(f"| {gpus} | {images / (args.images_per_second * gpus) / 3600:,.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    verbs = parser.add_subparsers(dest="verb", required=True)
    run = verbs.add_parser("sample", help="the sampler's pipeline on synthetic collections")
    run.add_argument("--records-a", type=int, default=1_000_000)
    run.add_argument("--records-b", type=int, default=100_000)
    run.add_argument("--units", type=int, default=1, help="units per record")
    run.add_argument("--dim", type=int, default=32)
    run.add_argument("--models", type=int, default=1, choices=(1, 2, 3))
    run.add_argument("--aggregation", choices=("max", "mean"), default="mean")
    run.add_argument("--rule", choices=("percentile", "top_k"), default="top_k")
    run.add_argument("--percentile", type=float, default=99.0)
    run.add_argument("--top-k", type=int, default=10)
    run.add_argument("--direction", choices=("both", "a_to_b", "b_to_a"), default="both")
    run.add_argument("--block-size", type=int, default=BLOCK)
    run.add_argument("--workdir", default=None, help="where the percentile rule spills its scores")
    run.set_defaults(handler=sample)
    projection = verbs.add_parser("project", help="measured rates → 10M × 10M records and 50M images")
    projection.add_argument("--block-seconds", type=float, required=True, help="measured s per block and model")
    projection.add_argument("--cores", type=int, required=True, help="cores the block figure was measured on")
    projection.add_argument("--images-per-second", type=float, required=True, help="measured per GPU")
    projection.set_defaults(handler=project)
    args = parser.parse_args()
    args.handler(args)


if __name__ == "__main__":
    main()
