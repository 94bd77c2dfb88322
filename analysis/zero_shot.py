"""Zero-shot classification of images among candidate names or root nouns (Table 3).

Each query image is scored against its record's own target and n−1 targets of other
records; the model predicts the candidate with the highest image–text similarity.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

# Names that describe a representation of an object rather than the object itself.
REPRESENTATION_WORDS = frozenset(
    {
        "model",
        "models",
        "specimen",
        "specimens",
        "sample",
        "samples",
        "replica",
        "replicas",
        "reproduction",
        "reproductions",
        "facsimile",
        "mock-up",
        "mockup",
        "photograph",
        "photographs",
        "drawing",
        "drawings",
        "diagram",
        "diagrams",
        "illustration",
        "illustrations",
        "swatch",
        "swatches",
    }
)
_WORD = re.compile(r"[a-z]+(?:-[a-z]+)*")


def describes_representation(name: str) -> bool:
    """True when the name contains a word for a representation (model, specimen, sample, …)."""
    return any(word in REPRESENTATION_WORDS for word in _WORD.findall(name.lower()))


def root_nouns(names: Sequence[str], nlp) -> list[str | None]:
    """The root token of each name when spaCy tags it as a noun or proper noun, lower-cased."""
    nouns: list[str | None] = []
    for doc in nlp.pipe(names, batch_size=256):
        root = next((t for t in doc if t.dep_ == "ROOT" and t.pos_ in ("NOUN", "PROPN")), None)
        nouns.append(root.text.lower() if root is not None else None)
    return nouns


def draw_candidates(targets: Sequence[str], n: int, rng: np.random.Generator) -> np.ndarray:
    """For each query, its own target and n−1 distinct other targets, in shuffled order.

    Raises ValueError when fewer than n distinct targets exist.
    """
    pool = np.array(sorted(set(targets)), dtype=object)
    if len(pool) < n:
        raise ValueError(f"only {len(pool)} distinct targets, fewer than the {n} candidates asked for")
    candidates = np.empty((len(targets), n), dtype=object)
    for row, target in enumerate(targets):
        others = pool[pool != target]
        chosen = np.concatenate([[target], rng.choice(others, size=n - 1, replace=False)])
        candidates[row] = chosen[rng.permutation(n)]
    return candidates


def predict(
    image_vectors: np.ndarray, candidates: np.ndarray, encode_texts: Callable[[list[str]], np.ndarray]
) -> np.ndarray:
    """The candidate with the highest similarity to each image (ties go to the first)."""
    vocabulary = sorted(set(candidates.ravel().tolist()))
    text_vectors = np.asarray(encode_texts(vocabulary), dtype=np.float32)
    position = {text: index for index, text in enumerate(vocabulary)}
    indices = np.vectorize(position.__getitem__, otypes=[int])(candidates)
    scores = np.einsum("qd,qnd->qn", image_vectors, text_vectors[indices])
    return candidates[np.arange(len(candidates)), scores.argmax(axis=1)]


def classification_scores(truth: Sequence[str], predicted: Sequence[str]) -> dict[str, float]:
    """Accuracy, weighted precision and weighted F1 over the true classes."""
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    classes = sorted(set(truth))
    precision, _, f1, _ = precision_recall_fscore_support(
        truth, predicted, labels=classes, average="weighted", zero_division=0
    )
    return {
        "accuracy": float(accuracy_score(truth, predicted)),
        "precision": float(precision),
        "f1": float(f1),
        "n_images": len(truth),
    }


def per_target_accuracy(truth: Sequence[str], predicted: Sequence[str]) -> pd.DataFrame:
    frame = pd.DataFrame({"target": truth, "correct": np.asarray(truth) == np.asarray(predicted)})
    return frame.groupby("target")["correct"].agg(n_images="size", accuracy="mean").reset_index()
