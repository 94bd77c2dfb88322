"""The study's two regression designs, built from labelled pairs and their link flags.

Table 6: for one fine-tuned model, the binary label on the flags [base, fine-tuned] of the
pair within the comparison it was sampled for (a pair sampled for several comparisons gives
one row per comparison). Table 7: the binary label on one flag per comparison × model
(`<comparison>_<model>`), one row per annotation. Control pairs (no link type) are left out.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.labels import CONTROL, explode_link_types


@dataclass(frozen=True)
class Design:
    """One regression: which table it reproduces, for which fine-tuned model, and its data."""

    table: str
    model: str
    predictors: pd.DataFrame
    outcome: pd.Series
    annotators: pd.Series


def link_column(comparison: str, model: str) -> str:
    return f"link.{comparison}.{model}"


def _flag(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        raise KeyError(f"the batches have no column {column!r}")
    return frame[column].fillna(False).astype(bool).astype(float)


def table6_design(labelled: pd.DataFrame, base: str, model: str) -> Design:
    """Label ~ [base, model] flags of the pair within the comparison of each of its link types."""
    rows = explode_link_types(labelled)
    rows = rows[rows["link_type"] != CONTROL].reset_index(drop=True)
    predictors = pd.DataFrame(index=rows.index, columns=[base, model], dtype=float)
    for comparison, group in rows.groupby("comparison"):
        for name in (base, model):
            predictors.loc[group.index, name] = _flag(group, link_column(comparison, name))
    return Design("table6", model, predictors.astype(float), rows["binary"].astype(float), rows["annotator"])


def table7_design(labelled: pd.DataFrame, comparisons: list[str], base: str, model: str) -> Design:
    """Label ~ one flag per (comparison, model) for base and one fine-tuned model."""
    has_links = labelled["link_types"].map(lambda values: values is not None and len(values) > 0).astype(bool)
    rows = labelled.loc[has_links].reset_index(drop=True)
    predictors = pd.DataFrame(
        {
            f"{comparison}_{name}": _flag(rows, link_column(comparison, name))
            for comparison in comparisons
            for name in (base, model)
        },
        index=rows.index,
    )
    return Design("table7", model, predictors, rows["binary"].astype(float), rows["annotator"])
