"""Blind batches: which linked pairs each annotator sees (pure: pools in, draws out).

Every batch draws one pair at a time from the link type it holds fewest of (ties broken by a
per-annotator random priority), so counts per link type are equal wherever the pools allow and
a short pool's share goes to the others. Annotators draw in turn, one pair each, so scarce
types are spread fairly. A pair is drawn at most once overall (it may sit in several pools),
except the overlap pairs, which are drawn first and shown to every annotator.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Draw:
    pair: int
    link_type: int
    overlap: bool


@dataclass(frozen=True)
class Shortfall:
    annotator: str
    link_type: str
    wanted: int
    drawn: int


@dataclass
class BatchPlan:
    draws: dict[str, list[Draw]]
    shortfalls: list[Shortfall] = field(default_factory=list)


class _Pools:
    """Each link type's pairs in a seeded random order; a pair once taken is gone from every pool."""

    def __init__(self, pools: Sequence[np.ndarray], n_pairs: int, rng: np.random.Generator) -> None:
        self.order = [rng.permutation(np.asarray(pool, dtype=np.int64)) for pool in pools]
        self.cursor = [0] * len(pools)
        self.used = np.zeros(n_pairs, dtype=bool)

    def has(self, link_type: int) -> bool:
        order, cursor = self.order[link_type], self.cursor[link_type]
        while cursor < len(order) and self.used[order[cursor]]:
            cursor += 1
        self.cursor[link_type] = cursor
        return cursor < len(order)

    def take(self, link_type: int) -> int:
        pair = int(self.order[link_type][self.cursor[link_type]])
        self.used[pair] = True
        return pair

    def draw_one(self, counts: np.ndarray, priority: np.ndarray) -> tuple[int, int] | None:
        open_types = [t for t in range(len(self.order)) if self.has(t)]
        if not open_types:
            return None
        link_type = min(open_types, key=lambda t: (counts[t], priority[t]))
        counts[link_type] += 1
        return self.take(link_type), link_type


def plan_batches(
    pools: Sequence[np.ndarray],
    link_types: Sequence[str],
    n_pairs: int,
    annotators: Sequence[str],
    per_annotator: int,
    overlap: float,
    rng: np.random.Generator,
) -> BatchPlan:
    """Draw `per_annotator` pairs for each annotator; `overlap` of them shared by all annotators."""
    if len(set(annotators)) != len(annotators):
        raise ValueError(f"annotator names must be unique, got {list(annotators)}")
    if not 0 <= overlap <= 1:
        raise ValueError(f"overlap must lie between 0 and 1, got {overlap}")
    n_types = len(pools)
    state = _Pools(pools, n_pairs, rng)
    shared_count = round(overlap * per_annotator) if len(annotators) > 1 else 0
    shared_counts = np.zeros(n_types, dtype=np.int64)
    shared_priority = rng.permutation(n_types)
    shared: list[Draw] = []
    while len(shared) < shared_count and (drawn := state.draw_one(shared_counts, shared_priority)):
        shared.append(Draw(drawn[0], drawn[1], overlap=True))
    counts = {a: shared_counts.copy() for a in annotators}
    priority = {a: rng.permutation(n_types) for a in annotators}
    draws = {a: list(shared) for a in annotators}
    waiting = list(annotators)
    while waiting:
        for annotator in list(waiting):
            drawn = state.draw_one(counts[annotator], priority[annotator])
            if drawn is None:
                waiting = []
                break
            draws[annotator].append(Draw(drawn[0], drawn[1], overlap=False))
            if len(draws[annotator]) >= per_annotator:
                waiting.remove(annotator)
    return BatchPlan(draws, _shortfalls(draws, counts, link_types, per_annotator))


def _shortfalls(
    draws: dict[str, list[Draw]], counts: dict[str, np.ndarray], link_types: Sequence[str], per_annotator: int
) -> list[Shortfall]:
    equal_share = per_annotator // max(len(link_types), 1)
    found = []
    for annotator, batch in draws.items():
        if len(batch) < per_annotator:
            found.append(Shortfall(annotator, "(batch)", per_annotator, len(batch)))
        for link_type, count in zip(link_types, counts[annotator].tolist()):
            if count < equal_share:
                found.append(Shortfall(annotator, link_type, equal_share, count))
    return found


def draw_controls(n_rows: int, n_cols: int, count: int, excluded: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """`count` distinct random pair keys (row * n_cols + col) outside `excluded` (sorted keys), fewer if there are not enough."""
    available = n_rows * n_cols - len(excluded)
    count = max(0, min(count, available))
    chosen: np.ndarray = np.empty(0, dtype=np.int64)
    while len(chosen) < count:
        if available <= 4 * count:
            candidates = np.setdiff1d(np.arange(n_rows * n_cols, dtype=np.int64), excluded)
            return rng.choice(candidates, size=count, replace=False)
        candidates = rng.integers(0, n_rows * n_cols, size=2 * (count - len(chosen)), dtype=np.int64)
        candidates = candidates[~np.isin(candidates, excluded) & ~np.isin(candidates, chosen)]
        _, first = np.unique(candidates, return_index=True)
        chosen = np.concatenate([chosen, candidates[np.sort(first)]]).astype(np.int64)
    return chosen[:count]
