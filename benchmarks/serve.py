"""`hw serve` latency: a text query at the study's scale, once the model is loaded (CPU).

    python benchmarks/serve.py                    # tiny SigLIP (the demo's, 64-d), image and text indexes
    python benchmarks/serve.py --arch base        # SigLIP-base shape (768-d), random weights
    python benchmarks/serve.py --threads 2        # torch and FAISS threads per query (hw serve --threads)
    python benchmarks/serve.py --no-text-units    # image indexes only (this script before merged search)

Scale (study-protocol §1): 20,889 + 982 records; 31,000 + 1,500 image units and 71,000 + 3,500
text units (a name and ~2.4 description sentences per record: the protocol's "about 107,000
vectors per model (images + text units)" less the 32,500 images) in flat FAISS indexes, as
`hw index` writes them (vectors are random unit vectors; search cost does not depend on them).
Queries are encoded as `hw serve` encodes them: by the study's default `query_precision` (int8
for image units, float32 for text units).

Each text query runs twice side by side, alternating which goes first: as the page's default
(every modality indexed, merged by record) and limited to image units (`modality=image`). Measured
per query: the search in-process (`Searcher.search`, k = 12), with the time spent encoding the
text (and how many encodes it took); then the whole HTTP round trip to a uvicorn server on
127.0.0.1 (`GET /search`, HTML with 12 cards). Prints p50/p95/max and merged / image-only
ratios; asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import pandas as pd
import torch
from embed import NOUNS, build_model

from demo import create_demo_study
from embeddings.index import IndexFiles, make_index, write_index
from embeddings.search import Searcher, query_encoders
from heritage_weaver import atomic
from heritage_weaver.config_sections import QueryPrecision

SCALE = {"smg": (20_889, 31_000, 71_000), "nms": (982, 1_500, 3_500)}  # records, image units, text units


def unit_vectors(rng, count: int, dimension: int) -> np.ndarray:
    vectors = rng.normal(size=(count, dimension)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def write_study_scale(ws, dimension: int, text_units: bool = True, seed: int = 0) -> dict[str, int]:
    """Records and one flat index per collection and modality at the study's scale (image units,
    and text units unless `text_units` is false); returns the vector count per modality."""
    rng = np.random.default_rng(seed)
    records, total = [], {"image": 0, "text": 0}
    for collection, (count, units, texts) in SCALE.items():
        with_image = min(count, units * 2 // 3)  # records with at least one image; the rest have more
        owners = np.sort(
            np.concatenate(
                [rng.choice(count, size=with_image, replace=False), rng.integers(0, count, units - with_image)]
            )
        )
        ids = [f"{collection}-{i}" for i in range(count)]
        records += [
            {
                "record_id": r,
                "collection": collection,
                "name": f"{NOUNS[i % len(NOUNS)]} {i}",
                "description": "",
                "images": [f"https://images.example.org/{r}.jpg"],
                "category": None,
                "taxonomy": None,
                "source_file": "bench",
                "source_position": i,
            }
            for i, r in enumerate(ids)
        ]
        vectors = unit_vectors(rng, units, dimension)
        mapping = pd.DataFrame(
            {
                "unit_id": [f"{ids[o]}#img{n}" for n, o in enumerate(owners)],
                "record_id": [ids[o] for o in owners],
                "collection": collection,
                "modality": "image",
                "kind": "image",
                "image": [f"https://images.example.org/{ids[o]}.jpg" for o in owners],
            }
        )
        write_index(make_index(vectors), IndexFiles.of(ws, "base", "image", collection), mapping)
        total["image"] += units
        if text_units:  # a name per record, then the sentences, spread at random over the records
            owners = np.sort(np.concatenate([np.arange(count), rng.integers(0, count, texts - count)]))
            first = np.r_[True, owners[1:] != owners[:-1]]
            position = np.arange(texts) - np.maximum.accumulate(np.where(first, np.arange(texts), 0))
            mapping = pd.DataFrame(
                {
                    "unit_id": [
                        f"{ids[o]}#name" if f else f"{ids[o]}#s{p - 1}" for o, f, p in zip(owners, first, position)
                    ],
                    "record_id": [ids[o] for o in owners],
                    "collection": collection,
                    "modality": "text",
                    "kind": np.where(first, "name", "sentence"),
                    "image": None,
                }
            )
            write_index(
                make_index(unit_vectors(rng, texts, dimension)), IndexFiles.of(ws, "base", "text", collection), mapping
            )
            total["text"] += texts
    atomic.write_table(ws.path("records", "records.parquet"), pd.DataFrame(records))
    return total


class TimedEncoder:
    """An encoder that adds the seconds and the calls of its text encodes to `clock`."""

    def __init__(self, encoder, clock: dict[str, float]) -> None:
        self.encoder, self.clock = encoder, clock

    def encode_texts(self, texts: list[str]) -> np.ndarray:
        start = time.perf_counter()
        try:
            return self.encoder.encode_texts(texts)
        finally:
            self.clock["seconds"] += time.perf_counter() - start
            self.clock["calls"] += 1

    def encode_images(self, images: list) -> np.ndarray:
        return self.encoder.encode_images(images)


def percentiles(seconds: list[float]) -> str:
    ms = np.array(seconds) * 1000
    return f"p50 {np.percentile(ms, 50):6.1f} ms   p95 {np.percentile(ms, 95):6.1f} ms   max {ms.max():6.1f} ms"


VARIANTS = {"merged": None, "image": "image"}  # the name of a query variant: its `modality`


def alternating(index: int, variants: list[str]) -> list[str]:
    """The variants in turn, the first one first on even queries and last on odd ones."""
    return variants if index % 2 == 0 else variants[::-1]


def time_in_process(
    searcher: Searcher, clock: dict[str, float], texts: list[str], variants: list[str]
) -> dict[str, dict[str, list[float]]]:
    """Per variant, seconds per text query with `searcher` (k = 12): the whole search, the
    encoding, and the number of encodes."""
    for text in texts[:5]:  # warm-up: indexes read, first forward passes of every encoder
        for variant in variants:
            searcher.search(text=text, k=12, modality=VARIANTS[variant])
    out: dict[str, dict[str, list[float]]] = {v: {"total": [], "encode": [], "encodes": []} for v in variants}
    for i, text in enumerate(texts):
        for variant in alternating(i, variants):
            clock.update(seconds=0.0, calls=0)
            start = time.perf_counter()
            searcher.search(text=text, k=12, modality=VARIANTS[variant])
            out[variant]["total"].append(time.perf_counter() - start)
            out[variant]["encode"].append(clock["seconds"])
            out[variant]["encodes"].append(clock["calls"])
    return out


def time_http(ws, searcher: Searcher, texts: list[str], variants: list[str]) -> dict[str, list[float]]:
    """Per variant, seconds per `GET /search?text=...` to the page served by uvicorn on 127.0.0.1 with `searcher`."""
    import httpx
    import uvicorn

    from web.app import create_app

    app = create_app(ws, lambda w, m: searcher)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    seconds: dict[str, list[float]] = {v: [] for v in variants}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
        for variant in variants:
            client.get("/search", params={"text": "warm-up", "modality": VARIANTS[variant] or ""}).raise_for_status()
        for i, text in enumerate(texts):
            for variant in alternating(i, variants):
                start = time.perf_counter()
                client.get("/search", params={"text": text, "modality": VARIANTS[variant] or ""}).raise_for_status()
                seconds[variant].append(time.perf_counter() - start)
    server.should_exit = True
    thread.join(timeout=10)
    return seconds


def ratios(merged: list[float], image: list[float]) -> str:
    p50, p95 = (np.percentile(merged, q) / np.percentile(image, q) for q in (50, 95))
    return f"merged / image-only: p50 {p50:.2f}x   p95 {p95:.2f}x"


def machine() -> str:
    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout.splitlines()
    model = next(
        (line.split(":", 1)[1].strip() for line in lscpu if line.startswith("Model name")), platform.processor()
    )
    return f"{os.cpu_count()} CPUs ({model}), load average {os.getloadavg()[0]:.1f}, torch {torch.__version__}, {torch.get_num_threads()} threads"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", choices=["tiny", "base"], default="tiny")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--threads", type=int, default=1, help="CPU threads per query, as `hw serve --threads`")
    parser.add_argument(
        "--no-text-units", action="store_true", help="image indexes only: measure the image-only query alone"
    )
    args = parser.parse_args()
    from web.search import set_threads

    set_threads(args.threads)
    variants = ["image"] if args.no_text_units else ["merged", "image"]
    print(f"machine at start: {machine()}", flush=True)

    with tempfile.TemporaryDirectory() as scratch:
        ws = create_demo_study(Path(scratch) / "study", smg_records=20, nms_records=10)
        encoder_path = build_model(ws, args.arch)
        from heritage_weaver.siglip import load_siglip

        dimension = load_siglip(str(encoder_path), "cpu").encode_texts(["x"]).shape[1]
        vectors = write_study_scale(ws, dimension, text_units=not args.no_text_units)
        precision = QueryPrecision()  # the study's default, as `hw serve` encodes queries
        clock = {"seconds": 0.0, "calls": 0}
        encoders = query_encoders(str(encoder_path), precision)  # one per precision, loaded on first use
        timed = {id(e): TimedEncoder(e, clock) for e in encoders.values()}
        searcher = Searcher(ws, "base", encoder=object())  # the encoders are set next
        searcher.encoders = {m: timed[id(e)] for m, e in encoders.items()}
        in_process = time_in_process(searcher, clock, texts := _texts(args.queries), variants)
        http = time_http(ws, searcher, texts, variants)

    print(f"machine at end:   {machine()}")
    counts = ", ".join(f"{count:,} {modality}" for modality, count in vectors.items() if count)
    print(
        f"arch {args.arch} ({dimension}-d), {counts} vectors of {sum(s[0] for s in SCALE.values()):,} records, "
        f"flat indexes, {args.queries} text queries each way, k = 12, query encoders int8 (image units) / "
        f"float32 (text units)"
    )
    for variant in variants:
        name = "merged (default)" if variant == "merged" else "image units only"
        times = in_process[variant]
        print(f"{name}:")
        print(f"  search in-process   {percentiles(times['total'])}")
        print(
            f"    encode the text   {percentiles(times['encode'])}   ({np.mean(times['encodes']):.1f} encodes per query)"
        )
        rest = list(np.subtract(times["total"], times["encode"]))
        print(f"    the rest          {percentiles(rest)}")
        print(f"  HTTP GET /search    {percentiles(http[variant])}")
    if len(variants) == 2:
        print(f"in-process {ratios(in_process['merged']['total'], in_process['image']['total'])}")
        print(f"HTTP       {ratios(http['merged'], http['image'])}")


def _texts(count: int) -> list[str]:
    return [f"a {NOUNS[i % len(NOUNS)]} made in {1850 + i}" for i in range(count)]


if __name__ == "__main__":
    main()
