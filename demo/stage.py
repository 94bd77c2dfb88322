"""The demo's own stages, listed in the study's stage order (hw_cli.stages) like any other, and run
only in a simulation: `model`, the demo's base checkpoint, and `simulate-labels`, the simulated
annotators' labels, with the reference standard the report compares its estimates with."""

from __future__ import annotations

from dataclasses import dataclass
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
from heritage_weaver.stages import NO_OPTIONS, NoOptions, Stage, all_of, needs, simulation
from heritage_weaver.workspace import Workspace
from ingest.artifacts import RECORDS
from training.artifacts import MODEL
from training.stage import TinyModelOptions, build_tiny_base


@dataclass(frozen=True)
class SimulateOptions:
    noise: float = 0.15  # the chance that a simulated annotator picks a wrong label
    seed: int | None = None  # default: the study's seed


def demo_base_missing(ws: Workspace) -> str | None:
    """Ready in a simulation whose base model is not there yet, once the records are."""
    if not ws.config.study.simulation:
        return "only the demo builds its own base model"
    base = Path(ws.model_location(ws.config.training.base_model))
    return "the base model exists" if base.exists() else needs(RECORDS)(ws)


def build_demo_base(ws: Workspace, progress: Progress, options: NoOptions) -> Path:
    """The study's base model: a tiny SigLIP, pre-trained out of domain."""
    return build_tiny_base(ws, progress, TinyModelOptions(pretraining=out_of_domain()))


def run_simulate(ws: Workspace, progress: Progress, options: SimulateOptions) -> pd.DataFrame:
    """Post simulated labels judged from the demo's hidden ground truth, and write the reference
    standard the report compares its estimates with."""
    progress.note(
        "SIMULATION: these labels come from the demo's ground truth with noise, not from curators; "
        "each one says so in its comment."
    )
    posted = simulate(ws, noise=options.noise, seed=options.seed)
    write_reference_standard(ws, labelled_noise(ws, options.noise if len(posted) else None))
    return posted


MODEL_STAGE = Stage("model", (MODEL,), build_demo_base, NO_OPTIONS, demo_base_missing, errors=(ArtifactError, OSError))
SIMULATE_LABELS = Stage(
    "simulate-labels",
    (REFERENCE_STANDARD,),
    run_simulate,
    SimulateOptions(),
    all_of(simulation, needs(LEDGER)),
    always=True,
    errors=(*SERVER_ERRORS, KeyError, ValueError),
)
