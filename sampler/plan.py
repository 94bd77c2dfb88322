"""`hw sample --plan`: how precise each model's population precision can be with the batches drawn
(in every labelling round),
and how many labelled pairs per stratum a target half-width needs (Neyman allocation).

Per comparison, a model's precision is Σ_h W_h p_h over the strata h that hold its links, with
W_h = N_h / N (N_h links in stratum h, N in all the model's strata). With n_h labelled pairs its
variance is Σ_h W_h² S_h² (1 − n_h/N_h)/n_h, where S_h² = p_h (1 − p_h) N_h/(N_h − 1); the expected
95% half-width is 1.96 × its square root. The share p_h is guessed as (positives + 1)/(pairs + 2)
from `analysis/precision_strata.parquet` when labels have been analysed, else ½ (the widest case).
Neyman allocation gives the fewest pairs that reach a variance V = (half-width / 1.96)²:
n_h ∝ N_h S_h, n = (Σ W_h S_h)² / (V + Σ W_h S_h² / N), a stratum needing more than N_h being
labelled in full and the rest allocated again. Pairs of the learning stream (`--purpose learn`) are
no part of the probability sample: they count in no n_h, but no later round draws them again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from heritage_weaver.workspace import Workspace
from sampler.artifacts import BATCH_PURPOSE, LINKS, shown_pairs
from sampler.artifacts.design import study_comparisons, study_models
from sampler.design import ESTIMATE
from sampler.feedback import LabelFeedback
from sampler.strata import derive_strata

Z95 = 1.959963984540054


@dataclass
class SamplePlan:
    """`expected`: per comparison × model, labelled pairs and the expected half-width now;
    `allocation`: per link type, the pairs a `target` half-width needs for every model that links it."""

    target: float
    shares_from_labels: bool
    expected: pd.DataFrame
    allocation: pd.DataFrame


def neyman_allocation(population: np.ndarray, spread: np.ndarray, half_width: float) -> np.ndarray:
    """Pairs per stratum (whole numbers, at most N_h) for a 95% half-width of the weighted share."""
    population = np.asarray(population, dtype=float)
    spread = np.asarray(spread, dtype=float)
    weights = population / population.sum()
    variance = (half_width / Z95) ** 2
    needed = np.zeros(len(population))
    full = np.zeros(len(population), dtype=bool)
    while True:
        rest = ~full
        scale = (weights[rest] * spread[rest]).sum()
        if scale <= 0:
            break
        total = scale**2 / (variance + (weights[rest] * spread[rest] ** 2).sum() / population.sum())
        needed[rest] = total * weights[rest] * spread[rest] / scale
        over = rest & (needed >= population)
        if not over.any():
            break
        full |= over
        needed[full] = population[full]
    return np.minimum(np.ceil(needed - 1e-9), population).astype(int)


def expected_half_width(population: np.ndarray, spread: np.ndarray, pairs: np.ndarray) -> float:
    """1.96 × the standard error of Σ W_h p_h with n_h pairs per stratum (inf where a stratum has none)."""
    population, spread, pairs = (np.asarray(v, dtype=float) for v in (population, spread, pairs))
    if (pairs <= 0).any():
        return float("inf")
    weights = population / population.sum()
    return float(Z95 * np.sqrt((weights**2 * spread**2 * (1 - pairs / population) / pairs).sum()))


def strata_table(ws: Workspace, feedback: LabelFeedback | None = None) -> tuple[pd.DataFrame, bool]:
    """Per link type: population, pairs of the probability sample in the batches of every round (`pairs`),
    pairs shown at all (`shown`, the learning stream's too), guessed share and spread S_h; and whether the
    shares come from analysed labels."""
    links = LINKS.read(ws, columns=["link_types"])
    population = links["link_types"].explode().dropna().value_counts()
    shown = shown_pairs(ws)
    estimate = shown[shown[BATCH_PURPOSE] == ESTIMATE]
    drawn = estimate.explode("link_types").dropna(subset=["link_types"])["link_types"].value_counts()
    anywhere = shown.explode("link_types").dropna(subset=["link_types"])["link_types"].value_counts()
    table = pd.DataFrame({"population": population})
    table["pairs"] = drawn.reindex(table.index).fillna(0).astype(int)
    table["shown"] = anywhere.reindex(table.index).fillna(0).astype(int)
    table["share"] = 0.5
    analysed = feedback.precision_strata if feedback is not None else None
    labelled = analysed.read(ws).set_index("link_type") if analysed is not None and analysed.exists(ws) else None
    if labelled is not None:
        known = labelled.index.intersection(table.index)
        table.loc[known, "share"] = (labelled.loc[known, "positives"] + 1) / (labelled.loc[known, "pairs"] + 2)
    big_n = table["population"].astype(float)
    table["spread"] = np.sqrt(table["share"] * (1 - table["share"]) * big_n / np.maximum(big_n - 1, 1))
    table.index.name = "link_type"
    table = table.sort_index().reset_index()
    table[["comparison", "stratum"]] = table["link_type"].str.split("/", n=1, expand=True)
    return table, labelled is not None


def model_strata(ws: Workspace, table: pd.DataFrame) -> list[tuple[str, str, pd.DataFrame]]:
    """(comparison, model, the rows of `table` whose stratum holds that model's links) for every model."""
    models = study_models(ws)
    strata = {s.name: s for s in derive_strata(models, ws.config.sampling.base_model)}
    found = []
    for comparison in (c.name for c in study_comparisons(ws)):
        rows = table[table["comparison"] == comparison]
        for index, model in enumerate(models):
            mine = rows[rows["stratum"].map(lambda s, i=index: s in strata and strata[s].pattern[i])]
            if not mine.empty:
                found.append((comparison, model, mine))
    return found


def needed(groups: list[tuple[str, str, pd.DataFrame]], index: pd.Index, target: float) -> pd.Series:
    """Per row of the strata table: the labelled pairs a `target` half-width needs for every model linking it."""
    needs = [
        pd.Series(neyman_allocation(m["population"].to_numpy(), m["spread"].to_numpy(), target), index=m.index)
        for _, _, m in groups
    ]
    return pd.concat(needs, axis=1).max(axis=1).reindex(index).fillna(0).astype(int)


def plan_sample(ws: Workspace, target: float = 0.05, feedback: LabelFeedback | None = None) -> SamplePlan:
    """The plan for the current links and the batches of every round (see the module docstring)."""
    if not 0 < target < 1:
        raise ValueError(f"--target must lie between 0 and 1, got {target}")
    table, from_labels = strata_table(ws, feedback)
    groups = model_strata(ws, table)
    expected = [
        {
            "comparison": comparison,
            "model": model,
            "links": int(mine["population"].sum()),
            "pairs": int(mine["pairs"].sum()),
            "half_width": expected_half_width(
                mine["population"].to_numpy(), mine["spread"].to_numpy(), mine["pairs"].to_numpy()
            ),
        }
        for comparison, model, mine in groups
    ]
    allocation = table[["link_type", "comparison", "stratum", "population", "pairs", "share"]].copy()
    allocation["needed"] = needed(groups, allocation.index, target)
    allocation["more"] = (allocation["needed"] - allocation["pairs"]).clip(lower=0)
    return SamplePlan(target, from_labels, pd.DataFrame(expected), allocation)
