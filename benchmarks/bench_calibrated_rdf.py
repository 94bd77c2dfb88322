"""The calibrated links' RDF at a published scale: written a part at a time (N-Triples) against one graph (Turtle).

One comparison, three models, `--links` calibrated links (20,000 by default: the order of what one
model × comparison links at the study's scale above a high threshold). Side by side in one run:
- `parts`: what `hw export-links --precision` does, `context_graphs` then `link_graphs` (2,000 links
  each), each part serialised as N-Triples and dropped; with `--validate`, each part is also checked
  against the SHACL shapes as the export does;
- `one graph`: every part merged into one rdflib graph, serialised as Turtle (the export before parts).
Prints wall time, triples and peak RSS of each, each way in a process of its own.

    .venv/bin/python benchmarks/bench_calibrated_rdf.py --links 20000 [--validate]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time

import numpy as np
import pandas as pd
from rdflib import Graph

from publishing.calibrated.rdf import Calibration, context_graphs, link_graphs, write_ntriples
from publishing.export import validate_graph
from publishing.rdf import Provenance, bound_graph

MODELS = ("base", "ft-last", "ft-best")
COMPARISON = "text-image"


def synthetic(links: int) -> tuple[pd.DataFrame, Calibration, Provenance]:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "study": "bench",
            "pair_id": [f"p{i:07d}" for i in range(links)],
            "comparison": COMPARISON,
            "uri_a": [f"https://collection.example.org/smg/{i}" for i in range(links)],
            "uri_b": [f"https://collection.example.org/nms/{i}" for i in range(links)],
            "relation": "skos:relatedMatch",
            "probability": rng.uniform(0.7, 1.0, links),
            "linked_by": ";".join(f"{COMPARISON}/{m}" for m in MODELS),
        }
    )
    for m in MODELS:
        frame[f"score.{COMPARISON}.{m}"] = rng.uniform(0.2, 0.4, links)
        frame[f"threshold.{COMPARISON}.{m}"] = 0.2
    sets = pd.DataFrame(
        [
            {"comparison": COMPARISON, "threshold": 0.7, "target_precision": 0.9, "confidence": 0.95}
            | {"precision": 0.95, "lower_bound": 0.91, "ci_low": 0.9, "ci_high": 0.98, "expected_recall": 0.4}
            | {"links": links + 100, "labelled": 100, "calibrated_links": links}
        ]
    )
    fits = pd.DataFrame([{"comparison": COMPARISON, "family": "logistic", "pairs": 500, "brier": 0.1, "ece": 0.02}])
    thresholds = pd.DataFrame(
        [
            {"comparison": COMPARISON, "model": m, "rule": "percentile", "threshold": 0.2, "percentile": 99.0}
            | {"mode": "record", "top_k": 10, "direction": "both"}
            for m in MODELS
        ]
    )
    provenance = Provenance("bench", "https://study.example.org/bench/", {m: m for m in MODELS}, {}, thresholds, None)
    return frame, Calibration(sets, fits, 500, None), provenance


def parts(links: pd.DataFrame, calibration: Calibration, provenance: Provenance, validate: bool) -> int:
    def check(part: Graph) -> None:
        validate_graph(part)

    with open(os.devnull, "w") as out:
        return write_ntriples(out, calibration, links, provenance, check if validate else None)


def one_graph(links: pd.DataFrame, calibration: Calibration, provenance: Provenance) -> int:
    graph: Graph = bound_graph()
    sample, contexts, nodes = context_graphs(calibration, provenance)
    graph += sample
    for context in contexts.values():
        graph += context
        for _, part in link_graphs(links, COMPARISON, nodes, provenance):
            graph += part
    graph.serialize(format="turtle")
    return len(graph)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--links", type=int, default=20_000)
    parser.add_argument("--validate", action="store_true")
    parser.add_argument("--way", choices=("parts", "one graph"), help="run one way here (the others run in a child)")
    args = parser.parse_args()
    if args.way is None:
        print(f"{args.links:,} calibrated links, one comparison, {len(MODELS)} models")
        for way in ("parts", "one graph"):
            options = ["--links", str(args.links), "--way", way, *(["--validate"] if args.validate else [])]
            subprocess.run([sys.executable, __file__, *options], check=True)
        return
    links, calibration, provenance = synthetic(args.links)
    start = time.perf_counter()
    if args.way == "parts":
        triples = parts(links, calibration, provenance, args.validate)
    else:
        triples = one_graph(links, calibration, provenance)
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.way:10} {wall:8.1f} s {triples:>10,} triples {peak:8.0f} MiB peak RSS", flush=True)


if __name__ == "__main__":
    main()
