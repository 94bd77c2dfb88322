"""A planted signal: four classes, two bits; the image vectors carry one bit, the text vectors the other."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from embeddings.artifacts import UNITS
from embeddings.artifacts.vectors import ModelStore
from heritage_weaver.workspace import Workspace
from ingest.artifacts import RECORDS
from prediction.features import Modality
from prediction.targets import Target, build_target
from training.artifacts import SPLIT

CLASSES = ("bit00", "bit01", "bit10", "bit11")


def planted_records(n: int = 400, n_unlabelled: int = 40, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Records with a `category` (one of CLASSES, none for the last `n_unlabelled`) and their split (25% eval)."""
    rng = np.random.default_rng(seed)
    total = n + n_unlabelled
    values = [CLASSES[i] for i in rng.integers(0, 4, size=n)] + [None] * n_unlabelled
    records = pd.DataFrame(
        {
            "record_id": [f"r{i:04d}" for i in range(total)],
            "collection": ["smg"] * n + ["nms"] * n_unlabelled,
            "name": [f"object {i}" for i in range(total)],
            "category": values,
            "taxonomy": [None] * total,
        }
    )
    split = np.where(rng.random(total) < 0.25, "eval", "train")
    return records, pd.DataFrame(
        {"record_id": records["record_id"], "collection": records["collection"], "split": split}
    )


def planted_modalities(target: Target, dimension: int = 16, noise: float = 0.6, seed: int = 1) -> list[Modality]:
    """Image vectors: the first bit of the class along one axis; text vectors: the second bit. The rest is noise.

    Unlabelled records get the bits of a class drawn at random (their truth is unknown to the classifiers).
    """
    rng = np.random.default_rng(seed)
    values = target.records["value"].map({c: i for i, c in enumerate(CLASSES)})
    codes = values.fillna(pd.Series(rng.integers(0, 4, size=len(values)))).astype(int).to_numpy()
    modalities = []
    for name, bit in (("image", codes // 2), ("text", codes % 2)):
        features = rng.normal(0, noise, size=(len(codes), dimension))
        features[:, 0] += np.where(bit == 1, 1.0, -1.0)
        features /= np.linalg.norm(features, axis=1, keepdims=True)
        modalities.append(Modality(name, features.astype(np.float32), np.ones(len(codes), bool)))
    return modalities


def planted_target(min_examples: int = 5) -> Target:
    records, split = planted_records()
    return build_target(records, split, "category", min_examples)


MATERIALS = ("brass", "iron", "oak", "wool")


def material_study(root: Path, n_csv: int = 160, n_jsonl: int = 40, seed: int = 3) -> Workspace:
    """Two generic exports: a CSV that maps a `materials` column (and a `period` the material
    depends on) and a JSON-lines export without either; ingested, split, with one model's text
    vectors that point towards the record's material (the JSON records' too, hidden from the catalogue)."""
    from ingest import ingest_collections

    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    truth = {}
    lines = ["id,title,materials,period"]
    for i in range(n_csv):
        material = MATERIALS[int(rng.integers(0, 4))]
        truth[f"c:{i}"] = material
        period = "early" if material in ("brass", "iron") else "late"
        lines.append(f"{i},object {i},{material if i % 10 else ''},{period}")
    (root / "objects.csv").write_text("\n".join(lines) + "\n")
    entries = []
    for i in range(n_jsonl):
        truth[f"j:{i}"] = MATERIALS[int(rng.integers(0, 4))]
        entries.append(json.dumps({"id": str(i), "title": f"thing {i}", "text": f"A thing numbered {i}."}))
    (root / "dump.jsonl").write_text("\n".join(entries) + "\n")
    (root / "study.toml").write_text(
        '[study]\nname = "materials"\n\n[models]\nbase = "models/base"\n\n'
        '[[collections]]\nname = "c"\nformat = "csv"\npath = "objects.csv"\n'
        'columns = { record_id = "id", name = "title" }\nfields = { material = "materials", period = "period" }\n\n'
        '[[collections]]\nname = "j"\nformat = "jsonl"\npath = "dump.jsonl"\n'
        'columns = { record_id = "id", name = "title", description = "text" }\n\n'
        '[prediction]\nfields = ["material"]\ntabular = ["period"]\nbootstrap = 50\n'
    )
    ws = Workspace.open(root)
    ingest_collections(ws)
    records = RECORDS.read(ws)
    roles = np.where(rng.random(len(records)) < 0.25, "eval", "train")
    SPLIT.write(
        ws, pd.DataFrame({"record_id": records["record_id"], "collection": records["collection"], "split": roles})
    )
    units = pd.DataFrame(
        {
            "unit_id": records["record_id"] + "#name",
            "record_id": records["record_id"],
            "collection": records["collection"],
            "modality": "text",
            "kind": "name",
            "text": records["name"],
            "image": pd.Series([None] * len(records), dtype=object),
        }
    )
    vectors = rng.normal(0, 1, size=(len(units), 16))
    vectors[np.arange(len(units)), records["record_id"].map(truth).map(MATERIALS.index).to_numpy()] += 3.0
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    UNITS.at(model="base").write(ws, units)
    ModelStore.of(ws, "base").write_shard(0, units, vectors, {})
    return Workspace.open(root)
