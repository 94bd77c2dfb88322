"""Exact percentiles of score streams too large to hold: histogram selection in passes.

Semantics: `numpy.percentile(values.astype(float64), q)` with numpy's default `'linear'` method
(Hyndman & Fan type 7): the virtual index is `(n - 1) * q / 100` and the two neighbouring order
statistics are interpolated. NaN values are ignored.

Pass 1 counts values per bin of [-1, 1] (out-of-range values clamp into the edge bins). Pass 2
collects the values of the bin holding the wanted order statistic and sorts them. Should that bin
hold more than `cap` values, its range is histogrammed again (between the bin's smallest and
largest value) until it is small enough or holds a single distinct value; memory stays bounded by
`cap` and the bin count.

The selection sees the values only through `Passes`: a histogram under a binning, the values inside
some bins, the extent of one bin. `StripPasses` computes each of these by mapping a pure function
over independent strips of the values and reducing the results (counts add, values are
concatenated then sorted, extents take min and max), so a pass can run as parallel tasks (the map is
injected: the builtin `map`, or `sampler.ray_tasks.ray_map`). The reductions do not depend on the
order in which strips finish, so every map gives bit-identical results; `block_passes` is the
one-strip case over a `BlockSource`, in this process.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

import numpy as np
import torch

BlockSource = Callable[[], Iterable["torch.Tensor | np.ndarray"]]
StripBlocks = Callable[[Any], Iterable["torch.Tensor | np.ndarray"]]
"""A strip → its blocks; pure (same blocks on every call) and picklable when the map runs elsewhere."""
MapStrips = Callable[[Callable[[Any], Any], Sequence[Any]], Iterable[Any]]
"""`map(function, strips)`: the function's result for every strip, in any order."""
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

    def add(self, block: torch.Tensor | np.ndarray) -> None:
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


class Passes(Protocol):
    """What the selection needs of the values: each call is one pass over all of them."""

    def histogram(self, binning: Binning) -> tuple[np.ndarray, int]:
        """Counts per bin of the finite values inside `binning`, and how many lie below its range."""
        ...

    def bin_values(self, binning: Binning, bin_indexes: set[int]) -> dict[int, np.ndarray]:
        """The finite values inside each of the given bins, as sorted float64."""
        ...

    def extent(self, binning: Binning, bin_index: int) -> tuple[float, float]:
        """(smallest, largest) value inside one bin; (inf, -inf) when it is empty."""
        ...


def _strip_histogram(strip_blocks: StripBlocks, binning: Binning, strip: Any) -> tuple[Any, np.ndarray, int]:
    counts = np.zeros(binning.bins, dtype=np.int64)
    below = 0
    for block in strip_blocks(strip):
        _, index, block_below = binning.split(_finite(block))
        counts += np.bincount(index, minlength=binning.bins)
        below += block_below
    return strip, counts, below


def _strip_bin_values(
    strip_blocks: StripBlocks, binning: Binning, bin_indexes: set[int], strip: Any
) -> dict[int, np.ndarray]:
    collected: dict[int, list[np.ndarray]] = {b: [] for b in bin_indexes}
    for block in strip_blocks(strip):
        values = _finite(block)
        for b in bin_indexes:
            collected[b].append(binning.in_bin(values, b).astype(np.float64))
    return {b: np.concatenate(parts) if parts else np.empty(0) for b, parts in collected.items()}


def _strip_extent(strip_blocks: StripBlocks, binning: Binning, bin_index: int, strip: Any) -> tuple[float, float]:
    low, high = float("inf"), float("-inf")
    for block in strip_blocks(strip):
        inside = binning.in_bin(_finite(block), bin_index)
        if len(inside):
            low, high = min(low, float(inside.min())), max(high, float(inside.max()))
    return low, high


@dataclass(frozen=True)
class StripPasses:
    """`Passes` as a map over independent strips (any picklable items: row blocks of a score grid, ...)
    followed by an order-independent reduction; `map_strips` decides where the strips run."""

    strip_blocks: StripBlocks
    strips: Sequence[Any]
    map_strips: MapStrips = map

    def histogram(self, binning: Binning, on_strip: Callable[[Any], None] | None = None) -> tuple[np.ndarray, int]:
        """As `Passes.histogram`; `on_strip(strip)` is called as each strip's counts come in (progress)."""
        counts = np.zeros(binning.bins, dtype=np.int64)
        below = 0
        for strip, strip_counts, strip_below in self.map_strips(
            partial(_strip_histogram, self.strip_blocks, binning), self.strips
        ):
            counts += strip_counts
            below += strip_below
            if on_strip:
                on_strip(strip)
        return counts, below

    def bin_values(self, binning: Binning, bin_indexes: set[int]) -> dict[int, np.ndarray]:
        parts: dict[int, list[np.ndarray]] = {b: [] for b in bin_indexes}
        for found in self.map_strips(partial(_strip_bin_values, self.strip_blocks, binning, bin_indexes), self.strips):
            for b, values in found.items():
                parts[b].append(values)
        return {b: np.sort(np.concatenate(p)) if p else np.empty(0) for b, p in parts.items()}

    def extent(self, binning: Binning, bin_index: int) -> tuple[float, float]:
        extents = list(self.map_strips(partial(_strip_extent, self.strip_blocks, binning, bin_index), self.strips))
        return min((low for low, _ in extents), default=float("inf")), max(
            (high for _, high in extents), default=float("-inf")
        )


def block_passes(blocks: BlockSource) -> StripPasses:
    """Passes over one stream of blocks in this process: `blocks()` is called once per pass and must
    yield the same values each time."""
    return StripPasses(lambda _: blocks(), (None,))


def _select(
    passes: Passes, ranks: set[int], binning: Binning, counts: np.ndarray, below: int, cap: int
) -> dict[int, float]:
    """The values of the given order statistics (0-based over all values), all inside `binning`'s range."""
    cumulative = np.cumsum(counts)
    bin_of = {rank: int(np.searchsorted(cumulative, rank - below, side="right")) for rank in ranks}
    small = {rank: b for rank, b in bin_of.items() if counts[b] <= cap}
    found: dict[int, float] = {}
    if small:
        values = passes.bin_values(binning, set(small.values()))
        for rank, b in small.items():
            first_rank = below + (int(cumulative[b - 1]) if b else 0)
            found[rank] = float(values[b][rank - first_rank])
    for rank, b in bin_of.items():
        if rank in small:
            continue
        low, high = passes.extent(binning, b)
        if low == high:
            found[rank] = low
            continue
        finer = Binning(low, high, binning.bins, clamp=False)
        finer_counts, finer_below = passes.histogram(finer)
        found.update(_select(passes, {rank}, finer, finer_counts, finer_below, cap))
    return found


def select_percentile_in(histogram: Histogram, passes: Passes, q: float, cap: int = DEFAULT_CAP) -> float:
    """The exact q-th percentile of the values behind `passes`, given their pass-1 `histogram`."""
    check_percentile(q)
    if histogram.total == 0:
        raise ValueError("no scores to take a percentile of")
    lower, upper, weight = linear_ranks(histogram.total, q)
    values = _select(passes, {lower, upper}, histogram.binning, histogram.counts, 0, cap)
    return interpolate(values[lower], values[upper], weight)


def select_percentile(histogram: Histogram, blocks: BlockSource, q: float, cap: int = DEFAULT_CAP) -> float:
    """The exact q-th percentile of the values `blocks()` yields, given their pass-1 `histogram`."""
    return select_percentile_in(histogram, block_passes(blocks), q, cap)


def strip_percentile(
    passes: StripPasses,
    q: float,
    bins: int = DEFAULT_BINS,
    cap: int = DEFAULT_CAP,
    on_strip: Callable[[Any], None] | None = None,
) -> tuple[float, int]:
    """(the exact q-th percentile, how many values it is taken over): every pass, pass 1 included, runs
    through `passes`; `on_strip(strip)` is called as each strip of pass 1 is counted."""
    check_percentile(q)
    histogram = Histogram(bins)
    histogram.counts += passes.histogram(histogram.binning, on_strip)[0]
    return select_percentile_in(histogram, passes, q, cap), histogram.total


def exact_percentile(blocks: BlockSource, q: float, bins: int = DEFAULT_BINS, cap: int = DEFAULT_CAP) -> float:
    """All passes over `blocks()` (called once per pass; it must yield the same values each time)."""
    return strip_percentile(block_passes(blocks), q, bins, cap)[0]


def float32_at_least(threshold: float) -> np.float32:
    """The smallest float32 t with t >= threshold, so that `score32 >= t` ⇔ `score >= threshold`."""
    rounded = np.float32(threshold)
    return rounded if float(rounded) >= threshold else np.nextafter(rounded, np.float32(np.inf))
