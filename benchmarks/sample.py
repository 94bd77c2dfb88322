"""The whole `hw sample` computation at the study's scale, on synthetic normalised vectors.

Scale (study-protocol §1): collection A 20,889 records with 80,000 text and 31,000 image units,
collection B 982 records with 4,000 text and 1,500 image units; 768-d; three models; the three
default comparisons; 99th percentile over record pairs; two annotators of 100 pairs.
Vectors are drawn on demand (a record latent shared by all models plus model noise, so that the
models partly agree); their generation time is measured and reported apart.

    .venv/bin/python benchmarks/sample.py [--scale 0.1] [--mode record|unit] [--block-size 4096]
        [--score-store spill|recompute] [--ray-cpus 2]

`--ray-cpus N` runs the recomputed percentile passes as tasks on a local Ray instance of N CPUs
(its start-up time is measured apart).
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from heritage_weaver.config_sections import default_comparisons
from sampler.pipeline import run_sample
from sampler.selection import MapStrips
from sampler.settings import SampleSettings

MODELS = ("base", "ft-last", "ft-best")
SCALE = {
    "a": {"records": 20_889, "text": 80_000, "image": 31_000},
    "b": {"records": 982, "text": 4_000, "image": 1_500},
}
DIM = 768


def unit_layout(records: int, units: int, modality: str, rng: np.random.Generator) -> np.ndarray:
    """Record index of every unit: text gives every record at least one unit, images only some records."""
    owners = (
        np.arange(records)
        if modality == "text"
        else rng.choice(records, size=min(records, units * 2 // 3), replace=False)
    )
    extra = rng.choice(owners, size=units - len(owners))
    return np.sort(np.concatenate([owners, extra]))


class SyntheticVectors:
    def __init__(self, scale: float, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.sizes = {c: {k: max(2, int(v * scale)) for k, v in s.items()} for c, s in SCALE.items()}
        self.layout = {
            (c, m): unit_layout(s["records"], s[m], m, rng) for c, s in self.sizes.items() for m in ("text", "image")
        }
        self.seconds = 0.0

    def __call__(self, model: str, modality: str, collection: str) -> tuple[pd.DataFrame, np.ndarray]:
        start = time.perf_counter()
        owners = self.layout[(collection, modality)]
        generator = torch.Generator().manual_seed(zlib.crc32(collection.encode()))
        latents = torch.randn(self.sizes[collection]["records"], DIM, generator=generator)
        generator.manual_seed(zlib.crc32(f"{model}/{modality}/{collection}".encode()))
        vectors = latents[torch.from_numpy(owners)] * 0.35 + torch.randn(len(owners), DIM, generator=generator)
        vectors /= vectors.norm(dim=1, keepdim=True)
        units = pd.DataFrame({"record_id": np.char.add(f"{collection}-", owners.astype(str))})
        self.seconds += time.perf_counter() - start
        return units, vectors.numpy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--mode", choices=("record", "unit"), default="record")
    parser.add_argument("--block-size", type=int, default=4096)
    parser.add_argument("--rule", choices=("percentile", "top_k"), default="percentile")
    parser.add_argument("--top-k", type=int, default=10)
    parser.add_argument("--score-store", choices=("spill", "recompute"), default="spill")
    parser.add_argument("--ray-cpus", type=int, default=0, help="run the strip passes on a local Ray instance")
    args = parser.parse_args()
    map_strips: MapStrips = map
    if args.ray_cpus:
        import ray

        from sampler.ray_tasks import ray_map

        start = time.perf_counter()
        ray.init(num_cpus=args.ray_cpus, include_dashboard=False)
        print(f"Ray start-up: {time.perf_counter() - start:.1f} s")
        map_strips = ray_map
    vectors = SyntheticVectors(args.scale)
    settings = SampleSettings(
        models=MODELS,
        base_model="base",
        comparisons=tuple(default_comparisons()),
        collection_a="a",
        collection_b="b",
        link_rule=args.rule,
        percentile=99.0,
        percentile_mode=args.mode,
        top_k=args.top_k,
        direction="both",
        block_size=args.block_size,
        score_store=args.score_store,
        annotators=("A01", "A02"),
        per_annotator=100,
        overlap=0.0,
        controls=0,
        seed=0,
    )
    with tempfile.TemporaryDirectory() as workdir:
        start, cpu_start = time.perf_counter(), time.process_time()
        result = run_sample(settings, vectors, Path(workdir), map_strips=map_strips)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(
        f"sizes: {vectors.sizes}; {len(MODELS)} models, {len(settings.comparisons)} comparisons, "
        f"rule {args.rule}, mode {args.mode}, block size {args.block_size}, scores {args.score_store}"
        f"{f' on Ray ({args.ray_cpus} CPUs)' if args.ray_cpus else ''}, torch threads {torch.get_num_threads()}"
    )
    print(result.thresholds[["model", "comparison", "threshold", "record_pairs", "links"]].to_string(index=False))
    print(f"linked pairs: {result.links.num_rows:,}; batch sizes: {[len(b) for b in result.batches.values()]}")
    print(
        f"wall time: {wall:.1f} s (of which vector generation {vectors.seconds:.1f} s, sampler {wall - vectors.seconds:.1f} s)"
    )
    print(f"CPU time (user + system, all threads): {cpu:.1f} s; load average now {os.getloadavg()[0]:.1f}")
    print(f"peak RSS: {peak:.2f} GiB")


if __name__ == "__main__":
    main()
