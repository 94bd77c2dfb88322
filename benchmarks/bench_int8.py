"""float32 against int8 (`embedding.cpu_precision`) on the CPU, side by side in one run.

    python benchmarks/bench_int8.py --arch base     # SigLIP-base shape (768-d), random weights
    python benchmarks/bench_int8.py                 # the tiny SigLIP (64-d)
    python benchmarks/bench_int8.py --arch demo     # the demo's own tiny checkpoints, trained (`hw train`)

1. Throughput on the runner's own path (`embed_texts`, `embed_images`: DataLoader workers decode
   and resize, the encoder encodes), torch threads and image workers one per core as `hw embed`
   sets them: texts/s and images/s per precision, and per core. The precisions alternate
   `--repeats` times; the best run of each is printed (the machine is shared).
2. The largest per-component difference between the float32 and int8 vectors of those units.
3. The demo study (`create_demo_study`, ingested), every configured model a checkpoint of the
   arch with its own random weights (seeds 0, 1, 2) or, with `--arch demo`, the demo's own
   (`hw model`: the tiny base pre-trained out of domain; `hw train`: ft-best, ft-last), embedded,
   indexed and sampled (`hw embed`, `hw index`, `hw sample`) once in float32 and once in int8. Per model, the share of the top-10
   records found by both for each record name as a text query, int8 queries against the float32
   indexes (what the search page does with `query_precision = "int8"`) and int8 against int8;
   per model × comparison, the share of the float32 links that are links with int8 vectors too.
4. Text-query latency at the study's scale (benchmarks/serve.py: 31,000 + 1,500 image vectors,
   flat indexes, k = 12), one thread per query as `hw serve`: in-process and over HTTP.

With `--profile` it only profiles one batch of 16 random 224-px images through the vision tower
in each precision (torch.profiler, CPU time of the costliest operators).

Prints figures; asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import pandas as pd
import torch
from embed import NOUNS
from serve import TimedEncoder, machine, percentiles, time_http, time_in_process, write_study_scale

from demo import create_demo_study
from embeddings.runner import embed_images, embed_texts, study_units
from embeddings.search import Searcher
from embeddings.stage import IndexOptions, run_index
from heritage_weaver.compute import cpu_cores
from heritage_weaver.progress import SILENT
from heritage_weaver.siglip import CPU_PRECISIONS, SiglipEncoder, load_siglip
from heritage_weaver.workspace import Workspace
from ingest.stage import INGEST
from web.search import set_threads

TOP = 10


class CollectingWriter:
    """A ShardWriter stand-in that keeps the vectors by unit id."""

    def __init__(self) -> None:
        self.vectors: dict[str, np.ndarray] = {}
        self.failed = 0

    def add(self, rows: pd.DataFrame, vectors: np.ndarray) -> None:
        self.vectors.update(zip(rows["unit_id"], vectors))

    def fail(self, rows: pd.DataFrame, reasons) -> None:
        self.failed += len(rows)


def build_checkpoint(target: Path, arch: str, texts: list[str], seed: int) -> Path:
    from heritage_weaver.tiny_siglip import build_base_shaped_siglip, build_tiny_siglip

    build = build_tiny_siglip if arch == "tiny" else build_base_shaped_siglip
    return build(target, texts, seed=seed)


def demo_study(root: Path, arch: str, smg: int, nms: int) -> Workspace:
    """The demo study, ingested, with a checkpoint of `arch` for every configured model (with
    `demo`: its own, `hw model` then `hw train`)."""
    ws = create_demo_study(root, smg_records=smg, nms_records=nms, seed=0)
    INGEST.run(ws, SILENT, INGEST.defaults)
    if arch == "demo":
        from demo.stage import MODEL_STAGE
        from training.stage import TRAIN

        MODEL_STAGE.run(ws, SILENT, MODEL_STAGE.defaults)
        TRAIN.run(ws, SILENT, TRAIN.defaults)
        return ws
    records = pd.read_parquet(ws.path("records", "records.parquet"))
    texts = [t for column in ("name", "description") for t in records[column].tolist() if t]
    for seed, model in enumerate(ws.config.models):
        build_checkpoint(Path(ws.model_location(model)), arch, texts, seed)
    return ws


def with_precision(ws: Workspace, root: Path, precision: str) -> Workspace:
    """A copy of the study (sharing its checkpoints) whose `hw embed` runs in `precision`."""
    shutil.copytree(ws.root, root, ignore=shutil.ignore_patterns("models"))
    (root / "models").symlink_to(ws.path("models"))
    config = root / "study.toml"
    config.write_text(config.read_text().replace("[embedding]", f'[embedding]\ncpu_precision = "{precision}"', 1))
    return Workspace.open(root)


def time_units(
    ws: Workspace, encoder: SiglipEncoder, texts: pd.DataFrame, images: pd.DataFrame, writer: CollectingWriter
) -> list[tuple[str, int, float]]:
    """(kind, units, seconds) of encoding the text units, then the image units (decoded by one worker per core)."""
    batch = 32
    start = time.perf_counter()
    embed_texts(texts, encoder, batch, writer, lambda n: None)
    middle = time.perf_counter()
    embed_images(ws, images, encoder, batch, cpu_cores(), writer, lambda n: None)
    return [("texts", len(texts), middle - start), ("images", len(images), time.perf_counter() - middle)]


def throughput(ws: Workspace, encoders: dict[str, SiglipEncoder], images: int, texts: int, repeats: int) -> dict:
    """Best texts/s and images/s per precision, and the vectors of the last run of each."""
    torch.set_num_threads(cpu_cores())
    units = study_units(ws, encoders["float32"].processor.tokenizer).units
    image_units = units[units["modality"] == "image"].head(images)
    text_units = units[units["modality"] == "text"].head(texts)
    best: dict[tuple[str, str], float] = {}
    vectors: dict[str, dict[str, np.ndarray]] = {}
    for encoder in encoders.values():
        encoder.encode_texts(text_units["text"].head(4).tolist())  # warm-up
    for _ in range(repeats):
        for precision, encoder in encoders.items():
            writer = CollectingWriter()
            for kind, count, seconds in time_units(ws, encoder, text_units, image_units, writer):
                best[(precision, kind)] = max(best.get((precision, kind), 0.0), count / seconds)
            vectors[precision] = writer.vectors
    return {"rates": best, "vectors": vectors, "images": len(image_units), "texts": len(text_units)}


def largest_difference(vectors: dict[str, dict[str, np.ndarray]], modality_of: dict[str, str]) -> dict[str, float]:
    exact, quantised = vectors["float32"], vectors["int8"]
    out: dict[str, float] = {}
    for unit, vector in exact.items():
        modality = modality_of[unit]
        out[modality] = max(out.get(modality, 0.0), float(np.abs(vector - quantised[unit]).max()))
    return out


def embed_index_sample(ws: Workspace) -> float:
    """`hw embed`, `hw index` and `hw sample` on the local engine; seconds `hw embed` took."""
    from embeddings.stage import EmbedOptions, run_embed
    from sampler.study import sample_study

    start = time.perf_counter()
    run_embed(ws, SILENT, EmbedOptions(device="cpu"))
    seconds = time.perf_counter() - start
    run_index(ws, SILENT, IndexOptions())
    sample_study(ws, force=True)
    return seconds


def top_records(searcher: Searcher, queries: np.ndarray, modality: str) -> list[list[str]]:
    return [searcher.search_vector(query, modality, None, TOP)["record_id"].tolist() for query in queries]


def shared_share(reference: list[list[str]], other: list[list[str]]) -> tuple[float, float]:
    """Mean share of the reference top-10 also in the other's, and share of identical top-10 lists."""
    overlap = np.mean([len(set(a) & set(b)) / max(len(a), 1) for a, b in zip(reference, other)])
    identical = np.mean([a == b for a, b in zip(reference, other)])
    return float(overlap), float(identical)


def search_agreement(studies: dict[str, Workspace], model: str, names: list[str]) -> list[tuple]:
    """Per modality: top-10 agreement of int8 queries on the float32 indexes, and of all-int8, with all-float32."""
    location = studies["float32"].model_location(model)
    encoders = {p: load_siglip(location, "cpu", cpu_precision=p) for p in CPU_PRECISIONS}
    queries = {p: encoders[p].encode_texts(names) for p in CPU_PRECISIONS}
    rows = []
    for modality in ("image", "text"):
        exact = Searcher(studies["float32"], model, encoders["float32"])
        reference = top_records(exact, queries["float32"], modality)
        page = top_records(exact, queries["int8"], modality)
        everything = top_records(Searcher(studies["int8"], model, encoders["int8"]), queries["int8"], modality)
        rows.append((model, modality, *shared_share(reference, page), *shared_share(reference, everything)))
    return rows


def link_agreement(studies: dict[str, Workspace]) -> list[tuple]:
    """Per model × comparison: float32 links, int8 links, and the share of the float32 ones int8 keeps."""
    links = {p: pd.read_parquet(ws.path("sampler", "links.parquet")) for p, ws in studies.items()}
    ws = studies["float32"]
    rows = []
    for model in ws.config.models:
        for comparison in ws.config.comparisons:
            column = f"link.{comparison.name}.{model}"
            found = {p: set(table.loc[table[column], "pair_id"]) for p, table in links.items()}
            kept = len(found["float32"] & found["int8"]) / max(len(found["float32"]), 1)
            rows.append((model, comparison.name, len(found["float32"]), len(found["int8"]), kept))
    return rows


def latency(root: Path, location: str, queries: int) -> dict[str, dict[str, list[float]]]:
    """Text queries at the study's scale, per precision: in-process total, encode, and HTTP seconds."""
    ws = create_demo_study(root, smg_records=20, nms_records=10)
    ws.path("models").mkdir(exist_ok=True)
    Path(ws.model_location("base")).symlink_to(location)
    set_threads(1)  # `hw serve`'s default
    encoders = {p: load_siglip(location, "cpu", cpu_precision=p) for p in CPU_PRECISIONS}
    write_study_scale(ws, encoders["float32"].encode_texts(["x"]).shape[1], text_units=False)  # image units only
    texts = [f"a {NOUNS[i % len(NOUNS)]} made in {1850 + i}" for i in range(queries)]
    out = {}
    for precision, encoder in encoders.items():
        clock = {"seconds": 0.0, "calls": 0}
        searcher = Searcher(ws, "base", TimedEncoder(encoder, clock))
        timed = time_in_process(searcher, clock, texts, ["image"])["image"]
        http = time_http(ws, searcher, texts, ["image"])["image"]
        out[precision] = {"in-process": timed["total"], "encode": timed["encode"], "HTTP": http}
    return out


def profile_vision(arch: str, root: Path) -> None:
    """Print the operators that take the vision tower's time, per precision, for 16 images."""
    from torch.profiler import ProfilerActivity, profile

    torch.set_num_threads(cpu_cores())
    location = build_checkpoint(root / "model", arch, list(NOUNS), seed=0)
    for precision in CPU_PRECISIONS:
        encoder = load_siglip(str(location), "cpu", cpu_precision=precision)
        side = encoder.pixels.height
        images = torch.from_numpy(np.random.default_rng(0).integers(0, 256, (16, side, side, 3), dtype=np.uint8))
        encoder.encode_uint8(images[:2])  # warm-up
        with profile(activities=[ProfilerActivity.CPU]) as profiled:
            encoder.encode_uint8(images)
        print(f"{precision}, 16 images, {cpu_cores()} threads")
        print(profiled.key_averages().table(sort_by="self_cpu_time_total", row_limit=8))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", choices=["tiny", "base", "demo"], default="tiny")
    parser.add_argument("--smg", type=int, default=150, help="demo SMG records")
    parser.add_argument("--nms", type=int, default=50, help="demo NMS records")
    parser.add_argument("--images", type=int, default=64, help="image units timed for throughput")
    parser.add_argument("--texts", type=int, default=128, help="text units timed for throughput")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--queries", type=int, default=100, help="text queries timed for latency")
    parser.add_argument("--profile", action="store_true", help="only profile the vision tower")
    args = parser.parse_args()
    if args.profile:
        with tempfile.TemporaryDirectory() as scratch:
            print(f"machine: {machine()}")
            profile_vision(args.arch, Path(scratch))
        return
    load_before = os.getloadavg()[0]
    cores = cpu_cores()

    with tempfile.TemporaryDirectory() as scratch:
        base = demo_study(Path(scratch) / "float32", args.arch, args.smg, args.nms)
        studies = {"float32": base, "int8": with_precision(base, Path(scratch) / "int8", "int8")}
        location = base.model_location("base")
        encoders = {p: load_siglip(location, "cpu", cpu_precision=p) for p in CPU_PRECISIONS}
        measured = throughput(base, encoders, args.images, args.texts, args.repeats)
        units = study_units(base, encoders["float32"].processor.tokenizer).units
        differences = largest_difference(measured["vectors"], dict(zip(units["unit_id"], units["modality"])))
        del encoders
        embed_seconds = {p: embed_index_sample(ws) for p, ws in studies.items()}
        names = pd.read_parquet(base.path("records", "records.parquet"))["name"].tolist()
        searches = [row for model in base.config.models for row in search_agreement(studies, model, names)]
        links = link_agreement(studies)
        demo_units = len(units)
        timings = latency(Path(scratch) / "serve", location, args.queries)

    print(f"machine: {machine()}; load average {load_before:.1f} at the start")
    print(f"arch {args.arch}; torch threads {cores} and {cores} image workers for embedding, 1 thread per query")
    print(f"\n1. throughput, best of {args.repeats} ({measured['texts']} text units, {measured['images']} images)")
    print("| precision | texts/s | texts/s per core | images/s | images/s per core |")
    print("| --- | --- | --- | --- | --- |")
    for precision in CPU_PRECISIONS:
        texts, images = measured["rates"][(precision, "texts")], measured["rates"][(precision, "images")]
        print(f"| {precision} | {texts:.1f} | {texts / cores:.1f} | {images:.2f} | {images / cores:.2f} |")
    speedup = {k: measured["rates"][("int8", k)] / measured["rates"][("float32", k)] for k in ("texts", "images")}
    print(f"int8 / float32: texts {speedup['texts']:.2f}x, images {speedup['images']:.2f}x")
    print(
        "\n2. largest per-component difference, int8 against float32: "
        + ", ".join(f"{modality} {value:.2e}" for modality, value in sorted(differences.items()))
    )
    print(f"\n3. demo study: {args.smg} + {args.nms} records, {demo_units} units per model")
    print("hw embed seconds: " + ", ".join(f"{p} {s:.0f} s" for p, s in embed_seconds.items()))
    print(f"top-{TOP} records for {len(names)} record names as queries (share of records shared; identical lists)")
    print("| model | units searched | int8 query, float32 index | identical | all int8 | identical |")
    print("| --- | --- | --- | --- | --- | --- |")
    for model, modality, page, page_same, every, every_same in searches:
        print(f"| {model} | {modality} | {page:.3f} | {page_same:.3f} | {every:.3f} | {every_same:.3f} |")
    print("links (hw sample): share of the float32 links that int8 vectors make links too")
    print("| model | comparison | float32 links | int8 links | kept |")
    print("| --- | --- | --- | --- | --- |")
    for model, comparison, exact, quantised, kept in links:
        print(f"| {model} | {comparison} | {exact} | {quantised} | {kept:.3f} |")
    print(f"\n4. text-query latency, {args.queries} queries, 31,000 + 1,500 image vectors")
    print("| precision | in-process | encode | HTTP GET /search |")
    print("| --- | --- | --- | --- |")
    for precision, parts in timings.items():
        print(f"| {precision} | " + " | ".join(percentiles(parts[k]) for k in ("in-process", "encode", "HTTP")) + " |")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
