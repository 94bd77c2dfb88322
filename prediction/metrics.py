"""Classification scores from class codes, and their bootstrap intervals over the held-out records.

Macro F1 averages the per-class F1 over the classes that occur in the truth or the predictions
(scikit-learn's default); weighted F1 weights each class's F1 by its share of the truth.
"""

from __future__ import annotations

import numpy as np

METRICS = ("macro_f1", "weighted_f1", "accuracy")


def _from_confusion(confusion: np.ndarray) -> dict[str, np.ndarray]:
    """The metrics of a stack of confusion matrices (… × classes × classes, truth along rows)."""
    hits = np.diagonal(confusion, axis1=-2, axis2=-1).astype(float)
    support, chosen = confusion.sum(axis=-1), confusion.sum(axis=-2)
    present = (support + chosen) > 0
    f1 = np.divide(2 * hits, support + chosen, out=np.zeros(hits.shape), where=present)
    total = support.sum(axis=-1)
    return {
        "macro_f1": f1.sum(axis=-1) / present.sum(axis=-1),
        "weighted_f1": (f1 * support).sum(axis=-1) / total,
        "accuracy": hits.sum(axis=-1) / total,
    }


def _confusion(truth: np.ndarray, predicted: np.ndarray, n_classes: int, draws: np.ndarray) -> np.ndarray:
    """One confusion matrix per row of `draws` (record indices)."""
    cells = truth[draws] * n_classes + predicted[draws] + np.arange(len(draws))[:, None] * n_classes * n_classes
    counts = np.bincount(cells.ravel(), minlength=len(draws) * n_classes * n_classes)
    return counts.reshape(len(draws), n_classes, n_classes)


def scores(truth: np.ndarray, predicted: np.ndarray, n_classes: int) -> dict[str, float]:
    """Macro F1, weighted F1 and accuracy of `predicted` against `truth` (codes below `n_classes`)."""
    if not len(truth):
        return dict.fromkeys(METRICS, float("nan"))
    everything = np.arange(len(truth))[None, :]
    return {
        metric: float(values[0])
        for metric, values in _from_confusion(_confusion(truth, predicted, n_classes, everything)).items()
    }


def resamples(n: int, count: int, seed: int | list[int]) -> np.ndarray:
    """`count` bootstrap resamples (rows of indices into `n` records), seeded; shared by every
    classifier of a field so that their intervals come from the same draws."""
    return np.random.default_rng(seed).integers(0, n, size=(count, n)) if n else np.zeros((count, 0), int)


def intervals(
    truth: np.ndarray, predicted: np.ndarray, n_classes: int, draws: np.ndarray, level: float = 0.95, chunk: int = 200
) -> dict[str, tuple[float, float]]:
    """Percentile bootstrap interval of each metric over `draws`; NaN bounds without draws."""
    if not len(draws) or not len(truth):
        return {metric: (float("nan"), float("nan")) for metric in METRICS}
    parts = [
        _from_confusion(_confusion(truth, predicted, n_classes, draws[i : i + chunk]))
        for i in range(0, len(draws), chunk)
    ]
    tail = (1 - level) / 2 * 100
    bounds = {}
    for metric in METRICS:
        low, high = np.percentile(np.concatenate([part[metric] for part in parts]), [tail, 100 - tail])
        bounds[metric] = (float(low), float(high))
    return bounds
