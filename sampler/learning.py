"""The learning stream (`hw sample --round N --purpose learn`): pairs where labels teach the calibration most.

Each pair gets a closeness (lower: more worth labelling), one of
- `uncertainty`: min over comparisons of |p − ½|, p the pair's calibrated probability there (`hw
  calibrate`'s `probability`); a pair without a probability has none;
- `disagreement`: minus the largest spread, over comparisons, of the models' score ranks (a model's rank
  is the share of the links with a finite score in that comparison scoring at most as high; spread =
  largest rank − smallest, over the models with a finite score; a pair needs two of them).
`pick` takes the `budget` available pairs of lowest closeness, ties in a seeded random order. The
choice depends on labels (through the calibration) and on scores, not on chance alone, so these pairs
are no probability sample: estimates leave them out (docs/methods.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

UNCERTAINTY, DISAGREEMENT = "uncertainty", "disagreement"
LEARN_BY = (UNCERTAINTY, DISAGREEMENT)


def uncertainty(pair_ids: pd.Series, probabilities: pd.DataFrame) -> np.ndarray:
    """Per pair of `pair_ids`: min over the comparisons of |probability − ½| (NaN without a probability)."""
    known = probabilities.dropna(subset=["probability"])
    distance = (known["probability"].astype(float) - 0.5).abs().groupby(known["pair_id"]).min()
    return pd.Series(pair_ids).map(distance).to_numpy(dtype=float)


def _ranks(scores: np.ndarray) -> np.ndarray:
    finite = np.isfinite(scores)
    ordered = np.sort(scores[finite])
    ranks = np.full(len(scores), np.nan)
    ranks[finite] = np.searchsorted(ordered, scores[finite], side="right") / max(len(ordered), 1)
    return ranks


def disagreement(links: pd.DataFrame, comparisons: Sequence[str], models: Sequence[str]) -> np.ndarray:
    """Per row of `links`: minus the largest spread of the models' score ranks over the comparisons."""
    spreads = np.full((len(links), len(comparisons)), np.nan)
    for c, comparison in enumerate(comparisons):
        ranks = np.column_stack([_ranks(links[f"score.{comparison}.{m}"].to_numpy(dtype=float)) for m in models])
        enough = np.isfinite(ranks).sum(axis=1) >= 2
        spreads[enough, c] = np.nanmax(ranks[enough], axis=1) - np.nanmin(ranks[enough], axis=1)
    closeness = np.full(len(links), np.nan)
    known = np.isfinite(spreads).any(axis=1)
    closeness[known] = -np.nanmax(spreads[known], axis=1)
    return closeness


def pick(closeness: np.ndarray, available: np.ndarray, budget: int, rng: np.random.Generator) -> np.ndarray:
    """Rows of the `budget` available pairs with the lowest finite closeness, lowest first (ties: seeded order)."""
    values = np.asarray(closeness, dtype=float)
    candidates = np.flatnonzero(np.asarray(available, dtype=bool) & np.isfinite(values))
    order = np.lexsort((rng.random(len(candidates)), values[candidates]))
    return candidates[order[: max(int(budget), 0)]]
