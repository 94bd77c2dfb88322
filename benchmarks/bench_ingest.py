"""Ingest of a generated SMG-like dump (default 30,000 records): wall time and peak memory.

.venv/bin/python benchmarks/bench_ingest.py [--records 30000]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from demo import write_demo_data
from heritage_weaver.workspace import Workspace
from ingest import ingest_collections

CONFIG = """[study]
name = "bench"
[models]
base = "google/siglip-base-patch16-224"
[[collections]]
name = "smg"
format = "smg"
path = "data/smg.jsonl"
image_base_url = "https://coimages.sciencemuseumgroup.org.uk/"
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=30_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        started = time.perf_counter()
        files = write_demo_data(root / "data", smg_records=args.records, nms_records=0, images=False)
        generated = time.perf_counter() - started
        (root / "study.toml").write_text(CONFIG)
        workspace = Workspace.open(root)
        started = time.perf_counter()
        result = ingest_collections(workspace)
        elapsed = time.perf_counter() - started
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        counts = result.counts[0]
        size_mib = files.smg.stat().st_size / 2**20
        print(f"dump: {args.records:,} records, {size_mib:.1f} MiB (generated in {generated:.1f} s)")
        print(
            f"ingest: {elapsed:.2f} s, {counts.rows / elapsed:,.0f} records/s, "
            f"{counts.accepted:,} accepted, {counts.rejected:,} rejected, {counts.images:,} images"
        )
        print(f"peak RSS of the whole process: {peak_mib:,.0f} MiB")


if __name__ == "__main__":
    main()
