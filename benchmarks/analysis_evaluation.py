"""Analysis stage at study scale: retrieval over the whole database and regression refits.

Prints figures; no asserts. Run: .venv/bin/python benchmarks/analysis_evaluation.py [--queries N]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from analysis import retrieval
from analysis.design import Design
from analysis.logit import fit_logit, permutation_pvalues


def retrieval_figures(queries: int, images: int, records: int, dimension: int) -> None:
    rng = np.random.default_rng(0)
    units = rng.standard_normal((images, dimension), dtype=np.float32)
    units /= np.linalg.norm(units, axis=1, keepdims=True)
    unit_records = rng.integers(0, records, images)
    query_rows = rng.choice(images, queries, replace=False)
    groups = (np.arange(records) % 20 == 0).astype(int)
    start = time.perf_counter()
    top = retrieval.top_records(
        units[query_rows], units, unit_records, 20, unit_records[query_rows], groups[unit_records[query_rows]], groups
    )
    elapsed = time.perf_counter() - start
    print(
        f"image→image top-20, cross-collection: {queries} queries × {images} images ({records} records, d={dimension}): "
        f"{elapsed:.2f} s, {queries / elapsed:,.0f} queries/s"
    )
    names = rng.standard_normal((records, 384), dtype=np.float32)
    names /= np.linalg.norm(names, axis=1, keepdims=True)
    start = time.perf_counter()
    retrieval.relevant_counts(unit_records[query_rows], top, names, 0.95)
    print(f"relevance counts: {time.perf_counter() - start:.3f} s")


def regression_figures(annotations: int, refits: int) -> None:
    rng = np.random.default_rng(1)
    flags = pd.DataFrame(rng.integers(0, 2, (annotations, 2)).astype(float), columns=["base", "ft-best"])
    outcome = pd.Series(
        (rng.random(annotations) < 1 / (1 + np.exp(-(flags["ft-best"] * 0.5 - 0.2 * flags["base"])))).astype(float)
    )
    design = Design("table6", "ft-best", flags, outcome, pd.Series(rng.choice(["A01", "A02", "A03"], annotations)))
    start = time.perf_counter()
    import statsmodels.discrete.discrete_model  # noqa: F401  (imported once per run; timed apart)

    print(f"statsmodels import: {time.perf_counter() - start:.2f} s")
    start = time.perf_counter()
    fit = fit_logit(design, effects="cluster")
    permutation_pvalues(design, fit.coefficients, False, "none", refits, 0)
    print(
        f"Table 6 fit + {refits} permutation refits on {annotations} annotations: {time.perf_counter() - start:.2f} s"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", type=int, default=2172)
    parser.add_argument("--images", type=int, default=31153)
    parser.add_argument("--records", type=int, default=21871)
    parser.add_argument("--dimension", type=int, default=768)
    args = parser.parse_args()
    retrieval_figures(args.queries, args.images, args.records, args.dimension)
    regression_figures(551, 100)
