"""The calibrated links of `hw export-links --precision P`: unjudged candidates above each comparison's threshold.

Per comparison the threshold is the one `hw calibrate` chose on the calibrated probability of the
study's binarisation (`analysis/publishable.parquet`, target `study`, score `probability`): the
lowest whose lower confidence bound on precision reaches `[publishing] target_precision`, which P
must equal (the export checks, so that the published set is the one `hw calibrate` chose and reported).

The set is every candidate of the comparison whose probability is at least the threshold. Its
precision, lower bound and interval are the curve's at that threshold: a statement about the whole
set, its labelled pairs included. The calibrated links are the set's pairs no curator judged: a pair
with a verdict (linked or `unrelated`) is published by its verdict or not at all, never by the
calibration. Their relation is that of the least specific label the binarisation counts as positive,
since a probability of "positive" promises no more than that label.

The sets table: one row per comparison with `comparison`, the curve's row at the chosen threshold
(`threshold`, `links`, `labelled`, `unlabelled_links`, `precision`, `lower_bound`, `ci_low`,
`ci_high`, `expected_recall`), `target_precision`, `confidence`, `calibrated_links` (its unjudged
pairs) and `message` (why there is no threshold; empty when there is one).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.artifacts import CURVE_VALUES, PROBABILITY_SCORE
from annotation.artifacts import LABEL_VALUES
from publishing.links import model_thresholds, score_keys
from publishing.uris import record_uri

SET_COLUMNS = (
    "comparison",
    "target_precision",
    "confidence",
    *CURVE_VALUES,
    "expected_recall",
    "calibrated_links",
    "message",
)
LEADING = (
    "study",
    "pair_id",
    "comparison",
    "record_a",
    "collection_a",
    "uri_a",
    "record_b",
    "collection_b",
    "uri_b",
    "relation",
    "probability",
    "threshold",
    "set_precision",
    "set_lower_bound",
    "set_ci_low",
    "set_ci_high",
    "confidence",
    "linked_by",
)


def calibrated_label(positive_labels: list[str]) -> str:
    """The least specific positive label: what a calibrated probability of "positive" promises."""
    return max(positive_labels, key=LABEL_VALUES.index)


def calibrated_relation(positive_labels: list[str], relations: dict[str, str]) -> str:
    """`skos:<relation>` of the least specific positive label; ValueError when that label maps to none."""
    weakest = calibrated_label(positive_labels)
    if weakest not in relations:
        raise ValueError(
            f"the least specific positive label, {weakest!r}, has no SKOS relation in publishing.relations"
        )
    return "skos:" + relations[weakest]


def publishable_sets(publishable: pd.DataFrame, comparisons: list[str]) -> pd.DataFrame:
    """One row per comparison (SET_COLUMNS but `calibrated_links`): `hw calibrate`'s threshold on the
    probability of the study's binarisation, or NaNs and its reason."""
    chosen = publishable[(publishable["target"] == "study") & (publishable["score"] == PROBABILITY_SCORE)]
    sets = chosen.set_index("comparison").reindex(comparisons).rename_axis("comparison").reset_index()
    sets["message"] = sets["message"].fillna("no row in analysis/publishable.parquet (run `hw calibrate`)")
    return sets.reindex(columns=[c for c in SET_COLUMNS if c != "calibrated_links"])


def calibrated_links(
    study: str,
    sets: pd.DataFrame,
    probabilities: pd.DataFrame,
    candidates: pd.DataFrame,
    judged_pairs: set[str],
    thresholds: pd.DataFrame,
    templates: dict[str, str],
    relation: str,
) -> pd.DataFrame:
    """The unjudged pairs of each set, one row per comparison and pair (LEADING, then per comparison and
    model `score.<c>.<m>`, `threshold.<c>.<m>` and `link.<c>.<m>`), by comparison and descending probability.

    `probabilities`: analysis/link_probabilities rows; `candidates`: sampler/links rows (records, scores, flags).
    """
    chosen = sets.dropna(subset=["threshold"]).set_index("comparison")
    rows = probabilities.merge(chosen, left_on="comparison", right_index=True, how="inner")
    rows = rows[(rows["probability"] >= rows["threshold"]) & ~rows["pair_id"].isin(judged_pairs)]
    rows = rows.merge(candidates, on="pair_id", how="left", validate="many_to_one")
    rows = rows.sort_values(["comparison", "probability", "pair_id"], ascending=[True, False, True], kind="stable")
    renamed = {c: f"set_{c}" for c in ("precision", "lower_bound", "ci_low", "ci_high")}
    rows = rows.reset_index(drop=True).rename(columns=renamed)
    rows.insert(0, "study", study)
    for side in ("a", "b"):
        rows[f"uri_{side}"] = [
            record_uri(templates[c], c, r) for c, r in zip(rows[f"collection_{side}"], rows[f"record_{side}"])
        ]
    rows["relation"] = relation
    keys = score_keys(candidates)
    limit = model_thresholds(thresholds)
    # a calibrated link derives from the scores of its own comparison only
    flags = [rows[f"link.{c}.{m}"].fillna(False).astype(bool) & (rows["comparison"] == c) for c, m in keys]
    rows["linked_by"] = [";".join(f"{c}/{m}" for (c, m), on in zip(keys, row) if on) for row in zip(*flags)]
    per_model = {}
    for c, m in keys:
        per_model[f"score.{c}.{m}"] = rows[f"score.{c}.{m}"].astype("float64")
        per_model[f"threshold.{c}.{m}"] = np.full(len(rows), limit.get((c, m), np.nan), dtype="float64")
        per_model[f"link.{c}.{m}"] = rows[f"link.{c}.{m}"].fillna(False).astype(bool)
    return pd.concat([rows.loc[:, list(LEADING)], pd.DataFrame(per_model, index=rows.index)], axis=1)
