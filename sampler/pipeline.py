"""`hw sample` without the workspace: unit vectors in, thresholds, links and batches out.

Under the percentile rule, `SampleSettings.score_store` chooses how the selection passes get their
scores. `spill`: per comparison, every model's record-pair scores are computed once, block by
block, into a spill file (sampler.spill, 4 bytes per record pair and model on disk) while pass 1
of the selection counts them; the later passes and the links read the spills. `recompute`
(sampler.recompute): no disk; every pass, pass 1 and the link collection included, computes its
blocks again (one matrix-product pass each), strip by strip through the injected `map_strips`, so
the passes can run as Ray tasks (sampler.ray_tasks.ray_map). In this process both give the same
thresholds, links and scores, bit for bit (on Ray, see sampler.recompute). Only links and the few control pairs ever become rows.
The link rules themselves are in sampler.link_rules; what the pipeline needs of the config, in sampler.settings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from sampler.batches import draw_controls, plan_batches
from sampler.link_rules import Comparing, links_by_percentile, links_by_recomputed_percentile, links_by_top_k
from sampler.pairs import PairSpace, ScoredComparison, assemble_batches
from sampler.selection import MapStrips, check_percentile
from sampler.settings import Comparison, SampleSettings
from sampler.sides import Side, block_edges, build_side
from sampler.spill import ScoreGrid
from sampler.strata import Stratum, derive_strata

VectorLoader = Callable[[str, str, str], tuple[pd.DataFrame, np.ndarray]]
"""(model, modality, collection) → (units with a `record_id` column, their float32 unit vectors)."""
BlockCallback = Callable[[str, int, int], None]
"""(comparison, record pairs just scored, record pairs to score for it over all models); with
`score_store = recompute`, pass 1 of the percentile selection is what is counted."""


THRESHOLD_COLUMNS = [
    "model",
    "comparison",
    "modality_a",
    "modality_b",
    "aggregation",
    "rule",
    "percentile",
    "mode",
    "top_k",
    "direction",
    "threshold",
    "scores_counted",
    "records_a",
    "records_b",
    "units_a",
    "units_b",
    "dim",
    "record_pairs",
    "unit_pairs",
    "links",
]


class SampleError(ValueError):
    """The sampler cannot run on this input; the message says which model, comparison or collection."""


@dataclass
class SampleResult:
    thresholds: pd.DataFrame
    links: pa.Table
    batches: dict[str, pd.DataFrame]
    strata: list[Stratum]
    link_types: list[str]
    shortfalls: pd.DataFrame
    left_out: dict[str, str]  # comparison -> why it was left out (a side without units)


class _VectorCache:
    """Loads each (model, modality, collection) once while comparisons still need it."""

    def __init__(self, load: VectorLoader) -> None:
        self.load = load
        self.loaded: dict[tuple[str, str, str], tuple[np.ndarray, np.ndarray]] = {}

    def keep_only(self, keys: set[tuple[str, str, str]]) -> None:
        for key in set(self.loaded) - keys:
            del self.loaded[key]

    def get(self, model: str, modality: str, collection: str) -> tuple[np.ndarray, np.ndarray]:
        key = (model, modality, collection)
        if key not in self.loaded:
            try:
                units, vectors = self.load(model, modality, collection)
            except FileNotFoundError as error:
                raise SampleError(f"model {model!r}: no vectors ({error}); run `hw embed` for it first") from None
            vectors = np.asarray(vectors, dtype=np.float32)
            if vectors.ndim != 2 or len(vectors) != len(units):
                raise SampleError(
                    f"model {model!r}, {modality} units of {collection!r}: {len(units)} units but vectors of shape {vectors.shape}"
                )
            self.loaded[key] = (units["record_id"].astype(str).to_numpy(), vectors)
        return self.loaded[key]


def run_sample(
    settings: SampleSettings,
    load: VectorLoader,
    workdir: Path,
    on_block: BlockCallback | None = None,
    map_strips: MapStrips = map,
    tasks: int | None = None,
) -> SampleResult:
    """The whole sample computation; `workdir` holds the score spills (4 bytes per record pair and model;
    none with `score_store = recompute`); `map_strips` runs the recomputed passes' strips and the top-k
    rule's (the builtin `map` here, `sampler.ray_tasks.ray_map` on Ray), the top-k strips in `tasks`
    groups (default: one per strip)."""
    check_percentile(settings.percentile)
    if settings.score_store not in ("spill", "recompute"):
        raise SampleError(f"score_store must be 'spill' or 'recompute', got {settings.score_store!r}")
    if not settings.comparisons:
        raise SampleError("the study config has no comparisons")
    if len(set(settings.annotators)) != len(settings.annotators):
        raise SampleError(f"sampling.annotators must be unique, got {list(settings.annotators)}")
    try:
        strata = derive_strata(settings.models, settings.base_model)
    except ValueError as error:
        raise SampleError(str(error)) from None
    Path(workdir).mkdir(parents=True, exist_ok=True)
    cache = _VectorCache(load)
    scored: list[ScoredComparison] = []
    threshold_rows: list[dict] = []
    left_out: dict[str, str] = {}
    for index, comparison in enumerate(settings.comparisons):
        later = settings.comparisons[index:]
        cache.keep_only({key for c in later for m in settings.models for key in _side_keys(settings, c, m)})
        why = _side_without_units(settings, comparison, cache)
        if why:
            left_out[comparison.name] = why
            continue
        result, rows = _score_comparison(settings, comparison, cache, Path(workdir), on_block, map_strips, tasks)
        scored.append(result)
        threshold_rows += rows
    if not scored:
        raise SampleError(f"no comparison can be scored: {'; '.join(f'{c}: {w}' for c, w in left_out.items())}")
    cache.keep_only(set())
    space = PairSpace.of(settings.collection_a, settings.collection_b, scored)
    thresholds = pd.DataFrame(threshold_rows, columns=THRESHOLD_COLUMNS).astype({"top_k": "Int64"})
    thresholds["records_a_without_units"] = space.size[0] - thresholds["records_a"]
    thresholds["records_b_without_units"] = space.size[1] - thresholds["records_b"]

    link_keys = space.link_keys(scored)
    link_types = [f"{s.name}/{stratum.name}" for s in scored for stratum in strata]
    links, type_ids = space.table(settings.models, scored, strata, link_keys)
    pools = [np.flatnonzero(type_ids[:, c] == s) for c in range(len(scored)) for s in range(len(strata))]
    rng = np.random.default_rng(settings.seed)
    plan = plan_batches(
        pools, link_types, links.num_rows, settings.annotators, settings.per_annotator, settings.overlap, rng
    )
    wanted = settings.controls * len(settings.annotators)
    control_keys = draw_controls(*space.size, wanted, link_keys, rng)
    controls, _ = space.table(settings.models, scored, strata, control_keys)
    batches = assemble_batches(plan, links, controls, settings.controls, rng)
    shortfalls = [vars(s) for s in plan.shortfalls]
    if len(control_keys) < wanted:
        shortfalls.append(
            {"annotator": "(all)", "link_type": "(controls)", "wanted": wanted, "drawn": len(control_keys)}
        )
    return SampleResult(
        thresholds,
        links,
        batches,
        strata,
        link_types,
        pd.DataFrame(shortfalls, columns=["annotator", "link_type", "wanted", "drawn"]),
        left_out,
    )


def _side_without_units(settings: SampleSettings, comparison: Comparison, cache: _VectorCache) -> str | None:
    """Why `comparison` cannot be scored: a side's collection has no units of its modality in any
    model (a text-only collection in an image comparison); None when both sides have some. A side
    that some models have and others lack is no reason here: scoring it fails, naming the models."""
    for modality, collection in (
        (comparison.modality_a, settings.collection_a),
        (comparison.modality_b, settings.collection_b),
    ):
        if all(len(cache.get(m, modality, collection)[0]) == 0 for m in settings.models):
            return f"collection {collection!r} has no {modality} units (no {modality} could be embedded)"
    return None


def _side_keys(settings: SampleSettings, comparison: Comparison, model: str) -> set[tuple[str, str, str]]:
    return {
        (model, comparison.modality_a, settings.collection_a),
        (model, comparison.modality_b, settings.collection_b),
    }


def _score_comparison(
    settings: SampleSettings,
    comparison: Comparison,
    cache: _VectorCache,
    workdir: Path,
    on_block: BlockCallback | None,
    map_strips: MapStrips,
    tasks: int | None,
) -> tuple[ScoredComparison, list[dict]]:
    sides = {
        m: (
            cache.get(m, comparison.modality_a, settings.collection_a),
            cache.get(m, comparison.modality_b, settings.collection_b),
        )
        for m in settings.models
    }
    for model, ((_, vectors_a), (_, vectors_b)) in sides.items():
        if vectors_a.shape[1:] != vectors_b.shape[1:] and len(vectors_a) and len(vectors_b):
            raise SampleError(
                f"comparison {comparison.name!r}, model {model!r}: {comparison.modality_a} vectors of "
                f"{settings.collection_a!r} have {vectors_a.shape[1]} dimensions, {comparison.modality_b} vectors of "
                f"{settings.collection_b!r} have {vectors_b.shape[1]}"
            )
    order_a = _record_order(
        comparison, settings.collection_a, comparison.modality_a, {m: s[0][0] for m, s in sides.items()}
    )
    order_b = _record_order(
        comparison, settings.collection_b, comparison.modality_b, {m: s[1][0] for m, s in sides.items()}
    )
    grid = ScoreGrid(
        block_edges(_most_units(order_a, [s[0][0] for s in sides.values()]), settings.block_size),
        block_edges(_most_units(order_b, [s[1][0] for s in sides.values()]), settings.block_size),
    )
    total = grid.shape[0] * grid.shape[1] * len(settings.models)

    def advance(pairs: int) -> None:
        if on_block:
            on_block(comparison.name, pairs, total)

    rows: list[dict[str, Any]] = []
    for model, ((ids_a, vectors_a), (ids_b, _)) in sides.items():
        rows.append(
            {
                "model": model,
                "comparison": comparison.name,
                "modality_a": comparison.modality_a,
                "modality_b": comparison.modality_b,
                "aggregation": comparison.aggregation,
                "rule": settings.link_rule,
                "percentile": settings.percentile if settings.link_rule == "percentile" else np.nan,
                "mode": settings.percentile_mode if settings.link_rule == "percentile" else None,
                "top_k": settings.top_k if settings.link_rule == "top_k" else None,
                "direction": settings.direction if settings.link_rule == "top_k" else None,
                "units_a": len(ids_a),
                "units_b": len(ids_b),
                "dim": int(vectors_a.shape[1]),
            }
        )

    def build(model: str, row: dict[str, Any]) -> tuple[Side, Side]:
        (ids_a, vectors_a), (ids_b, vectors_b) = sides[model]
        side_a, side_b = build_side(order_a, ids_a, vectors_a), build_side(order_b, ids_b, vectors_b)
        row.update(records_a=int((side_a.unit_counts > 0).sum()), records_b=int((side_b.unit_counts > 0).sum()))
        return side_a, side_b

    work = Comparing(settings, comparison, build, grid, rows, advance, workdir, map_strips, tasks)
    if settings.link_rule == "top_k":
        score_pairs, link_rows, link_cols = links_by_top_k(work)
    elif settings.score_store == "spill":
        score_pairs, link_rows, link_cols = links_by_percentile(work)
    else:
        score_pairs, link_rows, link_cols = links_by_recomputed_percentile(work)
    for row in rows:
        row["record_pairs"] = row["records_a"] * row["records_b"]
        row["unit_pairs"] = row["units_a"] * row["units_b"]
    return ScoredComparison(comparison.name, order_a, order_b, score_pairs, link_rows, link_cols), rows


def _record_order(
    comparison: Comparison, collection: str, modality: str, record_ids: dict[str, np.ndarray]
) -> np.ndarray:
    """Records with a unit of this modality in any model, sorted; every model must have some."""
    for model, ids in record_ids.items():
        if len(ids) == 0:
            others = [m for m, other in record_ids.items() if len(other)]
            reason = (
                f"although {others} have them (re-run `hw embed`)" if others else "in any model (an empty collection?)"
            )
            raise SampleError(
                f"comparison {comparison.name!r}: model {model!r} has no {modality} vectors for collection {collection!r} {reason}"
            )
    return np.unique(np.concatenate(list(record_ids.values())))


def _most_units(order: np.ndarray, unit_record_ids: list[np.ndarray]) -> np.ndarray:
    index = pd.Index(order)
    return np.max([np.bincount(index.get_indexer(ids), minlength=len(order)) for ids in unit_record_ids], axis=0)
