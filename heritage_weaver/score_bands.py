"""Score bands within an agreement stratum: the sampler draws from them, the analysis estimates by them.

A pair's band score in a comparison is the mean of its finite model scores there (`score.<c>.<m>`);
a pair with none has no band score and falls in the lowest band. With K bands over a link type's n
links with a band score, sorted s_0 ≤ … ≤ s_{n−1}, the edges are s_⌈kn/K⌉ for k = 1, …, K − 1
(repeated edges collapse), and band b holds the scores in [edge_b, edge_{b+1}) (edge_0 = −inf, a last
edge +inf): without ties, band b holds the links of ranks ⌈bn/K⌉ to ⌈(b + 1)n/K⌉ − 1. The edges depend on the links alone, never on
labels, so the sampler and the analysis, given the same links and K, put every pair in the same band.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def band_scores(frame: pd.DataFrame, comparison: str, models: Sequence[str]) -> np.ndarray:
    """Each row's mean finite score over the models in `comparison` (NaN where it has none)."""
    scores = np.column_stack([frame[f"score.{comparison}.{m}"].to_numpy(dtype=float) for m in models])
    finite = np.isfinite(scores)
    total = np.where(finite, scores, 0.0).sum(axis=1)
    count = finite.sum(axis=1)
    return np.divide(total, count, out=np.full(len(total), np.nan), where=count > 0)


def band_edges(scores: np.ndarray, bands: int) -> np.ndarray:
    """The inner edges of `bands` quantile bands of the finite `scores` (empty for one band or no score)."""
    if bands < 1:
        raise ValueError(f"score bands must be at least 1, got {bands}")
    finite = np.asarray(scores, dtype=float)
    finite = finite[np.isfinite(finite)]
    if bands == 1 or not len(finite):
        return np.empty(0)
    ranks = -(-np.arange(1, bands) * len(finite) // bands)  # ⌈kn/K⌉
    return np.unique(np.sort(finite)[np.minimum(ranks, len(finite) - 1)])


def band_index(scores: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """The band (0 = lowest) of each score under `edges`; NaN scores are in band 0."""
    values = np.asarray(scores, dtype=float)
    found = np.searchsorted(edges, np.where(np.isfinite(values), values, -np.inf), side="right")
    return found.astype(np.int64)


def stratum_bands(link_types: Sequence[str | None], scores: np.ndarray, bands: int) -> np.ndarray:
    """The band of every row within its link type, edges taken over the rows of that type
    (rows without a link type: band 0)."""
    types = pd.Series(list(link_types), dtype=object)
    found = np.zeros(len(types), dtype=np.int64)
    if bands == 1:
        return found
    values = np.asarray(scores, dtype=float)
    for _, rows in types.dropna().groupby(types.dropna()).groups.items():
        members = np.asarray(rows, dtype=np.int64)
        found[members] = band_index(values[members], band_edges(values[members], bands))
    return found


def cell_names(link_types: Sequence[str | None], bands: np.ndarray, count: int) -> list[str | None]:
    """Each row's estimation cell: its link type, `<link type>#<band>` when there are several bands."""
    if count == 1:
        return list(link_types)
    return [None if t is None else f"{t}#{b}" for t, b in zip(link_types, bands.tolist(), strict=True)]
