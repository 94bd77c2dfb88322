"""The verified-link table: one row per pair whose label maps to a SKOS relation.

Columns, in order: `study`, `pair_id`, `record_a`, `collection_a`, `uri_a`, `record_b`,
`collection_b`, `uri_b`, `label`, `relation` (`skos:exactMatch` …), `decision`, `agreement`,
`n_annotators`, `adjudicator`, `adjudicated_at`, `linked_by` (the `comparison/model` pairs whose
threshold the pair reached, `;`-separated; empty for a control pair), then per annotator
`label.<annotator>` and `labelled_at.<annotator>`, then per comparison and model
`score.<c>.<m>`, `threshold.<c>.<m>` and `link.<c>.<m>`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from publishing.uris import record_uri

LEADING = (
    "study",
    "pair_id",
    "record_a",
    "collection_a",
    "uri_a",
    "record_b",
    "collection_b",
    "uri_b",
    "label",
    "relation",
    "decision",
    "agreement",
    "n_annotators",
    "adjudicator",
    "adjudicated_at",
    "linked_by",
)


@dataclass(frozen=True)
class LinkTable:
    links: pd.DataFrame
    judged_pairs: int  # pairs with a verdict
    unmapped: dict[str, int]  # verdicts whose label has no relation (e.g. unrelated), per label
    unknown_pairs: int  # pairs labelled but found in no batch


def score_keys(pairs: pd.DataFrame) -> list[tuple[str, str]]:
    """(comparison, model) of every `score.<comparison>.<model>` column, in column order."""
    return [tuple(column.split(".", 2)[1:]) for column in pairs.columns if column.startswith("score.")]


def model_thresholds(thresholds: pd.DataFrame) -> pd.Series:
    """Each (comparison, model)'s score threshold; NaN under the top-k rule (a link was among a record's
    k best, it reached no threshold)."""
    indexed = thresholds.set_index(["comparison", "model"])
    return indexed["threshold"].where(indexed["rule"] == "percentile")


def link_table(
    study: str,
    verdicts: pd.DataFrame,
    judged: pd.DataFrame,
    pairs: pd.DataFrame,
    thresholds: pd.DataFrame,
    templates: dict[str, str],
    relations: dict[str, str],
) -> LinkTable:
    """Join verdicts with their pair's records, scores and thresholds; keep labels that map to a relation.

    `pairs`: one row per pair_id with records, collections and the batch score/link columns;
    `thresholds`: rows of (model, comparison, threshold); `relations`: label → SKOS local name.
    """
    known = verdicts[verdicts["pair_id"].isin(pairs["pair_id"])]
    mapped = known["label"].isin(list(relations))
    unmapped = known.loc[~mapped, "label"].value_counts().to_dict()
    links = known[mapped].merge(pairs, on="pair_id", how="left", validate="one_to_one")
    links.insert(0, "study", study)
    for side in ("a", "b"):
        links[f"uri_{side}"] = [
            record_uri(templates[c], c, r) for c, r in zip(links[f"collection_{side}"], links[f"record_{side}"])
        ]
    links["relation"] = "skos:" + links["label"].map(relations)
    keys = score_keys(pairs)
    flags = [links[f"link.{c}.{m}"].fillna(False).astype(bool) for c, m in keys]
    links["linked_by"] = (
        [";".join(f"{c}/{m}" for (c, m), on in zip(keys, row) if on) for row in zip(*flags)] if keys else ""
    )
    limit = model_thresholds(thresholds)
    per_model = {}
    for c, m in keys:
        per_model[f"score.{c}.{m}"] = links[f"score.{c}.{m}"].astype("float64")
        per_model[f"threshold.{c}.{m}"] = float(limit[(c, m)]) if (c, m) in limit.index else float("nan")
        per_model[f"link.{c}.{m}"] = links[f"link.{c}.{m}"].fillna(False).astype(bool)
    per_annotator = _per_annotator(judged[judged["pair_id"].isin(links["pair_id"])], links["pair_id"])
    table = pd.concat(
        [
            links.loc[:, list(LEADING)].reset_index(drop=True),
            per_annotator,
            pd.DataFrame(per_model, index=links.index).reset_index(drop=True),
        ],
        axis=1,
    )
    unknown = int((~verdicts["pair_id"].isin(pairs["pair_id"])).sum())
    return LinkTable(table, len(known), unmapped, unknown)


def _per_annotator(judged: pd.DataFrame, pair_ids: pd.Series) -> pd.DataFrame:
    columns = {}
    for annotator, group in judged.groupby("annotator", sort=True):
        by_pair = group.set_index("pair_id")
        columns[f"label.{annotator}"] = pair_ids.map(by_pair["label"]).astype(object)
        columns[f"labelled_at.{annotator}"] = pair_ids.map(by_pair["labelled_at"])
    return pd.DataFrame(columns, index=pair_ids.index).reset_index(drop=True)
