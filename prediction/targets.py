"""What is predicted: a field's value per record, its classes, and each record's role.

A record's role follows the saved split (training/split.parquet): `train` and `eval` records that
hold the field are trained on or evaluated (never both); records without it are `apply`
(they get proposals); records that hold it but are in no split (ingested after training) are
`unsplit` and take no part.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

OTHER = "(other)"
ROLES = ("train", "eval", "apply", "unsplit")


def field_values(records: pd.DataFrame, field: str) -> pd.Series:
    """The value of `field` (category, taxonomy, taxonomy.N or an extra field's column) per record;
    None where it has none.

    `taxonomy.N` is the N-th level of the ` > `-separated path, 1 the broadest.
    """
    name, _, level = field.partition(".")
    position = int(level) - 1 if level else None
    values = [_level(value, position) if position is not None else value for value in records[name].tolist()]
    cleaned = [value.strip() or None if isinstance(value, str) else None for value in values]
    return pd.Series(cleaned, index=records.index, dtype=object)


def _level(path: object, position: int) -> str | None:
    if not isinstance(path, str):
        return None
    levels = [part.strip() for part in path.split(" > ")]
    return levels[position] if position < len(levels) else None


@dataclass(frozen=True)
class Target:
    """One field over the study's records: roles, classes and the class code of every labelled record."""

    records: pd.DataFrame  # record_id, collection, name, value, role, label (value or OTHER; None when unlabelled)
    classes: tuple[str, ...]  # sorted; OTHER last when present
    grouped: dict[str, int]  # values folded into OTHER -> training records holding them

    def rows(self, role: str) -> np.ndarray:
        return np.flatnonzero((self.records["role"] == role).to_numpy())

    def codes(self, rows: np.ndarray) -> np.ndarray:
        """Class codes of labelled rows; an evaluated value never seen in training counts as OTHER."""
        position = {label: index for index, label in enumerate(self.labels)}
        return self.records["label"].iloc[rows].map(position).to_numpy(dtype=np.int64)

    @property
    def labels(self) -> tuple[str, ...]:
        """The classes, plus OTHER when held-out records may carry it but training had none."""
        return self.classes if OTHER in self.classes else (*self.classes, OTHER)


def build_target(records: pd.DataFrame, split: pd.DataFrame, field: str, min_examples: int) -> Target:
    """The field's target over `records` (record_id, collection, name, and its source column).

    Values held by fewer than `min_examples` training records become OTHER, and so do held-out
    values that no training record holds.
    """
    frame = records.loc[:, ["record_id", "collection", "name"]].reset_index(drop=True)
    frame["value"] = field_values(records.reset_index(drop=True), field)
    roles = split.set_index(["collection", "record_id"])["split"]
    keys = pd.MultiIndex.from_frame(frame[["collection", "record_id"]])
    assigned = pd.Series(roles.reindex(keys).to_numpy(), index=frame.index)
    frame["role"] = np.where(frame["value"].isna(), "apply", assigned.fillna("unsplit"))
    counts = frame.loc[frame["role"] == "train", "value"].value_counts()
    kept = sorted(counts[counts >= min_examples].index)
    grouped = {str(value): int(n) for value, n in counts[counts < min_examples].sort_index().items()}
    labelled = frame["role"].isin(["train", "eval"])
    label = np.where(frame["value"].isin(kept), frame["value"], OTHER)
    frame["label"] = pd.Series(label, index=frame.index, dtype=object).where(labelled, None)
    classes = tuple(kept) + ((OTHER,) if grouped else ())
    return Target(frame, classes, grouped)
