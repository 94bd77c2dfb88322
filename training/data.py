"""Batches of (cached image, token ids) pairs in a seeded order that a resumed run can replay."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

EVALUATION_STREAM = 2**32 - 1  # a seed stream no training epoch uses


def epoch_batches(n_pairs: int, batch_size: int, seed: int, epoch: int) -> list[np.ndarray]:
    """The micro-batches of one epoch: a permutation drawn from (seed, epoch), cut into full batches.

    The remainder is left for this epoch (another permutation covers it next time), because
    the sigmoid loss of a much smaller batch is on another scale; when there is not even one
    full batch, all pairs form one batch.
    """
    order = np.random.default_rng([seed, epoch]).permutation(n_pairs)
    if n_pairs < batch_size:
        return [order] if n_pairs > 1 else []
    return [order[start : start + batch_size] for start in range(0, n_pairs - batch_size + 1, batch_size)]


def fixed_batches(n_pairs: int, batch_size: int, seed: int) -> list[np.ndarray]:
    """Evaluation batches: one seeded order, the same every epoch so the losses compare.

    Shuffled, because the pair table lists a record's pairs together, and pairs of one record
    in one batch would count as each other's negatives.
    """
    order = np.random.default_rng([seed, EVALUATION_STREAM]).permutation(n_pairs)
    batches = [order[start : start + batch_size] for start in range(0, n_pairs, batch_size)]
    return [batch for batch in batches if len(batch) > 1]


class PairDataset(Dataset):
    """Pair i → (uint8 HWC image from the cache array, int64 token ids); the array is opened lazily per worker."""

    def __init__(self, array_path: Path, image_rows: np.ndarray, token_ids: np.ndarray) -> None:
        self.array_path = Path(array_path)
        self.image_rows = np.asarray(image_rows, dtype=np.int64)
        self.token_ids = np.asarray(token_ids, dtype=np.int64)
        self._array: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.image_rows)

    def __getitems__(self, indices: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
        if self._array is None:
            self._array = np.load(self.array_path, mmap_mode="r")
        rows = np.asarray(indices)
        images = torch.from_numpy(np.ascontiguousarray(self._array[self.image_rows[rows]]))
        return images, torch.from_numpy(self.token_ids[rows])

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        images, ids = self.__getitems__([index])
        return images[0], ids[0]


def _as_batch(batch: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """The dataset's `__getitems__` already returns the batch (images, token ids)."""
    return batch


def batch_loader(
    dataset: PairDataset, batches: list[np.ndarray], workers: int
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Iterate the given batches in order, read by `workers` processes (0: in this process)."""
    return iter(
        DataLoader(
            dataset,
            batch_sampler=[batch.tolist() for batch in batches],
            num_workers=workers,
            collate_fn=_as_batch,
            pin_memory=torch.cuda.is_available(),
            prefetch_factor=4 if workers else None,
        )
    )
