"""`hw serve`'s reconciliation service: seconds per batch of 100 queries at the study's scale (CPU).

    python benchmarks/reconcile.py                 # tiny SigLIP (the demo's, 64-d)
    python benchmarks/reconcile.py --arch base     # SigLIP-base shape (768-d), random weights
    python benchmarks/reconcile.py --batches 5 --threads 2

Scale as `benchmarks/serve.py` writes it (study-protocol §1): 21,871 records in two collections,
32,500 image units and 74,500 text units in flat FAISS indexes (random unit vectors: search cost
does not depend on them). Three kinds of batch, 100 queries each, as OpenRefine sends a name column
with properties (`limit` 10, both collections): `name` (the query string only), `name+description`
(two more sentences, split by spaCy as `hw embed` splits them; every text of a batch distinct, so
none is encoded once for several queries) and `name+description+image` (and a
local 400 × 300 JPEG per query, read from `[serve] image_folders`). Each batch is timed
in-process (`ReconcileService.answer`, the JSON in, the result batch out) and as an HTTP POST of the
form field `queries` to a uvicorn server on 127.0.0.1, alternating which goes first. Queries are
encoded in float32 (the study's `embedding.cpu_precision`). Prints the median and the largest
seconds per batch; asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.append(sys.path.pop(0))  # this folder last: its ingest.py must not hide the ingest package

import numpy as np
from embed import NOUNS, build_model
from PIL import Image
from serve import SCALE, machine, write_study_scale

from demo import create_demo_study
from embeddings.search import Searcher
from heritage_weaver.workspace import Workspace

BATCH = 100
KINDS = ("name", "name+description", "name+description+image")


def write_query_images(folder: Path, count: int, seed: int = 0) -> list[Path]:
    """`count` small JPEGs of random colour blocks, the queries' own images."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(count):
        blocks = rng.integers(0, 255, size=(6, 8, 3), dtype=np.uint8)
        path = folder / f"query-{number}.jpg"
        Image.fromarray(blocks).resize((400, 300), Image.Resampling.NEAREST).save(path, quality=85)
        paths.append(path)
    return paths


def batch(kind: str, number: int, images: list[Path]) -> str:
    """Batch `number` of a kind: 100 queries, each its own name (and description, and image)."""
    queries = {}
    for i in range(BATCH):
        n = number * BATCH + i
        query: dict = {"query": f"a {NOUNS[n % len(NOUNS)]} made in {1850 + n % 120}", "limit": 10}
        properties = []
        if kind != "name":
            description = f"A {NOUNS[(n + 3) % len(NOUNS)]} of brass, number {n}. It was used in workshop {n + 7}."
            properties.append({"pid": "description", "v": description})
        if kind.endswith("image"):
            properties.append({"pid": "image", "v": str(images[n % len(images)])})
        queries[f"q{i}"] = query | ({"properties": properties} if properties else {})
    return json.dumps(queries)


def serve(app) -> tuple[object, int]:
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server, server.servers[0].sockets[0].getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", choices=["tiny", "base"], default="tiny")
    parser.add_argument("--batches", type=int, default=5, help="batches of each kind, each way")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads per query, as `hw serve --threads`")
    args = parser.parse_args()
    import httpx

    from web.app import create_app
    from web.search import set_threads

    set_threads(args.threads)
    print(f"machine at start: {machine()}", flush=True)
    with tempfile.TemporaryDirectory() as scratch:
        ws = create_demo_study(Path(scratch) / "study", smg_records=20, nms_records=10)
        folder = Path(scratch) / "query-images"
        config = ws.path("study.toml")
        config.write_text(config.read_text() + f'\n[serve]\nimage_folders = ["{folder}"]\n')
        ws = Workspace.open(ws.root)
        images = write_query_images(folder, 50)
        encoder_path = build_model(ws, args.arch)
        from heritage_weaver.siglip import load_siglip

        dimension = load_siglip(str(encoder_path), "cpu").encode_texts(["x"]).shape[1]
        vectors = write_study_scale(ws, dimension)
        app = create_app(ws, lambda w, model: Searcher(w, model))
        service = app.state.reconcile
        start = time.perf_counter()
        service.reconciler.warm()
        warm = time.perf_counter() - start
        service.answer(batch("name+description+image", args.batches, images))  # indexes read, first passes
        server, port = serve(app)
        seconds: dict[tuple[str, str], list[float]] = {}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=900) as client:
            for kind in KINDS:
                for number in range(args.batches):
                    payload = batch(kind, number, images)
                    ways = ["in-process", "HTTP"] if number % 2 == 0 else ["HTTP", "in-process"]
                    for way in ways:
                        start = time.perf_counter()
                        if way == "HTTP":
                            client.post("/reconcile", data={"queries": payload}).raise_for_status()
                        else:
                            service.answer(payload)
                        seconds.setdefault((kind, way), []).append(time.perf_counter() - start)
        server.should_exit = True

    print(f"machine at end:   {machine()}")
    counts = ", ".join(f"{count:,} {modality}" for modality, count in vectors.items())
    print(
        f"arch {args.arch} ({dimension}-d), {counts} vectors of {sum(s[0] for s in SCALE.values()):,} records, "
        f"flat indexes; {args.batches} batches of {BATCH} queries per kind and way, limit 10, float32 queries; "
        f"model and splitter load {warm:.1f} s"
    )
    for kind in KINDS:
        for way in ("in-process", "HTTP"):
            times = seconds[(kind, way)]
            print(f"  {kind:24s} {way:10s}  median {np.median(times):5.2f} s   max {max(times):5.2f} s per batch")


if __name__ == "__main__":
    main()
