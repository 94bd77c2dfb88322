"""Record-pair scores of one (model, comparison) kept on disk, block by block.

Pass 1 computes each block once and writes it here; the selection pass, link collection and the
score look-ups of linked and control pairs read it back, so the costly unit-pair products run once
and every later step sees bit-identical scores.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_ITEM = np.dtype(np.float32).itemsize


@dataclass(frozen=True)
class ScoreGrid:
    """Row and column block edges over the records of the two sides."""

    row_edges: np.ndarray
    col_edges: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return int(self.row_edges[-1]) if len(self.row_edges) else 0, int(self.col_edges[-1]) if len(
            self.col_edges
        ) else 0

    def blocks(self) -> Iterator[tuple[int, int, int, int]]:
        """(row start, row stop, column start, column stop) of each block, row-major."""
        for r0, r1 in zip(self.row_edges[:-1].tolist(), self.row_edges[1:].tolist()):
            for c0, c1 in zip(self.col_edges[:-1].tolist(), self.col_edges[1:].tolist()):
                yield r0, r1, c0, c1

    def flat_offsets(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Position of each (row, column) score in the file (blocks row-major, each block row-major)."""
        n_cols = self.shape[1]
        block_row = np.searchsorted(self.row_edges, rows, side="right") - 1
        block_col = np.searchsorted(self.col_edges, cols, side="right") - 1
        row_start, col_start = self.row_edges[block_row], self.col_edges[block_col]
        block_height = self.row_edges[block_row + 1] - row_start
        block_width = self.col_edges[block_col + 1] - col_start
        return row_start * n_cols + block_height * col_start + (rows - row_start) * block_width + (cols - col_start)


class ScoreSpill:
    """Append blocks in grid order, then read them back in order or look up single pairs."""

    def __init__(self, path: Path, grid: ScoreGrid) -> None:
        self.path = Path(path)
        self.grid = grid
        self._written = 0
        self.path.write_bytes(b"")

    def append(self, block: np.ndarray) -> None:
        with self.path.open("ab") as handle:
            np.ascontiguousarray(block, dtype=np.float32).tofile(handle)
        self._written += block.size

    def blocks(self) -> Iterator[np.ndarray]:
        rows, cols = self.grid.shape
        if self._written != rows * cols:
            raise RuntimeError(f"{self.path}: holds {self._written} scores, expected {rows * cols}")
        offset = 0
        for r0, r1, c0, c1 in self.grid.blocks():
            size = (r1 - r0) * (c1 - c0)
            yield np.fromfile(self.path, dtype=np.float32, count=size, offset=offset * _ITEM).reshape(r1 - r0, c1 - c0)
            offset += size

    def gather(self, pairs: PairLocations) -> np.ndarray:
        """Scores of located pairs; NaN where a record is not on this side."""
        result = np.full(len(pairs.present), np.nan, dtype=np.float32)
        if len(pairs.offsets) and self._written:
            scores = np.memmap(self.path, dtype=np.float32, mode="r")
            picked = np.empty(len(pairs.offsets), dtype=np.float32)
            picked[pairs.order] = scores[pairs.offsets]
            result[pairs.present] = picked
            del scores
        return result


@dataclass(frozen=True)
class PairLocations:
    """Where the scores of some (row, column) pairs lie in a grid's files, sorted for sequential reads."""

    present: np.ndarray
    offsets: np.ndarray
    order: np.ndarray

    @classmethod
    def of(cls, grid: ScoreGrid, rows: np.ndarray, cols: np.ndarray) -> PairLocations:
        """Rows or columns of -1 (a record not on this side) are absent."""
        rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
        present = (rows >= 0) & (cols >= 0)
        offsets = grid.flat_offsets(rows[present], cols[present])
        order = np.argsort(offsets)
        return cls(present, offsets[order], order)


def spilled_scores(
    spills: list[ScoreSpill], thresholds: list[np.float32]
) -> Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """The percentile rule's pair scorer: scores read back from each model's spill, linked at or above its threshold."""

    def score_pairs(rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        located = PairLocations.of(spills[0].grid, rows, cols)
        scores = np.stack([spill.gather(located) for spill in spills], axis=1)
        return scores, scores >= np.asarray(thresholds, dtype=np.float32)

    return score_pairs
