"""A record's features per modality: pooled unit vectors (image, text) and tabular catalogue fields."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from prediction.targets import field_values

MAX_CATEGORIES = 254  # gradient boosting bins categories; the rarer values of a wider field count as unknown


@dataclass(frozen=True)
class Modality:
    """One modality of every record: a row of features each, and whether the record has it at all."""

    name: str
    features: np.ndarray  # records × dimensions; tabular: category codes, NaN where unknown
    available: np.ndarray  # bool per record
    tabular: bool = False


def pooled_vectors(
    name: str, record_keys: pd.DataFrame, units: pd.DataFrame, vectors: np.ndarray, pooling: str = "mean"
) -> Modality:
    """One vector per record from its units' vectors: their L2-normalised mean, or its first unit's.

    `units` (collection, record_id, in unit order) and `vectors` are row-aligned; `record_keys`
    (collection, record_id) fixes the output rows. Records without units are not available.
    """
    dimension = vectors.shape[1] if vectors.ndim == 2 else 0
    features = np.zeros((len(record_keys), dimension), dtype=np.float32)
    available = np.zeros(len(record_keys), dtype=bool)
    if len(units):
        index = pd.MultiIndex.from_frame(record_keys[["collection", "record_id"]])
        rows = index.get_indexer(pd.MultiIndex.from_frame(units[["collection", "record_id"]]))
        known = rows >= 0
        rows, chosen = rows[known], vectors[known]
        if pooling == "first":
            first = pd.Series(np.arange(len(rows))).groupby(rows).first()
            features[first.index.to_numpy()] = chosen[first.to_numpy()]
        else:
            np.add.at(features, rows, chosen)
        available[rows] = True
        norms = np.linalg.norm(features, axis=1, keepdims=True)
        features = np.divide(features, norms, out=features, where=norms > 0)
    return Modality(name, features, available)


def tabular_features(records: pd.DataFrame, fields: list[str], train_rows: np.ndarray) -> Modality:
    """Category codes of `fields` per record, coded from the training rows' values (others NaN).

    A record has the modality when at least one of its values was seen in training.
    """
    columns = []
    for field in fields:
        values = records["collection"] if field == "collection" else field_values(records, field)
        seen = values.iloc[train_rows].dropna().value_counts().index[:MAX_CATEGORIES]
        code = {value: float(index) for index, value in enumerate(sorted(seen))}
        columns.append(values.map(code).astype(float).to_numpy())
    features = np.column_stack(columns) if columns else np.zeros((len(records), 0))
    present = ~np.isnan(features).all(axis=1) if columns else np.zeros(len(records), bool)
    return Modality("tabular", features, np.asarray(present), True)
