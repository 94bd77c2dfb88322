"""`hw index`: one FAISS index per model × modality × collection, with its row → unit mapping.

Vectors are L2-normalised, so inner product is cosine similarity. `flat` (the default) is exact;
`ivf` and `hnsw` trade a little recall for speed on millions of units.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from embeddings.artifacts import INDEX, INDEX_ROWS
from embeddings.artifacts.vectors import ModelStore, load_vectors
from heritage_weaver import atomic
from heritage_weaver.workspace import Workspace

MAPPING_COLUMNS = INDEX_ROWS.columns
HNSW_NEIGHBOURS = 32
HNSW_EF_SEARCH = 128
IVF_POINTS_PER_LIST = 39  # FAISS warns below this many training points per list


@dataclass(frozen=True)
class IndexFiles:
    index: Path
    mapping: Path

    @classmethod
    def of(cls, ws: Workspace, model: str, modality: str, collection: str) -> IndexFiles:
        parts = {"model": model, "modality": modality, "collection": collection}
        return cls(INDEX.at(**parts).location(ws), INDEX_ROWS.at(**parts).location(ws))


def make_index(vectors: np.ndarray, kind: str = "flat"):
    """A FAISS inner-product index holding `vectors` (rows in order)."""
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    count, dimension = vectors.shape
    index: faiss.Index
    if kind == "flat":
        index = faiss.IndexFlatIP(dimension)
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(dimension, HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efSearch = HNSW_EF_SEARCH
    elif kind == "ivf":
        lists = max(1, min(int(4 * math.sqrt(count)), count // IVF_POINTS_PER_LIST))
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dimension), dimension, lists, faiss.METRIC_INNER_PRODUCT)
        index.train(vectors)
        index.nprobe = max(1, lists // 8)
    else:
        raise ValueError(f"unknown index kind {kind!r}; expected flat, ivf or hnsw")
    index.add(vectors)
    return index


def write_index(index, files: IndexFiles, mapping: pd.DataFrame) -> None:
    import faiss

    with atomic.atomic_path(files.index) as temporary:
        faiss.write_index(index, str(temporary))
    atomic.write_table(files.mapping, mapping.loc[:, list(MAPPING_COLUMNS)].reset_index(drop=True))


def read_index(files: IndexFiles):
    import faiss

    return faiss.read_index(str(files.index)), pd.read_parquet(files.mapping)


def indexed_models(ws: Workspace) -> list[str]:
    """Configured models that have embeddings."""
    return [name for name in ws.config.models if ModelStore.of(ws, name).units_path.is_file()]


def build_indexes(ws: Workspace, model: str, force: bool = False) -> list[dict]:
    """(Re)build the model's indexes whose inputs changed; one summary row per index."""
    store = ModelStore.of(ws, model)
    kind = ws.config.embedding.index
    units, vectors = load_vectors(ws, model)
    summary = []
    for (modality, collection), group in units.groupby(["modality", "collection"], sort=True):
        files = IndexFiles.of(ws, model, str(modality), str(collection))
        state = ws.artifact_state(INDEX.at(model=model, modality=modality, collection=collection).path)
        if state == "done" and files.mapping.is_file() and not force:
            summary.append(
                {
                    "model": model,
                    "modality": modality,
                    "collection": collection,
                    "vectors": len(group),
                    "state": "up to date",
                }
            )
            continue
        write_index(make_index(vectors[group.index.to_numpy()], kind), files, group)
        parts = {"model": model, "modality": modality, "collection": collection}
        for artifact in (INDEX.at(**parts), INDEX_ROWS.at(**parts)):
            artifact.record(
                ws,
                inputs=[store.units_path, store.shards_dir],
                model=model,
                modality=modality,
                collection=collection,
                kind=kind,
                vectors=len(group),
            )
        summary.append(
            {"model": model, "modality": modality, "collection": collection, "vectors": len(group), "state": "built"}
        )
    return summary
