"""From annotations to one verdict per pair: each annotator's latest label, then the pair's label.

An annotator's say on a pair is their latest annotation (`is_latest`); it counts when its status is
`labelled` with a label (a latest skip or draft leaves that annotator out). The pair's label is, in
order of precedence:

- `adjudicated`: the pair's `adjudicated_label`, when labels.parquet has that column and it is set on
  some annotation of the pair (the latest such one by `updated_at`; its `adjudicator` column says who,
  and `adjudicated_at`, where the table has it, when it was decided, else `updated_at`);
- `single`: the one annotator's label;
- `unanimous` / `majority`: the label most annotators gave;
- `tie`: several labels share the most votes; the least specific of them is taken (same object >
  similar object > same category > unrelated), so a tie never claims more than some annotator did.

`agreement` is the share of the pair's annotators whose label is the pair's label (1.0 when
unanimous or single; 0.5 for a 1–1 tie; empty for an adjudicated pair nobody labelled).
"""

from __future__ import annotations

import pandas as pd

from annotation.artifacts import ADJUDICATED_AT, ADJUDICATION_COLUMNS, LABEL_VALUES

ADJUDICATED_LABEL, ADJUDICATOR = ADJUDICATION_COLUMNS

JUDGEMENT_COLUMNS = ("pair_id", "annotator", "label", "labelled_at")
VERDICT_COLUMNS = ("pair_id", "label", "decision", "agreement", "n_annotators", "adjudicator", "adjudicated_at")


class LabelError(ValueError):
    """labels.parquet holds something the export cannot interpret; the message says what."""


def judgements(labels: pd.DataFrame) -> pd.DataFrame:
    """Each annotator's latest label per pair (columns pair_id, annotator, label, labelled_at)."""
    latest = labels[labels["is_latest"].fillna(False).astype(bool)]
    latest = latest.sort_values("updated_at", kind="stable").drop_duplicates(["pair_id", "annotator"], keep="last")
    counted = latest[(latest["status"] == "labelled") & latest["label"].notna()]
    _check_labels(counted["label"], "label")
    frame = counted.rename(columns={"updated_at": "labelled_at"}).loc[:, list(JUDGEMENT_COLUMNS)]
    return (
        frame.astype({"pair_id": str, "annotator": str, "label": str})
        .sort_values(["pair_id", "annotator"])
        .reset_index(drop=True)
    )


def verdicts(labels: pd.DataFrame, judged: pd.DataFrame) -> pd.DataFrame:
    """One row per pair with a counted label or an adjudication (columns VERDICT_COLUMNS), by pair_id."""
    rows = {pair: _vote(group["label"].tolist()) for pair, group in judged.groupby("pair_id", sort=True)}
    for pair, (label, adjudicator, at) in _adjudications(labels).items():
        votes = judged.loc[judged["pair_id"] == pair, "label"]
        agreement = float((votes == label).mean()) if len(votes) else None
        rows[pair] = (label, "adjudicated", agreement, len(votes), adjudicator, at)
    frame = pd.DataFrame([(pair, *row) for pair, row in sorted(rows.items())], columns=list(VERDICT_COLUMNS))
    return frame.astype({"agreement": "float64", "n_annotators": "int64"})


def _vote(votes: list[str]) -> tuple:
    counts = pd.Series(votes).value_counts()
    top = counts[counts == counts.max()].index
    label = max(top, key=LABEL_VALUES.index)  # the least specific of the tied labels
    decision = (
        "single" if len(votes) == 1 else "unanimous" if len(counts) == 1 else "tie" if len(top) > 1 else "majority"
    )
    return label, decision, counts.max() / len(votes), len(votes), None, None


def _adjudications(labels: pd.DataFrame) -> dict[str, tuple[str, str, pd.Timestamp]]:
    if ADJUDICATED_LABEL not in labels.columns:
        return {}
    decided = labels[labels[ADJUDICATED_LABEL].notna()].sort_values("updated_at", kind="stable")
    _check_labels(decided[ADJUDICATED_LABEL], ADJUDICATED_LABEL)
    decided = decided.drop_duplicates("pair_id", keep="last")
    if ADJUDICATOR not in decided.columns or decided[ADJUDICATOR].isna().any():
        raise LabelError(
            f"annotation/labels.parquet: every {ADJUDICATED_LABEL} needs its {ADJUDICATOR} (who decided it)"
        )
    when = ADJUDICATED_AT if ADJUDICATED_AT in decided.columns else "updated_at"
    return {
        str(pair): (str(label), str(who), at)
        for pair, label, who, at in decided[["pair_id", ADJUDICATED_LABEL, ADJUDICATOR, when]].itertuples(index=False)
    }


def _check_labels(values: pd.Series, column: str) -> None:
    unknown = sorted(set(values.astype(str)) - set(LABEL_VALUES))
    if unknown:
        raise LabelError(
            f"annotation/labels.parquet: column {column} holds unknown label(s) {unknown}; "
            f"expected some of {list(LABEL_VALUES)}"
        )
