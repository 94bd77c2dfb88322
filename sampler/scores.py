"""Record-pair scores computed blockwise: unit-pair cosines by matrix product, then segment reductions.

Memory per block is bounded by the block edges (at most `block_size` units a side), never by the
collection sizes.

The arithmetic is exact, so that every device, BLAS, thread count and block size gives the same
bits: vector components are rounded to multiples of 2^-26 (`sides.to_grid`, when a side is built;
a change of at most 7.5e-9 per component) and multiplied in float64. Every product is then a multiple of 2^-52 and, for
vectors of norm at most 1 (+ rounding), every partial sum has magnitude below 2, so it is held
exactly in float64's 53-bit significand whatever the order of summation; each score is that exact
value rounded once to float32. Record means are summed on the same grid, divided, and rounded back
onto it. Scores differ from plain float32 products by a few 1e-8.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Literal

import numpy as np
import torch

from sampler.sides import GRID, Side

Aggregation = Literal["max", "mean"]
UnitObserver = Callable[[torch.Tensor], None]


def on_device(vectors: torch.Tensor, device: str) -> torch.Tensor:
    """On-grid vectors as float64 on `device` (the conversion is exact)."""
    return vectors.to(device, non_blocking=True).double()


def exact_cosines(rows: torch.Tensor, columns: torch.Tensor) -> torch.Tensor:
    """All dot products of on-grid float64 rows and columns, exact, then rounded to float32."""
    return (rows @ columns.T).float()


def grid_means(side: Side, device: str = "cpu", chunk: int = 4096) -> torch.Tensor:
    """Each record's mean unit vector back on the grid, float32 on `device` (exact sums, one rounding
    each; zero for a record without units). Computed `chunk` records at a time to bound memory."""
    means = torch.zeros(len(side.record_ids), side.vectors.shape[1], dtype=torch.float32, device=device)
    for start in range(0, len(side.record_ids), chunk):
        part = side.slice(start, min(start + chunk, len(side.record_ids)))
        sums = torch.zeros(len(part.record_ids), side.vectors.shape[1], dtype=torch.float64, device=device)
        sums.index_add_(0, part.segment_index.to(device), on_device(part.vectors, device))
        counts = torch.from_numpy(part.unit_counts).to(device).clamp_min(1).double().unsqueeze(1)
        means[start : start + len(part.record_ids)] = torch.round(sums / counts * GRID) / GRID
    return means


def unit_score_blocks(
    a: Side, b: Side, row_edges: np.ndarray, col_edges: np.ndarray, device: str = "cpu"
) -> Iterator[torch.Tensor]:
    """Cosines of all unit pairs, one block of (row records × column records) at a time (float32, on `device`)."""
    columns = [
        on_device(b.slice(int(start), int(stop)).vectors, device) for start, stop in zip(col_edges[:-1], col_edges[1:])
    ]
    for start, stop in zip(row_edges[:-1], row_edges[1:]):
        rows = on_device(a.slice(int(start), int(stop)).vectors, device)
        for column in columns:
            yield exact_cosines(rows, column)


def segment_max(unit_scores: torch.Tensor, row_lengths: torch.Tensor, col_lengths: torch.Tensor) -> torch.Tensor:
    """Max over each (row record, column record) group of unit scores; NaN where a record has no units.

    Rows and columns of `unit_scores` are grouped in consecutive runs of the given lengths (on the
    scores' device).
    """
    if unit_scores.numel() == 0:
        return torch.full((len(row_lengths), len(col_lengths)), torch.nan, device=unit_scores.device)
    by_row = torch.segment_reduce(unit_scores, "max", lengths=row_lengths, axis=0)
    by_pair = torch.segment_reduce(by_row.T.contiguous(), "max", lengths=col_lengths, axis=0).T
    return by_pair.masked_fill_(by_pair == -torch.inf, torch.nan)


def record_score_blocks(
    a: Side,
    b: Side,
    aggregation: Aggregation,
    row_edges: np.ndarray,
    col_edges: np.ndarray,
    observe_units: UnitObserver | None = None,
    device: str = "cpu",
) -> Iterator[torch.Tensor]:
    """Record-pair scores block by block, in row-major block order (float32, on `device`).

    `max`: the largest unit-pair cosine. `mean`: the mean unit-pair cosine, computed as the dot
    product of the two records' mean unit vectors (no unit-pair matrix needed; NaN for a record
    without units). `observe_units` sees every unit-pair block (only computed for `max`).
    """
    if aggregation == "mean":
        if observe_units is not None:
            raise ValueError("unit-pair scores are not computed for the mean aggregation")
        means_a, means_b = grid_means(a, device), grid_means(b, device)
        empty_a = torch.from_numpy(a.unit_counts == 0).to(device)
        empty_b = torch.from_numpy(b.unit_counts == 0).to(device)
        for r0, r1 in zip(row_edges[:-1], row_edges[1:]):
            for c0, c1 in zip(col_edges[:-1], col_edges[1:]):
                block = exact_cosines(means_a[r0:r1].double(), means_b[c0:c1].double())
                missing = empty_a[r0:r1, None] | empty_b[None, c0:c1]
                yield block.masked_fill_(missing, torch.nan)
        return
    if aggregation != "max":
        raise ValueError(f"unknown aggregation {aggregation!r}; expected 'max' or 'mean'")
    columns = [b.slice(int(c0), int(c1)) for c0, c1 in zip(col_edges[:-1], col_edges[1:])]
    column_vectors = [on_device(column.vectors, device) for column in columns]
    column_lengths = [torch.from_numpy(column.unit_counts).to(device) for column in columns]
    for r0, r1 in zip(row_edges[:-1], row_edges[1:]):
        rows = a.slice(int(r0), int(r1))
        row_vectors, row_lengths = on_device(rows.vectors, device), torch.from_numpy(rows.unit_counts).to(device)
        for vectors, lengths in zip(column_vectors, column_lengths):
            unit_scores = exact_cosines(row_vectors, vectors)
            if observe_units is not None:
                observe_units(unit_scores)
            yield segment_max(unit_scores, row_lengths, lengths)
