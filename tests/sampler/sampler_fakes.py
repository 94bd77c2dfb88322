"""Synthetic unit vectors and brute-force references for the sampler tests."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

MODELS = ("base", "ft-last", "ft-best")


@dataclass(frozen=True)
class Comparison:
    name: str
    modality_a: str
    modality_b: str
    aggregation: str


COMPARISONS = (
    Comparison("image-image", "image", "image", "max"),
    Comparison("text-text", "text", "text", "mean"),
    Comparison("text-image", "text", "image", "max"),
)


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    return (matrix / np.linalg.norm(matrix, axis=1, keepdims=True)).astype(np.float32)


def synthetic_units(
    rng: np.random.Generator, prefix: str, n_records: int, max_units: int, dim: int, skip_every: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Unit record ids (shuffled, 1..max_units units per record) and their unit vectors."""
    records = [f"{prefix}{i:03d}" for i in range(n_records) if not (skip_every and i % skip_every == 0)]
    ids = np.repeat(records, rng.integers(1, max_units + 1, len(records)))
    ids = ids[rng.permutation(len(ids))]
    return ids, unit_rows(rng.normal(size=(len(ids), dim)))


def make_study_vectors(seed: int = 0, models=MODELS, n_a: int = 30, n_b: int = 12, dim: int = 8) -> dict:
    """(model, modality, collection) → (units frame, vectors); collection `a` lacks images for every 5th record."""
    rng = np.random.default_rng(seed)
    data = {}
    for model in models:
        for collection, n in (("a", n_a), ("b", n_b)):
            for modality in ("text", "image"):
                ids, vectors = synthetic_units(
                    rng, collection, n, 3, dim, skip_every=5 if modality == "image" and collection == "a" else 0
                )
                data[(model, modality, collection)] = (pd.DataFrame({"record_id": ids, "modality": modality}), vectors)
    return data


def brute_force_scores(ids_a, vectors_a, ids_b, vectors_b, aggregation: str) -> pd.DataFrame:
    """Record-pair scores from the full unit-pair matrix in float64: rows record_a, columns record_b."""
    cosines = vectors_a.astype(np.float64) @ vectors_b.astype(np.float64).T
    frame = pd.DataFrame(cosines, index=pd.Index(ids_a, name="record_a"), columns=pd.Index(ids_b, name="record_b"))
    grouped = frame.T.groupby(level=0).agg(aggregation).T.groupby(level=0).agg(aggregation)
    return grouped.sort_index().sort_index(axis=1)
