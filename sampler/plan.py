"""`hw sample --plan`: how precise each model's population precision can be with the batches drawn,
and how many labelled pairs per stratum a target half-width needs (Neyman allocation).

Per comparison, a model's precision is Σ_h W_h p_h over the strata h that hold its links, with
W_h = N_h / N (N_h links in stratum h, N in all the model's strata). With n_h labelled pairs its
variance is Σ_h W_h² S_h² (1 − n_h/N_h)/n_h, where S_h² = p_h (1 − p_h) N_h/(N_h − 1); the expected
95% half-width is 1.96 × its square root. The share p_h is guessed as (positives + 1)/(pairs + 2)
from `analysis/precision_strata.parquet` when labels have been analysed, else ½ (the widest case).
Neyman allocation gives the fewest pairs that reach a variance V = (half-width / 1.96)²:
n_h ∝ N_h S_h, n = (Σ W_h S_h)² / (V + Σ W_h S_h² / N), a stratum needing more than N_h being
labelled in full and the rest allocated again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from heritage_weaver.artifacts import BATCH, LINKS, PRECISION_STRATA, ArtifactError
from heritage_weaver.workspace import Workspace
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


def plan_sample(ws: Workspace, target: float = 0.05) -> SamplePlan:
    """The plan for the current links and batches (see the module docstring)."""
    if not 0 < target < 1:
        raise ValueError(f"--target must lie between 0 and 1, got {target}")
    config = ws.config
    models = list(config.models)
    strata = {s.name: s for s in derive_strata(models, config.sampling.base_model)}
    links = LINKS.read(ws, columns=["link_types"])
    population = links["link_types"].explode().dropna().value_counts()
    batches = [BATCH.at(annotator=p.stem).read(ws, columns=["pair_id", "link_types"]) for p in BATCH.instances(ws)]
    if not batches:
        raise ArtifactError(BATCH.missing_message())
    drawn = pd.concat(batches).drop_duplicates("pair_id").explode("link_types").dropna()["link_types"].value_counts()
    table = pd.DataFrame({"population": population})
    table["pairs"] = drawn.reindex(table.index).fillna(0).astype(int)
    table["share"] = 0.5
    from_labels = PRECISION_STRATA.exists(ws)
    if from_labels:
        labelled = PRECISION_STRATA.read(ws).set_index("link_type")
        known = labelled.index.intersection(table.index)
        table.loc[known, "share"] = (labelled.loc[known, "positives"] + 1) / (labelled.loc[known, "pairs"] + 2)
    big_n = table["population"].astype(float)
    table["spread"] = np.sqrt(table["share"] * (1 - table["share"]) * big_n / np.maximum(big_n - 1, 1))
    table.index.name = "link_type"
    table = table.sort_index().reset_index()
    table[["comparison", "stratum"]] = table["link_type"].str.split("/", n=1, expand=True)
    expected, needs = [], []
    for comparison in (c.name for c in config.comparisons):
        rows = table[table["comparison"] == comparison]
        for index, model in enumerate(models):
            mine = rows[rows["stratum"].map(lambda s, i=index: s in strata and strata[s].pattern[i])]
            if mine.empty:
                continue
            pop, spread = mine["population"].to_numpy(), mine["spread"].to_numpy()
            expected.append(
                {
                    "comparison": comparison,
                    "model": model,
                    "links": int(pop.sum()),
                    "pairs": int(mine["pairs"].sum()),
                    "half_width": expected_half_width(pop, spread, mine["pairs"].to_numpy()),
                }
            )
            needs.append(pd.Series(neyman_allocation(pop, spread, target), index=mine.index, name=model))
    allocation = table[["link_type", "comparison", "stratum", "population", "pairs", "share"]].copy()
    allocation["needed"] = pd.concat(needs, axis=1).max(axis=1).reindex(allocation.index).fillna(0).astype(int)
    allocation["more"] = (allocation["needed"] - allocation["pairs"]).clip(lower=0)
    return SamplePlan(target, from_labels, pd.DataFrame(expected), allocation)
