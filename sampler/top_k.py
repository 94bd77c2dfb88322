"""The top-k link rule: each record's k best-scoring records of the other collection, found blockwise.

Semantics, per (model, comparison): a record pair (a, b) is a link when b is among the `k` records
of collection B with the highest record score for a (direction `a_to_b`), or a is among the `k`
records of A with the highest score for b (`b_to_a`), or either (`both`). Record scores are the
sampler's (`sampler.scores`: max or mean of unit-pair cosines). Equal scores are ranked by record
position, the lower first, so the links do not depend on the block size or the order of the work.
A record without units of this modality has no links; a record with fewer than `k` candidates
links to all of them.

Only `k` entries per record are ever held (one int64 each): the score's order-preserving bits and
the candidate's position packed into one sortable key. Memory is bounded by the block size and
`k × (records a + records b)` (plus a `k × records b` partial per group of strips in flight), never
by the number of record pairs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch

from sampler.recompute import StripScores
from sampler.selection import MapStrips

Direction = Literal["both", "a_to_b", "b_to_a"]
EMPTY = torch.iinfo(torch.int64).min
_LOW = 1 << 32


def ordered_bits(scores: torch.Tensor) -> torch.Tensor:
    """float32 → int32 whose integer order is the float order (-inf lowest)."""
    bits = scores.contiguous().view(torch.int32)
    return torch.where(bits < 0, bits ^ 0x7FFFFFFF, bits)


def pack(scores: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
    """One int64 per score: larger means a higher score, or an equal score at a lower position."""
    return ordered_bits(scores).to(torch.int64) * _LOW + (_LOW - 1 - positions.to(torch.int64))


def unpack(keys: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(scores, positions) of packed keys."""
    ordered = (keys >> 32).to(torch.int32)
    bits = torch.where(ordered < 0, ordered ^ 0x7FFFFFFF, ordered)
    return bits.view(torch.float32), _LOW - 1 - (keys & (_LOW - 1))


def best_in_block(scores: torch.Tensor, k: int, first_position: int) -> torch.Tensor:
    """Packed keys of the `min(k, width)` best columns of each row of `scores` (columns numbered from
    `first_position`). Rows where a tie straddles the cut are ranked again on packed keys, so ties go to
    the lower position exactly as in `pack`."""
    width = scores.shape[1]
    kept = min(k, width)
    if kept == width:
        return pack(scores, torch.arange(first_position, first_position + width).expand_as(scores))
    values, columns = scores.topk(kept + 1, dim=1)
    keys = pack(values[:, :kept], columns[:, :kept] + first_position)
    tied = torch.nonzero(values[:, kept - 1] == values[:, kept]).flatten()
    if len(tied):
        rows = scores[tied]
        keys[tied] = pack(rows, torch.arange(first_position, first_position + width).expand_as(rows)).topk(kept).values
    return keys


class RunningTopK:
    """The k best packed keys seen so far for each of `size` records, best first."""

    def __init__(self, size: int, k: int) -> None:
        self.keys = torch.full((size, k), EMPTY, dtype=torch.int64)

    def offer(self, start: int, block: torch.Tensor, first_position: int, by_column: bool = False) -> None:
        """Merge a block of scores: one row per record `start + i` (one column with `by_column`), the
        candidates numbered from `first_position`.

        Blocks must come in candidate order, so every new candidate has a higher position than the
        kept ones and a score equal to a record's k-th best loses to it. Only records whose best new
        score beats their k-th best are ranked again: after the first blocks, a falling share of them.
        """
        size = block.shape[1] if by_column else block.shape[0]
        kept = self.keys[start : start + size]
        k = kept.shape[1]
        floor = unpack(kept[:, -1])[0].masked_fill(kept[:, -1] == EMPTY, -torch.inf)
        touched = torch.nonzero(block.amax(dim=0 if by_column else 1) > floor).flatten()
        if not len(touched):
            return
        if len(touched) > size // 2:  # cheaper to rank every record than to gather the touched ones
            touched = torch.arange(size)
            scores = block.T.contiguous() if by_column else block
        else:
            scores = block.index_select(1, touched).T.contiguous() if by_column else block.index_select(0, touched)
        candidates = best_in_block(scores, k, first_position)
        kept[touched] = torch.cat([kept[touched], candidates], dim=1).topk(k).values

    def merge(self, keys: torch.Tensor) -> None:
        """Merge another RunningTopK's keys for the same records (exact in any order)."""
        self.keys = torch.cat([self.keys, keys], dim=1).topk(self.keys.shape[1], dim=1).values

    def pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(record, candidate, score) of every kept entry with a finite score."""
        scores, candidates = unpack(self.keys)
        kept = torch.isfinite(scores) & (self.keys != EMPTY)
        records = torch.arange(len(self.keys)).unsqueeze(1).expand_as(self.keys)
        return records[kept].numpy(), candidates[kept].numpy(), scores[kept].numpy()


@dataclass(frozen=True)
class TopKLinks:
    """One model's links under the top-k rule: sorted pair codes `row * records_b + column`."""

    codes: np.ndarray
    lowest_score: float  # NaN when there are none


@dataclass(frozen=True)
class StripTopK:
    """The top-k work of some row strips (row blocks of the grid) of one model: a pure function, so
    that strips can run anywhere (`MapStrips`: this process, or Ray tasks).

    For a group of strips it returns their records' k best (rows of A) and, for every record of B,
    its k best among the group's rows; the caller merges the groups' column keys, which is exact in
    any order since keys compare totally.
    """

    scores: StripScores
    k: int
    direction: Direction

    def __call__(self, strips: Sequence[int]) -> tuple[Sequence[int], torch.Tensor | None, torch.Tensor | None]:
        grid, a, b = self.scores.grid, self.scores.side_a, self.scores.side_b
        first, last = int(grid.row_edges[strips[0]]), int(grid.row_edges[strips[-1] + 1])
        by_row = RunningTopK(last - first, self.k) if self.direction in ("both", "a_to_b") else None
        by_column = RunningTopK(len(b.record_ids), self.k) if self.direction in ("both", "b_to_a") else None
        empty_a, empty_b = a.unit_counts == 0, b.unit_counts == 0
        for strip in strips:
            r0, r1 = int(grid.row_edges[strip]), int(grid.row_edges[strip + 1])
            for c0, c1, block in zip(grid.col_edges[:-1].tolist(), grid.col_edges[1:].tolist(), self.scores(strip)):
                # records without units score NaN; -inf ranks them last and marks them as no candidate
                block[torch.from_numpy(empty_a[r0:r1])] = -torch.inf
                block[:, torch.from_numpy(empty_b[c0:c1])] = -torch.inf
                if by_row is not None:
                    by_row.offer(r0 - first, block, c0)
                if by_column is not None:
                    by_column.offer(c0, block, r0, by_column=True)
        return strips, by_row.keys if by_row else None, by_column.keys if by_column else None


def top_k_links(
    scores: StripScores,
    k: int,
    direction: Direction,
    on_pairs: Callable[[int], None] | None = None,
    map_strips: MapStrips = map,
    tasks: int | None = None,
) -> TopKLinks:
    """The links of one model under the top-k rule (see the module docstring), one pass over the blocks
    of `scores` (the model's two sides, aggregation and grid).

    The row strips are cut into `tasks` groups (default: one per strip) run through `map_strips`;
    each group returns an n_b × k partial of the column direction, so fewer, larger groups move
    less data between Ray workers. `on_pairs` gets each group's record pairs as it comes in.
    """
    if k < 1:
        raise ValueError(f"top_k must be at least 1, got {k}")
    grid, a, b = scores.grid, scores.side_a, scores.side_b
    groups = [g.tolist() for g in np.array_split(np.arange(len(scores.strips)), tasks or len(scores.strips)) if len(g)]
    by_row = RunningTopK(len(a.record_ids), k) if direction in ("both", "a_to_b") else None
    by_column = RunningTopK(len(b.record_ids), k) if direction in ("both", "b_to_a") else None
    for strips, row_keys, column_keys in map_strips(StripTopK(scores, k, direction), groups):
        first = int(grid.row_edges[strips[0]])
        if by_row is not None and row_keys is not None:
            by_row.keys[first : first + len(row_keys)] = row_keys
        if by_column is not None and column_keys is not None:
            by_column.merge(column_keys)
        if on_pairs:
            on_pairs(sum(scores.strip_pairs(strip) for strip in strips))
    width = len(b.record_ids)
    codes, found_scores = [], []
    if by_row is not None:
        rows, columns, found = by_row.pairs()
        codes.append(rows * width + columns)
        found_scores.append(found)
    if by_column is not None:
        columns, rows, found = by_column.pairs()
        codes.append(rows * width + columns)
        found_scores.append(found)
    all_scores = np.concatenate(found_scores)
    return TopKLinks(np.unique(np.concatenate(codes)), float(all_scores.min()) if len(all_scores) else float("nan"))


def pair_scores(scores: StripScores, rows: np.ndarray, cols: np.ndarray, chunk: int = 1 << 16) -> np.ndarray:
    """Record scores of the given (row, column) pairs only, in float32; NaN where a position is -1 or a
    record has no units. Same definition as `record_score_blocks`, computed pair by pair (the mean
    aggregation from the mean vectors `scores` already holds)."""
    a, b = scores.side_a, scores.side_b
    rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
    result = np.full(len(rows), np.nan, dtype=np.float32)
    present = np.flatnonzero((rows >= 0) & (cols >= 0))
    if not len(present):
        return result
    rows, cols = rows[present], cols[present]
    if scores.means is not None:
        means_a, means_b = scores.means
        for start in range(0, len(rows), chunk):
            r, c = torch.from_numpy(rows[start : start + chunk]), torch.from_numpy(cols[start : start + chunk])
            result[present[start : start + chunk]] = (means_a[r] * means_b[c]).sum(dim=1).numpy()
        return result
    units_a, units_b = a.unit_counts[rows], b.unit_counts[cols]
    unit_pairs = units_a * units_b
    pair_of = np.repeat(np.arange(len(rows)), unit_pairs)
    within = np.arange(len(pair_of)) - np.repeat(np.cumsum(unit_pairs) - unit_pairs, unit_pairs)
    unit_a = a.offsets[rows][pair_of] + within // units_b[pair_of]
    unit_b = b.offsets[cols][pair_of] + within % units_b[pair_of]
    best = torch.full((len(rows),), -torch.inf)
    for start in range(0, len(pair_of), chunk):
        stop = start + chunk
        cosines = (a.vectors[unit_a[start:stop]] * b.vectors[unit_b[start:stop]]).sum(dim=1)
        best.scatter_reduce_(0, torch.from_numpy(pair_of[start:stop]), cosines, "amax")
    best[torch.from_numpy(unit_pairs == 0)] = torch.nan
    result[present] = best.numpy()
    return result
