"""The percentile rule without a score spill: every pass recomputes the score blocks it reads.

Trade-off against `sampler.spill`: the spill stores 4 bytes per record pair and model on disk and
computes every block once; recomputing needs no disk but one matrix-product pass over all blocks
per selection pass (pass 1, the pass collecting the bins of the order statistics, one more for every
re-histogrammed bin) plus one pass collecting the links. Each pass is a map over strips (row blocks
of the score grid) through an injected `MapStrips`: the builtin `map`, or `sampler.ray_tasks.ray_map`.

A strip's blocks are the very blocks the spill path computes (same function, same sides, same
block edges), so thresholds, links and the scores of links are bit-identical to it; only pairs
outside a comparison's links (controls, links of other comparisons) are scored pair by pair
(`sampler.top_k.pair_scores`), which may differ from a block score in the last float32 place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import torch

from sampler.pairs import PairScores
from sampler.scores import Aggregation, record_score_blocks, unit_score_blocks
from sampler.selection import MapStrips, StripPasses, strip_percentile
from sampler.sides import Side
from sampler.spill import ScoreGrid
from sampler.top_k import pair_scores


@dataclass(frozen=True)
class StripScores:
    """Score blocks of one model, one row strip (a row block of `grid`) at a time: record-pair scores,
    or with `units` the unit-pair cosines of the strip's records."""

    side_a: Side
    side_b: Side
    aggregation: Aggregation
    grid: ScoreGrid
    units: bool = False

    @property
    def strips(self) -> range:
        return range(len(self.grid.row_edges) - 1)

    def strip_pairs(self, strip: int) -> int:
        """Record pairs in a strip."""
        return int(self.grid.row_edges[strip + 1] - self.grid.row_edges[strip]) * self.grid.shape[1]

    def __call__(self, strip: int) -> Iterator[torch.Tensor]:
        rows = self.grid.row_edges[strip : strip + 2]
        if self.units:
            return unit_score_blocks(self.side_a, self.side_b, rows, self.grid.col_edges)
        return record_score_blocks(self.side_a, self.side_b, self.aggregation, rows, self.grid.col_edges)


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

    def pair_scorer(self, models: tuple[StripScores, ...]) -> PairScores:
        """Scores and flags of any pairs: a link's from its collected block scores (so its flags are
        exactly the spill path's), any other pair's computed pair by pair and never flagged."""

        def score_pairs(rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
            codes = rows * self.width + cols
            linked = (rows >= 0) & (cols >= 0)
            position = np.zeros(len(codes), dtype=np.intp)
            if len(self.codes):
                position = np.minimum(np.searchsorted(self.codes, codes), len(self.codes) - 1)
                linked &= self.codes[position] == codes
            else:
                linked[:] = False
            others_rows, others_cols = np.where(linked, -1, rows), np.where(linked, -1, cols)
            scores = np.stack(
                [pair_scores(m.side_a, m.side_b, m.aggregation, others_rows, others_cols) for m in models], axis=1
            )
            scores[linked] = self.scores[position[linked]]
            flags = np.zeros(scores.shape, dtype=bool)
            flags[linked] = self.flags[position[linked]]
            return scores, flags

        return score_pairs
