"""How each link rule finds one comparison's thresholds and links, and scores any pair of it.

The percentile rule spills every model's record-pair scores to disk (`links_by_percentile`) or
recomputes them on every pass (`links_by_recomputed_percentile`, sampler.recompute); the top-k rule
keeps each record's k best partners (`links_by_top_k`, sampler.top_k). Each fills the comparison's
thresholds rows, one per model, and returns how to score any pair, and the link rows and columns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from sampler.pairs import PairScores
from sampler.recompute import RecomputedLinks, StripScores, recomputed_threshold
from sampler.scores import record_score_blocks, unit_score_blocks
from sampler.selection import Histogram, MapStrips, float32_at_least, select_percentile
from sampler.settings import Comparison, SampleSettings
from sampler.sides import Side
from sampler.spill import ScoreGrid, ScoreSpill, spilled_scores
from sampler.top_k import pair_scores, top_k_links

SideBuilder = Callable[[str, dict[str, Any]], tuple[Side, Side]]
"""(model, its thresholds row) → the model's two sides, counting their records into the row."""
RuleResult = tuple[PairScores, np.ndarray, np.ndarray]
"""(how to score any pair, the link rows, the link columns) of one comparison under a link rule."""


@dataclass(frozen=True)
class Comparing:
    """One comparison being scored: what a link rule gets. It fills one thresholds row per model."""

    settings: SampleSettings
    comparison: Comparison
    build: SideBuilder
    grid: ScoreGrid
    rows: list[dict[str, Any]]
    advance: Callable[[int], None]
    workdir: Path
    map_strips: MapStrips
    tasks: int | None


def links_by_percentile(work: Comparing) -> RuleResult:
    """Each model's scores spilled and its exact threshold; links are the pairs at or above some threshold.

    One model's sides are held at a time; the spills cost 4 bytes per record pair and model of disk.
    """
    settings, comparison, grid = work.settings, work.comparison, work.grid
    spills: list[ScoreSpill] = []
    thresholds: list[np.float32] = []
    for row, model in zip(work.rows, settings.models):
        side_a, side_b = work.build(model, row)
        spill = ScoreSpill(work.workdir / f"{comparison.name}.{model}.f32", grid)
        threshold, counted = _threshold(settings, comparison, side_a, side_b, grid, spill, work.advance)
        spills.append(spill)
        thresholds.append(float32_at_least(threshold))
        row.update(threshold=threshold, scores_counted=counted)
        del side_a, side_b
    link_rows, link_cols, link_counts = _collect_links(spills, thresholds)
    for row, count in zip(work.rows, link_counts):
        row["links"] = count
    return spilled_scores(spills, thresholds), link_rows, link_cols


def links_by_recomputed_percentile(work: Comparing) -> RuleResult:
    """As `links_by_percentile`, with no spill: each selection pass and the link collection recompute their
    blocks (one matrix-product pass each) strip by strip through `map_strips`; every model's sides are
    held until the pairs are scored. Thresholds, links and scores are the spill path's exactly (see
    sampler.recompute)."""
    settings, map_strips = work.settings, work.map_strips
    models = []
    thresholds: list[np.float32] = []
    for row, model in zip(work.rows, settings.models):
        side_a, side_b = work.build(model, row)
        records = StripScores(side_a, side_b, work.comparison.aggregation, work.grid)
        selected = records if settings.percentile_mode == "record" else replace(records, units=True)
        threshold, counted = recomputed_threshold(
            selected, settings.percentile, settings.block_size**2, map_strips, work.advance
        )
        models.append(records)
        thresholds.append(float32_at_least(threshold))
        row.update(threshold=threshold, scores_counted=counted)
    links = RecomputedLinks.collect(tuple(models), thresholds, map_strips)
    for row, count in zip(work.rows, links.flags.sum(axis=0).tolist()):
        row["links"] = count
    link_rows, link_cols = np.divmod(links.codes, work.grid.shape[1])
    return links.pair_scorer(tuple(models), map_strips), link_rows, link_cols


def links_by_top_k(work: Comparing) -> RuleResult:
    """Each model's top-k links (sampler.top_k); any pair's scores are computed on demand, pair by pair.

    `threshold` is the lowest score among a model's links: every link reaches it, but under this
    rule not every pair that reaches it is a link.
    """
    settings, grid = work.settings, work.grid
    found = []
    models = [
        StripScores(*work.build(model, row), work.comparison.aggregation, grid)
        for model, row in zip(settings.models, work.rows)
    ]
    for row, model_scores in zip(work.rows, models):
        links = top_k_links(model_scores, settings.top_k, settings.direction, work.advance, work.map_strips, work.tasks)
        found.append(links.codes)
        row.update(
            threshold=links.lowest_score, scores_counted=row["records_a"] * row["records_b"], links=len(links.codes)
        )
    width = grid.shape[1]

    def score_pairs(pair_rows: np.ndarray, pair_cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        scores = np.stack([pair_scores(model, pair_rows, pair_cols) for model in models], axis=1)
        codes = pair_rows * width + pair_cols
        present = (pair_rows >= 0) & (pair_cols >= 0)
        flags = np.stack([np.isin(codes, model_codes) & present for model_codes in found], axis=1)
        return scores, flags

    link_rows, link_cols = np.divmod(np.unique(np.concatenate(found)), width)
    return score_pairs, link_rows.astype(np.int64), link_cols.astype(np.int64)


def _threshold(
    settings: SampleSettings,
    comparison: Comparison,
    side_a: Side,
    side_b: Side,
    grid: ScoreGrid,
    spill: ScoreSpill,
    advance: Callable[[int], None],
) -> tuple[float, int]:
    """Pass 1 (scores into the spill, counts into the histogram), then the selection passes."""
    by_unit = settings.percentile_mode == "unit"
    histogram = Histogram()
    observe = histogram.add if by_unit and comparison.aggregation == "max" else None
    for block in record_score_blocks(side_a, side_b, comparison.aggregation, grid.row_edges, grid.col_edges, observe):
        spill.append(block.numpy())
        if not by_unit:
            histogram.add(block)
        advance(block.numel())
    cap = settings.block_size**2
    if not by_unit:
        return select_percentile(histogram, spill.blocks, settings.percentile, cap), histogram.total

    def unit_blocks():
        return unit_score_blocks(side_a, side_b, grid.row_edges, grid.col_edges)

    if observe is None:
        for block in unit_blocks():
            histogram.add(block)
    return select_percentile(histogram, unit_blocks, settings.percentile, cap), histogram.total


def _collect_links(spills: list[ScoreSpill], thresholds: list[np.float32]) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Pairs at or above the threshold of at least one model, read block by block."""
    rows, cols, counts = [], [], [0] * len(spills)
    for (r0, _, c0, _), blocks in zip(spills[0].grid.blocks(), zip(*(s.blocks() for s in spills))):
        linked = np.zeros(blocks[0].shape, dtype=bool)
        for m, (block, threshold) in enumerate(zip(blocks, thresholds)):
            flags = block >= threshold
            counts[m] += int(flags.sum())
            linked |= flags
        r, c = np.nonzero(linked)
        rows.append(r + r0)
        cols.append(c + c0)
    return np.concatenate(rows).astype(np.int64), np.concatenate(cols).astype(np.int64), counts
