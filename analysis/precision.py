"""Population precision of each model's links, estimated from the stratified expert sample.

The links of one comparison fall into strata by agreement pattern (`<comparison>/<stratum>`);
the sampler knows every stratum's size N_h and the batches hold a simple random sample of n_h
of its pairs. A pair's outcome y is its adjudicated binary label where there is one, else the
mean of its annotators' binary labels (a pair labelled by two annotators counts once, as 0, ½
or 1). The share of positive pairs in stratum h is estimated by p_h = Σy / n_h with a Wilson
score interval whose variance carries the finite-population correction (N_h − n_h)/(N_h − 1).

A model's precision in a comparison is the share of positive pairs among its links in the
sampled strata, Σ_h N_h p_h / Σ_h N_h over the strata whose pattern includes the model: a
linear combination of independent stratum shares, as is the difference of two models'
precisions. Its 95% interval combines the stratum intervals by the method of variance estimates
recovery (MOVER; Zou & Donner 2008): the lower limit is θ − √Σ c_h²(p_h − l_h)² over strata with
c_h > 0 plus Σ c_h²(u_h − p_h)² over those with c_h < 0, and the upper limit mirrors it.

Links in agreement patterns the sampler does not sample (base and one fine-tuned model, say)
have no labels; the estimates cover the sampled strata only, and `coverage` says which share of
the model's links that is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from analysis.artifacts import PRECISION, PRECISION_DIFFERENCE, PRECISION_STRATA
from analysis.design import link_column
from analysis.labels import binarise
from annotation.artifacts import ADJUDICATION_COLUMNS

Z95 = 1.959963984540054
ADJUDICATED_LABEL = ADJUDICATION_COLUMNS[0]
TABLES = (PRECISION_STRATA, PRECISION, PRECISION_DIFFERENCE)


def wilson_interval(
    positives: np.ndarray, pairs: np.ndarray, population: np.ndarray, z: float = Z95
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Share, lower and upper limit per stratum: Wilson's score interval with finite-population correction.

    `positives` may be fractional (pairs with split votes). The sampling variance p(1 − p)/n is
    multiplied by (N − n)/(N − 1), i.e. Wilson's interval for an effective n' = n (N − 1)/(N − n);
    a stratum labelled in full (n = N) has a zero-width interval. Where n = 0 the share is NaN and
    the limits are 0 and 1. Works elementwise on arrays of any shape.
    """
    x, n, big_n = (np.asarray(value, dtype=float) for value in (positives, pairs, population))
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(n > 0, x / n, np.nan)
        correction = np.where(big_n > 1, (big_n - n) / np.maximum(big_n - 1, 1), 0.0)
        effective = n / correction
        shrink = 1 + z * z / effective
        centre = (share + z * z / (2 * effective)) / shrink
        half = z / shrink * np.sqrt(share * (1 - share) / effective + z * z / (4 * effective * effective))
    census = (correction <= 0) & (n > 0)
    low = np.where(census, share, np.clip(centre - half, 0, 1))
    high = np.where(census, share, np.clip(centre + half, 0, 1))
    unlabelled = n <= 0
    return share, np.where(unlabelled, 0.0, low), np.where(unlabelled, 1.0, high)


def combine_intervals(
    shares: np.ndarray, lows: np.ndarray, highs: np.ndarray, coefficients: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """θ = Σ c_h p_h over the last axis, with its MOVER interval from independent stratum intervals."""
    c = np.asarray(coefficients, dtype=float)
    used = c != 0
    p = np.where(used, shares, 0.0)
    below = np.where(c > 0, p - lows, highs - p) * used
    above = np.where(c > 0, highs - p, p - lows) * used
    estimate = (c * p).sum(axis=-1)
    estimate = np.where((used & np.isnan(shares)).any(axis=-1), np.nan, estimate)
    low = estimate - np.sqrt(((c * below) ** 2).sum(axis=-1))
    high = estimate + np.sqrt(((c * above) ** 2).sum(axis=-1))
    return estimate, low, high


def stratum_populations(links: pd.DataFrame, comparisons: Sequence[str], models: Sequence[str]) -> pd.DataFrame:
    """One row per link type of the sampler: comparison, stratum, its models (in config order), population."""
    rows = []
    exploded = links[["link_types"]].assign(row=np.arange(len(links))).explode("link_types").dropna()
    for link_type, members in exploded.groupby("link_types", sort=True)["row"]:
        comparison, _, stratum = str(link_type).partition("/")
        if comparison not in comparisons:
            continue
        first = links.iloc[int(members.iloc[0])]
        linked = [m for m in models if bool(first[link_column(comparison, m)])]
        rows.append(
            {
                "link_type": link_type,
                "comparison": comparison,
                "stratum": stratum,
                "models": ", ".join(linked),
                "population": len(members),
            }
        )
    return pd.DataFrame(rows, columns=["link_type", "comparison", "stratum", "models", "population"])


def model_links(links: pd.DataFrame, comparisons: Sequence[str], models: Sequence[str]) -> pd.DataFrame:
    """How many links each model has in each comparison (sampled strata or not)."""
    return pd.DataFrame(
        [
            {"comparison": c, "model": m, "links": int(links[link_column(c, m)].fillna(False).astype(bool).sum())}
            for c in comparisons
            for m in models
        ],
        columns=["comparison", "model", "links"],
    )


def pair_outcomes(labelled: pd.DataFrame, positive_labels: Iterable[str]) -> pd.DataFrame:
    """One row per labelled pair: its link types, annotations, and outcome (adjudicated, else mean vote)."""
    columns = ["pair_id", "link_types", "annotations", "outcome", "adjudicated"]
    if labelled.empty:
        return pd.DataFrame(columns=columns)
    grouped = labelled.groupby("pair_id", sort=True)
    pairs = pd.DataFrame(
        {
            "link_types": grouped["link_types"].first(),
            "annotations": grouped.size(),
            "outcome": grouped["binary"].mean().astype(float),
        }
    )
    pairs["adjudicated"] = False
    if ADJUDICATED_LABEL in labelled.columns:
        decided = labelled.dropna(subset=[ADJUDICATED_LABEL]).groupby("pair_id")[ADJUDICATED_LABEL].last()
        decided = binarise(decided, positive_labels).astype(float)
        pairs.loc[decided.index, "outcome"] = decided
        pairs.loc[decided.index, "adjudicated"] = True
    return pairs.rename_axis("pair_id").reset_index()[columns]


def stratum_precision(populations: pd.DataFrame, outcomes: pd.DataFrame) -> pd.DataFrame:
    """Per link type: population, labelled pairs and annotations, positive pairs, share and its interval."""
    exploded = outcomes.explode("link_types").dropna(subset=["link_types"])
    sums = exploded.groupby("link_types").agg(
        pairs=("pair_id", "size"), annotations=("annotations", "sum"), positives=("outcome", "sum")
    )
    table = populations.join(sums, on="link_type")
    table[["pairs", "annotations"]] = table[["pairs", "annotations"]].fillna(0).astype(int)
    table["positives"] = table["positives"].fillna(0.0).astype(float)
    share, low, high = wilson_interval(table["positives"], table["pairs"], table["population"])
    table["precision"], table["ci_low"], table["ci_high"] = share, low, high
    table["sampling_fraction"] = table["pairs"] / table["population"]
    return table[list(PRECISION_STRATA.columns)].reset_index(drop=True)


def model_weights(strata: pd.DataFrame, model: str) -> np.ndarray:
    """c_h = N_h / Σ N_h over the strata (rows of one comparison) whose pattern includes `model`."""
    member = strata["models"].map(lambda names: model in names.split(", ")).to_numpy(dtype=bool)
    sizes = np.where(member, strata["population"].to_numpy(dtype=float), 0.0)
    return sizes / sizes.sum() if sizes.sum() > 0 else sizes


def model_precision(strata: pd.DataFrame, totals: pd.DataFrame) -> pd.DataFrame:
    """Per comparison × model: links, covered links and share, labelled pairs, precision and 95% interval."""
    rows = []
    for total in totals.itertuples(index=False):
        rows_c = strata[strata["comparison"] == total.comparison]
        weights = model_weights(rows_c, total.model)
        covered = int(rows_c["population"].to_numpy()[weights > 0].sum())
        estimate, low, high = combine_intervals(
            rows_c["precision"].to_numpy(), rows_c["ci_low"].to_numpy(), rows_c["ci_high"].to_numpy(), weights
        )
        rows.append(
            {
                "comparison": total.comparison,
                "model": total.model,
                "links": total.links,
                "covered_links": covered,
                "coverage": covered / total.links if total.links else float("nan"),
                "strata": int((weights > 0).sum()),
                "pairs": int(rows_c["pairs"].to_numpy()[weights > 0].sum()),
                "precision": float(estimate),
                "ci_low": float(low),
                "ci_high": float(high),
                "message": _message(rows_c, weights, covered),
            }
        )
    return pd.DataFrame(rows, columns=list(PRECISION.columns))


def precision_difference(
    strata: pd.DataFrame, comparisons: Sequence[str], base: str, fine_tuned: Sequence[str]
) -> pd.DataFrame:
    """Per comparison × fine-tuned model: precision(model) − precision(base) and its 95% interval."""
    rows = []
    for comparison in comparisons:
        rows_c = strata[strata["comparison"] == comparison]
        base_weights = model_weights(rows_c, base)
        for model in fine_tuned:
            weights = model_weights(rows_c, model)
            difference = weights - base_weights
            estimate, low, high = combine_intervals(
                rows_c["precision"].to_numpy(), rows_c["ci_low"].to_numpy(), rows_c["ci_high"].to_numpy(), difference
            )
            empty = not weights.sum() or not base_weights.sum()
            rows.append(
                {
                    "comparison": comparison,
                    "model": model,
                    "base_model": base,
                    "difference": float("nan") if empty else float(estimate),
                    "ci_low": float("nan") if empty else float(low),
                    "ci_high": float("nan") if empty else float(high),
                    "message": "a model has no sampled links" if empty else _message(rows_c, difference, 1),
                }
            )
    return pd.DataFrame(rows, columns=list(PRECISION_DIFFERENCE.columns))


def _message(rows: pd.DataFrame, weights: np.ndarray, covered: int) -> str:
    if not covered:
        return "no links in a sampled stratum"
    unlabelled = rows.loc[(weights != 0) & (rows["pairs"].to_numpy() == 0), "link_type"].tolist()
    return f"not estimated: no labelled pairs in {', '.join(unlabelled)}" if unlabelled else ""
