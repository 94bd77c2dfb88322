"""Small hand-built studies for the analysis tests: batches with known flags, labels with known effects."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.artifacts import REFERENCE_STANDARD
from analysis.stage import ANALYZE, CALIBRATE, AnalyzeOptions
from heritage_weaver.atomic import write_table
from heritage_weaver.progress import SILENT
from heritage_weaver.stages import NO_OPTIONS
from heritage_weaver.workspace import Workspace

MODELS = ("base", "ft-last", "ft-best")
COMPARISONS = ("image-image", "text-text", "text-image")
STRATA = {
    "all": (1, 1, 1),
    "base-only": (1, 0, 0),
    "ft-only": (0, 1, 1),
    "ft-last-only": (0, 1, 0),
    "ft-best-only": (0, 0, 1),
}


def write_study(root: Path, analysis: str = "", simulation: bool = False) -> Workspace:
    root.mkdir(parents=True, exist_ok=True)
    (root / "data").mkdir(exist_ok=True)
    (root / "data" / "smg.jsonl").write_text("")
    (root / "data" / "nms.csv").write_text("object_number\n")
    (root / "study.toml").write_text(
        f"""
[study]
name = "fixture"
seed = 7
simulation = {"true" if simulation else "false"}

[[collections]]
name = "smg"
format = "smg"
path = "data/smg.jsonl"

[[collections]]
name = "nms"
format = "nms"
path = "data/nms.csv"

[models]
base = "models/base"
ft-last = "models/ft-last"
ft-best = "models/ft-best"

[sampling]
annotators = ["A01", "A02", "A03"]

[analysis]
{analysis}
"""
    )
    return Workspace.open(root)


def make_batches(seed: int, annotators=("A01", "A02", "A03"), per_link_type: int = 8, overlap: int = 0) -> pd.DataFrame:
    """Per annotator `per_link_type` pairs in each comparison × stratum; `overlap` pairs shared by all."""
    rng = np.random.default_rng(seed)
    rows = []
    counter = 0

    def pair(annotator: str, comparison: str, stratum: str) -> dict:
        nonlocal counter
        counter += 1
        record_a, record_b = f"smg{counter}", f"nms{counter}"
        row = {
            "pair_id": hashlib.sha256(f"{record_a}|{record_b}".encode()).hexdigest()[:16],
            "annotator": annotator,
            "record_a": record_a,
            "collection_a": "smg",
            "record_b": record_b,
            "collection_b": "nms",
            "link_types": [f"{comparison}/{stratum}"],
            "is_control": False,
            "is_overlap": False,
        }
        for other in COMPARISONS:
            flags = STRATA[stratum] if other == comparison else (0, 0, 0)
            for model, flag in zip(MODELS, flags):
                row[f"link.{other}.{model}"] = bool(flag)
                row[f"score.{other}.{model}"] = float(rng.uniform(0.8, 0.9) if flag else rng.uniform(0.5, 0.7))
        return row

    for annotator in annotators:
        for comparison in COMPARISONS:
            for stratum in STRATA:
                rows += [pair(annotator, comparison, stratum) for _ in range(per_link_type)]
    shared = [pair(annotators[0], COMPARISONS[0], "all") for _ in range(overlap)]
    for row in shared:
        for annotator in annotators:
            rows.append({**row, "annotator": annotator, "is_overlap": True})
    frame = pd.DataFrame(rows)
    frame["position"] = frame.groupby("annotator").cumcount()
    return frame


def simulate_labels(batches: pd.DataFrame, effects: dict[str, float], seed: int, offset: float = 0.0) -> pd.DataFrame:
    """Labels drawn from a logistic model on the flags of each pair's own comparison."""
    rng = np.random.default_rng(seed)
    rows = []
    for index, row in batches.reset_index(drop=True).iterrows():
        comparison = row["link_types"][0].split("/")[0]
        eta = offset + sum(coef * row[f"link.{comparison}.{model}"] for model, coef in effects.items())
        positive = rng.random() < 1 / (1 + np.exp(-eta))
        label = rng.choice(["similar object", "same category", "same object"]) if positive else "unrelated"
        rows.append(
            {
                "annotation_id": f"annotation/{index + 1}",
                "pair_id": row["pair_id"],
                "annotator": row["annotator"],
                "label": label,
                "status": "labelled",
                "comment": "",
                "created_at": pd.Timestamp("2025-01-01", tz="UTC"),
                "updated_at": pd.Timestamp("2025-01-01", tz="UTC"),
                "lead_time": 3.0,
                "is_latest": True,
            }
        )
    # the dtypes `hw pull` writes
    strings = {
        "annotation_id": "string",
        "pair_id": "string",
        "annotator": "string",
        "label": "string",
        "status": "string",
        "comment": "string",
    }
    return pd.DataFrame(rows).astype({**strings, "lead_time": "float64", "is_latest": "bool"})


def write_annotation_inputs(ws: Workspace, batches: pd.DataFrame, labels: pd.DataFrame) -> None:
    for annotator, batch in batches.groupby("annotator"):
        write_table(ws.path("sampler", "batches", f"{annotator}.parquet"), batch.reset_index(drop=True))
    write_table(ws.path("annotation", "labels.parquet"), labels)


def write_links(ws: Workspace, batches: pd.DataFrame, unlabelled: int = 40) -> pd.DataFrame:
    """A links table holding every batch pair and `unlabelled` more (copies of batch pairs under new ids)."""
    links = batches.drop(columns=["annotator", "position", "is_control", "is_overlap"]).drop_duplicates("pair_id")
    extra = links.sample(unlabelled, random_state=0).assign(pair_id=lambda frame: frame["pair_id"] + "x")
    links = pd.concat([links, extra], ignore_index=True)
    write_table(ws.path("sampler", "links.parquet"), links)
    return links


def calibrated_study(root: Path, target: float) -> Workspace:
    """24 labelled pairs per stratum and 200 unlabelled candidates, analysed and calibrated at `target`."""
    ws = write_study(root, analysis="permutations = 0")
    config = ws.path("study.toml")
    config.write_text(config.read_text() + f"\n[publishing]\ntarget_precision = {target}\n")
    ws = Workspace.open(ws.root)
    batches = make_batches(seed=1, overlap=6)
    labels = simulate_labels(batches, {"base": -0.3, "ft-best": 1.2, "ft-last": 0.6}, seed=2)
    write_annotation_inputs(ws, batches, labels)
    write_links(ws, batches, unlabelled=200)
    ANALYZE.run(ws, SILENT, AnalyzeOptions(annotator_effects=("none",)))
    CALIBRATE.run(ws, SILENT, NO_OPTIONS)
    return ws


def write_reference_standard(ws: Workspace, links: pd.DataFrame, curator_error: float | None = 0.15) -> None:
    """A reference standard for the links' pairs (smg<k>–nms<k>): of the same category when k is even,
    else unrelated; every pair with the same `curator_error`."""
    pairs = links[["record_a", "collection_a", "record_b", "collection_b"]].drop_duplicates()
    label = np.where(pairs["record_b"].str[3:].astype(int) % 2 == 0, "same category", "unrelated")
    REFERENCE_STANDARD.write(ws, pairs.assign(label=label, curator_error=curator_error))
