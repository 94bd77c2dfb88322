"""Per-modality classifiers and their late fusion: the plain mean, and a stacking model (a
log-linear pool, below) fitted on cross-validated (out-of-fold) probabilities of the training records.

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
from scipy.optimize import minimize
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from prediction.features import Modality

MEAN, STACKED = "mean", "stacked"
FLOOR = 1e-4  # probabilities below it count as it in the stacking model's logarithms


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


class LogLinearPool:
    """The stacking model: class scores `sum_m w_m log p_m(c) + b_c`, a softmax over them.

    One weight per modality and one bias per class (not a weight per modality × class), fitted by
    class-balanced, L2-penalised maximum likelihood on out-of-fold probabilities: few enough
    parameters to learn from a few records per class, and a modality's weight says how far the
    fusion trusts it.
    """

    def __init__(self, penalty: float = 1e-3) -> None:
        self.penalty = penalty

    def fit(self, logs: np.ndarray, codes: np.ndarray, n_classes: int) -> LogLinearPool:
        """`logs`: modalities × records × classes log-probabilities; `codes`: each record's class."""
        n_modalities, n_records, _ = logs.shape
        counts = np.bincount(codes, minlength=n_classes)
        weights = (n_records / (np.count_nonzero(counts) * np.maximum(counts, 1)))[codes]
        onehot = np.eye(n_classes)[codes]

        def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
            w, b = theta[:n_modalities], theta[n_modalities:]
            scores = np.tensordot(w, logs, axes=1) + b
            scores -= scores.max(axis=1, keepdims=True)
            probabilities = np.exp(scores)
            probabilities /= probabilities.sum(axis=1, keepdims=True)
            chosen = np.log(np.maximum((probabilities * onehot).sum(axis=1), 1e-300))
            residual = (probabilities - onehot) * weights[:, None]
            value = -(weights * chosen).sum() / n_records + self.penalty * (theta**2).sum()
            gradient_w = np.einsum("mrc,rc->m", logs, residual) / n_records
            gradient_b = residual.sum(axis=0) / n_records
            return value, np.concatenate([gradient_w, gradient_b]) + 2 * self.penalty * theta

        start = np.concatenate([np.ones(n_modalities), np.zeros(n_classes)])
        self.theta = minimize(loss, start, jac=True, method="L-BFGS-B").x
        self.modality_weights = self.theta[:n_modalities]
        return self

    def predict_proba(self, logs: np.ndarray) -> np.ndarray:
        n_modalities = len(self.modality_weights)
        scores = np.tensordot(self.modality_weights, logs, axes=1) + self.theta[n_modalities:]
        scores -= scores.max(axis=1, keepdims=True)
        probabilities = np.exp(scores)
        return probabilities / probabilities.sum(axis=1, keepdims=True)


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
        self.stacker = LogLinearPool().fit(self._stack(out_of_fold), self.codes, self.n_classes)

    def _stack(self, probabilities: dict[str, np.ndarray]) -> np.ndarray:
        return np.log(np.clip(np.stack([probabilities[m.name] for m in self.modalities]), FLOOR, 1.0))

    def predict(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        """Class probabilities of `rows` per modality, their mean and the stacking model's (rows × classes)."""
        single = {
            m.name: _probabilities(m, self.train_rows, self.codes, rows, self.prior, self.seed) for m in self.modalities
        }
        available = {m.name: m.available[rows] for m in self.modalities}
        stacked = self.stacker.predict_proba(self._stack(single)) if len(rows) else np.zeros((0, self.n_classes))
        return {**single, MEAN: _mean(single, available, self.prior), STACKED: stacked}
