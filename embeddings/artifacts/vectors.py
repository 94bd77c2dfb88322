"""The vector store of one model: `embeddings/<model>/` with units, shards and failures.

A shard is `shards/NNNNN.npy` (L2-normalised vectors) plus `shards/NNNNN.parquet` (one row per
vector: the unit and the content it was embedded from). The Parquet file is written last and is
the shard's commit mark: a shard without it never happened. A unit counts as embedded when a
committed shard holds it with the content it has now, so an edited description is re-embedded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from embeddings.artifacts import EMBED_FAILURES, SHARD_ROWS, SHARD_VECTORS, UNIT_COLUMNS, UNITS
from heritage_weaver import atomic
from heritage_weaver.artifacts import Artifact
from heritage_weaver.workspace import Workspace

SHARD_COLUMNS = SHARD_ROWS.columns
FAILURE_COLUMNS = EMBED_FAILURES.columns
_META_KEY = b"heritage_weaver"


def content_key(frame: pd.DataFrame) -> pd.Series:
    """What a unit was embedded from: its text, or its image location."""
    return frame["text"].where(frame["modality"] == "text", frame["image"]).fillna("")


@dataclass(frozen=True)
class ModelStore:
    """Paths and reads of one model's vector store."""

    workspace: Workspace
    model: str

    @classmethod
    def of(cls, workspace: Workspace, model: str) -> ModelStore:
        return cls(workspace, model)

    @property
    def units(self) -> Artifact:
        return UNITS.at(model=self.model)

    @property
    def failures(self) -> Artifact:
        return EMBED_FAILURES.at(model=self.model)

    @property
    def units_path(self) -> Path:
        return self.units.location(self.workspace)

    @property
    def failures_path(self) -> Path:
        return self.failures.location(self.workspace)

    @property
    def root(self) -> Path:
        return self.units_path.parent

    @property
    def shards_dir(self) -> Path:
        return self.shard_path(0, ".npy").parent

    def shard(self, number: int, suffix: str) -> Artifact:
        artifact = SHARD_VECTORS if suffix == ".npy" else SHARD_ROWS
        return artifact.at(model=self.model, number=f"{number:05d}")

    def shard_path(self, number: int, suffix: str) -> Path:
        return self.shard(number, suffix).location(self.workspace)

    def committed_shards(self) -> list[int]:
        if not self.shards_dir.is_dir():
            return []
        return sorted(
            int(p.stem)
            for p in self.shards_dir.glob("[0-9]*.parquet")
            if self.shard_path(int(p.stem), ".npy").is_file()
        )

    def read_units(self) -> pd.DataFrame:
        if not self.units_path.is_file():
            return pd.DataFrame(columns=list(UNIT_COLUMNS))
        return self.units.read(self.workspace)

    def read_failures(self) -> pd.DataFrame:
        if not self.failures_path.is_file():
            return pd.DataFrame(columns=list(FAILURE_COLUMNS))
        return self.failures.read(self.workspace)

    def shard_metadata(self, number: int) -> dict[str, str]:
        metadata = pq.read_schema(self.shard_path(number, ".parquet")).metadata or {}
        raw = metadata.get(_META_KEY)
        return json.loads(raw) if raw else {}

    def weights_hash(self) -> str | None:
        """The weights hash of the checkpoint the committed shards were embedded with (None: no shards).

        `hw embed` clears the vectors when the weights change, so every shard holds the same one."""
        hashes = {self.shard_metadata(n).get("weights_hash") for n in self.committed_shards()}
        return hashes.pop() if len(hashes) == 1 else None

    def catalog(self) -> pd.DataFrame:
        """Every committed vector: unit_id, content, shard, row (later shards win on repeats)."""
        frames = []
        for number in self.committed_shards():
            table = pd.read_parquet(self.shard_path(number, ".parquet"), columns=list(SHARD_COLUMNS))
            frames.append(
                pd.DataFrame(
                    {
                        "unit_id": table["unit_id"],
                        "content": content_key(table),
                        "shard": number,
                        "row": np.arange(len(table)),
                    }
                )
            )
        if not frames:
            return pd.DataFrame(
                {
                    "unit_id": pd.Series(dtype=str),
                    "content": pd.Series(dtype=str),
                    "shard": pd.Series(dtype=int),
                    "row": pd.Series(dtype=int),
                }
            )
        return pd.concat(frames, ignore_index=True).drop_duplicates(["unit_id", "content"], keep="last")

    # -- writes ---------------------------------------------------------------------
    def write_shard(self, number: int, rows: pd.DataFrame, vectors: np.ndarray, metadata: dict[str, object]) -> None:
        """Write a shard's vectors, then its table (the commit mark) with `metadata` in its schema."""
        with atomic.atomic_path(self.shard_path(number, ".npy")) as temporary, temporary.open("wb") as handle:
            np.save(handle, vectors)
        table = pa.Table.from_pandas(rows.loc[:, list(SHARD_COLUMNS)].reset_index(drop=True), preserve_index=False)
        encoded = json.dumps(metadata, sort_keys=True).encode()
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), _META_KEY: encoded})
        atomic.write_table(self.shard_path(number, ".parquet"), table)

    def add_failures(self, failures: pd.DataFrame) -> None:
        merged = pd.concat([self.read_failures(), failures.loc[:, list(FAILURE_COLUMNS)]], ignore_index=True)
        merged = merged.drop_duplicates(["unit_id", "text", "image"], keep="last")
        atomic.write_table(self.failures_path, merged.astype({"text": "object", "image": "object"}))

    def remove_leftovers(self) -> None:
        """Delete what a killed run can leave behind: temporary files and vectors never committed."""
        for folder in (self.root, self.shards_dir):
            for temporary in folder.glob(".*.tmp") if folder.is_dir() else ():
                temporary.unlink(missing_ok=True)
        if self.shards_dir.is_dir():
            for vectors in self.shards_dir.glob("[0-9]*.npy"):
                if not vectors.with_suffix(".parquet").is_file():
                    vectors.unlink()

    def clear_vectors(self) -> None:
        """Forget every shard and failure (the model's weights changed)."""
        for number in self.committed_shards():
            self.shard_path(number, ".parquet").unlink()
            self.shard_path(number, ".npy").unlink()
        self.failures_path.unlink(missing_ok=True)


def embedded_units(store: ModelStore, units: pd.DataFrame) -> pd.DataFrame:
    """`units` that hold a vector for their current content, with the shard and row holding it."""
    keyed = units.assign(content=content_key(units))
    return keyed.merge(store.catalog(), on=["unit_id", "content"], how="inner").drop(columns="content")


def load_vectors(
    ws: Workspace, model: str, modality: str | None = None, collection: str | None = None
) -> tuple[pd.DataFrame, np.ndarray]:
    """The embedded units of `model` (optionally one modality and/or collection) and their vectors.

    Rows come in units.parquet order with columns unit_id, record_id, collection, modality, kind,
    text, image; row i of the float32 matrix is the L2-normalised vector of row i.
    """
    store = ModelStore.of(ws, model)
    if not store.units_path.is_file():
        raise FileNotFoundError(
            f"{store.units_path}: no embeddings for model {model!r} (run `hw embed --model {model}`)"
        )
    units = store.read_units()
    if modality is not None:
        units = units[units["modality"] == modality]
    if collection is not None:
        units = units[units["collection"] == collection]
    located = embedded_units(store, units)
    vectors = np.empty((len(located), _dimension(store)), dtype=np.float32)
    for number, group in located.groupby("shard", sort=True):
        shard = np.load(store.shard_path(int(number), ".npy"), mmap_mode="r")
        positions = group.index.to_numpy()
        vectors[positions] = shard[group["row"].to_numpy()]
    return located.loc[:, list(UNIT_COLUMNS)].reset_index(drop=True), vectors


def _dimension(store: ModelStore) -> int:
    shards = store.committed_shards()
    if not shards:
        return 0
    return int(np.load(store.shard_path(shards[0], ".npy"), mmap_mode="r").shape[1])
