"""Reading the stage's inputs and writing its tables (Parquet through the registry, CSV beside)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import pandas as pd

from heritage_weaver.artifacts import Artifact, ArtifactError, Input
from heritage_weaver.spreadsheets import write_csv
from heritage_weaver.workspace import Workspace
from sampler.artifacts import BATCH, round_batches


def batches(ws: Workspace) -> list[Artifact]:
    """The batch artifact of every annotator that has one, in every labelling round."""
    return [batch.artifact for batch in round_batches(ws)]


def read_batches(ws: Workspace) -> pd.DataFrame:
    """Every annotator's batch of every round, one after the other."""
    found = batches(ws)
    if not found:
        raise ArtifactError(BATCH.missing_message())
    return pd.concat([batch.read(ws) for batch in found], ignore_index=True)


def write_result(
    ws: Workspace, artifact: Artifact, frame: pd.DataFrame, inputs: Iterable[Input], **details: object
) -> Path:
    """Write an analysis table as Parquet and as CSV beside it; both are noted in the manifest."""
    inputs = list(inputs)
    parquet = artifact.write(ws, frame, inputs, **details)
    csv = replace(artifact, path=str(Path(artifact.path).with_suffix(".csv")), columns=())
    write_csv(frame, csv.location(ws))
    csv.record(ws, inputs, **details)
    return parquet
