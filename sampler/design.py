"""The sampling design as data: each link's cell (link type, score band), band quotas, inclusion probabilities.

A pair holding link type h sits in one cell of h: its score band within h (heritage_weaver.score_bands;
with one band the cell is h itself). Every round of the probability sample draws uniformly within cells
from the pairs no batch has shown, so the pairs of a cell in the batches so far are a uniform sample of
it (as sampler.rounds argues for strata), and a pair's inclusion probability in the sample of h is

    π = (pairs of its cell in the probability sample's batches so far) / (links in its cell),

counted once per pair whatever type it was drawn for. It is recorded as of the pair's round: a later
round that draws in the same cell raises it for every pair there, so an estimate counts again (as
`hw calibrate` does) rather than reading an earlier round's value.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from heritage_weaver.score_bands import band_scores, cell_names, stratum_bands
from sampler.artifacts import PURPOSE_VALUES

ESTIMATE, LEARN = PURPOSE_VALUES


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


def typed_rows(links: pd.DataFrame, models: Sequence[str], bands: int) -> pd.DataFrame:
    """One row per (link, link type), in each link's `link_types` order: `row` (of `links`), `link_type`,
    `band` (within the type, under `bands` bands) and `cell`."""
    typed = links[["link_types"]].assign(row=np.arange(len(links))).explode("link_types").dropna()
    typed = typed.rename(columns={"link_types": "link_type"}).reset_index(drop=True)
    band = np.zeros(len(typed), dtype=np.int64)
    if bands > 1:
        comparison = typed["link_type"].str.partition("/")[0]
        for name, group in typed.groupby(comparison).groups.items():
            members = np.asarray(group, dtype=np.int64)
            scores = band_scores(links.iloc[typed["row"].to_numpy()[members]], str(name), models)
            band[members] = stratum_bands(typed["link_type"].to_numpy()[members].tolist(), scores, bands)
    typed["band"] = band
    typed["cell"] = cell_names(typed["link_type"].tolist(), band, bands)
    return typed


def band_quotas(population: np.ndarray, shown: np.ndarray, available: np.ndarray, quota: int) -> np.ndarray:
    """A link type's round quota split over its bands so that each band's sampled share comes as close
    to the type's as whole pairs allow: band b aims at (Σ shown + quota) × N_b / N, gets what it lacks of
    that in proportion (largest remainders), none above the pairs it has left, and a remainder the aims
    leave goes in proportion to the pairs left."""
    population, shown, available = (np.asarray(v, dtype=int) for v in (population, shown, available))
    quota = min(int(quota), int(available.sum()))
    aim = (shown.sum() + quota) * population / max(population.sum(), 1)
    lacking = np.clip(aim - shown, 0, available)
    units = proportional(lacking, quota, available)
    if units.sum() < quota:
        units = units + proportional(available - units, quota - int(units.sum()), available - units)
    return units


def inclusion_probabilities(typed: pd.DataFrame, sampled: np.ndarray) -> np.ndarray:
    """Per row of `typed`: the share of its cell's links whose `row` is marked in `sampled` (one flag per link)."""
    flag = np.asarray(sampled, dtype=bool)[typed["row"].to_numpy()]
    grouped = pd.Series(flag, index=typed.index).groupby(typed["cell"].to_numpy())
    return grouped.transform("mean").to_numpy(dtype=float)


def per_link(typed: pd.DataFrame, values: np.ndarray, rows: Sequence[int]) -> list[list[float]]:
    """For each link in `rows`, `values` of its typed rows, in its `link_types` order."""
    wanted = typed["row"].isin(rows).to_numpy()
    lists = pd.Series(np.asarray(values, dtype=float)[wanted]).groupby(typed["row"].to_numpy()[wanted]).agg(list)
    return [list(lists.get(int(row), [])) for row in rows]
