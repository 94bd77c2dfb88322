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

With `--score-bands K` (K > 1) each link type's quota is split over K bands of its links' scores
(sampler.design.band_quotas: each band's sampled share as close to the type's as whole pairs allow),
so the high scores where thresholds are chosen get their share by design, not by chance; within a
band the draw is uniform as before, and the estimates take the bands as their cells. Every banded
round of a study uses the same K, so the cells stay the same.

`--purpose learn` draws the learning stream instead (sampler.learning): the B pairs no batch has
shown where the calibrated probability is least certain or the models disagree most. They are dealt
out like any round's, with `purpose` = `learn` and no inclusion probability; they count in no
stratum's sample, here or in any estimate, and no later round draws them again.

A later round has no overlap and no control pairs: its aim is narrower precision intervals, which
distinct pairs buy; agreement comes from round 1's overlap, and controls would need the score
spills that `hw sample` does not keep. The drawn pairs are dealt out at random, K per annotator.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from heritage_weaver.progress import SILENT, Progress
from heritage_weaver.workspace import Workspace
from sampler import learning
from sampler.artifacts import (
    BATCH_BANDS,
    BATCH_DESIGN,
    BATCH_INCLUSION,
    BATCH_PURPOSE,
    LINKS,
    PURPOSE_VALUES,
    ROUND_BATCH,
    round_batches,
    shown_pairs,
)
from sampler.artifacts.design import study_comparisons, study_models
from sampler.design import ESTIMATE, LEARN, band_quotas, inclusion_probabilities, per_link, proportional, typed_rows
from sampler.feedback import LabelFeedback
from sampler.learning import DISAGREEMENT, UNCERTAINTY
from sampler.pairs import BATCH_LEADING
from sampler.pipeline import SampleError
from sampler.plan import model_strata, needed, strata_table

SMALLEST_TARGET = 1e-4  # a half-width this small asks for (nearly) every pair of a stratum


@dataclass
class RoundResult:
    """`allocation`: per link type, pairs shown before, the round's quota and the pairs drawn."""

    round: int
    target: float
    batches: dict[str, pd.DataFrame]
    allocation: pd.DataFrame
    purpose: str = ESTIMATE


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
    typed = typed_rows(links, [], 1)
    return draw_cells(typed, set(np.flatnonzero(links["pair_id"].isin(shown).to_numpy()).tolist()), quotas, rng)


def draw_cells(
    typed: pd.DataFrame, excluded: set[int], quotas: pd.Series, rng: np.random.Generator
) -> list[tuple[int, str]]:
    """(row, link type) for each drawn pair: per cell of `typed` (sampler.design.typed_rows), in sorted
    order, `quotas[cell]` rows drawn uniformly from those holding it that are neither `excluded` nor drawn
    already (a pair drawn for one cell is gone from the others it belongs to)."""
    pools = typed[~typed["row"].isin(excluded)].groupby("cell")
    taken: set[int] = set()
    drawn = []
    for cell in sorted(quotas.index):
        quota = int(quotas[cell])
        if quota <= 0 or cell not in pools.groups:
            continue
        members = pools.get_group(cell)
        link_type = str(members["link_type"].iloc[0])
        count = 0
        for row in rng.permutation(members["row"].to_numpy(dtype=np.int64)):
            if count >= quota:
                break
            if int(row) in taken:
                continue
            taken.add(int(row))
            drawn.append((int(row), link_type))
            count += 1
    return drawn


def deal(
    links: pd.DataFrame,
    drawn: list[tuple[int, str]],
    annotators: list[str],
    rng: np.random.Generator,
    design: pd.DataFrame,
) -> dict[str, pd.DataFrame]:
    """The drawn pairs in random order, dealt in turn to the annotators, as batches in the documented
    columns; `design` (indexed by row of `links`) adds the batch's design columns."""
    order = [drawn[i][0] for i in rng.permutation(len(drawn))]
    batches = {}
    for index, annotator in enumerate(annotators):
        rows = order[index :: len(annotators)]
        batch = links.iloc[rows].reset_index(drop=True)
        batch.insert(0, "annotator", annotator)
        batch.insert(1, "position", np.arange(len(batch), dtype=np.int64))
        batch["is_control"] = False
        batch["is_overlap"] = False
        for column in BATCH_DESIGN:
            batch[column] = design.loc[rows, column].to_list()
        batches[annotator] = batch[BATCH_LEADING + [c for c in batch.columns if c not in BATCH_LEADING]]
    return batches


def study_bands(shown: pd.DataFrame, score_bands: int) -> int:
    """The bands of the study's cells after this round: `score_bands`, or the earlier rounds' banding
    when this round draws in one band; a round drawing in bands must match any earlier banding."""
    if score_bands < 1:
        raise SampleError(f"--score-bands must be at least 1, got {score_bands}")
    earlier = set(shown.loc[shown[BATCH_PURPOSE] == ESTIMATE, BATCH_BANDS].tolist()) - {1}
    if score_bands > 1 and earlier - {score_bands}:
        raise SampleError(
            f"an earlier round drew in {sorted(earlier)[0]} score bands; a later round keeps them (or draws in one)"
        )
    return max([score_bands, *earlier])


def _estimate_draw(
    ws: Workspace,
    links: pd.DataFrame,
    shown: pd.DataFrame,
    budget: int,
    bands: int,
    rng: np.random.Generator,
    feedback: LabelFeedback | None,
) -> tuple[list[tuple[int, str]], pd.DataFrame, float, pd.DataFrame]:
    """The drawn (row, link type)s, the strata table with quotas, the target, and the design columns
    (inclusion probabilities in the study's cells, `study_bands`)."""
    table, _ = strata_table(ws, feedback)
    groups = model_strata(ws, table)
    available = (table["population"] - table["shown"]).clip(lower=0).to_numpy(dtype=int)

    def more_for(target: float) -> np.ndarray:
        wanted = needed(groups, table.index, target).to_numpy() - table["pairs"].to_numpy()
        return np.minimum(np.clip(wanted, 0, None), available)

    cell_bands = study_bands(shown, bands)
    quotas, target = round_quotas(table, more_for, budget)
    table["quota"] = quotas
    models = study_models(ws)
    typed = typed_rows(links, models, bands)
    seen = links["pair_id"].isin(shown["pair_id"]).to_numpy()
    sampled = links["pair_id"].isin(shown.loc[shown[BATCH_PURPOSE] == ESTIMATE, "pair_id"]).to_numpy().copy()
    counted = typed.assign(seen=seen[typed["row"]], sampled=sampled[typed["row"]])
    per_cell = counted.groupby(["link_type", "cell"]).agg(
        population=("row", "size"), sampled=("sampled", "sum"), seen=("seen", "sum")
    )
    cell_quotas = []
    for link_type, quota in zip(table["link_type"], quotas):
        if link_type not in per_cell.index.get_level_values(0):
            continue
        mine = per_cell.loc[link_type]
        split = band_quotas(mine["population"], mine["sampled"], mine["population"] - mine["seen"], int(quota))
        cell_quotas.append(pd.Series(split, index=mine.index))
    split_quotas = pd.concat(cell_quotas) if cell_quotas else pd.Series(dtype=int)
    drawn = draw_cells(typed, set(np.flatnonzero(seen).tolist()), split_quotas, rng)
    sampled[[row for row, _ in drawn]] = True
    cells = typed if cell_bands == bands else typed_rows(links, models, cell_bands)
    probability = inclusion_probabilities(cells, sampled)
    rows = [row for row, _ in drawn]
    design = pd.DataFrame(
        {BATCH_PURPOSE: ESTIMATE, BATCH_BANDS: bands, BATCH_INCLUSION: per_link(cells, probability, rows)},
        index=rows,
    )
    return drawn, table, target, design


def _learning_draw(
    ws: Workspace,
    links: pd.DataFrame,
    shown: pd.DataFrame,
    budget: int,
    learn_by: str,
    rng: np.random.Generator,
    feedback: LabelFeedback | None,
) -> tuple[list[tuple[int, str]], pd.DataFrame, pd.DataFrame]:
    """The learning stream's (row, first link type)s, the strata table, and the design columns."""
    if learn_by == UNCERTAINTY:
        if feedback is None:
            raise SampleError("--learn-by uncertainty needs the calibrated link probabilities (`hw calibrate`)")
        closeness = learning.uncertainty(links["pair_id"], feedback.link_probabilities.read(ws))
    elif learn_by == DISAGREEMENT:
        models = study_models(ws)
        comparisons = [c.name for c in study_comparisons(ws) if f"score.{c.name}.{models[0]}" in links.columns]
        closeness = learning.disagreement(links, comparisons, models)
    else:
        raise SampleError(f"--learn-by must be one of {', '.join(learning.LEARN_BY)}, got {learn_by!r}")
    available = ~links["pair_id"].isin(shown["pair_id"]).to_numpy()
    rows = learning.pick(closeness, available, budget, rng).tolist()
    types = links["link_types"].iloc[rows].map(lambda values: list(values) if values is not None else [])
    drawn = [(row, kinds[0] if kinds else "") for row, kinds in zip(rows, types)]
    table, _ = strata_table(ws, feedback)
    table["quota"] = 0
    nan_lists = [[float("nan")] * len(kinds) for kinds in types]
    design = pd.DataFrame({BATCH_PURPOSE: LEARN, BATCH_BANDS: 1, BATCH_INCLUSION: nan_lists}, index=rows)
    return drawn, table, design


def sample_round(
    ws: Workspace,
    round: int,
    per_annotator: int,
    progress: Progress = SILENT,
    score_bands: int = 1,
    purpose: str = ESTIMATE,
    learn_by: str = UNCERTAINTY,
    feedback: LabelFeedback | None = None,
) -> RoundResult | None:
    """Draw and write round `round`'s batches (see the module docstring); None when it is drawn already.
    `feedback`: the analysis tables of the labels so far (without it, shares are taken as ½ and the
    learning stream can only follow the models' disagreement)."""
    if round < 2:
        raise SampleError(f"--round must be 2 or more (round 1 is `hw sample`), got {round}")
    if per_annotator < 1:
        raise SampleError(f"--per-annotator must be at least 1, got {per_annotator}")
    if purpose not in PURPOSE_VALUES:
        raise SampleError(f"--purpose must be one of {', '.join(PURPOSE_VALUES)}, got {purpose!r}")
    rounds = {batch.round for batch in round_batches(ws)}
    if round in rounds:
        progress.note(f"round {round} is drawn already; its batches stay as they are (draw round {round + 1} for more)")
        return None
    if round - 1 not in rounds:
        raise SampleError(f"round {round - 1} has no batches yet; draw the rounds in order")
    annotators = list(ws.config.sampling.annotators)
    budget = per_annotator * len(annotators)
    links = LINKS.read(ws)
    shown = shown_pairs(ws)
    rng = np.random.default_rng([ws.config.study.seed, round])
    target = 0.0
    if purpose == LEARN:
        if score_bands != 1:
            raise SampleError("--score-bands goes with the probability sample, not with --purpose learn")
        drawn, table, design = _learning_draw(ws, links, shown, budget, learn_by, rng, feedback)
    else:
        drawn, table, target, design = _estimate_draw(ws, links, shown, budget, score_bands, rng, feedback)
    if not drawn:
        raise SampleError("no pair is left that no batch has shown: every link is in a batch already")
    batches = deal(links, drawn, annotators, rng, design)
    allocation = table[["link_type", "comparison", "stratum", "population", "pairs", "quota"]].copy()
    allocation["drawn"] = allocation["link_type"].map(pd.Series([t for _, t in drawn]).value_counts()).fillna(0)
    allocation["drawn"] = allocation["drawn"].astype(int)
    earlier = [batch.artifact for batch in round_batches(ws)]
    probabilities = [feedback.link_probabilities] if feedback and purpose == LEARN and learn_by == UNCERTAINTY else []
    inputs = [LINKS, *earlier, *probabilities]
    for annotator, batch in batches.items():
        ROUND_BATCH.at(round=round, annotator=annotator).write(
            ws,
            batch,
            inputs,
            round=round,
            pairs=len(batch),
            seed=ws.config.study.seed,
            purpose=purpose,
            score_bands=score_bands,
            learn_by=learn_by if purpose == LEARN else None,
            target_half_width=target,
            quotas={row.link_type: int(row.quota) for row in allocation.itertuples() if row.quota},
        )
    return RoundResult(round, target, batches, allocation, purpose)
