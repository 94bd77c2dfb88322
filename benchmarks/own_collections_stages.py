"""Time each stage of a study of two collections in real export shapes, text-only or image-poor.

    benchmarks/own_collections_stages.py OUT [--images N]

builds the collections of tests/e2e/own_collections.py (a folder of nested JSON files, 120
objects; a Windows-1252 CSV export with a joined table of paragraphs, 60 objects; image URLs on a
host no machine reaches; N local pictures per collection, 0 by default) with a tiny SigLIP, starts
Label Studio, and runs every verb of `hw run`'s plan that is ready as its own `hw` process,
printing each one's wall time (a process start, about 4 s of imports, included) and exit code. Simulated curators label the batches (the demo's truth comes along).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "e2e"))

from own_collections import write_own_study  # noqa: E402

from annotation import server  # noqa: E402
from heritage_weaver.stages import READY  # noqa: E402
from heritage_weaver.workspace import Workspace  # noqa: E402
from hw_cli.stages import plan  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, help="a new folder for the study")
    parser.add_argument("--images", type=int, default=0, help="local pictures per collection (0: text-only)")
    args = parser.parse_args()
    root = write_own_study(args.out, args.images, f"http://127.0.0.1:{server.free_port()}")
    hw = str(Path(sys.executable).parent / "hw")
    env = {**os.environ, server.USERNAME_ENV: "bench@example.org", server.PASSWORD_ENV: "bench-password-123"}
    subprocess.run([hw, "labelstudio", "up", "-s", str(root)], env=env, check=True, capture_output=True)
    try:
        total = 0.0
        print(f"{'stage':>16}  seconds  exit  (text-only)" if args.images == 0 else f"{'stage':>16}  seconds  exit")
        for stage in (verb.stage for verb in plan()):
            state = stage.state(Workspace.open(root))
            if state != READY:  # waiting for an input this study does not have (the demo's base model, fields)
                print(f"{stage.verb:>16}  {'–':>7}  {'–':>4}  {state}")
                continue
            started = time.perf_counter()
            done = subprocess.run([hw, stage.verb, "-s", str(root)], env=env, capture_output=True, text=True)
            seconds = time.perf_counter() - started
            total += seconds
            print(f"{stage.verb:>16}  {seconds:7.1f}  {done.returncode:>4}")
        print(f"{'all':>16}  {total:7.1f}")
    finally:
        subprocess.run([hw, "labelstudio", "down", "-s", str(root)], env=env, capture_output=True)


if __name__ == "__main__":
    main()
