"""The files the sampler package writes (declared with the core's artifact mechanism)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pyarrow.parquet as pq

from heritage_weaver.artifacts import Artifact, ArtifactError, table
from heritage_weaver.workspace import Workspace

SAMPLE_SECTIONS = ("study", "models", "comparisons", "sampling")
PAIR_COLUMNS = (
    "pair_id",
    "record_a",
    "collection_a",
    "record_b",
    "collection_b",
    "link_types",
    "is_control",
    "is_overlap",
)
THRESHOLDS = table(
    "sampler/thresholds.parquet",
    "sample",
    "per (model, comparison): percentile, threshold, counts",
    (
        "model",
        "comparison",
        "aggregation",
        "rule",
        "mode",
        "percentile",
        "top_k",
        "direction",
        "threshold",
        "links",
        "record_pairs",
    ),
    SAMPLE_SECTIONS,
    private=True,
)
LINKS = table(
    "sampler/links.parquet",
    "sample",
    "every pair that is a link for a model in a comparison",
    ("pair_id", "record_a", "collection_a", "record_b", "collection_b", "link_types"),
    SAMPLE_SECTIONS,
    private=True,
)
BATCH_IDENTITY = ("pair_id", "annotator", "position", "record_a", "collection_a", "record_b", "collection_b")
BATCH = table(
    "sampler/batches/{annotator}.parquet",
    "sample",
    "the blind batch of one annotator",
    (*BATCH_IDENTITY, "link_types", "is_control", "is_overlap"),
    SAMPLE_SECTIONS,
    private=True,
)
ROUND_BATCH = table(
    "sampler/batches/round-{round}/{annotator}.parquet",
    "sample",
    "the blind batch of one annotator in a later labelling round (`hw sample --round N`, N ≥ 2)",
    BATCH.columns,
    SAMPLE_SECTIONS,
    private=True,
)

# Optional batch columns, written by every `hw sample` since score bands and the learning stream: the pair's
# `purpose` (`estimate`: the probability sample; `learn`: the learning stream, never in an estimate), the
# `score_bands` of its round, and its `inclusion_probability` in the sample of each of its link types (a
# list in `link_types` order; NaN for a learning pair). A batch without them is all `estimate`, one band.
BATCH_PURPOSE, BATCH_BANDS, BATCH_INCLUSION = "purpose", "score_bands", "inclusion_probability"
BATCH_DESIGN = (BATCH_PURPOSE, BATCH_BANDS, BATCH_INCLUSION)
PURPOSE_VALUES = ("estimate", "learn")


def with_design_defaults(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` (batch rows, or labels joined with them) with `purpose` and `score_bands` filled where a
    batch drawn before them left them out."""
    filled = frame.copy()
    purpose = (
        filled[BATCH_PURPOSE] if BATCH_PURPOSE in filled.columns else pd.Series(None, index=filled.index, dtype=object)
    )
    filled[BATCH_PURPOSE] = purpose.astype(object).fillna(PURPOSE_VALUES[0]).astype(str)
    bands = filled[BATCH_BANDS] if BATCH_BANDS in filled.columns else pd.Series(None, index=filled.index)
    filled[BATCH_BANDS] = pd.to_numeric(bands).fillna(1).astype(int)
    return filled


@dataclass(frozen=True)
class RoundBatch:
    """One batch file of one labelling round (round 1: `sampler/batches/<annotator>.parquet`)."""

    round: int
    annotator: str
    artifact: Artifact


def round_batches(ws: Workspace) -> list[RoundBatch]:
    """Every batch of every labelling round, by round then annotator."""
    found = [RoundBatch(1, path.stem, BATCH.at(annotator=path.stem)) for path in BATCH.instances(ws)]
    for path in ROUND_BATCH.instances(ws):
        number = path.parent.name.removeprefix("round-")
        if number.isdigit() and int(number) >= 2:
            found.append(RoundBatch(int(number), path.stem, ROUND_BATCH.at(round=int(number), annotator=path.stem)))
    return sorted(found, key=lambda batch: (batch.round, batch.annotator))


def shown_pairs(ws: Workspace) -> pd.DataFrame:
    """Every pair in a batch of any labelling round, once: pair_id, link_types, round, and its design
    (`purpose`, `score_bands`; filled for a batch drawn before them)."""
    found = []
    for batch in round_batches(ws):
        present = set(pq.read_schema(batch.artifact.location(ws)).names)
        design = [c for c in (BATCH_PURPOSE, BATCH_BANDS) if c in present]
        frame = with_design_defaults(batch.artifact.read(ws, columns=["pair_id", "link_types", *design]))
        found.append(frame[["pair_id", "link_types", BATCH_PURPOSE, BATCH_BANDS]].assign(round=batch.round))
    if not found:
        raise ArtifactError(BATCH.missing_message())
    return pd.concat(found, ignore_index=True).drop_duplicates("pair_id").reset_index(drop=True)


# Every file above, once, in declaration order (a test checks that none is left out).
ARTIFACTS: tuple[Artifact, ...] = (
    THRESHOLDS,
    LINKS,
    BATCH,
    ROUND_BATCH,
)
