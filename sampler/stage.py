"""The sampler's stage: `sample` (thresholds, links and blind batches)."""

from __future__ import annotations

from dataclasses import dataclass

from embeddings.artifacts import UNITS
from heritage_weaver.artifacts import ArtifactError
from heritage_weaver.compute import ComputeError
from heritage_weaver.progress import Progress
from heritage_weaver.stages import Stage, all_of, needs
from heritage_weaver.workspace import Workspace
from sampler.artifacts import BATCH, LINKS, ROUND_BATCH, THRESHOLDS
from sampler.feedback import LabelFeedback
from sampler.pipeline import SampleError, SampleResult
from sampler.plan import SamplePlan, plan_sample
from sampler.rounds import RoundResult, sample_round
from sampler.study import sample_study


@dataclass(frozen=True)
class SampleOptions:
    force: bool = False  # compute again even when the sampler artifacts are up to date
    engine: str | None = None  # local or ray (default: $HW_ENGINE, else compute.engine)


@dataclass(frozen=True)
class PlanOptions:
    target: float = 0.05  # the 95% half-width to plan for
    feedback: LabelFeedback | None = None  # the analysis tables of the labels so far (handed in by the CLI)


@dataclass(frozen=True)
class RoundOptions:
    round: int = 2  # the labelling round to draw (2, 3, …)
    per_annotator: int = 0  # pairs per annotator in the round
    score_bands: int = 1  # bands of each stratum's link scores that share its quota
    purpose: str = "estimate"  # estimate (the probability sample) or learn (the learning stream)
    learn_by: str = "uncertainty"  # with purpose learn: uncertainty or disagreement
    feedback: LabelFeedback | None = None  # the analysis tables of the labels so far (handed in by the CLI)


def _sample(ws: Workspace, progress: Progress, options: SampleOptions) -> SampleResult | None:
    return sample_study(ws, options.force, progress, options.engine)


SAMPLE = Stage(
    "sample",
    (THRESHOLDS, LINKS, BATCH),
    _sample,
    SampleOptions(),
    needs(UNITS),
    errors=(SampleError, ComputeError, ArtifactError, FileNotFoundError),
)


def _plan(ws: Workspace, progress: Progress, options: PlanOptions) -> SamplePlan:
    return plan_sample(ws, options.target, options.feedback)


# `hw sample --plan`: reads the sampler's artifacts, writes nothing (so it is no step of `hw run`)
SAMPLE_PLAN = Stage(
    "sample",
    (),
    _plan,
    PlanOptions(),
    all_of(needs(LINKS), needs(BATCH)),
    always=True,
    errors=(ArtifactError, ValueError),
)


def _round(ws: Workspace, progress: Progress, options: RoundOptions) -> RoundResult | None:
    return sample_round(
        ws,
        options.round,
        options.per_annotator,
        progress,
        options.score_bands,
        options.purpose,
        options.learn_by,
        options.feedback,
    )


# `hw sample --round N --per-annotator K [--score-bands B] [--purpose learn]`: a later round (no step of `hw run`)
SAMPLE_ROUND = Stage(
    "sample",
    (ROUND_BATCH,),
    _round,
    RoundOptions(),
    all_of(needs(LINKS), needs(BATCH)),
    always=True,
    errors=(SampleError, ArtifactError, ValueError),
)
