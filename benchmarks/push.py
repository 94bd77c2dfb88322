"""Push 10,000 blind tasks across 5 annotators: one server per desk against one shared server, side by side.

Builds two identical throw-away studies (200 × 50 records, so 10,000 distinct pairs split into one
batch per annotator, one local image per record). In the first, every desk folder links to one
server (the single-server layout the platform had before per-desk servers); in the second, each
desk has its own server. Both are started from the migrated template (`hw labelstudio prepare`),
then `hw push`'s code path is timed end to end (reading the batches, building tasks, linking images
into each desk's document root, batched imports, ledger writes), then a re-run that has nothing to
do. It prints each layout's times and the resident memory of every server, idle and after the push.

    .venv/bin/python benchmarks/push.py [--pairs 10000] [--annotators 5] [--import-batch-size 500]
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
from PIL import Image

from annotation import server
from annotation.artifacts import LABELSTUDIO_DATA, LEDGER
from annotation.client import Connection
from annotation.push import push
from heritage_weaver.atomic import write_table
from heritage_weaver.workspace import Workspace


def build_study(root: Path, n_pairs: int, annotators: list[str], batch_size: int, port: int) -> Workspace:
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
    for index, annotator in enumerate(annotators):
        mine = pairs[index :: len(annotators)]
        batch = pd.DataFrame(
            {
                "pair_id": [f"pair-{a:05d}-{b:05d}" for a, b in mine],
                "annotator": annotator,
                "position": range(len(mine)),
                "record_a": [f"smg{a:05d}" for a, _ in mine],
                "collection_a": "smg",
                "record_b": [f"nms{b:05d}" for _, b in mine],
                "collection_b": "nms",
                "link_types": [["image-image/all models"]] * len(mine),
                "is_control": False,
                "is_overlap": False,
                "score.image-image.base": 0.9,
                "link.image-image.base": True,
            }
        )
        write_table(root / "sampler" / "batches" / f"{annotator}.parquet", batch)
    (root / "none.csv").write_text("id\n")
    (root / "study.toml").write_text(
        '[study]\nname = "bench"\n\n[[collections]]\nname = "smg"\nformat = "csv"\npath = "none.csv"\n'
        'columns = { record_id = "id" }\n\n[models]\nbase = "models/base"\n\n'
        f'[labelstudio]\nurl = "http://127.0.0.1:{port}"\nimport_batch_size = {batch_size}\n'
    )
    return Workspace.open(root)


@contextmanager
def timed(owner: object, name: str) -> Iterator[list[float]]:
    """Add up the seconds spent in `owner.name` while the block runs."""
    spent = [0.0]
    original = getattr(owner, name)

    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - started

    setattr(owner, name, wrapper)
    try:
        yield spent
    finally:
        setattr(owner, name, original)


def _memory(workspace: Workspace, desks: list[str]) -> list[int]:
    """Resident MiB of each distinct running server."""
    pids = {state.pid for desk in desks if (state := server.Desk(workspace, desk).running())}
    return [server.memory_bytes(pid) // 2**20 for pid in sorted(pids)]


def run_layout(root: Path, args: argparse.Namespace, annotators: list[str], shared: bool) -> None:
    name = "one shared server" if shared else "one server per desk"
    workspace = build_study(root, args.pairs, annotators, args.import_batch_size, server.free_port())
    started_desks = annotators[:1] if shared else annotators
    if shared:  # every desk folder is the first desk's: one server, one database, one document root
        server.Desk(workspace, annotators[0]).folder.mkdir(parents=True)
        for desk in annotators[1:]:
            (LABELSTUDIO_DATA.location(workspace) / desk).symlink_to(server.Desk(workspace, annotators[0]).folder)
    started = time.perf_counter()
    server.wait_healthy(workspace, [server.Desk(workspace, desk).spawn() for desk in started_desks])
    print(f"[{name}] {len(started_desks)} server(s) started together in {time.perf_counter() - started:.1f} s")
    try:
        idle = _memory(workspace, started_desks)
        with timed(Connection, "import_tasks") as importing:
            started = time.perf_counter()
            reports = push(workspace)
            elapsed = time.perf_counter() - started
        created = sum(report.created for report in reports)
        print(
            f"[{name}] push: {created:,} tasks for {len(annotators)} annotators in {elapsed:.2f} s "
            f"({created / elapsed:,.0f} tasks/s); {importing[0]:.2f} s of it waiting on the servers' imports"
        )
        started = time.perf_counter()
        again = push(workspace)
        print(
            f"[{name}] re-push, nothing missing: {sum(r.created for r in again)} created in {time.perf_counter() - started:.2f} s"
        )
        after = _memory(workspace, started_desks)
        print(
            f"[{name}] resident memory per server, MiB: idle {idle}, after the push {after}; in all {sum(after):,} MiB"
        )
        with sqlite3.connect(LEDGER.location(workspace)) as db:
            print(f"[{name}] ledger tasks: {db.execute('SELECT COUNT(*) FROM tasks').fetchone()[0]:,}")
    finally:
        for desk in started_desks:
            server.Desk(workspace, desk).stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=10_000)
    parser.add_argument("--annotators", type=int, default=5)
    parser.add_argument("--import-batch-size", type=int, default=500)
    args = parser.parse_args()
    annotators = [f"B{i:02d}" for i in range(1, args.annotators + 1)]
    with tempfile.TemporaryDirectory() as folder:
        for shared in (True, False):
            run_layout(Path(folder) / ("shared" if shared else "per-desk") / "study", args, annotators, shared)


if __name__ == "__main__":
    main()
