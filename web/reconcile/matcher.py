"""Candidates for reconciliation queries, from the study's FAISS indexes, with one feature per comparison.

A query is read as a record of its own: a name unit (the query string), the parts of its
descriptions (split as `embedding.text_units` says; a part that repeats the name or an earlier part
is left out, as `hw embed` does) and its images, all embedded with the served model. Per comparison
of the study (`[[comparisons]]`) the query stands on side A: its `modality_a` units meet a record's
`modality_b` units, aggregated as the comparison says (`max`: the best unit pair; `mean`: the mean
over unit pairs, the dot product of the two mean unit vectors). That is the score `hw sample`
gives a record pair, and the one `hw calibrate` chose the comparison's threshold on.

Candidates: per comparison and collection, the records of the query's nearest units (FAISS, a
record at its best unit), `limit` of them; the records whose name is the query string; the record
whose id it is. Each candidate's features are then computed exactly, from its unit vectors read
back from the indexes. A candidate is a `match` where a comparison has a calibrated threshold and
the candidate's similarity reaches it. Its `score` (0–100) is 50 for a match plus 50 × its mean
rank share over the query's comparisons (per comparison, the share of the other candidates it
beats; a missing feature beats none), so that a match always outranks a non-match: OpenRefine
auto-matches the best-scored candidate only, and only when it is a match. The record whose id is
the query string scores 100 and is listed first.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from embeddings.search import Searcher
from embeddings.units import distinct_parts, segment_splitter, split_sentences
from heritage_weaver.workspace import Workspace
from museum_formats.text import text_key
from web.reconcile.images import QueryImages
from web.reconcile.protocol import Query
from web.reconcile.thresholds import Threshold

MATCH_SCORE = 50.0
ID_SCORE = 100.0
ENCODE_BATCH = 64
UNITS_PER_RECORD = 4  # units searched per candidate wanted, before records are told apart


@dataclass
class QueryUnits:
    """A query's unit vectors by modality, and the images that could not be read (location → why)."""

    vectors: dict[str, np.ndarray] = field(default_factory=dict)
    unread: dict[str, str] = field(default_factory=dict)
    images_given: int = 0

    def of(self, modality: str) -> np.ndarray | None:
        found = self.vectors.get(modality)
        return found if found is not None and len(found) else None


@dataclass(frozen=True)
class Candidate:
    record_id: str
    collection: str
    features: dict[str, float]  # comparison → similarity, where the query and the record both have units
    matched: tuple[str, ...]  # the comparisons whose calibrated threshold it reaches
    exact_name: bool
    exact_id: bool
    score: float


def _unwrapped(encoder: Any) -> Any:
    """The loaded SigLIP behind an encoder (a `LazyEncoder` loads it)."""
    return encoder.loaded() if hasattr(encoder, "loaded") else encoder


class Reconciler:
    """Answers query batches for one study and model."""

    def __init__(
        self, ws: Workspace, searcher: Searcher, images: QueryImages, records: Mapping[str, tuple[str, str]]
    ) -> None:
        """`records`: record id → (collection, name), for every record of the study."""
        self.ws, self.searcher, self.images, self.records = ws, searcher, images, records
        self.comparisons = list(ws.config.comparisons)
        # Queries are encoded as the study's units were (`embedding.cpu_precision`), so that a similarity is
        # the one its threshold was chosen on; the page's int8 image queries would shift it a little.
        wanted = ws.config.embedding.cpu_precision
        encoders = list(searcher.encoders.values())
        self.encoder = next((e for e in encoders if getattr(e, "cpu_precision", wanted) == wanted), encoders[0])
        self.by_name: dict[str, list[str]] = {}
        for record_id, (_, name) in records.items():
            self.by_name.setdefault(text_key(name), []).append(record_id)
        self._rows: dict[tuple[str, str], dict[str, np.ndarray]] = {}
        self._indexed: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    def warm(self) -> None:
        """Load the model and the sentence splitter, so that the first batch waits for neither."""
        self._encode_texts(["warm-up"])
        self._split(["Warm up. Twice."])

    def reconcile(
        self, queries: list[Query], thresholds: Mapping[str, Threshold]
    ) -> dict[str, tuple[list[Candidate], QueryUnits]]:
        """Each query's candidates, best first, at most its `limit`, and the units it was read as."""
        units = self._units(queries)
        nearest = self._nearest(queries, units)
        answers = {}
        for query, own, found in zip(queries, units, nearest, strict=True):
            found |= {(self.records[r][0], r) for r in self.by_name.get(text_key(query.text), []) if query.text}
            if query.text in self.records:
                found.add((self.records[query.text][0], query.text))
            allowed = [(c, r) for c, r in found if not query.types or c in query.types or r == query.text]
            answers[query.key] = (self._ranked(query, own, allowed, thresholds), own)
        return answers

    # -- the query's units ------------------------------------------------------------------------
    def _split(self, texts: list[str]) -> list[list[str]]:
        settings = self.ws.config.embedding
        if settings.text_units == "segments":
            tokenizer = _unwrapped(self.encoder).processor.tokenizer
            return segment_splitter(tokenizer, settings.segment_tokens)(texts)
        return split_sentences(texts)

    def _encode_texts(self, texts: list[str]) -> np.ndarray:
        """Unit vectors of `texts`, each distinct text encoded once (a batch's descriptions often repeat)."""
        distinct = list(dict.fromkeys(texts))
        batches = range(0, len(distinct), ENCODE_BATCH)
        vectors = np.vstack([self.encoder.encode_texts(distinct[i : i + ENCODE_BATCH]) for i in batches])
        position = {text: number for number, text in enumerate(distinct)}
        return vectors[[position[text] for text in texts]].astype(np.float32)

    def _encode_images(self, images: list) -> np.ndarray:
        batches = range(0, len(images), ENCODE_BATCH)
        return np.vstack([self.encoder.encode_images(images[i : i + ENCODE_BATCH]) for i in batches]).astype(np.float32)

    def _units(self, queries: list[Query]) -> list[QueryUnits]:
        descriptions = [d for q in queries for d in q.descriptions]
        split = iter(self._split(descriptions)) if descriptions else iter(())
        texts, owners = [], []
        for number, query in enumerate(queries):
            parts = [part for _ in query.descriptions for part in next(split)]
            mine = ([query.text] if query.text else []) + distinct_parts(query.text, parts)
            texts += mine
            owners += [number] * len(mine)
        units = [QueryUnits(images_given=len(q.images)) for q in queries]
        if texts:
            vectors = self._encode_texts(texts)
            for number, own in enumerate(units):
                own.vectors["text"] = vectors[np.asarray(owners) == number]
        read = self.images.read(location for q in queries for location in q.images)
        pictures, picture_owners = [], []
        for number, query in enumerate(queries):
            for location in query.images:
                if isinstance(read[location], str):
                    units[number].unread[location] = str(read[location])
                else:
                    pictures.append(read[location])
                    picture_owners.append(number)
        if pictures:
            vectors = self._encode_images(pictures)
            for number, own in enumerate(units):
                own.vectors["image"] = vectors[np.asarray(picture_owners) == number]
        return units

    # -- candidates -------------------------------------------------------------------------------
    def _collections(self, modality: str) -> list[str]:
        """The collections with an index of `modality` units, looked up once (the indexes are read once too)."""
        with self._lock:
            if modality not in self._indexed:
                try:
                    self._indexed[modality] = self.searcher.collections(modality, None)
                except FileNotFoundError:
                    self._indexed[modality] = []
            return self._indexed[modality]

    def _nearest(self, queries: list[Query], units: list[QueryUnits]) -> list[set[tuple[str, str]]]:
        """Per query, the (collection, record id) of the `limit` nearest records per comparison and collection."""
        found: list[set[tuple[str, str]]] = [set() for _ in queries]
        for comparison in self.comparisons:
            vectors, owners = [], []
            for number, own in enumerate(units):
                side = own.of(comparison.modality_a)
                if side is not None:
                    side = side.mean(axis=0, keepdims=True) if comparison.aggregation == "mean" else side
                    vectors.append(side)
                    owners += [number] * len(side)
            if not vectors:
                continue
            matrix, owned = np.ascontiguousarray(np.vstack(vectors), dtype=np.float32), np.asarray(owners)
            for collection in self._collections(comparison.modality_b):
                searching = [n for n in set(owners) if not queries[n].types or collection in queries[n].types]
                if not searching:
                    continue
                index, mapping = self.searcher.unit_index(comparison.modality_b, collection)
                wanted = min(index.ntotal, UNITS_PER_RECORD * max(queries[n].limit for n in searching))
                scores, rows = index.search(matrix, wanted)
                record_ids = mapping["record_id"].to_numpy()
                for number in searching:
                    mine, hits = rows[owned == number].ravel(), scores[owned == number].ravel()
                    best: dict[str, float] = {}
                    for record_id, score in zip(record_ids[mine[mine >= 0]], hits[mine >= 0], strict=True):
                        best[record_id] = max(score, best.get(record_id, -np.inf))
                    top = sorted(best, key=lambda r: (-best[r], r))[: queries[number].limit]
                    found[number].update((collection, r) for r in top)
        return found

    def _record_vectors(self, modality: str, collection: str, record_id: str) -> np.ndarray | None:
        """A record's unit vectors of `modality`, read back from its collection's index (None: it has none)."""
        if collection not in self._collections(modality):
            return None
        index, mapping = self.searcher.unit_index(modality, collection)
        key = (modality, collection)
        with self._lock:
            if key not in self._rows:
                if hasattr(index, "make_direct_map"):
                    index.make_direct_map()  # an IVF index reads vectors back only with it
                self._rows[key] = {r: np.asarray(rows) for r, rows in mapping.groupby("record_id").indices.items()}
        rows = self._rows[key].get(record_id)
        return None if rows is None else index.reconstruct_batch(rows.astype(np.int64))

    def _features(self, own: QueryUnits, collection: str, record_id: str) -> dict[str, float]:
        features = {}
        read: dict[str, np.ndarray | None] = {}  # the record's units by modality, read once
        for comparison in self.comparisons:
            mine = own.of(comparison.modality_a)
            if mine is None:
                continue
            if comparison.modality_b not in read:
                read[comparison.modality_b] = self._record_vectors(comparison.modality_b, collection, record_id)
            theirs = read[comparison.modality_b]
            if theirs is None:
                continue
            if comparison.aggregation == "mean":
                features[comparison.name] = float(mine.mean(axis=0) @ theirs.mean(axis=0))
            else:
                features[comparison.name] = float((mine @ theirs.T).max())
        return features

    def _ranked(
        self,
        query: Query,
        own: QueryUnits,
        found: list[tuple[str, str]],
        thresholds: Mapping[str, Threshold],
    ) -> list[Candidate]:
        found = sorted(found)
        features = [self._features(own, collection, record_id) for collection, record_id in found]
        used = [c.name for c in self.comparisons if own.of(c.modality_a) is not None]
        shares = rank_shares(features, used)
        name = text_key(query.text)
        candidates = []
        for (collection, record_id), values, share in zip(found, features, shares, strict=True):
            matched = tuple(c for c, v in values.items() if c in thresholds and v >= thresholds[c].threshold)
            exact_id = record_id == query.text
            score = ID_SCORE if exact_id else (MATCH_SCORE if matched else 0.0) + MATCH_SCORE * share
            exact_name = bool(query.text) and text_key(self.records[record_id][1]) == name
            candidates.append(Candidate(record_id, collection, values, matched, exact_name, exact_id, round(score, 2)))
        candidates.sort(key=lambda c: (-c.exact_id, -c.score, c.record_id))
        return candidates[: query.limit]


def rank_shares(features: list[dict[str, float]], comparisons: list[str]) -> list[float]:
    """Per candidate, the mean over `comparisons` of the share of the other candidates whose feature
    it beats (a missing feature beats none and is beaten by every present one); 1 for a lone candidate
    with every feature."""
    if not features or not comparisons:
        return [0.0] * len(features)
    others = max(len(features) - 1, 1)
    totals = np.zeros(len(features))
    for comparison in comparisons:
        values = np.array([f.get(comparison, -np.inf) for f in features])
        present = np.isfinite(values)
        beaten = (values[:, None] > values[None, :]).sum(axis=1)
        totals += np.where(present, (beaten if len(features) > 1 else 1) / others, 0.0)
    return list(totals / len(comparisons))
