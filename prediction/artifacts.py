"""The files the prediction package writes (declared with the core's artifact mechanism)."""

from __future__ import annotations

import pyarrow as pa

from heritage_weaver.artifacts import Artifact, table

PREDICTION_SECTIONS = ("study", "models", "prediction")
PREDICTION_MODALITIES = ("image", "text", "tabular", "mean", "stacked")
PREDICTION_SCORES = table(
    "predict/{field}/scores.parquet",
    "predict",
    "held-out macro F1, weighted F1 and accuracy per model and modality (single, mean, stacked), "
    "with bootstrap intervals",
    ("field", "model", "modality", "metric", "value", "ci_low", "ci_high", "n_train", "n_eval", "classes"),
    PREDICTION_SECTIONS,
    modality=PREDICTION_MODALITIES,
    metric=("macro_f1", "weighted_f1", "accuracy"),
)
PREDICTION_CONFUSION = table(
    "predict/{field}/confusion.parquet",
    "predict",
    "the stacked classifier's confusion matrix on the held-out records, per model (non-empty cells)",
    ("field", "model", "truth", "predicted", "count"),
    PREDICTION_SECTIONS,
)
PREDICTION_HELD_OUT = table(
    "predict/{field}/held_out.parquet",
    "predict",
    "each held-out record's true and predicted value per model and modality",
    ("record_id", "collection", "model", "modality", "truth", "predicted", "probability"),
    PREDICTION_SECTIONS,
    modality=PREDICTION_MODALITIES,
)
PREDICTION_PROPOSALS = table(
    "predict/{field}/proposals.parquet",
    "predict",
    "the most probable values for each record without the field, for curators to review",
    ("record_id", "collection", "name", "field", "model", "rank", "value", "probability", "modalities"),
    PREDICTION_SECTIONS,
)
PREDICTION_NOTES = table(
    "predict/{field}/notes.parquet",
    "predict",
    "what the prediction grouped, left out or changed, and why",
    ("note",),
    PREDICTION_SECTIONS,
)

VERDICT_VALUES = ("accept", "reject", "correct", "skipped")
PREDICTION_VERDICTS = table(
    "predict/{field}/verdicts.parquet",
    "verify pull",
    "one row per curator verdict on a proposal pushed by `hw verify push` (its newest version)",
    (
        "field",
        "record_id",
        "collection",
        "proposed",
        "probability",
        "verdict",
        "value",
        "curator",
        "annotation_id",
        "created_at",
        "updated_at",
        "is_latest",
    ),
    ("prediction", "labelstudio"),
    types={"probability": pa.float64(), "is_latest": pa.bool_()},
    verdict=VERDICT_VALUES,
)

# Every file above, once, in declaration order (a test checks that none is left out).
ARTIFACTS: tuple[Artifact, ...] = (
    PREDICTION_SCORES,
    PREDICTION_CONFUSION,
    PREDICTION_HELD_OUT,
    PREDICTION_PROPOSALS,
    PREDICTION_NOTES,
    PREDICTION_VERDICTS,
)
