"""The prediction package's stage: `predict` (missing catalogue fields from the embeddings)."""

from __future__ import annotations

from embeddings.artifacts import UNITS
from heritage_weaver.artifacts import ArtifactError
from heritage_weaver.config import FIELD_SPELLING
from heritage_weaver.progress import Progress
from heritage_weaver.stages import Stage, all_of, needs
from heritage_weaver.workspace import Workspace
from ingest.artifacts import RECORDS
from prediction.artifacts import ARTIFACTS
from prediction.experiment import PredictionError
from prediction.run import PredictResult, run_predict
from training.artifacts import SPLIT


def predict(
    ws: Workspace, progress: Progress, fields: list[str] | None = None, models: list[str] | None = None
) -> PredictResult:
    """Predict `fields` (default: [prediction] fields) with every model that has embeddings (or `models`)."""
    chosen = list(dict.fromkeys(fields or ws.config.prediction.fields))
    if not chosen:
        raise PredictionError("name a field to predict (hw predict FIELD) or list some in [prediction] fields")
    wrong = [f for f in chosen if not ws.config.is_predictable(f)]
    if wrong:
        mapped = f" (mapped: {', '.join(ws.config.extra_fields)})" if ws.config.extra_fields else ""
        raise PredictionError(f"unknown field(s) {wrong}; use {FIELD_SPELLING}{mapped}")
    unknown = [m for m in models or [] if m not in ws.config.models]
    if unknown:
        raise PredictionError(f"--model: {unknown} not among the study's models {list(ws.config.models)}")
    return run_predict(ws, chosen, models, progress)


def configured(ws: Workspace) -> str | None:
    return None if ws.config.prediction.fields else "no fields named in [prediction] fields"


_OUTPUTS = tuple(a for a in ARTIFACTS if a.verb == "predict")
PREDICT = Stage(
    "predict",
    _OUTPUTS,
    predict,
    all_of(configured, needs(RECORDS, SPLIT, UNITS)),
    errors=(PredictionError, ArtifactError),
)
