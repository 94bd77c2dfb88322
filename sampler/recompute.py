"""The percentile rule without a score spill: every pass recomputes the score blocks it reads.

Trade-off against `sampler.spill`: the spill stores 4 bytes per record pair and model on disk and
computes every block once; recomputing needs no disk but one matrix-product pass over all blocks
per selection pass (pass 1, the pass collecting the bins of the order statistics, one more for every
re-histogrammed bin) plus one pass collecting the links, and the scores of pairs outside a
comparison's links (its share of other comparisons' links, the controls) cost one more pass over
the blocks holding them. Every model's sides are held until the pairs are scored. Each pass is a
map over strips (row blocks of the score grid) through an injected `MapStrips`: the builtin `map`,
or `sampler.ray_tasks.ray_map`.

A strip's blocks are the very blocks the spill path computes (same functions, same sides, same
block edges), so in one process thresholds, links and every score are bit-identical to it. Ray
tasks compute them in other processes, one thread each, on vectors read in place from the object
store; MKL's float32 matrix product rounds differently by thread count and memory alignment, so
there scores can differ in the last float32 places (within 1e-6), and a pair whose score lies that
close to a threshold could fall on the other side of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
import torch

from sampler.pairs import PairScores
from sampler.scores import Aggregation, mean_score_blocks, record_score_blocks, unit_score_blocks
from sampler.selection import MapStrips, StripPasses, strip_percentile
from sampler.sides import Side
from sampler.spill import ScoreGrid


@dataclass(frozen=True)
class StripScores:
    """Score blocks of one model, one row strip (a row block of `grid`) at a time: record-pair scores,
    or with `units` the unit-pair cosines of the strip's records."""

    side_a: Side
    side_b: Side
    aggregation: Aggregation
    grid: ScoreGrid
    units: bool = False
    # the mean aggregation's mean vectors, computed once here rather than in every strip's task
    means: tuple[torch.Tensor, torch.Tensor] | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        means = (self.side_a.mean_vectors(), self.side_b.mean_vectors()) if self.by_means else None
        object.__setattr__(self, "means", means)

    @property
    def by_means(self) -> bool:
        return self.aggregation == "mean" and not self.units

    @property
    def strips(self) -> range:
        return range(len(self.grid.row_edges) - 1)

    def strip_pairs(self, strip: int) -> int:
        """Record pairs in a strip."""
        return int(self.grid.row_edges[strip + 1] - self.grid.row_edges[strip]) * self.grid.shape[1]

    def __call__(self, strip: int) -> Iterator[torch.Tensor]:
        """The strip's blocks, column block by column block."""
        return self._blocks(strip, self.grid.col_edges)

    def block(self, strip: int, column_block: int) -> torch.Tensor:
        return next(self._blocks(strip, self.grid.col_edges[column_block : column_block + 2]))

    def _blocks(self, strip: int, col_edges: np.ndarray) -> Iterator[torch.Tensor]:
        rows = self.grid.row_edges[strip : strip + 2]
        if self.units:
            return unit_score_blocks(self.side_a, self.side_b, rows, col_edges)
        if self.means is not None:
            return mean_score_blocks(*self.means, rows, col_edges)
        return record_score_blocks(self.side_a, self.side_b, self.aggregation, rows, col_edges)


def recomputed_threshold(
    scores: StripScores, q: float, cap: int, map_strips: MapStrips, on_pairs: Callable[[int], None]
) -> tuple[float, int]:
    """(exact q-th percentile of the strips' scores, how many it is taken over); `on_pairs` gets each
    strip's record pairs as pass 1 counts it."""
    passes = StripPasses(scores, scores.strips, map_strips)
    return strip_percentile(passes, q, cap=cap, on_strip=lambda strip: on_pairs(scores.strip_pairs(strip)))


@dataclass(frozen=True)
class StripLinks:
    """One strip's links: pairs whose record score reaches some model's float32 threshold."""

    models: tuple[StripScores, ...]
    thresholds: tuple[np.float32, ...]

    def __call__(self, strip: int) -> tuple[np.ndarray, np.ndarray]:
        """(pair codes `row * records_b + column`, their scores for every model: (links, models))."""
        grid = self.models[0].grid
        blocks: Iterable[tuple[torch.Tensor, ...]] = zip(*(model(strip) for model in self.models))
        r0 = int(grid.row_edges[strip])
        codes, scores = [], []
        for c0, block_scores in zip(grid.col_edges[:-1].tolist(), blocks):
            stacked = np.stack([block.numpy() for block in block_scores], axis=-1)
            r, c = np.nonzero((stacked >= np.asarray(self.thresholds, dtype=np.float32)).any(axis=-1))
            codes.append((r + r0) * grid.shape[1] + c + c0)
            scores.append(stacked[r, c])
        return np.concatenate(codes).astype(np.int64), np.concatenate(scores)


@dataclass(frozen=True)
class StripLookup:
    """Every model's scores of some pairs of one strip, from the blocks holding them."""

    models: tuple[StripScores, ...]

    def __call__(self, item: tuple[int, np.ndarray, np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """(strip, the pairs' positions in the request, rows, columns) → (positions, scores (pairs, models))."""
        strip, positions, rows, cols = item
        grid = self.models[0].grid
        column_block = np.searchsorted(grid.col_edges, cols, side="right") - 1
        scores = np.empty((len(rows), len(self.models)), dtype=np.float32)
        for b in np.unique(column_block).tolist():
            here = column_block == b
            local_rows, local_cols = rows[here] - grid.row_edges[strip], cols[here] - grid.col_edges[b]
            for m, model in enumerate(self.models):
                scores[here, m] = model.block(strip, b).numpy()[local_rows, local_cols]
        return positions, scores


@dataclass(frozen=True)
class RecomputedLinks:
    """A comparison's links under the percentile rule: sorted pair codes, every model's block score of
    each, and the models' float32 thresholds."""

    codes: np.ndarray
    scores: np.ndarray
    thresholds: np.ndarray
    width: int

    @classmethod
    def collect(
        cls, models: tuple[StripScores, ...], thresholds: list[np.float32], map_strips: MapStrips
    ) -> RecomputedLinks:
        """One more pass over every model's record-score blocks, strip by strip."""
        found = list(map_strips(StripLinks(models, tuple(thresholds)), models[0].strips))
        codes = np.concatenate([c for c, _ in found])
        scores = np.concatenate([s for _, s in found]).reshape(len(codes), len(models))
        order = np.argsort(codes)
        return cls(codes[order], scores[order], np.asarray(thresholds, dtype=np.float32), models[0].grid.shape[1])

    @property
    def flags(self) -> np.ndarray:
        """(links, models): whether each model links each pair."""
        return self.scores >= self.thresholds

    def pair_scorer(self, models: tuple[StripScores, ...], map_strips: MapStrips) -> PairScores:
        """Scores and flags of any pairs: a link's from its collected scores, any other pair's looked up
        in the blocks holding it (a pass over just those blocks, strip by strip), never flagged."""

        def score_pairs(rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
            present, codes = (rows >= 0) & (cols >= 0), rows * self.width + cols
            position = np.searchsorted(self.codes, codes)
            linked = present & (position < len(self.codes))
            linked[linked] = self.codes[position[linked]] == codes[linked]
            scores = np.full((len(rows), len(models)), np.nan, dtype=np.float32)
            flags = np.zeros(scores.shape, dtype=bool)
            scores[linked], flags[linked] = self.scores[position[linked]], self.flags[position[linked]]
            others = _by_strip(models[0].grid, present & ~linked, rows, cols)
            for positions, found in map_strips(StripLookup(models), others):
                scores[positions] = found
            return scores, flags

        return score_pairs


def _by_strip(
    grid: ScoreGrid, wanted: np.ndarray, rows: np.ndarray, cols: np.ndarray
) -> list[tuple[int, np.ndarray, np.ndarray, np.ndarray]]:
    """The wanted pairs grouped by row strip: (strip, their positions, rows, columns)."""
    positions = np.flatnonzero(wanted)
    strip_of = np.searchsorted(grid.row_edges, rows[positions], side="right") - 1
    order = np.argsort(strip_of, kind="stable")
    strips, starts = np.unique(strip_of[order], return_index=True)
    groups = np.split(positions[order], starts[1:])
    return [(int(strip), group, rows[group], cols[group]) for strip, group in zip(strips, groups)]
