"""Retrieval of records by vector similarity, and the study's relevance measures (Tables 4–5).

A record's score for a query is the best score over its units; queries are processed in
blocks so the similarity matrix never has to fit in memory at once.
"""

from __future__ import annotations

import numpy as np

BLOCK = 1024


def top_records(
    queries: np.ndarray,
    units: np.ndarray,
    unit_records: np.ndarray,
    n: int,
    exclude_records: np.ndarray | None = None,
    query_groups: np.ndarray | None = None,
    record_groups: np.ndarray | None = None,
) -> np.ndarray:
    """The n best records per query (record codes, best first; −1 where fewer qualify).

    `unit_records` gives each unit's record code. `exclude_records` drops one record per
    query (the query's own); with groups, only records of another group qualify (cross-collection).
    """
    order = np.argsort(unit_records, kind="stable")
    sorted_records = unit_records[order]
    starts = np.flatnonzero(np.r_[True, sorted_records[1:] != sorted_records[:-1]])
    present = sorted_records[starts]
    ordered_units = units[order]
    result = np.full((len(queries), n), -1, dtype=np.int64)
    for begin in range(0, len(queries), BLOCK):
        block = slice(begin, begin + BLOCK)
        scores = np.maximum.reduceat(queries[block] @ ordered_units.T, starts, axis=1)
        if exclude_records is not None:
            scores[exclude_records[block, None] == present[None, :]] = -np.inf
        if query_groups is not None and record_groups is not None:
            scores[query_groups[block, None] == record_groups[present][None, :]] = -np.inf
        take = min(n, scores.shape[1])
        best = _best_columns(scores, take)
        best_scores = np.take_along_axis(scores, best, axis=1)
        result[block, :take] = np.where(np.isfinite(best_scores), present[best], -1)
    return result


def _best_columns(scores: np.ndarray, take: int) -> np.ndarray:
    """Column indices of the `take` highest scores per row, best first (equal scores keep column order)."""
    if take < scores.shape[1]:
        candidates = np.sort(np.argpartition(-scores, take - 1, axis=1)[:, :take], axis=1)
    else:
        candidates = np.broadcast_to(np.arange(scores.shape[1]), scores.shape)
    chosen = np.take_along_axis(scores, candidates, axis=1)
    order = np.argsort(-chosen, axis=1, kind="stable")
    return np.take_along_axis(candidates, order, axis=1)


def relevant_counts(
    query_records: np.ndarray, retrieved: np.ndarray, name_vectors: np.ndarray, threshold: float
) -> np.ndarray:
    """Per query, how many retrieved records have a name similar to its own (cosine ≥ threshold)."""
    similarity = np.einsum("qe,qne->qn", name_vectors[query_records], name_vectors[np.maximum(retrieved, 0)])
    return ((similarity >= threshold) & (retrieved >= 0)).sum(axis=1)


def found(query_records: np.ndarray, retrieved: np.ndarray) -> np.ndarray:
    """Per query, whether its own record is among those retrieved."""
    return (retrieved == query_records[:, None]).any(axis=1)
