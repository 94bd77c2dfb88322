"""Search a model's indexes with a text, an image, or both; results are records (best unit).

A combined query is the weighted mean of the normalised text and image query vectors,
renormalised. A query searches every modality of units the model has indexes for, unless told
one; within a modality each record scores as its best-matching unit, and the modalities' rankings
merge by record (`merge_by_record`).
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from embeddings.artifacts import INDEX
from embeddings.index import IndexFiles, read_index
from heritage_weaver.config_sections import QueryPrecision
from heritage_weaver.workspace import Workspace
from ingest.artifacts import RECORDS

if TYPE_CHECKING:
    from heritage_weaver.siglip import SiglipEncoder

RESULT_COLUMNS = ("record_id", "collection", "name", "score", "image", "unit_id", "modality")
MODALITIES = ("image", "text")
RRF_K = 60  # reciprocal rank fusion's constant (Cormack, Clarke and Büttcher 2009)


def combine_queries(
    text_vector: np.ndarray | None, image_vector: np.ndarray | None, text_weight: float = 0.5
) -> np.ndarray:
    """One unit query vector from a text vector, an image vector, or their weighted mean."""
    if not 0.0 <= text_weight <= 1.0:
        raise ValueError(f"text_weight must lie in [0, 1], got {text_weight}")
    parts = [(v, w) for v, w in ((text_vector, text_weight), (image_vector, 1.0 - text_weight)) if v is not None]
    if not parts:
        raise ValueError("a search needs a text, an image, or both")
    combined = (
        np.sum([w * _unit(np.asarray(v, dtype=np.float64)) for v, w in parts], axis=0)
        if len(parts) > 1
        else (np.asarray(parts[0][0], dtype=np.float64))
    )
    return _unit(combined).astype(np.float32)


def _unit(vector: np.ndarray) -> np.ndarray:
    vector = np.asarray(vector, dtype=np.float64).reshape(-1)
    norm = np.linalg.norm(vector)
    if norm == 0:
        raise ValueError("the query vector is zero (text and image cancel out); change text_weight")
    return vector / norm


def best_per_record(hits: pd.DataFrame, k: int) -> pd.DataFrame:
    """The `k` best records of unit hits (columns record_id, score, ...): each at its best unit."""
    ranked = hits.sort_values(["score", "unit_id"], ascending=[False, True], kind="stable")
    return ranked.drop_duplicates("record_id", keep="first").head(k).reset_index(drop=True)


def merge_by_record(ranked: dict[str, pd.DataFrame], k: int) -> pd.DataFrame:
    """The `k` best records of several modalities' rankings (modality → records best first, columns
    record_id, score, ...), each record once.

    Cosine similarities of different modalities are not comparable (text-text ones run far higher
    than text-image ones), so ranks are merged instead: by reciprocal rank fusion, a record scores
    the sum over the rankings it is in of 1 / (RRF_K + its rank), rank 1 the best. Each record keeps
    its row from the ranking where it ranks best (the first modality given on a tie), so `score`,
    `unit_id` and `image` are those of that modality's best unit, and a `modality` column names it.
    Ties go to the better best rank, then to the record whose row comes from the modality given
    first, then to the smaller record_id.
    """
    # A few dozen rows: plain Python (pandas' groupby and sorts took ~7 ms per query here).
    rows = pd.concat([frame.assign(modality=m) for m, frame in ranked.items()], ignore_index=True)
    fused: dict[str, float] = {}
    best: dict[str, tuple[int, int, int]] = {}  # record → its best (rank, order) and its row in `rows`
    row = 0
    for order, frame in enumerate(ranked.values()):
        for rank, record in enumerate(frame["record_id"], start=1):
            fused[record] = fused.get(record, 0.0) + 1.0 / (RRF_K + rank)
            if record not in best or (rank, order) < best[record][:2]:
                best[record] = (rank, order, row)
            row += 1
    chosen = sorted(best, key=lambda r: (-fused[r], best[r][0], best[r][1], r))[:k]
    return rows.iloc[[best[r][2] for r in chosen]].reset_index(drop=True)


class LazyEncoder:
    """Loads a SigLIP checkpoint on the first encode, once, even under concurrent requests; on the
    CPU in `cpu_precision`."""

    def __init__(self, location: str, cpu_precision: str = "float32") -> None:
        self.location, self.cpu_precision, self._lock = location, cpu_precision, threading.Lock()
        self._encoder: SiglipEncoder | None = None

    def loaded(self) -> SiglipEncoder:
        with self._lock:
            if self._encoder is None:
                from heritage_weaver.siglip import load_siglip

                self._encoder = load_siglip(self.location, cpu_precision=self.cpu_precision)
            return self._encoder

    def encode_texts(self, texts: list[str]) -> np.ndarray:
        return self.loaded().encode_texts(texts)

    def encode_images(self, images: list) -> np.ndarray:
        return self.loaded().encode_images(images)


def query_encoders(location: str, precision: QueryPrecision) -> dict[str, LazyEncoder]:
    """The encoders of queries by the units they search, as `embedding.query_precision` says (one per precision)."""
    by_precision = {p: LazyEncoder(location, p) for p in {precision.image, precision.text}}
    return {"image": by_precision[precision.image], "text": by_precision[precision.text]}


class Searcher:
    """A model's encoder, indexes and record names, loaded once for many queries."""

    def __init__(self, ws: Workspace, model: str, encoder: Any = None) -> None:
        """Queries are encoded with `encoder`, else with `query_encoders` of the study's `query_precision`."""
        self.ws, self.model = ws, model
        self.encoders: dict[str, Any] = (
            query_encoders(ws.model_location(model), ws.config.embedding.query_precision)
            if encoder is None
            else {"image": encoder, "text": encoder}
        )
        records = RECORDS.read(ws, columns=["record_id", "name", "images"])
        self.names = dict(zip(records["record_id"], records["name"]))
        self.first_image = {
            r: (list(i)[0] if i is not None and len(i) else None)
            for r, i in zip(records["record_id"], records["images"])
        }
        self._indexes: dict[tuple[str, str], tuple] = {}

    def query_vector(
        self,
        text: str | None = None,
        image: Path | str | None = None,
        text_weight: float = 0.5,
        modality: str = "image",
    ) -> np.ndarray:
        """The query's unit vector, encoded by the encoder of the units it will search (`modality`)."""
        from heritage_weaver.decode import open_rgb

        encoder = self.encoders[modality]
        text_vector = encoder.encode_texts([text])[0] if text else None
        image_vector = encoder.encode_images([open_rgb(image)])[0] if image else None
        return combine_queries(text_vector, image_vector, text_weight)

    def modalities(self, modality: str | None = None, collection: str | None = None) -> list[str]:
        """The modalities a search covers: `modality` when given, else every modality the model has
        an index of (of `collection`, when given); FileNotFoundError when there is none."""
        if modality is not None:
            if modality not in MODALITIES:
                raise ValueError(f"modality must be image or text, got {modality!r}")
            return [modality]
        found = [m for m in MODALITIES if self._indexed(m, collection)]
        if not found:
            where = f" of collection {collection!r}" if collection is not None else ""
            raise FileNotFoundError(f"no indexes{where} for model {self.model!r} (run `hw index`)")
        return found

    def _indexed(self, modality: str, collection: str | None) -> list[str]:
        indexes = INDEX.at(model=self.model, modality=modality)
        found = [path.stem.split("-", 1)[1] for path in indexes.instances(self.ws)]
        return [c for c in found if collection is None or c == collection]

    def collections(self, modality: str, collection: str | None) -> list[str]:
        found = self._indexed(modality, None)
        if not found:
            path = INDEX.at(model=self.model, modality=modality).path
            raise FileNotFoundError(f"{path}: no {modality} indexes for model {self.model!r} (run `hw index`)")
        if collection is not None and collection not in found:
            raise FileNotFoundError(
                f"no {modality} index of collection {collection!r} for model {self.model!r}; have {found}"
            )
        return [collection] if collection is not None else found

    def search_vector(
        self, query: np.ndarray, modality: str = "image", collection: str | None = None, k: int = 10
    ) -> pd.DataFrame:
        hits = pd.concat(
            [self._top_records(query, modality, name, k) for name in self.collections(modality, collection)],
            ignore_index=True,
        )
        best = best_per_record(hits, k)
        # Look the k records up one by one: Series.map(dict) would turn the 21,871-entry dicts into
        # Series on every query (most of a query's time at the study's scale).
        best["name"] = best["record_id"].map(lambda r: self.names.get(r))
        images = [
            self.first_image.get(r) if pd.isna(i) else i
            for r, i in zip(best["record_id"], best["image"].astype(object))
        ]
        best["image"] = pd.Series(images, index=best.index, dtype=object)  # None, not NaN, where none
        best["modality"] = modality
        return best.loc[:, list(RESULT_COLUMNS)]

    def search(
        self,
        text: str | None = None,
        image: Path | str | None = None,
        collection: str | None = None,
        k: int = 10,
        text_weight: float = 0.5,
        modality: str | None = None,
    ) -> pd.DataFrame:
        """The `k` best records of the `modalities` searched, merged by record (`merge_by_record`,
        which on a tie prefers the query's own kind of units: texts for a text, else images). The
        query is encoded once, by the most precise encoder of the units searched: a query limited to
        image units in `query_precision.image`, a merged one in float32 where either asks for it."""
        searched = self.modalities(modality, collection)
        if text and image is None:
            searched = sorted(searched, key=lambda m: m != "text")
        # One encode a query: the kinds of units searched share the most precise of their encoders
        # (float32 before int8), since a second encode made a merged query cost two (docs/performance.md).
        precise = min(searched, key=lambda m: getattr(self.encoders[m], "cpu_precision", "float32") != "float32")
        query = self.query_vector(text, image, text_weight, precise)
        ranked = {m: self.search_vector(query, m, collection, k) for m in searched}
        return merge_by_record(ranked, k) if len(ranked) > 1 else next(iter(ranked.values()))

    def _top_records(self, query: np.ndarray, modality: str, collection: str, k: int) -> pd.DataFrame:
        """Unit hits of one index, widening the search until they cover `k` records (or all)."""
        index, mapping = self._index(modality, collection)
        wanted = min(index.ntotal, 4 * k)
        while True:
            scores, rows = index.search(query.reshape(1, -1).astype(np.float32), wanted)
            found = rows[0] >= 0
            hits = mapping.iloc[rows[0][found]].assign(score=scores[0][found].astype(float))
            if hits["record_id"].nunique() >= k or wanted >= index.ntotal:
                return hits.loc[:, ["record_id", "collection", "unit_id", "score", "image"]]
            wanted = min(index.ntotal, 4 * wanted)

    def unit_index(self, modality: str, collection: str) -> tuple[Any, pd.DataFrame]:
        """One collection's FAISS index of `modality` units and its row → unit mapping, read once."""
        return self._index(modality, collection)

    def _index(self, modality: str, collection: str):
        key = (modality, collection)
        if key not in self._indexes:
            self._indexes[key] = read_index(IndexFiles.of(self.ws, self.model, modality, collection))
        return self._indexes[key]


@lru_cache(maxsize=4)
def searcher(ws: Workspace, model: str) -> Searcher:
    """A cached `Searcher` per (workspace, model): load the model once for many searches."""
    return Searcher(ws, model)


def search(
    ws: Workspace,
    model: str,
    text: str | None = None,
    image: Path | str | None = None,
    collection: str | None = None,
    k: int = 10,
    text_weight: float = 0.5,
    modality: str | None = None,
) -> pd.DataFrame:
    """The `k` best records for a text, an image or both (columns record_id, collection, name,
    score, image, unit_id, modality), best first, from the units of `modality`, else of every
    modality indexed; `image` is the matched image, or the record's first one."""
    return searcher(ws, model).search(text, image, collection, k, text_weight, modality)
