"""What the sampler needs of the study config (`SampleSettings`), and of each comparison it scores."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from heritage_weaver.config import StudyConfig
from sampler.top_k import Direction

ScoreStore = Literal["spill", "recompute"]


class Comparison(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def modality_a(self) -> str: ...
    @property
    def modality_b(self) -> str: ...
    @property
    def aggregation(self) -> Literal["max", "mean"]: ...


@dataclass(frozen=True)
class SampleSettings:
    """What the pipeline needs of the study config; no defaults here, so the config's are the only ones."""

    models: tuple[str, ...]
    base_model: str
    comparisons: tuple[Comparison, ...]
    collection_a: str
    collection_b: str
    link_rule: Literal["percentile", "top_k"]
    percentile: float
    percentile_mode: Literal["record", "unit"]
    top_k: int
    direction: Direction
    block_size: int
    score_store: ScoreStore
    annotators: tuple[str, ...]
    per_annotator: int
    overlap: float
    controls: int
    seed: int

    @classmethod
    def from_config(cls, config: StudyConfig) -> SampleSettings:
        sampling = config.sampling
        collection_a, collection_b = config.collection_pair
        return cls(
            models=tuple(config.models),
            base_model=sampling.base_model,
            comparisons=tuple(config.comparisons),
            collection_a=collection_a,
            collection_b=collection_b,
            link_rule=sampling.link_rule,
            percentile=sampling.percentile,
            percentile_mode=sampling.percentile_mode,
            top_k=sampling.top_k,
            direction=sampling.direction,
            block_size=sampling.block_size,
            score_store=sampling.score_store,
            annotators=tuple(sampling.annotators),
            per_annotator=sampling.per_annotator,
            overlap=sampling.overlap,
            controls=sampling.controls,
            seed=config.study.seed,
        )
