"""The analysis package's stages: `analyze` (labels → tables), `calibrate` (link probabilities and
publishable thresholds), `evaluate` (zero-shot, retrieval) and `report` (the HTML page)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import cast

from analysis.analyze import AnalysisSummary, run_analyze
from analysis.artifacts import (
    ARTIFACTS,
    CALIBRATION,
    LABELLED,
    LINK_PROBABILITIES,
    PRECISION_CURVES,
    PUBLISHABLE,
    RELIABILITY,
    REPORT_PAGE,
    REPORT_TABLE,
)
from analysis.calibrate import CalibrationSummary, run_calibrate
from analysis.evaluate import run_evaluate
from analysis.logit import AnnotatorEffects
from analysis.report import build_report
from annotation.artifacts import LABELS
from embeddings.artifacts import UNITS
from heritage_weaver.artifacts import ArtifactError
from heritage_weaver.progress import Progress
from heritage_weaver.stages import NO_OPTIONS, NoOptions, Stage, needs
from heritage_weaver.workspace import Workspace
from sampler.artifacts import LINKS
from sampler.artifacts.design import study_models
from training.artifacts import SPLIT

EFFECTS = ("none", "cluster", "fixed")


class AnalysisError(ValueError):
    """An analysis option is not one the stage knows; the message names it."""


@dataclass(frozen=True)
class AnalyzeOptions:
    annotator_effects: tuple[str, ...] = EFFECTS  # how annotators enter the regressions: each one fitted


@dataclass(frozen=True)
class EvaluateOptions:
    models: tuple[str, ...] = ()  # default: the study's models


def analyze(ws: Workspace, progress: Progress, options: AnalyzeOptions) -> AnalysisSummary:
    """Binarise labels, count them per link type, fit the study's regressions, measure agreement."""
    unknown = sorted(set(options.annotator_effects) - set(EFFECTS))
    if unknown:
        raise AnalysisError(f"--annotator-effects: unknown value(s) {unknown}; choose from {list(EFFECTS)}")
    return run_analyze(ws, [cast(AnnotatorEffects, e) for e in dict.fromkeys(options.annotator_effects)])


def calibrate(ws: Workspace, progress: Progress, options: NoOptions) -> CalibrationSummary:
    """Fit link probabilities per comparison and choose the thresholds whose precision reaches the target."""
    return run_calibrate(ws, progress)


def evaluate(ws: Workspace, progress: Progress, options: EvaluateOptions) -> list[Path]:
    """Zero-shot classification and retrieval on the held-out records, per model."""
    chosen = list(options.models) or study_models(ws)
    unknown = [m for m in chosen if m not in ws.config.models]
    if unknown:
        raise AnalysisError(f"--model: {unknown} not among the study's models {list(ws.config.models)}")
    return run_evaluate(ws, chosen, progress=progress)


def report(ws: Workspace, progress: Progress, options: NoOptions) -> Path:
    return build_report(ws)


_ANALYSIS_TABLES = tuple(a for a in ARTIFACTS if a.path.startswith("analysis/") and a.verb == "analyze")
_EVALUATION_TABLES = tuple(a for a in ARTIFACTS if a.path.startswith("analysis/") and a.verb == "evaluate")
ANALYZE = Stage(
    "analyze",
    _ANALYSIS_TABLES,
    analyze,
    AnalyzeOptions(),
    needs(LABELS),
    always=True,
    errors=(AnalysisError, ArtifactError),
)
CALIBRATE = Stage(
    "calibrate",
    (
        LINK_PROBABILITIES,
        CALIBRATION,
        RELIABILITY,
        PRECISION_CURVES,
        PUBLISHABLE,
    ),
    calibrate,
    NO_OPTIONS,
    needs(LINKS, LABELLED),
    always=True,
)
EVALUATE = Stage(
    "evaluate",
    _EVALUATION_TABLES,
    evaluate,
    EvaluateOptions(),
    needs(UNITS, SPLIT),
    errors=(AnalysisError, ArtifactError),
)
REPORT = Stage("report", (REPORT_PAGE, REPORT_TABLE), report, NO_OPTIONS, always=True)
