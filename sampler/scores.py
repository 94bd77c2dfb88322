"""Record-pair scores computed blockwise: unit-pair cosines by matrix product, then segment reductions.

Memory per block is bounded by the block edges (at most `block_size` units a side), never by the
collection sizes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Literal

import numpy as np
import torch

from sampler.sides import Side

Aggregation = Literal["max", "mean"]
UnitObserver = Callable[[torch.Tensor], None]


def unit_score_blocks(a: Side, b: Side, row_edges: np.ndarray, col_edges: np.ndarray) -> Iterator[torch.Tensor]:
    """Cosines of all unit pairs, one block of (row records × column records) at a time."""
    columns = [b.slice(int(start), int(stop)).vectors for start, stop in zip(col_edges[:-1], col_edges[1:])]
    for start, stop in zip(row_edges[:-1], row_edges[1:]):
        rows = a.slice(int(start), int(stop)).vectors
        for column in columns:
            yield rows @ column.T


def segment_max(unit_scores: torch.Tensor, row_lengths: torch.Tensor, col_lengths: torch.Tensor) -> torch.Tensor:
    """Max over each (row record, column record) group of unit scores; NaN where a record has no units.

    Rows and columns of `unit_scores` are grouped in consecutive runs of the given lengths.
    """
    if unit_scores.numel() == 0:
        return torch.full((len(row_lengths), len(col_lengths)), torch.nan)
    # the max of one unit is that unit's score: a side whose records all have one unit needs no pass
    # (so the result may be `unit_scores` itself)
    by_row = (
        unit_scores
        if (row_lengths == 1).all()
        else torch.segment_reduce(unit_scores, "max", lengths=row_lengths, axis=0)
    )
    if (col_lengths == 1).all():
        return by_row
    by_pair = torch.segment_reduce(by_row.T.contiguous(), "max", lengths=col_lengths, axis=0).T
    return by_pair.masked_fill_(by_pair == -torch.inf, torch.nan)


def mean_score_blocks(
    means_a: torch.Tensor, means_b: torch.Tensor, row_edges: np.ndarray, col_edges: np.ndarray
) -> Iterator[torch.Tensor]:
    """Mean-aggregated record scores from the records' mean unit vectors (`Side.mean_vectors`), blockwise."""
    for r0, r1 in zip(row_edges[:-1], row_edges[1:]):
        for c0, c1 in zip(col_edges[:-1], col_edges[1:]):
            yield means_a[r0:r1] @ means_b[c0:c1].T


def record_score_blocks(
    a: Side,
    b: Side,
    aggregation: Aggregation,
    row_edges: np.ndarray,
    col_edges: np.ndarray,
    observe_units: UnitObserver | None = None,
) -> Iterator[torch.Tensor]:
    """Record-pair scores block by block, in row-major block order.

    `max`: the largest unit-pair cosine. `mean`: the mean unit-pair cosine, computed as the dot
    product of the two records' mean unit vectors (no unit-pair matrix needed). `observe_units`
    sees every unit-pair block (only computed for `max`).
    """
    if aggregation == "mean":
        if observe_units is not None:
            raise ValueError("unit-pair scores are not computed for the mean aggregation")
        yield from mean_score_blocks(a.mean_vectors(), b.mean_vectors(), row_edges, col_edges)
        return
    if aggregation != "max":
        raise ValueError(f"unknown aggregation {aggregation!r}; expected 'max' or 'mean'")
    columns = [b.slice(int(c0), int(c1)) for c0, c1 in zip(col_edges[:-1], col_edges[1:])]
    for r0, r1 in zip(row_edges[:-1], row_edges[1:]):
        rows = a.slice(int(r0), int(r1))
        for column in columns:
            unit_scores = rows.vectors @ column.vectors.T
            if observe_units is not None:
                observe_units(unit_scores)
            yield segment_max(unit_scores, torch.from_numpy(rows.unit_counts), torch.from_numpy(column.unit_counts))
