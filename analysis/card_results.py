"""What `hw evaluate` adds to the model cards: each checkpoint's held-out results beside the base
model's, when the evaluation used the checkpoint's own weights."""

from __future__ import annotations

from functools import partial

import pandas as pd

from analysis.artifacts import RETRIEVAL_CROSS_MODAL, RETRIEVAL_IMAGE, ZERO_SHOT
from heritage_weaver.artifacts import Artifact
from heritage_weaver.workspace import Workspace
from training.artifacts import SPLIT
from training.artifacts.model_card import Evaluation

EVALUATION_TABLES = (ZERO_SHOT, RETRIEVAL_CROSS_MODAL, RETRIEVAL_IMAGE)
EVALUATED_WEIGHTS = "weights"  # the manifest detail of the evaluation tables: model → weights hash of its vectors


def card_evaluation(ws: Workspace) -> Evaluation:
    """The results a card shows, read from the evaluation tables of this study."""
    return partial(evaluation, ws)


def evaluated_weights(ws: Workspace) -> dict[str, str | None]:
    """Per model, the weights hash of the vectors that the recorded `hw evaluate` run used."""
    return dict(ws.manifest().get(ZERO_SHOT.path, {}).get(EVALUATED_WEIGHTS, {}))


def evaluation(ws: Workspace, model: str | None, base: str) -> dict | None:
    """The checkpoint's held-out results beside the base model's; None unless `hw evaluate` ran on these weights."""
    from heritage_weaver.siglip import weights_hash

    if model is None or not ZERO_SHOT.exists(ws):
        return None
    recorded = evaluated_weights(ws).get(model)
    if recorded is None or recorded != weights_hash(ws.model_location(model)):
        return None
    return {
        "held_out_records": int((SPLIT.read(ws, columns=["split"])["split"] == "eval").sum()),
        "zero_shot": compared(ZERO_SHOT, ws, model, base, ["data", "target", "candidates"], ["accuracy"]),
        "cross_modal": compared(
            RETRIEVAL_CROSS_MODAL, ws, model, base, ["direction", "n"], ["relevance_mean", "found"]
        ),
        "image": compared(RETRIEVAL_IMAGE, ws, model, base, ["scope", "n"], ["mean"]),
    }


def compared(table: Artifact, ws: Workspace, model: str, base: str, keys: list[str], columns: list[str]) -> list[dict]:
    """Rows of an evaluation table for `model`: its keys, and per column its value and the base model's (None if absent)."""
    if not table.exists(ws):
        return []
    frame = table.read(ws)
    if frame.empty:
        return []
    mine = frame[frame["model"] == model][keys + columns]
    theirs = frame[frame["model"] == base][keys + columns]
    merged = mine.merge(theirs, on=keys, how="left", suffixes=("", "_base")).sort_values(keys)
    rows = []
    for record in merged.to_dict("records"):
        row: dict[str, object] = {key: _plain(record[key]) for key in keys}
        for column in columns:
            other = record[f"{column}_base"]
            row[column] = {"value": float(record[column]), "base": None if pd.isna(other) else float(other)}
        rows.append(row)
    return rows


def _plain(value: object) -> object:
    """A numpy scalar as the Python value YAML can write."""
    return value.item() if hasattr(value, "item") else value
