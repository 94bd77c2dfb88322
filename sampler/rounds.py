"""`hw sample --round N --per-annotator K`: a later labelling round where the intervals are widest.

The round has a budget of B = K × (annotators) pairs, none of them in a batch of any earlier round.
It spends B the way `hw sample --plan` would: it finds the smallest common 95% half-width t whose
Neyman allocation (the pairs per stratum every model's precision needs for ±t) asks for at most B
more pairs than the batches hold, and takes those; what B leaves over goes to the strata that the
next smaller t would add to, in proportion. So the pairs go where the intervals are widest.

Within a link type, the pairs are drawn uniformly at random (seeded by the study seed and the
round) from the pairs no batch has shown yet. A uniform sample of the pairs an earlier uniform
sample left over, joined to that sample, is again a uniform sample of the stratum of the joint size,
so the precision estimator (which treats each stratum's labelled pairs as a simple random sample)
pools the rounds with the same weights N_h / N. As in round 1, a pair drawn for one comparison's
link type is gone from the others it belongs to, and counts for the type it was drawn for.

A later round has no overlap and no control pairs: its aim is narrower precision intervals, which
distinct pairs buy; agreement comes from round 1's overlap, and controls would need the score
spills that `hw sample` does not keep. The drawn pairs are dealt out at random, K per annotator.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from heritage_weaver.artifacts import LINKS, ROUND_BATCH, round_batches
from heritage_weaver.progress import SILENT, Progress
from heritage_weaver.workspace import Workspace
from sampler.pairs import BATCH_LEADING
from sampler.pipeline import SampleError
from sampler.plan import model_strata, needed, shown_pairs, strata_table

SMALLEST_TARGET = 1e-4  # a half-width this small asks for (nearly) every pair of a stratum


@dataclass
class RoundResult:
    """`allocation`: per link type, pairs shown before, the round's quota and the pairs drawn."""

    round: int
    target: float
    batches: dict[str, pd.DataFrame]
    allocation: pd.DataFrame


def proportional(weights: np.ndarray, total: int, caps: np.ndarray) -> np.ndarray:
    """`total` whole units in proportion to `weights` (largest remainders first), none above its cap."""
    weights = np.asarray(weights, dtype=float)
    caps = np.asarray(caps, dtype=int)
    if total <= 0 or weights.sum() <= 0:
        return np.zeros(len(weights), dtype=int)
    share = weights / weights.sum() * total
    units = np.minimum(np.floor(share).astype(int), caps)
    order = np.argsort(-(share - np.floor(share)), kind="stable")
    while units.sum() < min(total, caps.sum()):
        for index in order:
            if units.sum() >= total:
                break
            if units[index] < caps[index] and weights[index] > 0:
                units[index] += 1
        if not (weights[units < caps] > 0).any():
            break
    return units


def round_quotas(table: pd.DataFrame, more_for: Callable[[float], np.ndarray], budget: int) -> tuple[np.ndarray, float]:
    """Pairs per row of the strata table for a budget, and the half-width they are aimed at.

    `more_for(t)` gives, per row, the pairs a common half-width t needs beyond those shown (capped
    at the pairs left); it shrinks as t grows.
    """
    available = (table["population"] - table["pairs"]).clip(lower=0).to_numpy(dtype=int)
    if available.sum() <= budget:
        return available, 0.0
    low, high = SMALLEST_TARGET, 1.0 - 1e-9
    many, few = more_for(low), more_for(high)
    if few.sum() > budget:
        return proportional(few, budget, few), high
    if many.sum() <= budget:
        return many, low
    for _ in range(40):
        middle = (low + high) / 2
        wanted = more_for(middle)
        if wanted.sum() <= budget:
            high, few = middle, wanted
        else:
            low, many = middle, wanted
    extra = proportional(many - few, budget - int(few.sum()), many - few)
    return few + extra, high


def draw_round(
    links: pd.DataFrame, shown: set[str], quotas: pd.Series, rng: np.random.Generator
) -> list[tuple[int, str]]:
    """(row of `links`, link type) for each drawn pair: per link type, `quotas[type]` pairs drawn
    uniformly from the rows that hold it and are neither shown before nor drawn already."""
    exploded = links[["pair_id", "link_types"]].assign(row=np.arange(len(links))).explode("link_types").dropna()
    exploded = exploded[~exploded["pair_id"].isin(shown)]
    pools = exploded.groupby("link_types")["row"].apply(lambda rows: rows.to_numpy(dtype=np.int64))
    taken: set[int] = set()
    drawn = []
    for link_type in sorted(quotas.index):
        quota = int(quotas[link_type])
        if quota <= 0 or link_type not in pools.index:
            continue
        count = 0
        for row in rng.permutation(pools[link_type]):
            if count >= quota:
                break
            if int(row) in taken:
                continue
            taken.add(int(row))
            drawn.append((int(row), link_type))
            count += 1
    return drawn


def deal(
    links: pd.DataFrame, drawn: list[tuple[int, str]], annotators: list[str], rng: np.random.Generator
) -> dict[str, pd.DataFrame]:
    """The drawn pairs in random order, dealt in turn to the annotators, as batches in the documented columns."""
    order = [drawn[i][0] for i in rng.permutation(len(drawn))]
    batches = {}
    for index, annotator in enumerate(annotators):
        rows = order[index :: len(annotators)]
        batch = links.iloc[rows].reset_index(drop=True)
        batch.insert(0, "annotator", annotator)
        batch.insert(1, "position", np.arange(len(batch), dtype=np.int64))
        batch["is_control"] = False
        batch["is_overlap"] = False
        batches[annotator] = batch[BATCH_LEADING + [c for c in batch.columns if c not in BATCH_LEADING]]
    return batches


def sample_round(ws: Workspace, round: int, per_annotator: int, progress: Progress = SILENT) -> RoundResult | None:
    """Draw and write round `round`'s batches (see the module docstring); None when it is drawn already."""
    if round < 2:
        raise SampleError(f"--round must be 2 or more (round 1 is `hw sample`), got {round}")
    if per_annotator < 1:
        raise SampleError(f"--per-annotator must be at least 1, got {per_annotator}")
    rounds = {batch.round for batch in round_batches(ws)}
    if round in rounds:
        progress.note(f"round {round} is drawn already; its batches stay as they are (draw round {round + 1} for more)")
        return None
    if round - 1 not in rounds:
        raise SampleError(f"round {round - 1} has no batches yet; draw the rounds in order")
    annotators = list(ws.config.sampling.annotators)
    table, _ = strata_table(ws)
    groups = model_strata(ws, table)
    available = (table["population"] - table["pairs"]).clip(lower=0).to_numpy(dtype=int)

    def more_for(target: float) -> np.ndarray:
        wanted = needed(groups, table.index, target).to_numpy() - table["pairs"].to_numpy()
        return np.minimum(np.clip(wanted, 0, None), available)

    quotas, target = round_quotas(table, more_for, per_annotator * len(annotators))
    links = LINKS.read(ws)
    shown = shown_pairs(ws)
    rng = np.random.default_rng([ws.config.study.seed, round])
    drawn = draw_round(links, set(shown["pair_id"]), pd.Series(quotas, index=table["link_type"]), rng)
    if not drawn:
        raise SampleError("no pair is left that no batch has shown: every link is in a batch already")
    batches = deal(links, drawn, annotators, rng)
    allocation = table[["link_type", "comparison", "stratum", "population", "pairs"]].copy()
    allocation["quota"] = quotas
    allocation["drawn"] = allocation["link_type"].map(pd.Series([t for _, t in drawn]).value_counts()).fillna(0)
    allocation["drawn"] = allocation["drawn"].astype(int)
    earlier = [batch.artifact for batch in round_batches(ws)]
    for annotator, batch in batches.items():
        ROUND_BATCH.at(round=round, annotator=annotator).write(
            ws,
            batch,
            [LINKS, *earlier],
            round=round,
            pairs=len(batch),
            seed=ws.config.study.seed,
            target_half_width=target,
            quotas={row.link_type: int(row.quota) for row in allocation.itertuples() if row.quota},
        )
    return RoundResult(round, target, batches, allocation)
