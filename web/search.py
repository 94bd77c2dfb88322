"""Searches and nearest neighbours for the page, on `embeddings.search.Searcher` per model.

Each model's Searcher is made on first use and kept; its encoder loads only when a query needs
it, so a record page (which reads vectors back from the indexes) never loads a model.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from embeddings.artifacts import INDEX
from embeddings.index import IndexFiles, read_index
from embeddings.search import MODALITIES, Searcher, best_per_record
from heritage_weaver.workspace import Workspace

SearcherFactory = Callable[[Workspace, str], Searcher]


def set_threads(threads: int) -> None:
    """CPU threads each query may use, in torch and FAISS (process-wide). One query is small: on a
    shared machine one thread each is faster than two contending, and concurrent queries still
    use every core."""
    import faiss
    import torch

    torch.set_num_threads(threads)
    faiss.omp_set_num_threads(threads)


def lazy_searcher(ws: Workspace, model: str) -> Searcher:
    """A Searcher whose query encoders (`embedding.query_precision`) load on their first query."""
    return Searcher(ws, model)


def indexed_models(ws: Workspace) -> list[str]:
    """Configured models with at least one index, in config order."""
    return [m for m in ws.config.models if INDEX.at(model=m).instances(ws)]


class SearchService:
    def __init__(self, ws: Workspace, factory: SearcherFactory = lazy_searcher) -> None:
        self.ws, self.factory = ws, factory
        self.models = indexed_models(ws)
        if not self.models:
            raise FileNotFoundError(f"no model has indexes under indexes/ (run `hw embed` and `hw {INDEX.verb}` first)")
        base = ws.config.sampling.base_model
        self.default_model = base if base in self.models else self.models[0]
        self.modalities = [
            m for m in MODALITIES if any(INDEX.at(model=n, modality=m).instances(ws) for n in self.models)
        ]
        self._searchers: dict[str, Searcher] = {}
        self._own: dict[tuple[str, str, str], tuple | None] = {}
        self._lock = threading.Lock()

    def searcher(self, model: str) -> Searcher:
        if model not in self.models:
            raise ValueError(f"unknown model {model!r}; the indexed models are {self.models}")
        with self._lock:
            if model not in self._searchers:
                self._searchers[model] = self.factory(self.ws, model)
            return self._searchers[model]

    def warm(self) -> None:
        """Load the default model's query encoders and run one query each, so the first curator waits for nothing."""
        for modality in ("image", "text"):
            self.searcher(self.default_model).query_vector(text="warm-up", modality=modality)

    def search(
        self,
        model: str,
        text: str | None,
        image: Path | None,
        collection: str | None,
        k: int,
        text_weight: float,
        modality: str | None,
    ) -> tuple[list[str], pd.DataFrame]:
        """The modalities searched (`modality`, else every one the model has indexes for) and
        `Searcher.search`'s records (columns record_id, collection, name, score, image, unit_id,
        modality), best first."""
        searcher = self.searcher(model)
        modalities = searcher.modalities(modality or None, collection or None)
        return modalities, searcher.search(text or None, image, collection or None, k, text_weight, modality or None)

    def neighbours(self, model: str, collection: str, record_id: str, k: int) -> tuple[str, pd.DataFrame] | None:
        """The `k` records of the other collections nearest to this record, and the modality used.

        The record's own unit vectors are read back from its collection's index: image units when
        it has any (else text units) are searched against the other collections' indexes of the same
        modality; a neighbour scores as its best unit pair (max). None when the record has no units.
        """
        searcher = self.searcher(model)
        for modality in ("image", "text"):
            own = self._own_index(model, modality, collection)
            if own is None:
                continue
            index, mapping = own
            rows = np.flatnonzero(mapping["record_id"].to_numpy() == record_id)
            others = [c for c in searcher.collections(modality, None) if c != collection] if len(rows) else []
            if not others:
                continue
            hits = [
                searcher.search_vector(index.reconstruct(int(row)), modality, other, k)
                for row in rows
                for other in others
            ]
            return modality, best_per_record(pd.concat(hits, ignore_index=True), k)
        return None

    def _own_index(self, model: str, modality: str, collection: str):
        key = (model, modality, collection)
        with self._lock:
            if key not in self._own:
                files = IndexFiles.of(self.ws, model, modality, collection)
                loaded = read_index(files) if files.index.is_file() else None
                if loaded is not None and hasattr(loaded[0], "make_direct_map"):
                    loaded[0].make_direct_map()  # IVF indexes reconstruct only with it
                self._own[key] = loaded
            return self._own[key]
