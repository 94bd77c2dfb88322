"""The demo's own stages, listed in the study's stage order (hw_cli.stages) like any other, and run
only in a simulation: `model`, the demo's base checkpoint, and `simulate-labels`, the simulated
annotators' labels, with the reference standard the report compares its estimates with."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.artifacts import REFERENCE_STANDARD
from annotation.artifacts import LEDGER
from annotation.stage import SERVER_ERRORS
from demo.base_model import out_of_domain
from demo.reference import labelled_noise, write_reference_standard
from demo.simulate import simulate
from heritage_weaver.artifacts import ArtifactError
from heritage_weaver.progress import Progress
from heritage_weaver.stages import Stage, all_of, needs, simulation
from heritage_weaver.workspace import Workspace
from ingest.artifacts import RECORDS
from training.artifacts import MODEL
from training.stage import build_tiny_base


def demo_base_missing(ws: Workspace) -> str | None:
    """Ready in a simulation whose base model is not there yet, once the records are."""
    if not ws.config.study.simulation:
        return "only the demo builds its own base model"
    base = Path(ws.model_location(ws.config.training.base_model))
    return "the base model exists" if base.exists() else needs(RECORDS)(ws)


def build_demo_base(ws: Workspace, progress: Progress) -> Path:
    """The study's base model: a tiny SigLIP, pre-trained out of domain."""
    return build_tiny_base(ws, progress, pretraining=out_of_domain())


def run_simulate(ws: Workspace, progress: Progress, noise: float = 0.15, seed: int | None = None) -> pd.DataFrame:
    """Post simulated labels judged from the demo's hidden ground truth, and write the reference
    standard the report compares its estimates with."""
    progress.note(
        "SIMULATION: these labels come from the demo's ground truth with noise, not from curators; "
        "each one says so in its comment."
    )
    posted = simulate(ws, noise=noise, seed=seed)
    write_reference_standard(ws, labelled_noise(ws, noise if len(posted) else None))
    return posted


MODEL_STAGE = Stage("model", (MODEL,), build_demo_base, demo_base_missing, errors=(ArtifactError, OSError))
SIMULATE_LABELS = Stage(
    "simulate-labels",
    (REFERENCE_STANDARD,),
    run_simulate,
    all_of(simulation, needs(LEDGER)),
    always=True,
    errors=(*SERVER_ERRORS, KeyError, ValueError),
)
