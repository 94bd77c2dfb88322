"""Pulled labels joined with batch provenance, binarised, and counted.

Pure functions on frames; reading and writing the files is left to `store.py` and `analyze.py`.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from analysis.artifacts import EXCLUDED, LABELS_BY_ANNOTATOR, LABELS_BY_LINK_TYPE, LABELS_BY_ROUND
from annotation.artifacts import ADJUDICATION_COLUMNS, LABEL_ROUND, LABEL_VALUES
from sampler.artifacts import BATCH_PURPOSE, PURPOSE_VALUES, with_design_defaults

CONTROL = "control"
LEARN = PURPOSE_VALUES[1]


def binarise(labels: pd.Series, positive_labels: Iterable[str]) -> pd.Series:
    """1 for a positive label, 0 for any other label, <NA> where there is no label."""
    positive = set(positive_labels)
    binary = labels.isin(positive).astype("Int64")
    return binary.mask(labels.isna())


def pair_provenance(batches: pd.DataFrame) -> pd.DataFrame:
    """One row per pair: its records, link types and per-model flags and scores.

    Flags and scores are properties of the pair, so the copy in any batch will do.
    """
    return (
        batches.drop(columns=["annotator", "position"], errors="ignore")
        .drop_duplicates("pair_id")
        .reset_index(drop=True)
    )


def probability_sample(labelled: pd.DataFrame) -> pd.DataFrame:
    """The rows of the probability sample: every row but the learning stream's (`purpose` = `learn`).

    Learning pairs were chosen for what they teach, not drawn at random within their stratum, so no
    estimate of precision may count them (docs/methods.md); a table without `purpose` is all sample.
    """
    return labelled.loc[with_design_defaults(labelled)[BATCH_PURPOSE] != LEARN].reset_index(drop=True)


def usable_labels(labels: pd.DataFrame, provenance: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split annotations into those the analysis uses and those it leaves out (with a reason).

    Kept: the latest annotation of an annotator on a pair, status `labelled`, a known label,
    and a pair found in some batch. Everything else is returned with its reason.
    """
    reasons = pd.Series(pd.NA, index=labels.index, dtype="object")
    status = labels["status"].fillna("")
    reasons[status == "withdrawn"] = "withdrawn (deleted on the Label Studio server)"
    latest = labels["is_latest"].fillna(False).astype(bool)
    reasons[reasons.isna() & ~latest] = "superseded by a later annotation"
    reasons[reasons.isna() & (status != "labelled")] = "status " + status + " (not labelled)"
    reasons[reasons.isna() & labels["label"].isna()] = "labelled without a label"
    unknown = ~labels["label"].isin(LABEL_VALUES) & labels["label"].notna()
    reasons[reasons.isna() & unknown] = "unknown label " + labels["label"].astype(str)
    missing_pair = ~labels["pair_id"].isin(provenance["pair_id"])
    reasons[reasons.isna() & missing_pair] = "pair_id not found in any batch"
    excluded = labels.loc[reasons.notna(), [c for c in EXCLUDED.columns if c != "reason"]].copy()
    excluded["reason"] = reasons[reasons.notna()]
    kept = labels.loc[reasons.isna()].merge(provenance, on="pair_id", how="left", validate="many_to_one")
    return kept.reset_index(drop=True), excluded.reset_index(drop=True)


def explode_link_types(labelled: pd.DataFrame) -> pd.DataFrame:
    """One row per (annotation, link type); control pairs get link type `control`."""
    link_types = labelled["link_types"].map(
        lambda values: list(values) if values is not None and len(values) else [CONTROL]
    )
    exploded = labelled.assign(link_type=link_types).explode("link_type")
    parts = exploded["link_type"].str.split("/", n=1, expand=True).reindex(columns=[0, 1])
    exploded["comparison"] = parts[0].where(exploded["link_type"] != CONTROL)
    exploded["stratum"] = parts[1].where(exploded["link_type"] != CONTROL)
    return exploded.reset_index(drop=True)


def label_distribution(labelled: pd.DataFrame, positive_labels: Iterable[str]) -> pd.DataFrame:
    """Count and share of each label over all annotations, with the binary value it maps to."""
    counts = labelled["label"].value_counts().reindex(LABEL_VALUES, fill_value=0)
    total = int(counts.sum())
    table = pd.DataFrame({"label": list(LABEL_VALUES), "count": counts.to_numpy()})
    table["share"] = table["count"] / total if total else 0.0
    table["binary"] = binarise(table["label"], positive_labels)
    return table


def label_distribution_by_annotator(labelled: pd.DataFrame) -> pd.DataFrame:
    """Per annotator: annotations, the count of each label and the positive share."""
    columns = list(LABELS_BY_ANNOTATOR.columns)
    if labelled.empty:
        return pd.DataFrame(columns=columns)
    counts = pd.crosstab(labelled["annotator"], labelled["label"]).reindex(columns=list(LABEL_VALUES), fill_value=0)
    table = counts.reset_index()
    table.columns.name = None
    table["n"] = counts.sum(axis=1).to_numpy()
    table["positive_share"] = labelled.groupby("annotator")["binary"].mean().reindex(table["annotator"]).to_numpy()
    return table[columns]


def label_distribution_by_link_type(labelled: pd.DataFrame) -> pd.DataFrame:
    """Per link type: number of annotations, the count of each label and the positive share.

    A pair listed under several link types counts once under each.
    """
    columns = list(LABELS_BY_LINK_TYPE.columns)
    if labelled.empty:
        return pd.DataFrame(columns=columns)
    exploded = explode_link_types(labelled)
    counts = pd.crosstab(exploded["link_type"], exploded["label"]).reindex(columns=list(LABEL_VALUES), fill_value=0)
    table = counts.reset_index()
    table.columns.name = None
    keys = exploded.drop_duplicates("link_type").set_index("link_type")
    table["comparison"] = table["link_type"].map(keys["comparison"])
    table["stratum"] = table["link_type"].map(keys["stratum"])
    table["n"] = counts.sum(axis=1).to_numpy()
    table["positive_share"] = exploded.groupby("link_type")["binary"].mean().reindex(table["link_type"]).to_numpy()
    return table[columns]


def label_counts_by_round(labelled: pd.DataFrame) -> pd.DataFrame:
    """Per labelling round: annotators, labelled pairs, annotations, positive share, and how many of the
    round's pairs carry an adjudicated label. A table without a `round` column is all round 1."""
    columns = list(LABELS_BY_ROUND.columns)
    if labelled.empty:
        return pd.DataFrame(columns=columns)
    frame = labelled if LABEL_ROUND in labelled.columns else labelled.assign(**{LABEL_ROUND: 1})
    adjudicated = ADJUDICATION_COLUMNS[0]
    decided = frame[adjudicated].notna() if adjudicated in frame.columns else pd.Series(False, index=frame.index)
    grouped = frame.assign(decided=decided).groupby(LABEL_ROUND)
    table = pd.DataFrame(
        {
            "annotators": grouped["annotator"].nunique(),
            "pairs": grouped["pair_id"].nunique(),
            "annotations": grouped.size(),
            "positive_share": grouped["binary"].mean().astype(float),
            "adjudicated": grouped.apply(lambda g: g.loc[g["decided"], "pair_id"].nunique(), include_groups=False),
        }
    )
    return table.rename_axis("round").reset_index()[columns]
