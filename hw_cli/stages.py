"""The study's verbs in order: the one list that `hw run`, `hw status` and the CLI follow; and
every artifact the stages declare, in the same order.

It lives here, above every stage package, because it names them all; each stage declares itself
in its own package (`<package>/stage.py`), and its verb (command and how its result is shown) in
its CLI module. Adding a verb: its stage, its CLI command with its `Verb`, and one line below.
"""

from __future__ import annotations

from typing import Any

from analysis import artifacts as analysis_artifacts
from annotation import artifacts as annotation_artifacts
from annotation.stage import EXPORT, PULL, PUSH, VERIFY_PULL, VERIFY_PUSH
from demo import artifacts as demo_artifacts
from demo.stage import MODEL_STAGE, SIMULATE_LABELS
from embeddings import artifacts as embeddings_artifacts
from heritage_weaver.artifacts import Artifact
from heritage_weaver.stages import Stage
from heritage_weaver.workspace import Workspace
from hw_cli import analysis, annotation, embeddings, prediction, publishing, sampler, study, training, verification
from hw_cli.verbs import Verb
from ingest import artifacts as ingest_artifacts
from prediction import artifacts as prediction_artifacts
from publishing import artifacts as publishing_artifacts
from sampler import artifacts as sampler_artifacts
from training import artifacts as training_artifacts

VERBS: tuple[Verb[Any, Any], ...] = (
    study.INGEST_VERB,
    study.FETCH_IMAGES_VERB,
    training.MODEL_VERB,
    training.TRAIN_VERB,
    embeddings.EMBED_VERB,
    embeddings.INDEX_VERB,
    sampler.SAMPLE_VERB,
    annotation.PUSH_VERB,
    annotation.SIMULATE_LABELS_VERB,
    annotation.PULL_VERB,
    annotation.EXPORT_VERB,
    analysis.ANALYZE_VERB,
    analysis.CALIBRATE_VERB,
    analysis.EVALUATE_VERB,
    prediction.PREDICT_VERB,
    analysis.REPORT_VERB,
    publishing.EXPORT_LINKS_VERB,
    verification.VERIFY_PUSH_VERB,
    verification.VERIFY_PULL_VERB,
)
STAGES: tuple[Stage[Any, Any], ...] = tuple(verb.stage for verb in VERBS)
LABEL_STUDIO_STAGES = (PUSH, SIMULATE_LABELS, PULL)
SIMULATION_STAGES = (MODEL_STAGE, SIMULATE_LABELS)  # the demo's own base model and simulated curators
CURATOR_STAGES = (VERIFY_PUSH, VERIFY_PULL)  # they wait on curators' verdicts: never a step of `hw run`


def plan(labelstudio: bool = True, simulation: bool = True) -> list[Verb[Any, Any]]:
    """The verbs `hw run` walks: the Label Studio round trip, or import files without a server;
    the simulation's own stages only in a simulation."""
    left_out = ((EXPORT,) if labelstudio else LABEL_STUDIO_STAGES) + (() if simulation else SIMULATION_STAGES)
    return [verb for verb in VERBS if verb.stage not in left_out + CURATOR_STAGES]


def study_stages(ws: Workspace) -> list[Stage[Any, Any]]:
    """The stages `hw status` lists for this study: those of its route (import files once `hw export`
    wrote some and nothing was pushed, else the Label Studio round trip, `hw run`'s default; the
    simulation's stages only in a simulation), and any other stage that wrote artifacts or has run
    (the curators' verdicts, say), in stage order."""
    recorded = {entry["verb"] for entry in ws.manifest().values()}
    route = [
        verb.stage for verb in plan(EXPORT.verb not in recorded or PUSH.verb in recorded, ws.config.study.simulation)
    ]
    used = recorded | set(ws.outcomes())
    return [stage for stage in STAGES if stage in route or stage.verb in used]


# Every artifact of every stage package, once, in stage order (a test checks the docs list each).
ARTIFACTS: tuple[Artifact, ...] = (
    *demo_artifacts.ARTIFACTS,
    *ingest_artifacts.ARTIFACTS,
    *training_artifacts.ARTIFACTS,
    *embeddings_artifacts.ARTIFACTS,
    *sampler_artifacts.ARTIFACTS,
    *annotation_artifacts.ARTIFACTS,
    *analysis_artifacts.ARTIFACTS,
    *prediction_artifacts.ARTIFACTS,
    *publishing_artifacts.ARTIFACTS,
)
