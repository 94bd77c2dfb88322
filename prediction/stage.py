"""The prediction package's stage: `predict` (missing catalogue fields from the embeddings)."""

from __future__ import annotations

from dataclasses import dataclass

from embeddings.artifacts import UNITS
from heritage_weaver.artifacts import ArtifactError
from heritage_weaver.config_sections import FIELD_SPELLING
from heritage_weaver.progress import Progress
from heritage_weaver.stages import Stage, all_of, needs
from heritage_weaver.workspace import Workspace
from ingest.artifacts import RECORDS
from prediction.artifacts import ARTIFACTS
from prediction.experiment import PredictionError
from prediction.run import PredictResult, run_predict
from training.artifacts import SPLIT


@dataclass(frozen=True)
class PredictOptions:
    fields: tuple[str, ...] = ()  # default: [prediction] fields
    models: tuple[str, ...] = ()  # default: every model that has embeddings


def predict(ws: Workspace, progress: Progress, options: PredictOptions) -> PredictResult:
    """Predict `fields` (default: [prediction] fields) with every model that has embeddings (or `models`)."""
    chosen = list(dict.fromkeys(options.fields or ws.config.prediction.fields))
    if not chosen:
        raise PredictionError("name a field to predict (hw predict FIELD) or list some in [prediction] fields")
    wrong = [f for f in chosen if not ws.config.is_predictable(f)]
    if wrong:
        mapped = f" (mapped: {', '.join(ws.config.extra_fields)})" if ws.config.extra_fields else ""
        raise PredictionError(f"unknown field(s) {wrong}; use {FIELD_SPELLING}{mapped}")
    unknown = [m for m in options.models if m not in ws.config.models]
    if unknown:
        raise PredictionError(f"--model: {unknown} not among the study's models {list(ws.config.models)}")
    return run_predict(ws, chosen, list(options.models) or None, progress)


def configured(ws: Workspace) -> str | None:
    return None if ws.config.prediction.fields else "no fields named in [prediction] fields"


_OUTPUTS = tuple(a for a in ARTIFACTS if a.verb == "predict")
PREDICT = Stage(
    "predict",
    _OUTPUTS,
    predict,
    PredictOptions(),
    all_of(configured, needs(RECORDS, SPLIT, UNITS)),
    errors=(PredictionError, ArtifactError),
)
