"""A planted signal: four classes, two bits; the image vectors carry one bit, the text vectors the other."""

from __future__ import annotations

import numpy as np
import pandas as pd

from prediction.features import Modality
from prediction.targets import Target, build_target

CLASSES = ("bit00", "bit01", "bit10", "bit11")


def planted_records(n: int = 400, n_unlabelled: int = 40, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Records with a `category` (one of CLASSES, none for the last `n_unlabelled`) and their split (25% eval)."""
    rng = np.random.default_rng(seed)
    total = n + n_unlabelled
    values = [CLASSES[i] for i in rng.integers(0, 4, size=n)] + [None] * n_unlabelled
    records = pd.DataFrame(
        {
            "record_id": [f"r{i:04d}" for i in range(total)],
            "collection": ["smg"] * n + ["nms"] * n_unlabelled,
            "name": [f"object {i}" for i in range(total)],
            "category": values,
            "taxonomy": [None] * total,
        }
    )
    split = np.where(rng.random(total) < 0.25, "eval", "train")
    return records, pd.DataFrame(
        {"record_id": records["record_id"], "collection": records["collection"], "split": split}
    )


def planted_modalities(target: Target, dimension: int = 16, noise: float = 0.6, seed: int = 1) -> list[Modality]:
    """Image vectors: the first bit of the class along one axis; text vectors: the second bit. The rest is noise.

    Unlabelled records get the bits of a class drawn at random (their truth is unknown to the classifiers).
    """
    rng = np.random.default_rng(seed)
    values = target.records["value"].map({c: i for i, c in enumerate(CLASSES)})
    codes = values.fillna(pd.Series(rng.integers(0, 4, size=len(values)))).astype(int).to_numpy()
    modalities = []
    for name, bit in (("image", codes // 2), ("text", codes % 2)):
        features = rng.normal(0, noise, size=(len(codes), dimension))
        features[:, 0] += np.where(bit == 1, 1.0, -1.0)
        features /= np.linalg.norm(features, axis=1, keepdims=True)
        modalities.append(Modality(name, features.astype(np.float32), np.ones(len(codes), bool)))
    return modalities


def planted_target(min_examples: int = 5) -> Target:
    records, split = planted_records()
    return build_target(records, split, "category", min_examples)
