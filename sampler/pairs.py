"""Pairs as rows: ids, every (comparison, model) score and flag, link types; and the blind batches.

Records are numbered within the union of both collections' records seen in any comparison (the
pair space); a pair's key is `row * len(records_b) + column`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sampler.artifacts import BATCH, BATCH_BANDS, BATCH_INCLUSION, BATCH_PURPOSE
from sampler.batches import BatchPlan
from sampler.design import ESTIMATE, inclusion_probabilities, per_link
from sampler.strata import Stratum, pattern_codes, stratum_lookup

BATCH_LEADING = list(BATCH.columns)  # then every (comparison, model) score and flag

PairScores = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
"""(rows, columns) in a comparison's record orders, -1 where a record is absent → (scores, link flags),
both of shape (pairs, models): float32 scores, NaN where a record is absent or has no units."""


@dataclass
class ScoredComparison:
    """One comparison after scoring: its record orders, how to score any of its pairs, its links."""

    name: str
    records_a: np.ndarray
    records_b: np.ndarray
    score_pairs: PairScores
    link_rows: np.ndarray
    link_cols: np.ndarray


def record_hashes(record_ids: Sequence[str] | np.ndarray) -> np.ndarray:
    """The first 8 bytes of SHA-256 of each record id, as unsigned 64-bit integers."""
    return np.array(
        [int.from_bytes(hashlib.sha256(str(r).encode()).digest()[:8], "big") for r in record_ids], dtype=np.uint64
    )


def pair_ids(hashes_a: np.ndarray, hashes_b: np.ndarray) -> pa.Array:
    """Stable pair ids (16 hex digits) from the two records' hashes, order-sensitive and well mixed.

    The two 64-bit record hashes are combined and passed through the splitmix64 finaliser, so a
    million linked pairs take milliseconds instead of a million SHA-256 calls.
    """
    with np.errstate(over="ignore"):
        mixed = hashes_a * np.uint64(0x9E3779B97F4A7C15) ^ hashes_b
        for shift, multiplier in ((30, 0xBF58476D1CE4E5B9), (27, 0x94D049BB133111EB)):
            mixed = (mixed ^ (mixed >> np.uint64(shift))) * np.uint64(multiplier)
        mixed ^= mixed >> np.uint64(31)
    digits = np.frombuffer(mixed.astype(">u8").tobytes().hex().encode("ascii"), dtype="S16")
    return pa.array(digits, type=pa.binary(16)).cast(pa.string())


@dataclass(frozen=True)
class PairSpace:
    collection_a: str
    collection_b: str
    records_a: np.ndarray
    records_b: np.ndarray

    @classmethod
    def of(cls, collection_a: str, collection_b: str, scored: Sequence[ScoredComparison]) -> PairSpace:
        return cls(
            collection_a,
            collection_b,
            np.unique(np.concatenate([s.records_a for s in scored])),
            np.unique(np.concatenate([s.records_b for s in scored])),
        )

    @property
    def size(self) -> tuple[int, int]:
        return len(self.records_a), len(self.records_b)

    def link_keys(self, scored: Sequence[ScoredComparison]) -> np.ndarray:
        """Sorted keys of the pairs that some model links in some comparison."""
        return np.unique(
            np.concatenate(
                [
                    _position(self.records_a, s.records_a)[s.link_rows] * len(self.records_b)
                    + _position(self.records_b, s.records_b)[s.link_cols]
                    for s in scored
                ]
            )
        )

    def table(
        self, models: Sequence[str], scored: Sequence[ScoredComparison], strata: Sequence[Stratum], keys: np.ndarray
    ) -> tuple[pa.Table, np.ndarray]:
        """The pairs with these keys as rows, and each pair's stratum index per comparison (-1: none)."""
        rows, cols = np.divmod(keys, len(self.records_b))
        lookup = stratum_lookup(strata, len(models))
        type_ids = np.full((len(keys), len(scored)), -1, dtype=np.int64)
        columns: dict[str, pa.Array] = {}
        for c, s in enumerate(scored):
            scores, flags = s.score_pairs(
                _local(self.records_a, s.records_a, rows), _local(self.records_b, s.records_b, cols)
            )
            for m, model in enumerate(models):
                columns[f"score.{s.name}.{model}"] = pa.array(scores[:, m], type=pa.float32())
                columns[f"link.{s.name}.{model}"] = pa.array(flags[:, m])
            type_ids[:, c] = lookup[pattern_codes(flags)]
        names = np.array([f"{s.name}/{stratum.name}" for s in scored for stratum in strata], dtype=object)
        present = type_ids >= 0
        flat = (type_ids + np.arange(len(scored)) * len(strata))[present]
        offsets = np.concatenate([[0], np.cumsum(present.sum(axis=1))]).astype(np.int32)
        table = pa.table(
            {
                "pair_id": pair_ids(record_hashes(self.records_a)[rows], record_hashes(self.records_b)[cols]),
                "record_a": pa.array(self.records_a, type=pa.string()).take(pa.array(rows)),
                "collection_a": pa.array(np.full(len(keys), self.collection_a)),
                "record_b": pa.array(self.records_b, type=pa.string()).take(pa.array(cols)),
                "collection_b": pa.array(np.full(len(keys), self.collection_b)),
                "link_types": pa.ListArray.from_arrays(pa.array(offsets), pa.array(names[flat], type=pa.string())),
                **columns,
            }
        )
        return table, type_ids


def _position(universe: np.ndarray, order: np.ndarray) -> np.ndarray:
    return np.searchsorted(universe, order).astype(np.int64)


def _local(universe: np.ndarray, order: np.ndarray, global_index: np.ndarray) -> np.ndarray:
    """Position of each pair-space record in a comparison's record order; -1 where it is absent."""
    local_of_global = np.full(len(universe), -1, dtype=np.int64)
    local_of_global[_position(universe, order)] = np.arange(len(order))
    return local_of_global[global_index]


def assemble_batches(
    plan: BatchPlan, links: pa.Table, controls: pa.Table, controls_each: int, rng: np.random.Generator
) -> dict[str, pd.DataFrame]:
    """Each annotator's drawn links plus their share of the controls, shuffled, in the documented columns,
    each link with its inclusion probability in every link type it holds (sampler.design, one band)."""
    flat = links.column("link_types").combine_chunks()
    typed = pd.DataFrame(
        {
            "row": pc.list_parent_indices(flat).to_numpy(),
            "cell": pc.list_flatten(flat).dictionary_encode().indices.to_numpy(zero_copy_only=False),
        }
    )
    sampled = np.zeros(links.num_rows, dtype=bool)
    sampled[[d.pair for draws in plan.draws.values() for d in draws]] = True
    probability = inclusion_probabilities(typed, sampled)
    batches = {}
    for index, (annotator, draws) in enumerate(plan.draws.items()):
        linked = links.take(pa.array([d.pair for d in draws], type=pa.int64())).to_pandas()
        linked.insert(0, "is_control", False)
        linked.insert(1, "is_overlap", [d.overlap for d in draws])
        own = np.arange(index * controls_each, min((index + 1) * controls_each, controls.num_rows))
        control = controls.take(pa.array(own, type=pa.int64())).to_pandas()
        control.insert(0, "is_control", True)
        control.insert(1, "is_overlap", False)
        linked[BATCH_INCLUSION] = per_link(typed, probability, [d.pair for d in draws])
        control[BATCH_INCLUSION] = [[] for _ in range(len(control))]
        batch = pd.concat([linked, control], ignore_index=True) if len(control) else linked
        batch[BATCH_PURPOSE], batch[BATCH_BANDS] = ESTIMATE, 1
        batch = batch.iloc[rng.permutation(len(batch))].reset_index(drop=True)
        batch.insert(0, "annotator", annotator)
        batch.insert(1, "position", np.arange(len(batch), dtype=np.int64))
        batches[annotator] = batch[BATCH_LEADING + [c for c in batch.columns if c not in BATCH_LEADING]]
    return batches
