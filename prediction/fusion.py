"""Per-modality classifiers and their late fusion: the plain mean, and a stacking model fitted on
cross-validated (out-of-fold) probabilities of the training records.

Vectors get a logistic regression (standardised features, balanced class weights); tabular fields a histogram
gradient-boosting classifier (categorical splits, balanced weights). Where a record lacks a
modality (no image, no known tabular value) that modality's probabilities are the training
class frequencies, in training as in use, so the stacking model learns what a missing modality
is worth. The mean averages the modalities a record has.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from prediction.features import Modality

MEAN, STACKED = "mean", "stacked"


def _classifier(modality: Modality, seed: int):
    if modality.tabular:
        return HistGradientBoostingClassifier(
            categorical_features=[True] * modality.features.shape[1],
            class_weight="balanced",
            max_iter=50,
            early_stopping=False,
            random_state=seed,
        )
    return make_pipeline(StandardScaler(), LogisticRegression(class_weight="balanced", max_iter=2000))


def _probabilities(
    modality: Modality, fit_rows: np.ndarray, codes: np.ndarray, use_rows: np.ndarray, prior: np.ndarray, seed: int
) -> np.ndarray:
    """Class probabilities of `use_rows` from a classifier fitted on `fit_rows` (class `codes`);
    the prior where the modality is missing, or where fewer than two classes could be fitted."""
    result = np.tile(prior, (len(use_rows), 1))
    has = modality.available[fit_rows]
    if len(np.unique(codes[has])) < 2:
        return result
    model = _classifier(modality, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(modality.features[fit_rows[has]], codes[has])
    present = np.flatnonzero(modality.available[use_rows])
    if len(present):
        result[present] = 0.0
        result[np.ix_(present, model.classes_)] = model.predict_proba(modality.features[use_rows[present]])
    return result


def _mean(probabilities: dict[str, np.ndarray], available: dict[str, np.ndarray], prior: np.ndarray) -> np.ndarray:
    stacked = np.stack([probabilities[name] for name in probabilities])
    weights = np.stack([available[name] for name in probabilities]).astype(float)[:, :, None]
    total = weights.sum(axis=0)
    fused = (stacked * weights).sum(axis=0)
    return np.where(total > 0, fused / np.maximum(total, 1), prior)


@dataclass
class Fusion:
    """Every modality's classifier, fitted on the training rows, and the stacking model over them."""

    modalities: list[Modality]
    train_rows: np.ndarray
    codes: np.ndarray  # class code of each training row
    n_classes: int
    folds: int
    seed: int

    def __post_init__(self) -> None:
        self.prior = np.bincount(self.codes, minlength=self.n_classes) / len(self.codes)
        smallest = np.bincount(self.codes)[np.bincount(self.codes) > 0].min()
        self.used_folds = int(max(2, min(self.folds, smallest)))
        out_of_fold = {m.name: np.zeros((len(self.train_rows), self.n_classes)) for m in self.modalities}
        splitter = StratifiedKFold(self.used_folds, shuffle=True, random_state=self.seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # a class smaller than the folds
            splits = list(splitter.split(self.train_rows, self.codes))
        for fit, held in splits:
            for modality in self.modalities:
                out_of_fold[modality.name][held] = _probabilities(
                    modality, self.train_rows[fit], self.codes[fit], self.train_rows[held], self.prior, self.seed
                )
        self.stacker = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.stacker.fit(self._stack(out_of_fold), self.codes)

    def _stack(self, probabilities: dict[str, np.ndarray]) -> np.ndarray:
        return np.hstack([probabilities[m.name] for m in self.modalities])

    def predict(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        """Class probabilities of `rows` per modality, their mean and the stacking model's (rows × classes)."""
        single = {
            m.name: _probabilities(m, self.train_rows, self.codes, rows, self.prior, self.seed) for m in self.modalities
        }
        available = {m.name: m.available[rows] for m in self.modalities}
        stacked = np.zeros((len(rows), self.n_classes))
        if len(rows):
            stacked[:, self.stacker.classes_] = self.stacker.predict_proba(self._stack(single))
        return {**single, MEAN: _mean(single, available, self.prior), STACKED: stacked}
