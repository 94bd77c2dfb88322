"""The demo's own stages, listed in the study's stage order (hw_cli.stages) like any other:
`simulate-labels`, the simulated annotators' labels; run only in a simulation."""

from __future__ import annotations

import pandas as pd

from annotation.artifacts import LEDGER
from annotation.stage import SERVER_ERRORS
from demo.simulate import simulate
from heritage_weaver.progress import Progress
from heritage_weaver.stages import Stage, all_of, needs, simulation
from heritage_weaver.workspace import Workspace


def run_simulate(ws: Workspace, progress: Progress, noise: float = 0.15, seed: int | None = None) -> pd.DataFrame:
    """Post simulated labels judged from the demo's hidden ground truth."""
    progress.note(
        "SIMULATION: these labels come from the demo's ground truth with noise, not from curators; "
        "each one says so in its comment."
    )
    return simulate(ws, noise=noise, seed=seed)


SIMULATE_LABELS = Stage(
    "simulate-labels",
    (),
    run_simulate,
    all_of(simulation, needs(LEDGER)),
    always=True,
    errors=(*SERVER_ERRORS, KeyError, ValueError),
)
