"""Exact percentiles of score streams too large to hold: histogram selection in passes.

Semantics: `numpy.percentile(values.astype(float64), q)` with numpy's default `'linear'` method
(Hyndman & Fan type 7): the virtual index is `(n - 1) * q / 100` and the two neighbouring order
statistics are interpolated. NaN values are ignored.

Pass 1 counts values per bin of [-1, 1] (out-of-range values clamp into the edge bins). Pass 2
collects the values of the bin holding the wanted order statistic and sorts them. Should that bin
hold more than `cap` values, its range is histogrammed again (between the bin's smallest and
largest value) until it is small enough or holds a single distinct value; memory stays bounded by
`cap` and the bin count.

The passes run on a torch device (`cpu` or `cuda`): the binning is float32 arithmetic done the
same way on both (one subtraction, one multiplication, each correctly rounded), counts are integers
and the chosen values are sorted on the host, so every device selects the very same value.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import torch

BlockSource = Callable[[], Iterable["torch.Tensor | np.ndarray"]]
Values = np.ndarray | torch.Tensor
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

    def split(self, values: Values) -> tuple[Values, Values, int]:
        """The in-range values, their bin indexes, and how many values lie below the range (float32 values)."""
        if self.clamp:
            inside, below = values, 0
        else:
            below = int((values < self.lo).sum())
            inside = values[(values >= self.lo) & (values <= self.hi)]
        lo, width = np.float32(self.lo), np.float32(self.bins / (self.hi - self.lo))
        # clipped to [0, bins - 1] first, so truncation is the floor; monotone in the value
        if isinstance(inside, np.ndarray):
            position = (inside - lo) * width
            return inside, np.clip(position, 0, self.bins - 1, out=position).astype(np.intp), below
        lo_t, width_t = (torch.tensor(v, device=inside.device) for v in (lo, width))
        return inside, ((inside - lo_t) * width_t).clamp_(0, self.bins - 1).long(), below

    def in_bin(self, values: Values, bin_index: int) -> Values:
        inside, index, _ = self.split(values)
        return inside[index == bin_index]

    def count(self, values: Values) -> tuple[Values, int]:
        """Values per bin (int64, numpy on the CPU, a tensor on a GPU), and how many lie below the range."""
        _, index, below = self.split(values)
        if isinstance(index, np.ndarray):
            return np.bincount(index, minlength=self.bins), below
        return torch.bincount(index, minlength=self.bins), below


def _finite(block: torch.Tensor | np.ndarray, device: str) -> Values:
    """The block's non-NaN values as one float32 row: numpy on the CPU (faster there), a tensor on a GPU."""
    if device == "cpu":
        values = (block.numpy() if isinstance(block, torch.Tensor) else np.asarray(block)).reshape(-1)
        missing = np.isnan(values)
        return values[~missing] if missing.any() else values
    tensor = (block if isinstance(block, torch.Tensor) else torch.from_numpy(np.asarray(block))).reshape(-1)
    tensor = tensor.to(device, dtype=torch.float32, non_blocking=True)
    return tensor[~torch.isnan(tensor)]


def _zeros(bins: int, device: str) -> Values:
    return np.zeros(bins, dtype=np.int64) if device == "cpu" else torch.zeros(bins, dtype=torch.int64, device=device)


def _host(values: Values) -> np.ndarray:
    return values if isinstance(values, np.ndarray) else values.cpu().numpy()


class Histogram:
    """Pass-1 accumulator: counts per bin over [-1, 1] (the range of cosines and their aggregates), kept on `device`."""

    def __init__(self, bins: int = DEFAULT_BINS, device: str = "cpu") -> None:
        self.binning = Binning(-1.0, 1.0, bins, clamp=True)
        self.device = device
        self._counts = _zeros(bins, device)

    def add(self, block: torch.Tensor | np.ndarray) -> None:
        self._counts += self.binning.count(_finite(block, self.device))[0]

    @property
    def counts(self) -> np.ndarray:
        return _host(self._counts)

    @property
    def total(self) -> int:
        return int(self._counts.sum())


def linear_ranks(n: int, q: float) -> tuple[int, int, float]:
    """The two order statistics (0-based) and the weight numpy's 'linear' method interpolates with."""
    virtual = (n - 1) * (q / 100)
    lower = math.floor(virtual)
    return lower, min(lower + 1, n - 1), virtual - lower


def interpolate(lower: float, upper: float, weight: float) -> float:
    """numpy's `_lerp`: exact at both ends, symmetric rounding around the middle."""
    difference = upper - lower
    return upper - difference * (1 - weight) if weight >= 0.5 else lower + difference * weight


def _histogram(blocks: BlockSource, binning: Binning, device: str) -> tuple[np.ndarray, int]:
    counts = _zeros(binning.bins, device)
    below = 0
    for block in blocks():
        block_counts, block_below = binning.count(_finite(block, device))
        counts += block_counts
        below += block_below
    return _host(counts), below


def _bin_values(blocks: BlockSource, binning: Binning, bin_indexes: set[int], device: str) -> dict[int, np.ndarray]:
    collected: dict[int, list[np.ndarray]] = {b: [] for b in bin_indexes}
    for block in blocks():
        values = _finite(block, device)
        for b in bin_indexes:
            collected[b].append(_host(binning.in_bin(values, b)).astype(np.float64))
    return {b: np.sort(np.concatenate(parts)) if parts else np.empty(0) for b, parts in collected.items()}


def _select(
    blocks: BlockSource, ranks: set[int], binning: Binning, counts: np.ndarray, below: int, cap: int, device: str
) -> dict[int, float]:
    """The values of the given order statistics (0-based over all values), all inside `binning`'s range."""
    cumulative = np.cumsum(counts)
    bin_of = {rank: int(np.searchsorted(cumulative, rank - below, side="right")) for rank in ranks}
    small = {rank: b for rank, b in bin_of.items() if counts[b] <= cap}
    found: dict[int, float] = {}
    if small:
        values = _bin_values(blocks, binning, set(small.values()), device)
        for rank, b in small.items():
            first_rank = below + (int(cumulative[b - 1]) if b else 0)
            found[rank] = float(values[b][rank - first_rank])
    for rank, b in bin_of.items():
        if rank in small:
            continue
        extent = [float("inf"), float("-inf")]
        for block in blocks():
            inside = binning.in_bin(_finite(block, device), b)
            if len(inside):
                extent = [min(extent[0], float(inside.min())), max(extent[1], float(inside.max()))]
        if extent[0] == extent[1]:
            found[rank] = extent[0]
            continue
        finer = Binning(extent[0], extent[1], binning.bins, clamp=False)
        finer_counts, finer_below = _histogram(blocks, finer, device)
        found.update(_select(blocks, {rank}, finer, finer_counts, finer_below, cap, device))
    return found


def select_percentile(histogram: Histogram, blocks: BlockSource, q: float, cap: int = DEFAULT_CAP) -> float:
    """The exact q-th percentile of the values `blocks()` yields, given their pass-1 `histogram`
    (the later passes run on the histogram's device)."""
    check_percentile(q)
    if histogram.total == 0:
        raise ValueError("no scores to take a percentile of")
    lower, upper, weight = linear_ranks(histogram.total, q)
    values = _select(blocks, {lower, upper}, histogram.binning, histogram.counts, 0, cap, histogram.device)
    return interpolate(values[lower], values[upper], weight)


def exact_percentile(
    blocks: BlockSource, q: float, bins: int = DEFAULT_BINS, cap: int = DEFAULT_CAP, device: str = "cpu"
) -> float:
    """Both passes over `blocks()` (called once per pass; it must yield the same values each time)."""
    check_percentile(q)
    histogram = Histogram(bins, device)
    for block in blocks():
        histogram.add(block)
    return select_percentile(histogram, blocks, q, cap)


def float32_at_least(threshold: float) -> np.float32:
    """The smallest float32 t with t >= threshold, so that `score32 >= t` ⇔ `score >= threshold`."""
    rounded = np.float32(threshold)
    return rounded if float(rounded) >= threshold else np.nextafter(rounded, np.float32(np.inf))
