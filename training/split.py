"""The record-level train/eval split, stratified by collection and seeded; saved once and reused."""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from training.artifacts import SPLIT

SPLIT_COLUMNS = list(SPLIT.columns)


def split_records(records: pd.DataFrame, eval_fraction: float, seed: int) -> pd.DataFrame:
    """Assign each record to `train` or `eval`: per collection, a seeded shuffle of the sorted ids.

    Each collection with at least two records gives `round(n * eval_fraction)` records (at
    least one, never all) to eval, so a small collection is still evaluated.
    """
    parts = []
    for collection, group in records.groupby("collection", sort=True):
        ids = np.sort(group["record_id"].astype(str).unique())
        rng = np.random.default_rng([seed, zlib.crc32(str(collection).encode())])
        order = rng.permutation(len(ids))
        n_eval = 0 if len(ids) < 2 else min(max(round(len(ids) * eval_fraction), 1), len(ids) - 1)
        split = np.full(len(ids), "train", dtype=object)
        split[order[:n_eval]] = "eval"
        parts.append(pd.DataFrame({"record_id": ids, "collection": collection, "split": split}))
    if not parts:
        return pd.DataFrame(columns=SPLIT_COLUMNS)
    return pd.concat(parts, ignore_index=True)[SPLIT_COLUMNS]


def extend_split(existing: pd.DataFrame, records: pd.DataFrame, eval_fraction: float, seed: int) -> pd.DataFrame:
    """Keep every earlier assignment; split only the records the saved split has not seen."""
    new = records[~records["record_id"].astype(str).isin(set(existing["record_id"]))]
    if new.empty:
        return existing
    # A different seed stream for the newcomers, so they are not a replay of the first split.
    added = split_records(new, eval_fraction, seed + len(existing))
    return pd.concat([existing, added], ignore_index=True)[SPLIT_COLUMNS]
