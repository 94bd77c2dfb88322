"""Scale: `hw sample` and `hw embed` far beyond the study's size, on either engine, and the projection to national scale.

    python benchmarks/scale.py sample --records-a 1000000 --records-b 100000 --dim 32 --rule top_k
    python benchmarks/scale.py sample --records-a 100000 --records-b 10000 --rule percentile --engine ray
    python benchmarks/scale.py embed --records 2000 --engine ray
    python benchmarks/scale.py project --block-seconds 0.1 --cores 2 --images-per-second 7100

`sample` runs the sampler's pipeline (`sampler.pipeline.run_sample`: scores, links, strata, batches)
on one comparison of unit vectors drawn per record (a record latent shared by the models plus model
noise, normalised) and prints wall time, peak memory, record pairs per second and seconds per block
of 4096 × 4096 record pairs. `--engine ray` runs the percentile rule's passes as tasks on a private
Ray instance of `--ray-cpus` CPUs (recomputing, as `hw sample` does on Ray). `embed` runs `hw embed`'s
stage on synthetic records with one 224 px JPEG each (benchmarks/embed.py's) on the chosen engine.

Peak memory is the largest sum of resident memory over this process and every Ray process, sampled
every 0.2 s from /proc (Linux), so Ray's workers count; each call is a fresh process, so the peak
belongs to that stage alone.

`project` turns measured rates into the time 10M × 10M records and 50M images would take, and prints
the arithmetic: blocks = ⌈10M / 4096⌉², seconds = blocks × seconds per block / machines for the
sampler; images / (images per second per GPU × GPUs) for the embedding, linear in GPUs as the Ray
engine runs one model replica per GPU with no traffic between them.
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from heritage_weaver.config_sections import ComparisonConfig
from sampler.pipeline import run_sample
from sampler.settings import SampleSettings

BLOCK = 4096


def _resident_bytes(pid: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            line = next((line for line in status if line.startswith("VmRSS:")), "VmRSS: 0 kB")
        return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return 0


def _ray_processes() -> list[str]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                if b"ray" in cmdline.read():
                    found.append(pid)
        except OSError:
            continue
    return found


@contextmanager
def peak_memory() -> Iterator[list[int]]:
    """The largest resident total of this process and the Ray processes, in bytes (`[peak]`, filled on exit)."""
    peak, done = [0], threading.Event()

    def watch() -> None:
        while not done.wait(0.2):
            pids = {str(os.getpid()), *_ray_processes()}
            peak[0] = max(peak[0], sum(map(_resident_bytes, pids)))

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        yield peak
    finally:
        done.set()
        watcher.join()
        peak[0] = max(peak[0], _resident_bytes(str(os.getpid())))


@contextmanager
def ray_instance(cpus: int) -> Iterator[None]:
    import ray

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False)
    try:
        yield
    finally:
        ray.shutdown()


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
        comparisons=(
            ComparisonConfig(name="text-text", modality_a="text", modality_b="text", aggregation=args.aggregation),
        ),
        collection_a="a",
        collection_b="b",
        link_rule=args.rule,
        percentile=args.percentile,
        percentile_mode="record",
        top_k=args.top_k,
        direction=args.direction,
        block_size=args.block_size,
        score_store="recompute" if args.engine == "ray" else args.score_store,
        annotators=("A01", "A02"),
        per_annotator=100,
        overlap=0.0,
        controls=10,
        seed=0,
    )
    with tempfile.TemporaryDirectory(dir=args.workdir) as workdir, peak_memory() as peak:
        if args.engine == "ray":
            from sampler.ray_tasks import ray_map

            with ray_instance(args.ray_cpus):
                start = time.perf_counter()
                result = run_sample(settings, collections, Path(workdir), map_strips=ray_map)
                wall = time.perf_counter() - start
        else:
            start = time.perf_counter()
            result = run_sample(settings, collections, Path(workdir))
            wall = time.perf_counter() - start
    pairs = args.records_a * args.records_b * len(models)
    blocks = args.records_a * args.records_b * args.units**2 / BLOCK**2  # full blocks' worth of unit pairs
    computing = wall - collections.seconds
    print(
        f"sample: {args.records_a:,} × {args.records_b:,} records, {args.units} unit(s) each, {args.dim}-d, "
        f"{len(models)} model(s), {args.aggregation}, rule {args.rule}"
        + (f" (k {args.top_k}, {args.direction})" if args.rule == "top_k" else f" ({args.percentile:g}th)")
        + f", block {args.block_size}, torch threads {torch.get_num_threads()}, engine {args.engine}"
        + (f" ({args.ray_cpus} CPUs)" if args.engine == "ray" else "")
        + (f", scores {settings.score_store}" if args.rule == "percentile" else "")
    )
    print(
        f"wall {wall:.1f} s (vector generation {collections.seconds:.1f} s), peak memory {peak[0] / 1024**3:.2f} GiB, "
        f"{pairs / computing / 1e6:.1f} M record pairs/s, {computing / (blocks * len(models)):.4f} s per "
        f"{BLOCK}×{BLOCK} unit pairs and model"
    )
    print(f"links {result.links.num_rows:,}; batch pairs {sum(len(b) for b in result.batches.values())}")
    print(result.thresholds[["model", "rule", "threshold", "links", "record_pairs"]].to_string(index=False))


def embed(args: argparse.Namespace) -> None:
    """`hw embed`'s stage on synthetic records with one 224 px JPEG, a name and a description each."""
    from embed import build_model, write_records

    from demo import create_demo_study
    from embeddings.stage import EmbedOptions, run_embed
    from heritage_weaver.progress import SILENT
    from heritage_weaver.workspace import Workspace

    with tempfile.TemporaryDirectory() as scratch:
        ws = create_demo_study(Path(scratch) / "study", 5, 5)
        config = ws.path("study.toml")
        text = config.read_text().replace('engine = "local"', f"engine = {args.engine!r}".replace("'", '"'))
        config.write_text(text.replace("[compute]", f"[compute]\ncpu_workers = {args.ray_cpus}", 1))
        ws = Workspace.open(ws.root)
        write_records(ws, args.records, 224)
        build_model(ws, args.arch)
        with peak_memory() as peak:
            start = time.perf_counter()
            (summary,) = run_embed(ws, SILENT, EmbedOptions(models=("base",), engine=args.engine))
            wall = time.perf_counter() - start
    print(
        f"embed: {args.records:,} records (one 224 px JPEG, a name, a description), arch {args.arch}, "
        f"engine {args.engine}" + (f" ({args.ray_cpus} CPUs)" if args.engine == "ray" else "")
    )
    print(
        f"wall {wall:.1f} s{' (Ray start-up included)' if args.engine == 'ray' else ''}, "
        f"{summary.units / wall:,.0f} units/s end to end, "
        f"{summary.embedded} embedded, {summary.failed} failed, peak memory {peak[0] / 1024**3:.2f} GiB"
    )


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
    run.add_argument("--score-store", choices=("spill", "recompute"), default="spill")
    run.add_argument("--engine", choices=("local", "ray"), default="local")
    run.add_argument("--ray-cpus", type=int, default=os.cpu_count() or 1)
    run.set_defaults(handler=sample)
    embedding = verbs.add_parser("embed", help="hw embed's stage on synthetic image records")
    embedding.add_argument("--records", type=int, default=2000)
    embedding.add_argument("--arch", choices=("tiny", "base"), default="tiny")
    embedding.add_argument("--engine", choices=("local", "ray"), default="local")
    embedding.add_argument("--ray-cpus", type=int, default=os.cpu_count() or 1)
    embedding.set_defaults(handler=embed)
    projection = verbs.add_parser("project", help="measured rates → 10M × 10M records and 50M images")
    projection.add_argument("--block-seconds", type=float, required=True, help="measured s per block and model")
    projection.add_argument("--cores", type=int, required=True, help="cores the block figure was measured on")
    projection.add_argument("--images-per-second", type=float, required=True, help="measured per GPU")
    projection.set_defaults(handler=project)
    args = parser.parse_args()
    args.handler(args)


if __name__ == "__main__":
    main()
