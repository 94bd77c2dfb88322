"""The study config (`study.toml`), validated with pydantic.

Every error names the key that is wrong, so a project lead can fix the file without
reading code. Relative paths are resolved against the folder of `study.toml`.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Union

from pydantic import Field, PrivateAttr, ValidationError, model_validator
from pydantic_core import ErrorDetails

from heritage_weaver.config_sections import (
    EXECUTION_SECTIONS,
    PREDICTABLE_FIELD,
    AnalysisConfig,
    ComparisonConfig,
    ComputeConfig,
    EmbeddingConfig,
    FetchConfig,
    IngestConfig,
    LabelStudioConfig,
    PredictionConfig,
    PublishingConfig,
    SamplingConfig,
    ServeConfig,
    StrictSection,
    TrainingConfig,
    default_comparisons,
)
from museum_formats import FORMATS
from museum_formats.options import CollectionOptions, ExportNotFound


class ConfigError(ValueError):
    """The study config cannot be used; the message says where and why."""


# A collection's options are those of its format, told apart by `format` (see `museum_formats`). Type
# checkers see the options every format shares; code that needs a format's own options narrows to its model.
if TYPE_CHECKING:
    CollectionConfig = CollectionOptions
else:
    CollectionConfig = Annotated[
        Union[tuple(known.options for known in FORMATS.values())],  # noqa: UP007 (its members are computed)
        Field(discriminator="format"),
    ]


class StudyMeta(StrictSection):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
    seed: int = 42
    simulation: bool = False
    license: str = Field(
        default="other",
        pattern=r"^[a-z0-9][a-z0-9.+-]*$",
        description='the licence of the fine-tuned models, as the Hugging Face hub spells it ("cc-by-4.0", "apache-2.0")',
    )


class StudyConfig(StrictSection):
    study: StudyMeta
    collections: list[CollectionConfig] = Field(min_length=1)
    models: dict[str, str] = Field(min_length=1)
    comparisons: list[ComparisonConfig] = Field(default_factory=default_comparisons)
    ingest: IngestConfig = IngestConfig()
    fetch: FetchConfig = FetchConfig()
    embedding: EmbeddingConfig = EmbeddingConfig()
    compute: ComputeConfig = ComputeConfig()
    training: TrainingConfig = TrainingConfig()
    sampling: SamplingConfig = SamplingConfig()
    labelstudio: LabelStudioConfig = LabelStudioConfig()
    analysis: AnalysisConfig = AnalysisConfig()
    publishing: PublishingConfig = PublishingConfig()
    prediction: PredictionConfig = PredictionConfig()
    serve: ServeConfig = ServeConfig()
    # The config as written (paths unresolved), so that hashes survive moving the workspace.
    _as_written: dict | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _cross_references(self) -> StudyConfig:
        names = [c.name for c in self.collections]
        if len(set(names)) != len(names):
            raise ValueError(f"collection names must be unique, got {names}")
        for key in ("collection_a", "collection_b"):
            value = getattr(self.sampling, key)
            if value is not None and value not in names:
                raise ValueError(f"sampling.{key} = {value!r} is not one of the collections {names}")
        for key, model in (
            ("sampling.base_model", self.sampling.base_model),
            ("training.base_model", self.training.base_model),
        ):
            if model not in self.models:
                raise ValueError(f"{key} = {model!r} is not one of the models {list(self.models)}")
        unknown = sorted(set(self.publishing.uri_templates) - set(names))
        if unknown:
            raise ValueError(
                f"publishing.uri_templates names unknown collection(s) {unknown}; the collections are {names}"
            )
        comparisons = [c.name for c in self.comparisons]
        if len(set(comparisons)) != len(comparisons):
            raise ValueError(f"comparison names must be unique, got {comparisons}")
        for key in ("fields", "tabular"):
            unmapped = [
                name for name in getattr(self.prediction, key) if name != "collection" and not self.is_predictable(name)
            ]
            if unmapped:
                raise ValueError(
                    f"prediction.{key}: {unmapped} is no record field and no collection maps it in `fields` "
                    f"(the extra fields are {list(self.extra_fields)})"
                )
        return self

    @property
    def extra_fields(self) -> tuple[str, ...]:
        """The extra fields any collection maps, in the order they first appear: one records column each."""
        return tuple(dict.fromkeys(name for collection in self.collections for name in collection.fields))

    def is_predictable(self, name: str) -> bool:
        """`category`, `taxonomy`, `taxonomy.N`, or an extra field some collection maps."""
        return bool(re.match(PREDICTABLE_FIELD, name)) or name in self.extra_fields

    @property
    def collection_pair(self) -> tuple[str, str]:
        """The two collections compared by the sampler (default: the first two)."""
        names = [c.name for c in self.collections]
        a = self.sampling.collection_a or names[0]
        b = self.sampling.collection_b or next((n for n in names if n != a), None)
        if b is None:
            raise ConfigError("the sampler needs two collections; the config has one")
        return a, b

    def section_hash(self, *sections: str) -> str:
        """A short, stable hash of some top-level sections (when none given: all of them but
        `EXECUTION_SECTIONS`, which say where work runs, not what it yields)."""
        data = self._as_written or self.model_dump(mode="json")
        chosen = {key: data[key] for key in (sections or [k for k in data if k not in EXECUTION_SECTIONS])}
        return hashlib.sha256(json.dumps(chosen, sort_keys=True).encode()).hexdigest()[:16]


def _location(loc: tuple) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


def _owners(option: str) -> str:
    """The formats that have `option`, as a config would name them: `"lido", "edm" or "iiif"`."""
    owners = [f'"{name}"' for name, known in FORMATS.items() if option in known.options.model_fields]
    return " or ".join(filter(None, [", ".join(owners[:-1]), owners[-1]]))


def _problem(error: ErrorDetails) -> str:
    """One validation error as `key: message`. A collection's options are those of its format, which
    pydantic puts in the location (`collections.0.csv.fields`); the key is written without it."""
    loc, message = error["loc"], error["msg"]
    if loc[:1] != ("collections",) or len(loc) < 2:
        return f"{_location(loc)}: {message}"
    if error["type"] == "union_tag_invalid":
        expected = ", ".join(f'"{name}"' for name in FORMATS)
        return f"{_location(loc)}.format: unknown format {error['ctx']['tag']!r}; expected one of {expected}"
    if error["type"] == "union_tag_not_found":
        return f"{_location(loc)}.format: Field required"
    tag, key = loc[2] if len(loc) > 2 else None, loc[:2] + loc[3:]
    option = str(loc[3]) if len(loc) == 4 else ""
    if error["type"] == "extra_forbidden" and any(option in f.options.model_fields for f in FORMATS.values()):
        message = f'not an option of format "{tag}"; it applies to format = {_owners(option)} only'
    return f"{_location(key)}: {message}"


def load_config(path: Path) -> StudyConfig:
    """Read and validate `study.toml`; resolve relative paths against its folder."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no such study config (run `hw init DIR` to create one)")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    try:
        config = StudyConfig.model_validate(raw)
    except ValidationError as error:
        raise ConfigError(f"{path}: " + "; ".join(_problem(e) for e in error.errors())) from None
    root = path.parent.resolve()
    collections = []
    for index, collection in enumerate(config.collections):
        try:
            collections.append(collection.resolved(root, FORMATS[collection.format].suffixes))
        except ExportNotFound as missing:
            raise ConfigError(f"{path}: collections.{index}.{missing.key}: {missing}") from None
    resolved = config.model_copy(update={"collections": collections})
    resolved._as_written = config.model_dump(mode="json")
    return resolved
