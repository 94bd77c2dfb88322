"""Push 10,000 blind tasks into a local Label Studio server and time it (target: under 10 s).

Builds a throw-away study (200 × 50 records, so 10,000 distinct pairs, one local image per
record), starts the study's own server from the migrated template (`hw labelstudio prepare`),
times `hw push`'s code path end to end (reading the batch, building tasks, batched imports,
ledger writes), then times a re-run that has nothing to do, and stops the server.

    .venv/bin/python benchmarks/push.py [--pairs 10000] [--import-batch-size 500]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile
import time
from pathlib import Path

import pandas as pd
from PIL import Image

from annotation import push as pushing
from annotation import server
from annotation.client import connect
from annotation.push import push
from heritage_weaver.artifacts import LEDGER
from heritage_weaver.atomic import write_table
from heritage_weaver.workspace import Workspace


def build_study(root: Path, n_pairs: int, batch_size: int, port: int) -> Workspace:
    n_a = 200
    n_b = -(-n_pairs // n_a)
    images = root / "data" / "images"
    images.mkdir(parents=True)
    Image.new("RGB", (64, 64), (120, 80, 40)).save(images / "object.jpg")
    records = pd.DataFrame(
        [
            {
                "record_id": f"{collection}{i:05d}",
                "collection": collection,
                "name": f"object {collection} {i}",
                "description": "A brass instrument with a wooden case. " * 3,
                "images": [str(images / "object.jpg")],
                "category": None,
                "taxonomy": None,
                "source_file": "bench",
                "source_position": i,
            }
            for collection, n in (("smg", n_a), ("nms", n_b))
            for i in range(n)
        ]
    )
    write_table(root / "records" / "records.parquet", records)
    pairs = [(a, b) for a in range(n_a) for b in range(n_b)][:n_pairs]
    batch = pd.DataFrame(
        {
            "pair_id": [f"pair-{a:05d}-{b:05d}" for a, b in pairs],
            "annotator": "B01",
            "position": range(len(pairs)),
            "record_a": [f"smg{a:05d}" for a, _ in pairs],
            "collection_a": "smg",
            "record_b": [f"nms{b:05d}" for _, b in pairs],
            "collection_b": "nms",
            "link_types": [["image-image/all models"]] * len(pairs),
            "is_control": False,
            "is_overlap": False,
            "score.image-image.base": 0.9,
            "link.image-image.base": True,
        }
    )
    write_table(root / "sampler" / "batches" / "B01.parquet", batch)
    (root / "none.csv").write_text("id\n")
    (root / "study.toml").write_text(
        '[study]\nname = "bench"\n\n[[collections]]\nname = "smg"\nformat = "csv"\npath = "none.csv"\n'
        'columns = { record_id = "id" }\n\n[models]\nbase = "models/base"\n\n'
        f'[labelstudio]\nurl = "http://127.0.0.1:{port}"\nimport_batch_size = {batch_size}\n'
    )
    return Workspace.open(root)


def _timed(owner: object, name: str) -> list[float]:
    """Wrap `owner.name` to add up the seconds spent in it."""
    spent = [0.0]
    original = getattr(owner, name)

    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - started

    setattr(owner, name, wrapper)
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=10_000)
    parser.add_argument("--import-batch-size", type=int, default=500)
    args = parser.parse_args()
    os.environ.setdefault("LABEL_STUDIO_API_KEY", "benchmark-token-0123456789")
    with tempfile.TemporaryDirectory() as folder:
        workspace = build_study(Path(folder) / "study", args.pairs, args.import_batch_size, server.free_port())
        started = time.perf_counter()
        server.start(workspace)
        print(f"server start (from the migrated template): {time.perf_counter() - started:.1f} s")
        try:
            connection = connect(workspace)
            importing = _timed(pushing, "import_tasks")
            started = time.perf_counter()
            reports = push(workspace, connection)
            elapsed = time.perf_counter() - started
            created = sum(report.created for report in reports)
            print(
                f"push: {created:,} tasks in {elapsed:.2f} s ({created / elapsed:,.0f} tasks/s), "
                f"import batches of {args.import_batch_size}; {importing[0]:.2f} s of it waiting on the server's imports"
            )
            started = time.perf_counter()
            again = push(workspace, connection)
            print(
                f"re-push with nothing missing: {sum(r.created for r in again)} created in "
                f"{time.perf_counter() - started:.2f} s"
            )
            with sqlite3.connect(LEDGER.location(workspace)) as db:
                print(f"ledger tasks: {db.execute('SELECT COUNT(*) FROM tasks').fetchone()[0]:,}")
        finally:
            server.stop(workspace)


if __name__ == "__main__":
    main()
