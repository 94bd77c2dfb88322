"""The sections of the study config (`study.toml`) besides the study and its collections: one
pydantic model each, with its defaults and the checks that need no other section (heritage_weaver.config
assembles them into the study config and checks what spans sections)."""

from __future__ import annotations

import re
import string
from pathlib import Path
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

from museum_formats.options import EXTRA_FIELD


class StrictSection(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ComparisonConfig(StrictSection):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    modality_a: Literal["image", "text"]
    modality_b: Literal["image", "text"]
    aggregation: Literal["max", "mean"]


def default_comparisons() -> list[ComparisonConfig]:
    return [
        ComparisonConfig(name="image-image", modality_a="image", modality_b="image", aggregation="max"),
        ComparisonConfig(name="text-text", modality_a="text", modality_b="text", aggregation="mean"),
        ComparisonConfig(name="text-image", modality_a="text", modality_b="image", aggregation="max"),
    ]


CpuPrecision = Literal["float32", "int8"]


class QueryPrecision(StrictSection):
    """What search queries are encoded in on the CPU, by the units they search. The defaults are
    measured (docs/performance.md): int8 queries share at least 0.96 of float32's top-10 records
    when searching image units, but as little as 0.90 when searching text units."""

    image: CpuPrecision = "int8"
    text: CpuPrecision = "float32"


class EmbeddingConfig(StrictSection):
    """How units become vectors. `cpu_precision` is what `hw embed` computes in on the CPU (int8:
    dynamic quantisation of the linear layers; vectors stay float32 on disk); `query_precision`,
    what the search page and `hw search` encode queries in on the CPU, by the units searched.
    `cpu_runtime = "onnxruntime"` runs the int8 vision tower of `hw embed` on ONNX Runtime (an
    optional extra; about 3× float32's images/s on the 2-core benchmark machine, PyTorch int8 1.7–2.1×).
    `image_workers` unset: one decoding worker per CPU core."""

    text_units: Literal["sentences", "segments"] = "sentences"
    segment_tokens: int = Field(default=64, gt=0)
    batch_size: int | None = Field(default=None, gt=0)
    dtype: Literal["float32", "float16"] = "float32"
    cpu_precision: CpuPrecision = "float32"
    cpu_runtime: Literal["torch", "onnxruntime"] = "torch"
    query_precision: QueryPrecision = QueryPrecision()
    shard_size: int = Field(default=4096, gt=0)
    image_workers: int | None = Field(default=None, ge=0)
    index: Literal["flat", "ivf", "hnsw"] = "flat"


Engine = Literal["local", "ray"]
ENGINES: tuple[str, ...] = get_args(Engine)


class ComputeConfig(StrictSection):
    """Where `hw embed` runs: the local engine (this process, a DataLoader pool) or Ray Data.

    - `engine`: "local" or "ray"; the environment variable `HW_ENGINE` overrides it for one run,
      and `hw embed --engine` overrides both. Vectors do not depend on it (within the compute
      dtype's tolerance), so changing it never makes embeddings stale.
    - `ray_address`: None starts a private Ray instance inside the `hw` process for the run and
      stops it afterwards; otherwise the address `ray.init` connects to ("auto" for the cluster
      this machine belongs to, "ray://host:10001" for a remote one), which is left running.
    - `gpus_per_replica`: the GPU share of each encoder replica when the cluster has GPUs
      (0.5 puts two replicas on one GPU).
    - `encoder_replicas`: model replicas (Ray actors, each loading the model once); default as
      many as the cluster's GPUs hold at `gpus_per_replica` each, else one CPU replica.
    - `cpu_workers`: CPUs of the private Ray instance, shared by the encoder replicas (one each)
      and the image-decoding tasks; default `os.cpu_count()`. With `ray_address` the cluster's
      own CPUs count.
    - `block_size`: pending units per block; one block becomes one committed shard, so a killed
      run loses at most the blocks in flight (Ray blocks are at most this large, smaller where
      a study has fewer blocks than workers).
    """

    engine: Engine = "local"
    ray_address: str | None = None
    gpus_per_replica: float = Field(default=1.0, gt=0)
    encoder_replicas: int | None = Field(default=None, gt=0)
    cpu_workers: int | None = Field(default=None, gt=0)
    block_size: int = Field(default=4096, gt=0)


class TrainingConfig(StrictSection):
    base_model: str = "base"
    best_name: str = "ft-best"
    last_name: str = "ft-last"
    epochs: int = Field(default=5, gt=0)
    batch_size: int = Field(default=16, gt=1)
    learning_rate: float = Field(default=1e-5, gt=0)
    weight_decay: float = Field(default=0.0, ge=0)
    warmup_ratio: float = Field(default=0.05, ge=0, lt=1)
    grad_accum: int = Field(default=1, gt=0)
    max_grad_norm: float = Field(default=1.0, gt=0)
    eval_fraction: float = Field(default=0.1, gt=0, lt=1)
    loss_normalisation: Literal["study", "paper"] = "study"
    checkpoint_every: int = Field(default=50, gt=0)
    workers: int = Field(default=2, ge=0)
    min_pairs: int = Field(
        default=500, ge=0, description="fewer training image–text pairs than this: `hw train` warns, and trains"
    )


class SamplingConfig(StrictSection):
    """`hw sample`: which pairs are links, and how the annotators' batches are drawn from them.

    `link_rule = "percentile"` (the study's rule): a pair is a model's link when its score is at or
    above the model's `percentile`-th percentile of all record-pair (or unit-pair) scores; 1% of all
    pairs at 99, so only for collections whose pair count a file can hold. `"top_k"`: a pair is a
    link when one record is among the `top_k` best-scoring records of the other collection for the
    other record, looked at from `direction` (`a_to_b`: each record of collection A keeps its k best
    records of B; `b_to_a` the reverse; `both`: either), so a collection of n records gives at most
    k·n links per direction and model.

    `score_store` (percentile rule): `"spill"` keeps every record-pair score on disk while the
    exact percentile is selected (4 bytes per pair and model, read back by the later passes);
    `"recompute"` keeps none and computes the blocks again in each pass (a matrix product per
    pass instead of the disk). Both give identical links. On the Ray engine the passes always
    recompute, as Ray tasks over strips of blocks.
    """

    collection_a: str | None = None
    collection_b: str | None = None
    base_model: str = "base"
    link_rule: Literal["percentile", "top_k"] = "percentile"
    percentile: float = Field(default=99.0)
    percentile_mode: Literal["record", "unit"] = "record"
    top_k: int = Field(default=10, gt=0)
    direction: Literal["both", "a_to_b", "b_to_a"] = "both"
    score_store: Literal["spill", "recompute"] = "spill"
    annotators: list[str] = Field(default_factory=lambda: ["A01", "A02"])
    per_annotator: int = Field(default=100, gt=0)
    overlap: float = Field(default=0.0, ge=0, le=1)
    controls: int = Field(default=0, ge=0)
    block_size: int = Field(default=4096, gt=0)

    @property
    def link_rule_text(self) -> str:
        """The link rule in words, for reports and tables."""
        if self.link_rule == "top_k":
            return {
                "both": f"top {self.top_k} records of the other collection per record, either way",
                "a_to_b": f"top {self.top_k} records of collection B per record of collection A",
                "b_to_a": f"top {self.top_k} records of collection A per record of collection B",
            }[self.direction]
        return f"pairs at or above the {self.percentile:g}th percentile of {self.percentile_mode}-pair scores"

    @field_validator("percentile")
    @classmethod
    def _open_interval(cls, value: float) -> float:
        if not 0 < value < 100:
            raise ValueError(f"percentile must lie strictly between 0 and 100, got {value}")
        return value


class LabelStudioConfig(StrictSection):
    """The desks' local Label Studio servers (`hw labelstudio up`): one per annotator, adjudicator and
    the verification desk, each on its own port from `url`'s upward, with its own admin token."""

    url: str = Field(default="http://127.0.0.1:8089", description="address of the first desk's server")
    project_prefix: str | None = None
    import_batch_size: int = Field(default=500, gt=0)
    backups: int = Field(default=10, gt=0, description="database snapshots kept per desk (one per `hw pull`)")


class IngestConfig(StrictSection):
    """`hw ingest`: the longest text a record keeps, in characters; a longer value is cut at a
    sentence boundary and counted as changed (see `heritage_weaver.text_safety`)."""

    max_description: int = Field(default=100_000, gt=0, description="characters of a record's description")
    max_value: int = Field(
        default=10_000, gt=0, description="characters of any other text value: name, category, taxonomy, extra fields"
    )


class FetchConfig(StrictSection):
    """`hw fetch-images`: how images are downloaded, and from where. Catalogue URLs are fetched from
    public addresses only; `allow_hosts` names hosts (names or IP addresses, as the URLs write them)
    that may be fetched from although they resolve to loopback, private, link-local or other
    non-public addresses (a local image server of the study's own)."""

    workers: int = Field(default=8, gt=0)
    per_host_rate: float = Field(default=5.0, gt=0, description="requests per second to one host")
    retries: int = Field(default=3, ge=0)
    host_failures: int = Field(
        default=3, gt=0, description="consecutive failures to resolve or connect before a host is given up for the run"
    )
    backoff: float = Field(default=0.5, ge=0, description="seconds before the first retry; doubles each time")
    timeout: float = Field(default=10.0, gt=0)
    max_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    max_pixels: int = Field(default=50_000_000, gt=0)
    iiif_size: int | None = Field(
        default=None,
        gt=0,
        description="the side (pixels) IIIF images are fetched at, `!S,S`; default twice the models' largest input side",
    )
    allow_hosts: list[str] = Field(
        default_factory=list, description="hosts fetched from although their addresses are not public"
    )


class AnalysisConfig(StrictSection):
    positive_labels: list[str] = Field(default_factory=lambda: ["same object", "similar object", "same category"])
    intercept: bool = False
    permutations: int = Field(default=100, ge=0)
    zero_shot_candidates: list[int] = Field(default_factory=lambda: [5, 10])
    retrieval_n: list[int] = Field(default_factory=lambda: [3, 10, 20])
    relevance_threshold: float = 0.95


SKOS_MAPPINGS = ("exactMatch", "closeMatch", "relatedMatch", "broadMatch", "narrowMatch")


class PublishingConfig(StrictSection):
    """`hw export-links`: record URIs per collection, the SKOS mapping of each label, the study's own URIs.

    A URI template gets `{record_id}` (the study's `collection:source id`) or `{source_id}` (the
    catalogue's own id), and may use `{collection}`, each percent-encoded; collections
    without one use the default of their format (see `publishing.uris`). Labels missing from
    `relations` are not exported as links. `base_uri` prefixes the study's own resources (links,
    annotators, models); default `urn:heritage-weaver:<study>:`.
    """

    uri_templates: dict[str, str] = Field(default_factory=dict)
    relations: dict[str, Literal[SKOS_MAPPINGS]] = Field(  # type: ignore[valid-type]
        default_factory=lambda: {
            "same object": "exactMatch",
            "similar object": "closeMatch",
            "same category": "relatedMatch",
        }
    )
    base_uri: str | None = None
    target_precision: float = Field(
        default=0.9,
        gt=0,
        lt=1,
        description="`hw calibrate`: the precision a published threshold's lower bound must reach",
    )
    confidence: float = Field(default=0.95, gt=0.5, lt=1, description="`hw calibrate`: the lower bound's confidence")
    same_object_precision: float | None = Field(
        default=None,
        gt=0,
        lt=1,
        description="`hw export-links --precision`: a calibrated link is a Linked Art `equivalent` when the study's "
        "positive label is 'same object' alone and its set's lower bound on precision reaches this (unset: never)",
    )

    @field_validator("base_uri")
    @classmethod
    def _absolute_prefix(cls, base: str | None) -> str | None:
        if base is not None and not (re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", base) and base.endswith(("/", "#", ":"))):
            raise ValueError(f"base_uri must be an absolute URI ending in '/', '#' or ':', got {base!r}")
        return base

    @field_validator("uri_templates")
    @classmethod
    def _template_fields(cls, templates: dict[str, str]) -> dict[str, str]:
        for collection, template in templates.items():
            fields = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
            if not fields & {"record_id", "source_id"} or not fields <= {"record_id", "source_id", "collection"}:
                raise ValueError(
                    f"{collection}: a URI template must contain {{record_id}} or {{source_id}} and may contain "
                    f"{{collection}}, got {template!r}"
                )
        return templates


class ServeConfig(StrictSection):
    """`hw serve`'s reconciliation service (`/reconcile`, Reconciliation Service API 0.2).

    `model` embeds the queries (default: `training.best_name` where it has indexes, else
    `sampling.base_model`); a candidate is a `match` where one comparison's similarity reaches the
    threshold `hw calibrate` chose for that model and `match_target` ("match": same or similar
    object; "study": the study's positive labels). A query's image may be a URL, fetched as
    `[fetch]` says, or a local path inside one of `image_folders` (relative to the study folder);
    with none, local paths are refused."""

    model: str | None = None
    match_target: Literal["match", "study"] = "match"
    image_folders: list[Path] = Field(
        default_factory=list, description="folders a query's local image path may lie in; none: local paths refused"
    )
    batch_size: int = Field(default=100, gt=0, description="most queries in one batch; a larger one is answered 413")


# Sections that change how a verb runs but not what it writes: no artifact is stale when they change.
EXECUTION_SECTIONS = ("compute", "serve")


PREDICTABLE_FIELD = r"^(category|taxonomy(\.[1-9][0-9]*)?)$"
FIELD_SPELLING = (
    "category, taxonomy, taxonomy.N (N = 1 for the broadest level) or an extra field of [[collections]] fields"
)


class PredictionConfig(StrictSection):
    """`hw predict`: catalogue fields to predict from the record embeddings, and how.

    A field is `category`, `taxonomy` (the whole path), `taxonomy.N` (its N-th level, 1 = the
    broadest) or an extra field that some collection maps in `fields` (e.g. `material`).
    `tabular` names fields (same spelling, plus `collection`) given to a gradient-boosting
    classifier as a third modality; a field is never its own feature. Names that are no record
    field must be mapped by a collection (checked with the collections, in `StudyConfig`).
    """

    fields: list[str] = Field(default_factory=list)
    tabular: list[str] = Field(default_factory=list)
    min_examples: int = Field(default=5, gt=0, description='classes with fewer training records become "(other)"')
    image_pooling: Literal["mean", "first"] = "mean"
    folds: int = Field(default=5, ge=2, description="cross-validation folds of the stacking model")
    bootstrap: int = Field(default=1000, ge=0, description="bootstrap resamples of the held-out records")
    candidates: int = Field(default=3, gt=0, description="proposed values per record, most probable first")

    @field_validator("fields", "tabular")
    @classmethod
    def _known_fields(cls, names: list[str], info) -> list[str]:
        allowed = ["collection"] if info.field_name == "tabular" else []
        wrong = [n for n in names if n not in allowed and not is_field_name(n)]
        if wrong:
            raise ValueError(f"unknown field(s) {wrong}; use {FIELD_SPELLING}" + (" or collection" if allowed else ""))
        if len(set(names)) != len(names):
            raise ValueError(f"names repeat: {names}")
        return names


def is_field_name(name: str) -> bool:
    """Whether `name` is spelled as a predictable field: a record field or level, or an extra field's name."""
    return bool(re.match(PREDICTABLE_FIELD, name) or re.match(EXTRA_FIELD, name))
