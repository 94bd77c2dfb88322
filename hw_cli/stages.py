"""The study's stages in order: the one list that `hw run`, `hw status` and the CLI follow.

It lives here, above every stage package, because it names them all; each stage declares itself
in its own package (`<package>/stage.py`, the core's in heritage_weaver/stages.py).
"""

from __future__ import annotations

from analysis.stage import ANALYZE, CALIBRATE, EVALUATE, REPORT
from annotation.stage import EXPORT, PULL, PUSH, SIMULATE_LABELS
from embeddings.stage import EMBED, INDEX_STAGE
from heritage_weaver.stages import FETCH_IMAGES, INGEST, Stage
from heritage_weaver.workspace import Workspace
from prediction.stage import PREDICT
from publishing.stage import EXPORT_LINKS
from sampler.stage import SAMPLE
from training.stage import MODEL_STAGE, TRAIN

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
