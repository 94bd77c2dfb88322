"""`hw serve` latency: a text query at the study's scale, once the model is loaded (CPU).

    python benchmarks/serve.py                    # tiny SigLIP (the demo's, 64-d), 31,000 + 1,500 image vectors
    python benchmarks/serve.py --arch base        # SigLIP-base shape (768-d), random weights
    python benchmarks/serve.py --threads 2          # torch and FAISS threads per query (hw serve --threads)

Scale (study-protocol §1): 20,889 + 982 records, 31,000 + 1,500 image units in flat FAISS indexes,
as `hw index` writes them (vectors are random unit vectors; search cost does not depend on them).
Measured per query, in this order: the search in-process (`Searcher.search`: encode the text, search
both indexes, best image per record, k = 12) and split into encode and index search; then the whole
HTTP round trip to a uvicorn server on 127.0.0.1 (`GET /search`, HTML with 12 cards). Prints
p50/p95/max; asserts nothing about speed.
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

from embeddings.index import IndexFiles, make_index, write_index
from embeddings.search import Searcher
from heritage_weaver import atomic
from heritage_weaver.demo import create_demo_study

SCALE = {"smg": (20_889, 31_000), "nms": (982, 1_500)}  # records, image units


def write_study_scale(ws, dimension: int, seed: int = 0) -> int:
    """Records and one flat image index per collection at the study's scale; returns the vector count."""
    rng = np.random.default_rng(seed)
    records, total = [], 0
    for collection, (count, units) in SCALE.items():
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
        vectors = rng.normal(size=(units, dimension)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
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
        total += units
    atomic.write_table(ws.path("records", "records.parquet"), pd.DataFrame(records))
    return total


def percentiles(seconds: list[float]) -> str:
    ms = np.array(seconds) * 1000
    return f"p50 {np.percentile(ms, 50):6.1f} ms   p95 {np.percentile(ms, 95):6.1f} ms   max {ms.max():6.1f} ms"


def time_in_process(searcher: Searcher, texts: list[str]) -> tuple[list[float], list[float], list[float]]:
    """Seconds per text query with `searcher` (k = 12): the whole search, the encoding, the index search."""
    for text in texts[:5]:  # warm-up: indexes read, first forward passes
        searcher.search(text=text, k=12)
    total, encode, lookup = [], [], []
    for text in texts:
        start = time.perf_counter()
        query = searcher.query_vector(text=text)
        encoded = time.perf_counter()
        searcher.search_vector(query, k=12)
        done = time.perf_counter()
        total.append(done - start), encode.append(encoded - start), lookup.append(done - encoded)
    return total, encode, lookup


def time_http(ws, searcher: Searcher, texts: list[str]) -> list[float]:
    """Seconds per `GET /search?text=...` to the page served by uvicorn on 127.0.0.1 with `searcher`."""
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
    seconds = []
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        client.get("/search", params={"text": "warm-up"}).raise_for_status()
        for text in texts:
            start = time.perf_counter()
            client.get("/search", params={"text": text}).raise_for_status()
            seconds.append(time.perf_counter() - start)
    server.should_exit = True
    thread.join(timeout=10)
    return seconds


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
    args = parser.parse_args()
    from web.search import set_threads

    set_threads(args.threads)

    with tempfile.TemporaryDirectory() as scratch:
        ws = create_demo_study(Path(scratch) / "study", smg_records=20, nms_records=10)
        encoder_path = build_model(ws, args.arch)
        from heritage_weaver.siglip import load_siglip

        encoder = load_siglip(str(encoder_path), "cpu")
        dimension = encoder.encode_texts(["x"]).shape[1]
        vectors = write_study_scale(ws, dimension)
        texts = [f"a {NOUNS[i % len(NOUNS)]} made in {1850 + i}" for i in range(args.queries)]
        searcher = Searcher(ws, "base", encoder)
        total, encode, lookup = time_in_process(searcher, texts)
        http = time_http(ws, searcher, texts)

    print(f"machine: {machine()}")
    print(
        f"arch {args.arch} ({dimension}-d), {vectors:,} image vectors of {sum(r for r, _ in SCALE.values()):,} records, "
        f"flat indexes, {args.queries} text queries, k = 12"
    )
    print(f"search in-process   {percentiles(total)}")
    print(f"  encode the text   {percentiles(encode)}")
    print(f"  search indexes    {percentiles(lookup)}")
    print(f"HTTP GET /search    {percentiles(http)}")


if __name__ == "__main__":
    main()
