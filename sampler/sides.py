"""One side of a comparison: the unit vectors of a collection's records in one modality, grouped by record."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch


@dataclass(frozen=True)
class Side:
    """Unit vectors grouped by record: the units of record `i` are `vectors[offsets[i]:offsets[i + 1]]`.

    A record may have no units (an empty segment): its scores are NaN and it is not counted.
    """

    record_ids: np.ndarray
    offsets: np.ndarray
    vectors: torch.Tensor

    @property
    def unit_counts(self) -> np.ndarray:
        return np.diff(self.offsets)

    @property
    def segment_index(self) -> torch.Tensor:
        """For every unit row, the position of its record."""
        return torch.repeat_interleave(torch.arange(len(self.record_ids)), torch.from_numpy(self.unit_counts))

    def slice(self, start: int, stop: int) -> Side:
        """Records `start:stop` with their units (vectors shared, not copied)."""
        first, last = int(self.offsets[start]), int(self.offsets[stop])
        return Side(self.record_ids[start:stop], self.offsets[start : stop + 1] - first, self.vectors[first:last])

    def mean_vectors(self) -> torch.Tensor:
        """Each record's mean unit vector (not normalised: its dot products are means of cosines)."""
        sums = torch.zeros(len(self.record_ids), self.vectors.shape[1], dtype=self.vectors.dtype)
        sums.index_add_(0, self.segment_index, self.vectors)
        return sums / torch.from_numpy(self.unit_counts).to(sums.dtype).unsqueeze(1)


def build_side(record_order: np.ndarray, unit_record_ids: np.ndarray, vectors: np.ndarray) -> Side:
    """Group unit vectors by record, in `record_order` (which must contain every unit's record)."""
    positions = pd.Index(record_order).get_indexer(unit_record_ids)
    if (positions < 0).any():
        raise ValueError("a unit belongs to a record outside the record order")
    counts = np.bincount(positions, minlength=len(record_order))
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    if (np.diff(positions) >= 0).all():
        grouped = np.ascontiguousarray(vectors, dtype=np.float32)
    else:
        grouped = np.ascontiguousarray(vectors[np.argsort(positions, kind="stable")], dtype=np.float32)
    return Side(np.asarray(record_order, dtype=object), offsets, torch.from_numpy(grouped))


def block_edges(unit_counts: np.ndarray, block_size: int) -> np.ndarray:
    """Cut records into consecutive blocks of at most `block_size` units and records.

    A record with more units than `block_size` gets a block of its own.
    """
    edges = [0]
    units = 0
    for index, count in enumerate(unit_counts.tolist()):
        records = index - edges[-1]
        if records and (units + count > block_size or records >= block_size):
            edges.append(index)
            units = 0
        units += count
    if len(unit_counts):
        edges.append(len(unit_counts))
    return np.asarray(edges, dtype=np.int64)
