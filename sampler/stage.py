"""The sampler's stage: `sample` (thresholds, links and blind batches)."""

from __future__ import annotations

from embeddings.artifacts import UNITS
from heritage_weaver.artifacts import ArtifactError
from heritage_weaver.compute import ComputeError
from heritage_weaver.progress import Progress
from heritage_weaver.stages import Stage, all_of, needs
from heritage_weaver.workspace import Workspace
from sampler.artifacts import BATCH, LINKS, ROUND_BATCH, THRESHOLDS
from sampler.pipeline import SampleError, SampleResult
from sampler.plan import SamplePlan, plan_sample
from sampler.rounds import RoundResult, sample_round
from sampler.study import sample_study


def _sample(ws: Workspace, progress: Progress, force: bool = False, engine: str | None = None) -> SampleResult | None:
    return sample_study(ws, force, progress, engine)


SAMPLE = Stage(
    "sample",
    (THRESHOLDS, LINKS, BATCH),
    _sample,
    needs(UNITS),
    errors=(SampleError, ComputeError, ArtifactError, FileNotFoundError),
)


def _plan(ws: Workspace, progress: Progress, target: float = 0.05) -> SamplePlan:
    return plan_sample(ws, target)


# `hw sample --plan`: reads the sampler's artifacts, writes nothing (so it is no step of `hw run`)
SAMPLE_PLAN = Stage(
    "sample", (), _plan, all_of(needs(LINKS), needs(BATCH)), always=True, errors=(ArtifactError, ValueError)
)


def _round(
    ws: Workspace,
    progress: Progress,
    round: int = 2,
    per_annotator: int = 0,
    score_bands: int = 1,
    purpose: str = "estimate",
    learn_by: str = "uncertainty",
) -> RoundResult | None:
    return sample_round(ws, round, per_annotator, progress, score_bands, purpose, learn_by)


# `hw sample --round N --per-annotator K [--score-bands B] [--purpose learn]`: a later round (no step of `hw run`)
SAMPLE_ROUND = Stage(
    "sample",
    (ROUND_BATCH,),
    _round,
    all_of(needs(LINKS), needs(BATCH)),
    always=True,
    errors=(SampleError, ArtifactError, ValueError),
)
