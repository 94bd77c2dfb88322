"""The study's stages in order: the one list that `hw run`, `hw status` and the CLI follow; and
every artifact the stages declare, in the same order.

It lives here, above every stage package, because it names them all; each stage declares itself
in its own package (`<package>/stage.py`, the core's in heritage_weaver/stages.py).
"""

from __future__ import annotations

from analysis import artifacts as analysis_artifacts
from analysis.stage import ANALYZE, CALIBRATE, EVALUATE, REPORT
from annotation import artifacts as annotation_artifacts
from annotation.stage import EXPORT, PULL, PUSH
from demo import artifacts as demo_artifacts
from demo.stage import MODEL_STAGE, SIMULATE_LABELS
from embeddings import artifacts as embeddings_artifacts
from embeddings.stage import EMBED, INDEX_STAGE
from heritage_weaver.artifacts import Artifact
from heritage_weaver.stages import Stage
from heritage_weaver.workspace import Workspace
from ingest import artifacts as ingest_artifacts
from ingest.stage import FETCH_IMAGES, INGEST
from prediction import artifacts as prediction_artifacts
from prediction.stage import PREDICT
from publishing import artifacts as publishing_artifacts
from publishing.stage import EXPORT_LINKS
from sampler import artifacts as sampler_artifacts
from sampler.stage import SAMPLE
from training import artifacts as training_artifacts
from training.stage import TRAIN

STAGES: tuple[Stage, ...] = (
    INGEST,
    FETCH_IMAGES,
    MODEL_STAGE,
    TRAIN,
    EMBED,
    INDEX_STAGE,
    SAMPLE,
    PUSH,
    SIMULATE_LABELS,
    PULL,
    EXPORT,
    ANALYZE,
    CALIBRATE,
    EVALUATE,
    PREDICT,
    REPORT,
    EXPORT_LINKS,
)
LABEL_STUDIO_STAGES = (PUSH, SIMULATE_LABELS, PULL)


SIMULATION_STAGES = (MODEL_STAGE, SIMULATE_LABELS)  # the demo's own base model and simulated curators


def plan(labelstudio: bool = True, simulation: bool = True) -> list[Stage]:
    """The stages `hw run` walks: the Label Studio round trip, or import files without a server;
    the simulation's own stages only in a simulation."""
    left_out = ((EXPORT,) if labelstudio else LABEL_STUDIO_STAGES) + (() if simulation else SIMULATION_STAGES)
    return [stage for stage in STAGES if stage not in left_out]


def study_stages(ws: Workspace) -> list[Stage]:
    """The stages `hw status` lists for this study: those of its route (import files once `hw export`
    wrote some and nothing was pushed, else the Label Studio round trip, `hw run`'s default; the
    simulation's stages only in a simulation), and any other stage that wrote artifacts, in stage order."""
    recorded = {entry["verb"] for entry in ws.manifest().values()}
    route = plan(EXPORT.verb not in recorded or PUSH.verb in recorded, ws.config.study.simulation)
    return [stage for stage in STAGES if stage in route or stage.verb in recorded]


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
