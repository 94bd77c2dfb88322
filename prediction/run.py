"""`hw predict`: read the records, split and vector stores; run each field's experiment; write its tables."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from embeddings.artifacts import UNITS
from embeddings.artifacts.vectors import load_vectors
from heritage_weaver.artifacts import ArtifactError
from heritage_weaver.progress import SILENT, Progress
from heritage_weaver.workspace import Workspace
from ingest.artifacts import RECORDS
from prediction.artifacts import (
    PREDICTION_CONFUSION,
    PREDICTION_HELD_OUT,
    PREDICTION_NOTES,
    PREDICTION_PROPOSALS,
    PREDICTION_SCORES,
)
from prediction.experiment import FieldOutcome, PredictionError, Settings, run_experiment
from prediction.features import Modality, pooled_vectors, tabular_features
from prediction.targets import build_target
from sampler.artifacts.design import study_models
from training.artifacts import SPLIT

RECORD_COLUMNS = ["record_id", "collection", "name", "category", "taxonomy"]


@dataclass
class PredictResult:
    """What `hw predict` did: the outcome of each field it could predict, and why others failed."""

    outcomes: list[FieldOutcome]
    failures: dict[str, str] = field(default_factory=dict)  # field -> why it could not be predicted
    skipped_models: dict[str, str] = field(default_factory=dict)  # model -> why it took no part


def _model_modalities(ws: Workspace, model: str, keys: pd.DataFrame, pooling: str) -> list[Modality]:
    units, vectors = load_vectors(ws, model)
    modalities = []
    for name in ("image", "text"):
        chosen = (units["modality"] == name).to_numpy()
        modalities.append(
            pooled_vectors(name, keys, units[chosen], vectors[chosen], pooling if name == "image" else "mean")
        )
    return modalities


def run_predict(
    ws: Workspace, fields: list[str], models: list[str] | None = None, progress: Progress = SILENT
) -> PredictResult:
    """Predict each of `fields` with every model that has embeddings (or `models`); write its tables."""
    config = ws.config.prediction
    extra = [f for f in ws.config.extra_fields if f in (*fields, *config.tabular)]
    records = RECORDS.read(ws, columns=[*RECORD_COLUMNS, *extra])
    split = SPLIT.read(ws)
    keys = records[["collection", "record_id"]]
    result = PredictResult([])
    chosen = models or study_models(ws)
    features: dict[str, list[Modality]] = {}
    advance = progress.task("predict: reading vectors", len(chosen), unit="models")
    for model in chosen:
        if UNITS.at(model=model).exists(ws):
            features[model] = _model_modalities(ws, model, keys, config.image_pooling)
        else:
            result.skipped_models[model] = f"no embeddings ({UNITS.at(model=model).missing_message()})"
        advance(1)
    if not features:
        raise ArtifactError(f"no model has embeddings; {UNITS.missing_message()}")
    settings = Settings(config.folds, config.bootstrap, config.candidates, ws.config.study.seed)
    inputs = [RECORDS, SPLIT, *[UNITS.at(model=m) for m in features]]
    advance = progress.task("predict", len(fields), unit="fields")
    for name in fields:
        target = build_target(records, split, name, config.min_examples)
        tabular_fields = [f for f in config.tabular if f != name]
        tabular = tabular_features(records, tabular_fields, target.rows("train")) if tabular_fields else None
        if tabular is not None and not tabular.available[target.rows("train")].any():
            tabular = None
        try:
            outcome = run_experiment(name, target, features, tabular, settings)
        except PredictionError as error:
            result.failures[name] = str(error)
            progress.warn(str(error))
            advance(1)
            continue
        notes = list(outcome.notes)
        if tabular_fields and tabular is None:
            notes.append(f"{name}: no training record holds any of {tabular_fields}, so there is no tabular modality")
        notes += [f"model {m} left out: {why}" for m, why in result.skipped_models.items()]
        outcome.notes = notes
        _write(ws, outcome, inputs, target.classes)
        result.outcomes.append(outcome)
        advance(1)
    return result


def _write(ws: Workspace, outcome: FieldOutcome, inputs: list, classes: tuple[str, ...]) -> None:
    details = {"model": outcome.chosen_model, "classes": len(classes), "folds": outcome.folds}
    part = {"field": outcome.field}
    PREDICTION_SCORES.at(**part).write(ws, outcome.scores, inputs=inputs, **details)
    PREDICTION_CONFUSION.at(**part).write(ws, outcome.confusion, inputs=inputs)
    PREDICTION_HELD_OUT.at(**part).write(ws, outcome.held_out, inputs=inputs)
    PREDICTION_PROPOSALS.at(**part).write(ws, outcome.proposals, inputs=inputs, proposed_by=outcome.chosen_model)
    PREDICTION_NOTES.at(**part).write(ws, pd.DataFrame({"note": pd.Series(outcome.notes, dtype=object)}), inputs=inputs)


__all__ = ["PredictResult", "run_predict"]
