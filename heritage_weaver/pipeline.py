"""`hw run`: the study's verbs in order, skipping what is up to date and what cannot run yet."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from heritage_weaver.images import is_url
from heritage_weaver.workspace import Workspace

Check = Callable[[Workspace], str | None]  # None: ready; otherwise why the step cannot run


def _ready(_: Workspace) -> None:
    return None


def _needs(*artifacts: str) -> Check:
    def check(workspace: Workspace) -> str | None:
        missing = [a for a in artifacts if not workspace.path(a).exists()]
        return f"needs {', '.join(missing)}" if missing else None

    return check


def _has_image_urls(workspace: Workspace) -> str | None:
    images = pq.read_table(workspace.path("records", "records.parquet"), columns=["images"]).column("images")
    return None if any(is_url(loc) for locs in images.to_pylist() for loc in locs) else "no image URLs to fetch"


def _base_missing_in_demo(workspace: Workspace) -> str | None:
    if not workspace.config.study.simulation:
        return "only the demo builds its own base model"
    base = Path(workspace.model_location(workspace.config.training.base_model))
    return "the base model exists" if base.exists() else None


def _base_available(workspace: Workspace) -> str | None:
    base = workspace.config.training.base_model
    return None if workspace.model_available(base) else f"needs the base model at {workspace.model_location(base)}"


def _labelstudio_token(workspace: Workspace) -> str | None:
    variable = workspace.config.labelstudio.token_env
    return None if os.environ.get(variable) else f"needs a Label Studio token in ${variable}"


def _all(*checks: Check) -> Check:
    def check(workspace: Workspace) -> str | None:
        return next((reason for c in checks if (reason := c(workspace))), None)

    return check


def _simulation(workspace: Workspace) -> str | None:
    return None if workspace.config.study.simulation else "labels come from curators, not a simulation"


@dataclass(frozen=True)
class Step:
    verb: str  # the verb the manifest records for this step's artifacts
    arguments: tuple[str, ...]  # what follows `hw`
    check: Check = _ready
    always: bool = False  # look again on every run (e.g. new labels may have arrived)


def plan(workspace: Workspace, labelstudio: bool = True, demo_pretrain_steps: int = 400) -> list[Step]:
    """The study's steps in order; Label Studio steps only when `labelstudio` is true."""
    study = ("--study", str(workspace.root))
    steps = [
        Step("ingest", ("ingest", *study)),
        Step("fetch-images", ("fetch-images", *study), _has_image_urls),
        Step("model", ("model", "tiny", workspace.config.training.base_model, *study,
                       "--pretrain-steps", str(demo_pretrain_steps)), _base_missing_in_demo),
        Step("train", ("train", *study), _base_available),
        Step("embed", ("embed", *study)),
        Step("index", ("index", *study), _needs("embeddings")),
        Step("sample", ("sample", *study), _needs("embeddings")),
    ]
    if labelstudio:
        steps += [
            Step("push", ("push", *study), _all(_needs("sampler/batches"), _labelstudio_token)),
            Step("simulate-labels", ("simulate-labels", *study), _all(_simulation, _needs("annotation/ledger.sqlite")), always=True),
            Step("pull", ("pull", *study), _all(_needs("annotation/ledger.sqlite"), _labelstudio_token), always=True),
        ]
    else:
        steps.append(Step("export", ("push", *study, "--export-only"), _needs("sampler/batches")))
    steps += [
        Step("analyze", ("analyze", *study), _needs("annotation/labels.parquet"), always=True),
        Step("evaluate", ("evaluate", *study), _needs("embeddings", "training/split.parquet")),
        Step("report", ("report", *study), always=True),
    ]
    return steps


def step_state(workspace: Workspace, step: Step) -> str:
    """`ready`, `up to date`, or the reason the step cannot run yet."""
    reason = step.check(workspace)
    if reason:
        return reason
    if step.always:
        return "ready"
    states = workspace.verb_states(step.verb).values()
    return "up to date" if states and all(s == "done" for s in states) else "ready"
