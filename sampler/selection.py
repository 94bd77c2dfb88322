"""Exact percentiles of score streams too large to hold: histogram selection in passes.

Semantics: `numpy.percentile(values.astype(float64), q)` with numpy's default `'linear'` method
(Hyndman & Fan type 7): the virtual index is `(n - 1) * q / 100` and the two neighbouring order
statistics are interpolated. NaN values are ignored.

Pass 1 counts values per bin of [-1, 1] (out-of-range values clamp into the edge bins). Pass 2
collects the values of the bin holding the wanted order statistic and sorts them. Should that bin
hold more than `cap` values, its range is histogrammed again (between the bin's smallest and
largest value) until it is small enough or holds a single distinct value; memory stays bounded by
`cap` and the bin count.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import torch

BlockSource = Callable[[], Iterable["torch.Tensor | np.ndarray"]]
DEFAULT_BINS = 1 << 16
DEFAULT_CAP = 1 << 24


def check_percentile(q: float) -> None:
    if not (isinstance(q, (int, float)) and 0 < q < 100):
        raise ValueError(f"percentile must lie strictly between 0 and 100, got {q!r}")


@dataclass(frozen=True)
class Binning:
    """Equal-width bins over [lo, hi]; with `clamp` every value falls in a bin, else values outside are left out."""

    lo: float
    hi: float
    bins: int
    clamp: bool

    def split(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
        """The in-range values, their bin indexes, and how many values lie below the range."""
        if self.clamp:
            inside, below = values, 0
        else:
            below = int(np.count_nonzero(values < self.lo))
            inside = values[(values >= self.lo) & (values <= self.hi)]
        position = (inside - np.float32(self.lo)) * np.float32(self.bins / (self.hi - self.lo))
        # clipped to [0, bins - 1] first, so truncation is the floor; monotone in the value
        index = np.clip(position, 0, self.bins - 1, out=position).astype(np.intp)
        return inside, index, below

    def in_bin(self, values: np.ndarray, bin_index: int) -> np.ndarray:
        inside, index, _ = self.split(values)
        return inside[index == bin_index]


def _finite(block: torch.Tensor | np.ndarray) -> np.ndarray:
    values = (block.numpy() if isinstance(block, torch.Tensor) else np.asarray(block)).reshape(-1)
    missing = np.isnan(values)
    return values[~missing] if missing.any() else values


class Histogram:
    """Pass-1 accumulator: counts per bin over [-1, 1] (the range of cosines and their aggregates)."""

    def __init__(self, bins: int = DEFAULT_BINS) -> None:
        self.binning = Binning(-1.0, 1.0, bins, clamp=True)
        self.counts = np.zeros(bins, dtype=np.int64)

    def add(self, block: torch.Tensor) -> None:
        _, index, _ = self.binning.split(_finite(block))
        self.counts += np.bincount(index, minlength=self.binning.bins)

    @property
    def total(self) -> int:
        return int(self.counts.sum())


def linear_ranks(n: int, q: float) -> tuple[int, int, float]:
    """The two order statistics (0-based) and the weight numpy's 'linear' method interpolates with."""
    virtual = (n - 1) * (q / 100)
    lower = math.floor(virtual)
    return lower, min(lower + 1, n - 1), virtual - lower


def interpolate(lower: float, upper: float, weight: float) -> float:
    """numpy's `_lerp`: exact at both ends, symmetric rounding around the middle."""
    difference = upper - lower
    return upper - difference * (1 - weight) if weight >= 0.5 else lower + difference * weight


def _histogram(blocks: BlockSource, binning: Binning) -> tuple[np.ndarray, int]:
    counts = np.zeros(binning.bins, dtype=np.int64)
    below = 0
    for block in blocks():
        _, index, block_below = binning.split(_finite(block))
        counts += np.bincount(index, minlength=binning.bins)
        below += block_below
    return counts, below


def _bin_values(blocks: BlockSource, binning: Binning, bin_indexes: set[int]) -> dict[int, np.ndarray]:
    collected: dict[int, list[np.ndarray]] = {b: [] for b in bin_indexes}
    for block in blocks():
        values = _finite(block)
        for b in bin_indexes:
            collected[b].append(binning.in_bin(values, b).astype(np.float64))
    return {b: np.sort(np.concatenate(parts)) if parts else np.empty(0) for b, parts in collected.items()}


def _select(
    blocks: BlockSource, ranks: set[int], binning: Binning, counts: np.ndarray, below: int, cap: int
) -> dict[int, float]:
    """The values of the given order statistics (0-based over all values), all inside `binning`'s range."""
    cumulative = np.cumsum(counts)
    bin_of = {rank: int(np.searchsorted(cumulative, rank - below, side="right")) for rank in ranks}
    small = {rank: b for rank, b in bin_of.items() if counts[b] <= cap}
    found: dict[int, float] = {}
    if small:
        values = _bin_values(blocks, binning, set(small.values()))
        for rank, b in small.items():
            first_rank = below + (int(cumulative[b - 1]) if b else 0)
            found[rank] = float(values[b][rank - first_rank])
    for rank, b in bin_of.items():
        if rank in small:
            continue
        extent = [float("inf"), float("-inf")]
        for block in blocks():
            inside = binning.in_bin(_finite(block), b)
            if len(inside):
                extent = [min(extent[0], float(inside.min())), max(extent[1], float(inside.max()))]
        if extent[0] == extent[1]:
            found[rank] = extent[0]
            continue
        finer = Binning(extent[0], extent[1], binning.bins, clamp=False)
        finer_counts, finer_below = _histogram(blocks, finer)
        found.update(_select(blocks, {rank}, finer, finer_counts, finer_below, cap))
    return found


def select_percentile(histogram: Histogram, blocks: BlockSource, q: float, cap: int = DEFAULT_CAP) -> float:
    """The exact q-th percentile of the values `blocks()` yields, given their pass-1 `histogram`."""
    check_percentile(q)
    if histogram.total == 0:
        raise ValueError("no scores to take a percentile of")
    lower, upper, weight = linear_ranks(histogram.total, q)
    values = _select(blocks, {lower, upper}, histogram.binning, histogram.counts, 0, cap)
    return interpolate(values[lower], values[upper], weight)


def exact_percentile(blocks: BlockSource, q: float, bins: int = DEFAULT_BINS, cap: int = DEFAULT_CAP) -> float:
    """Both passes over `blocks()` (called once per pass; it must yield the same values each time)."""
    check_percentile(q)
    histogram = Histogram(bins)
    for block in blocks():
        histogram.add(block)
    return select_percentile(histogram, blocks, q, cap)


def float32_at_least(threshold: float) -> np.float32:
    """The smallest float32 t with t >= threshold, so that `score32 >= t` ⇔ `score >= threshold`."""
    rounded = np.float32(threshold)
    return rounded if float(rounded) >= threshold else np.nextafter(rounded, np.float32(np.inf))
