"""The artifact registry: every file the stages exchange, declared once.

An `Artifact` names a path in the workspace (a template such as `embeddings/{model}/units.parquet`
is filled with `at(model=...)`), the verb that writes it, the config sections it depends on and,
for tables, the columns every reader may rely on. Stages read and write through it: `read` checks
the columns and says which verb makes a missing artifact; `write` checks the columns and the declared
vocabularies, writes atomically and records provenance in the manifest (under the workspace's lock).
docs/artifacts.md lists the same artifacts, and a test keeps the two in step.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from heritage_weaver import atomic
from heritage_weaver.workspace import Workspace

LABEL_VALUES = ("same object", "similar object", "same category", "unrelated")
LABEL_STATUSES = ("labelled", "skipped", "draft", "withdrawn")  # withdrawn: deleted on the server
VOCABULARY_SHOWN = 5  # unexpected values an ArtifactError names before "and N more"


class ArtifactError(RuntimeError):
    """An artifact is missing, unreadable or lacks columns; the message says which verb makes it."""


@dataclass(frozen=True)
class Artifact:
    """One file or folder of the workspace that a stage writes and later stages read."""

    path: str
    verb: str
    description: str
    columns: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    vocabularies: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    types: Mapping[str, pa.DataType] = field(default_factory=dict, hash=False)  # Arrow type; others are strings

    def schema(self) -> pa.Schema:
        """The Arrow schema of the declared columns, for writers that build the table column by column."""
        return pa.schema([(name, self.types.get(name, pa.string())) for name in self.columns])

    @property
    def placeholders(self) -> tuple[str, ...]:
        return tuple(name for _, name, _, _ in string.Formatter().parse(self.path) if name)

    def at(self, **parts: object) -> Artifact:
        """This artifact with some or all placeholders filled, e.g. `BATCH.at(annotator="A01")`."""
        filled = _Partial({name: str(value) for name, value in parts.items()})
        return replace(self, path=self.path.format_map(filled))

    def location(self, ws: Workspace) -> Path:
        self._require_concrete()
        return ws.path(self.path)

    def exists(self, ws: Workspace) -> bool:
        return self.location(ws).exists()

    def instances(self, ws: Workspace) -> list[Path]:
        """The existing files of a template (every annotator's batch, say), sorted by path."""
        pattern = self.path.format(**{name: "*" for name in self.placeholders})
        return sorted(path for path in ws.root.glob(pattern) if not path.name.startswith("."))

    def missing_message(self) -> str:
        return f"{self.path} is missing (run `hw {self.verb}` first)"

    def read(self, ws: Workspace, columns: Iterable[str] | None = None) -> pd.DataFrame:
        """The table as a DataFrame, checked to hold the declared columns; only `columns` when given."""
        return self.read_table(ws, columns).to_pandas()

    def read_table(self, ws: Workspace, columns: Iterable[str] | None = None) -> pa.Table:
        """The table as Arrow, checked like `read`."""
        path = self.location(ws)
        if not path.is_file():
            raise ArtifactError(self.missing_message())
        wanted = list(columns) if columns is not None else None
        try:
            schema = pq.read_schema(path)
        except (OSError, ValueError, pa.ArrowException) as error:
            raise ArtifactError(
                f"{self.path} cannot be read as Parquet ({error}); run `hw {self.verb}` again"
            ) from None
        required = wanted if wanted is not None else self.columns
        missing = [c for c in required if c not in schema.names]
        if missing:
            raise ArtifactError(f"{self.path} lacks the column(s) {missing}; run `hw {self.verb}` again")
        return pq.read_table(path, columns=wanted)

    def write(
        self, ws: Workspace, data: pd.DataFrame | pa.Table, inputs: Iterable[Input] = (), **details: object
    ) -> Path:
        """Write the table atomically as Parquet and record its provenance."""
        names = data.column_names if isinstance(data, pa.Table) else list(data.columns)
        missing = [c for c in self.columns if c not in names]
        if missing:
            raise ArtifactError(f"{self.path}: `hw {self.verb}` produced a table without the column(s) {missing}")
        self._check_vocabularies(data)
        atomic.write_table(self.location(ws), data)  # 0600, as every atomic write
        if self.path.split("/", 1)[0] in PRIVATE_FOLDERS:
            ws.path(self.path.split("/", 1)[0]).chmod(0o700)
        self.record(ws, inputs, **details)
        return self.location(ws)

    def _check_vocabularies(self, data: pd.DataFrame | pa.Table) -> None:
        """Refuse a vocabulary column holding a value outside the declared vocabulary (nulls pass)."""
        for column, allowed in self.vocabularies.items():
            if isinstance(data, pa.Table):
                values = pc.unique(data.column(column).drop_null()).to_pylist()
            else:
                values = list(pd.unique(data[column].dropna()))
            unexpected = sorted({str(v) for v in values if v not in allowed})
            if unexpected:
                shown = ", ".join(repr(v) for v in unexpected[:VOCABULARY_SHOWN])
                more = f" and {len(unexpected) - VOCABULARY_SHOWN} more" if len(unexpected) > VOCABULARY_SHOWN else ""
                raise ArtifactError(
                    f"{self.path}: `hw {self.verb}` produced a `{column}` outside its vocabulary: {shown}{more} "
                    f"(allowed: {', '.join(allowed)})"
                )

    def record(self, ws: Workspace, inputs: Iterable[Input] = (), **details: object) -> None:
        """Record the provenance of an artifact the stage wrote itself (a model folder, an index)."""
        self._require_concrete()
        ws.record(
            self.path, self.verb, inputs=[_input_path(i) for i in inputs], config_sections=self.sections, **details
        )

    def _require_concrete(self) -> None:
        if self.placeholders:
            raise ValueError(f"{self.path}: fill {list(self.placeholders)} with .at(...) first")


Input = Artifact | Path | str


class _Partial(dict):
    """Format values that leave an unfilled placeholder as it is."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _input_path(item: Input) -> Path | str:
    return item.path if isinstance(item, Artifact) else item


def table(
    path: str,
    verb: str,
    description: str,
    columns: Iterable[str] = (),
    sections: Iterable[str] = (),
    types: Mapping[str, pa.DataType] | None = None,
    **vocabularies: tuple[str, ...],
) -> Artifact:
    return Artifact(path, verb, description, tuple(columns), tuple(sections), vocabularies, dict(types or {}))


# Folders holding unblinding data (scores, strata, overlap and control flags, other curators' labels) or
# secrets (the desk servers' credentials and databases): readable by the study's owner only.
PRIVATE_FOLDERS = ("sampler", "annotation")

# Where in its export a row came from: the file and the line (JSON lines) or row (CSV).
SOURCE = ("source_file", "source_position")
SOURCE_TYPES = {"source_position": pa.int64()}


# -- init and demo-data ---------------------------------------------------------------------------
DEMO_TRUTH = table(
    "data/ground_truth.csv",
    "init",
    "the demo's hidden ground truth (for simulated labels and checks)",
    ("record_id", "collection", "category", "type", "variant"),
)

# -- ingest and fetch-images ----------------------------------------------------------------------
RECORDS = table(
    "records/records.parquet",
    "ingest",
    "one row per accepted record; after the declared columns, one string column per extra field that "
    "`[[collections]] fields` maps (null where the collection does not map it or the record has no value)",
    (
        "record_id",
        "collection",
        "name",
        "description",
        "images",
        "category",
        "taxonomy",
        *SOURCE,
        "source_id",
    ),
    ("collections", "ingest"),
    types={"images": pa.list_(pa.string()), **SOURCE_TYPES},
)
REJECTS = table(
    "records/rejects.parquet",
    "ingest",
    "one row per rejected (or de-duplicated) input row",
    ("collection", *SOURCE, "record_id", "field", "reason", "action"),
    ("collections", "ingest"),
    types=SOURCE_TYPES,
)
DROPPED = table(
    "records/dropped.parquet",
    "ingest",
    "one row per value an accepted record does not keep",
    ("collection", *SOURCE, "record_id", "field", "value", "reason"),
    ("collections", "ingest"),
    types=SOURCE_TYPES,
)
FETCH_CACHE = table(
    "images/cache/{prefix}/{sha256}.{ext}", "fetch-images", "downloaded images, content-addressed", sections=("fetch",)
)
FETCH_JOURNAL = table(
    "images/fetch-journal.jsonl",
    "fetch-images",
    "the outcome of each URL as it is fetched "
    "(folded into the fetched table at the end of a run; what a killed run resumes from)",
    sections=("fetch",),
)
FETCHED = table(
    "images/fetched.parquet",
    "fetch-images",
    "one row per image URL and what fetching it gave",
    (
        "location",
        "status",
        "path",
        "sha256",
        "content_type",
        "bytes",
        "width",
        "height",
        "attempts",
        "error",
        "requested",
    ),
    ("fetch",),
    types={name: pa.int64() for name in ("bytes", "width", "height", "attempts")},
)

# -- models and training --------------------------------------------------------------------------
MODEL = table("models/{model}", "model", "a SigLIP checkpoint in the Hugging Face format", sections=("models",))
TRAINED_MODEL = table("models/{model}", "train", "a fine-tuned SigLIP checkpoint", sections=("study", "training"))
MODEL_CARD = table(
    "models/{model}/README.md",
    "train",
    "the model card of a fine-tuned checkpoint (Hugging Face format): its data, settings, loss, intended use, "
    "limitations and how to load it; `hw evaluate` adds its held-out results",
    sections=("study", "training"),
)
SPLIT = table(
    "training/split.parquet",
    "train",
    "the record split, reused by every later run and the evaluations",
    ("record_id", "collection", "split"),
    ("study", "training"),
    split=("train", "eval"),
)
PAIRS = table(
    "training/pairs.parquet",
    "train",
    "the image–text training pairs",
    ("record_id", "collection", "image", "kind", "text", "split"),
    ("training",),
)
IMAGE_FAILURES = table(
    "training/image_failures.parquet",
    "train",
    "images that could not be decoded for training",
    ("location", "error"),
    ("training",),
)
IMAGE_CACHE = table(
    "training/cache/images-{size}.npy", "train", "images decoded and resized once", sections=("training",)
)
IMAGE_CACHE_ROWS = table(
    "training/cache/images-{size}.parquet",
    "train",
    "the cache row of each image location",
    ("location", "row", "status", "error"),
    ("training",),
)
TRAINING_STATE = table("training/state.pt", "train", "the resumable training state", sections=("study", "training"))
METRICS = table(
    "training/metrics.parquet",
    "train",
    "per-step training and evaluation metrics",
    ("step", "epoch", "split", "loss", "lr", "pairs_per_s"),
    ("study", "training"),
)
LOSS_PLOT = table("training/loss.png", "train", "the loss curve", sections=("study", "training"))

# -- embed and index ------------------------------------------------------------------------------
UNIT_COLUMNS = ("unit_id", "record_id", "collection", "modality", "kind", "text", "image")
UNITS = table(
    "embeddings/{model}/units.parquet",
    "embed",
    "every unit of a model's vector store",
    UNIT_COLUMNS,
    ("embedding",),
    modality=("image", "text"),
    kind=("image", "name", "sentence", "segment"),
)
SHARD_VECTORS = table(
    "embeddings/{model}/shards/{number}.npy", "embed", "L2-normalised vectors of one shard", sections=("embedding",)
)
SHARD_ROWS = table(
    "embeddings/{model}/shards/{number}.parquet",
    "embed",
    "the unit of each shard row (commit mark)",
    ("unit_id", "record_id", "collection", "modality", "text", "image"),
    ("embedding",),
)
EMBED_FAILURES = table(
    "embeddings/{model}/failures.parquet",
    "embed",
    "units that could not be embedded",
    (*UNIT_COLUMNS, "reason"),
    ("embedding",),
)
INDEX = table(
    "indexes/{model}/{modality}-{collection}.faiss",
    "index",
    "a FAISS index of one model, modality and collection",
    sections=("embedding",),
)
INDEX_ROWS = table(
    "indexes/{model}/{modality}-{collection}.parquet",
    "index",
    "each index row's unit and record",
    ("unit_id", "record_id", "collection", "modality", "kind", "image"),
    ("embedding",),
)

# -- sample ---------------------------------------------------------------------------------------
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
)
LINKS = table(
    "sampler/links.parquet",
    "sample",
    "every pair that is a link for a model in a comparison",
    ("pair_id", "record_a", "collection_a", "record_b", "collection_b", "link_types"),
    SAMPLE_SECTIONS,
)
BATCH_IDENTITY = ("pair_id", "annotator", "position", "record_a", "collection_a", "record_b", "collection_b")
BATCH = table(
    "sampler/batches/{annotator}.parquet",
    "sample",
    "the blind batch of one annotator",
    (*BATCH_IDENTITY, "link_types", "is_control", "is_overlap"),
    SAMPLE_SECTIONS,
)
ROUND_BATCH = table(
    "sampler/batches/round-{round}/{annotator}.parquet",
    "sample",
    "the blind batch of one annotator in a later labelling round (`hw sample --round N`, N ≥ 2)",
    BATCH.columns,
    SAMPLE_SECTIONS,
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


# -- push, pull -----------------------------------------------------------------------------------
LEDGER = table(
    "annotation/ledger.sqlite",
    "push",
    "batches, pairs, Label Studio ids and every annotation",
    sections=("labelstudio",),
)
IMPORT_FILE = table(
    "annotation/import/{annotator}.json",
    "export",
    "a Label Studio import file of one batch",
    sections=("study", "labelstudio"),
)
IMPORT_SETTINGS = table(
    "annotation/import/{name}",
    "export",
    "label_config.xml and instructions.html to paste",
    sections=("study", "labelstudio"),
)
IMPORT_MEDIA = table(
    "annotation/import/media",
    "export",
    "the images of the import files: the document root for the server they are imported into",
    sections=("study", "labelstudio"),
)
LABELSTUDIO_DATA = table(
    "annotation/labelstudio",
    "labelstudio up",
    "one folder per desk: its server's sqlite database, log and credentials, and the document root",
)
LABELSTUDIO_BACKUPS = table(
    "annotation/backups", "pull", "snapshots of every desk server's database (SQLite online backup), rotated"
)
LABELS = table(
    "annotation/labels.parquet",
    "pull",
    "one row per annotation",
    (
        "annotation_id",
        "pair_id",
        "annotator",
        "label",
        "status",
        "comment",
        "created_at",
        "updated_at",
        "lead_time",
        "is_latest",
    ),
    ("labelstudio",),
    status=LABEL_STATUSES,  # `label` is as the curator's server wrote it: `hw pull` warns about one outside
    # LABEL_VALUES and `hw analyze` leaves it out with its reason, so it is no closed vocabulary
)

QUARANTINE = table(
    "annotation/quarantine.parquet",
    "pull",
    "annotations written by an account other than their desk's curator: kept, never analysed",
    ("annotation_id", "pair_id", "annotator", "author", "written_at", "label", "status", "reason"),
    ("labelstudio",),
)

# Optional columns of the labels table: a pair's adjudicated label, and who decided it, override the vote.
ADJUDICATION_COLUMNS = ("adjudicated_label", "adjudicator")
ADJUDICATED_AT = "adjudicated_at"  # optional too: when the adjudicator decided (else the row's `updated_at`)
# Optional column of the labels table: the labelling round of the annotation's batch (absent: round 1).
LABEL_ROUND = "round"

# -- analyze, evaluate, report --------------------------------------------------------------------
ANALYSIS_SECTIONS = ("analysis", "models", "comparisons", "sampling", "study")
EVALUATION_SECTIONS = ("analysis", "models", "study", "embedding")


def _analysis(name: str, verb: str, description: str, columns: Iterable[str] = ()) -> Artifact:
    sections = ANALYSIS_SECTIONS if verb == "analyze" else EVALUATION_SECTIONS
    return table(f"analysis/{name}.parquet", verb, description, columns, sections)


LABEL_DISTRIBUTION = _analysis(
    "label_distribution", "analyze", "count and share of each label", ("label", "count", "share", "binary")
)
LABELS_BY_LINK_TYPE = _analysis(
    "label_distribution_by_link_type",
    "analyze",
    "labels per link type",
    ("link_type", "comparison", "stratum", "n", *LABEL_VALUES, "positive_share"),
)
LABELS_BY_ANNOTATOR = _analysis(
    "label_distribution_by_annotator",
    "analyze",
    "labels per annotator",
    ("annotator", "n", *LABEL_VALUES, "positive_share"),
)
LABELLED = _analysis(
    "labelled",
    "analyze",
    "the annotations the analysis uses, with their pair's provenance",
    ("annotation_id", "pair_id", "annotator", "label", *PAIR_COLUMNS[1:], "binary"),
)
EXCLUDED = _analysis(
    "excluded",
    "analyze",
    "annotations the analysis leaves out, with the reason",
    ("annotation_id", "pair_id", "annotator", "label", "status", "reason"),
)
FIT_KEYS = ("table", "model", "annotator_effects", "intercept")
REGRESSION_FITS = _analysis(
    "regression_fits",
    "analyze",
    "one row per fitted regression: its fit or why it failed",
    (*FIT_KEYS, "n_obs", "n_annotators", "status", "message", "log_likelihood", "aic", "pseudo_r2", "permutations"),
)
REGRESSION_COEFFICIENTS = _analysis(
    "regression_coefficients",
    "analyze",
    "the coefficients of every regression",
    (*FIT_KEYS, "term", "kind", "coef", "std_err", "z", "p_value", "ci_low", "ci_high", "permutation_p", "n_obs"),
)
AGREEMENT_ALPHA = _analysis(
    "agreement_alpha",
    "analyze",
    "Krippendorff's alpha",
    ("measure", "scale", "value", "n_pairs", "n_annotations", "n_annotators", "message"),
)
AGREEMENT_KAPPA = _analysis(
    "agreement_kappa",
    "analyze",
    "Cohen's kappa per annotator pair",
    ("annotator_a", "annotator_b", "n_shared", "observed_agreement", "kappa", "kappa_binary"),
)
PRECISION_STRATA = _analysis(
    "precision_strata",
    "analyze",
    "per link type: population, labelled pairs, share judged positive and its 95% interval",
    (
        "link_type",
        "comparison",
        "stratum",
        "models",
        "population",
        "pairs",
        "annotations",
        "positives",
        "precision",
        "ci_low",
        "ci_high",
        "sampling_fraction",
    ),
)
PRECISION = _analysis(
    "precision",
    "analyze",
    "per comparison × model: population precision of its links in the sampled strata, with its 95% interval",
    (
        "comparison",
        "model",
        "links",
        "covered_links",
        "coverage",
        "strata",
        "pairs",
        "precision",
        "ci_low",
        "ci_high",
        "message",
    ),
)
PRECISION_DIFFERENCE = _analysis(
    "precision_difference",
    "analyze",
    "per comparison × fine-tuned model: its precision minus the base model's, with a 95% interval",
    ("comparison", "model", "base_model", "difference", "ci_low", "ci_high", "message"),
)
LABELS_BY_ROUND = _analysis(
    "labels_by_round",
    "analyze",
    "per labelling round: annotators, labelled pairs, annotations, positive share and adjudicated pairs",
    ("round", "annotators", "pairs", "annotations", "positive_share", "adjudicated"),
)
# -- calibrate ------------------------------------------------------------------------------------
CALIBRATION_SECTIONS = (*ANALYSIS_SECTIONS, "publishing")
CALIBRATION_TARGETS = ("study", "match")
CALIBRATION_KEYS = ("comparison", "target")
CURVE_KEYS = (*CALIBRATION_KEYS, "score")
PROBABILITY_SCORE = "probability"  # the `score` of the calibrated probability's rows (the others are model names)
CURVE_VALUES = ("threshold", "links", "labelled", "unlabelled_links", "precision", "lower_bound", "ci_low", "ci_high")
LINK_PROBABILITIES = table(
    "analysis/link_probabilities.parquet",
    "calibrate",
    "per comparison, every candidate pair (a link of some model) with its calibrated probabilities",
    ("pair_id", "comparison", "link_type", "probability", "match_probability"),
    CALIBRATION_SECTIONS,
)
CALIBRATION = table(
    "analysis/calibration.parquet",
    "calibrate",
    "per comparison × target: the chosen model family, its cross-validated fit and calibration",
    (
        *CALIBRATION_KEYS,
        "family",
        "pairs",
        "folds",
        "cv_log_loss_isotonic",
        "cv_log_loss_logistic",
        "brier",
        "ece",
        "message",
    ),
    CALIBRATION_SECTIONS,
    target=CALIBRATION_TARGETS,
)
RELIABILITY = table(
    "analysis/reliability.parquet",
    "calibrate",
    "per comparison × target: the reliability diagram of the out-of-fold probabilities",
    (*CALIBRATION_KEYS, "bin_low", "bin_high", "pairs", "weight", "mean_probability", "observed"),
    CALIBRATION_SECTIONS,
    target=CALIBRATION_TARGETS,
)
PRECISION_CURVES = table(
    "analysis/precision_curves.parquet",
    "calibrate",
    "per comparison × target × score: precision of the links above each threshold, its bounds, expected recall",
    (*CURVE_KEYS, *CURVE_VALUES, "expected_recall"),
    CALIBRATION_SECTIONS,
    target=CALIBRATION_TARGETS,
)
PUBLISHABLE = table(
    "analysis/publishable.parquet",
    "calibrate",
    "per comparison × target × score: the lowest threshold whose lower bound reaches the target precision",
    (*CURVE_KEYS, "target_precision", "confidence", *CURVE_VALUES, "expected_recall", "message"),
    CALIBRATION_SECTIONS,
    target=CALIBRATION_TARGETS,
)
ZERO_SHOT = _analysis("zero_shot", "evaluate", "zero-shot classification per model, data and candidates")
ZERO_SHOT_PER_NOUN = _analysis(
    "zero_shot_per_noun",
    "evaluate",
    "zero-shot accuracy per root noun, and its difference from the base model",
    ("data", "candidates", "target", "model", "n_images", "accuracy", "base_accuracy", "difference"),
)
RETRIEVAL_IMAGE = _analysis("retrieval_image", "evaluate", "image→image retrieval")
RETRIEVAL_CROSS_MODAL = _analysis("retrieval_cross_modal", "evaluate", "text↔image retrieval")
EVALUATION_NOTES = _analysis(
    "evaluation_notes", "evaluate", "what the evaluations could not compute, and why", ("note",)
)
ANALYSIS_CSV = table("analysis/{name}.csv", "analyze", "each analysis and evaluation table as CSV, beside its Parquet")
REPORT = table("report/report.html", "report", "the self-contained study report")
REPORT_TABLE = table("report/tables/{name}.csv", "report", "each report table as CSV")

# -- predict --------------------------------------------------------------------------------------
PREDICTION_SECTIONS = ("study", "models", "prediction")
PREDICTION_MODALITIES = ("image", "text", "tabular", "mean", "stacked")
PREDICTION_SCORES = table(
    "predict/{field}/scores.parquet",
    "predict",
    "held-out macro F1, weighted F1 and accuracy per model and modality (single, mean, stacked), "
    "with bootstrap intervals",
    ("field", "model", "modality", "metric", "value", "ci_low", "ci_high", "n_train", "n_eval", "classes"),
    PREDICTION_SECTIONS,
    modality=PREDICTION_MODALITIES,
    metric=("macro_f1", "weighted_f1", "accuracy"),
)
PREDICTION_CONFUSION = table(
    "predict/{field}/confusion.parquet",
    "predict",
    "the stacked classifier's confusion matrix on the held-out records, per model (non-empty cells)",
    ("field", "model", "truth", "predicted", "count"),
    PREDICTION_SECTIONS,
)
PREDICTION_HELD_OUT = table(
    "predict/{field}/held_out.parquet",
    "predict",
    "each held-out record's true and predicted value per model and modality",
    ("record_id", "collection", "model", "modality", "truth", "predicted", "probability"),
    PREDICTION_SECTIONS,
    modality=PREDICTION_MODALITIES,
)
PREDICTION_PROPOSALS = table(
    "predict/{field}/proposals.parquet",
    "predict",
    "the most probable values for each record without the field, for curators to review",
    ("record_id", "collection", "name", "field", "model", "rank", "value", "probability", "modalities"),
    PREDICTION_SECTIONS,
)
PREDICTION_NOTES = table(
    "predict/{field}/notes.parquet",
    "predict",
    "what the prediction grouped, left out or changed, and why",
    ("note",),
    PREDICTION_SECTIONS,
)

VERDICT_VALUES = ("accept", "reject", "correct", "skipped")
PREDICTION_VERDICTS = table(
    "predict/{field}/verdicts.parquet",
    "verify pull",
    "one row per curator verdict on a proposal pushed by `hw verify push` (its newest version)",
    (
        "field",
        "record_id",
        "collection",
        "proposed",
        "probability",
        "verdict",
        "value",
        "curator",
        "annotation_id",
        "created_at",
        "updated_at",
        "is_latest",
    ),
    ("prediction", "labelstudio"),
    types={"probability": pa.float64(), "is_latest": pa.bool_()},
    verdict=VERDICT_VALUES,
)

# -- export-links ---------------------------------------------------------------------------------
PUBLISHING_SECTIONS = ("study", "collections", "models", "comparisons", "publishing")
PUBLISHED_LINKS = table(
    "publishing/links.parquet",
    "export-links",
    "one row per verified link with its provenance",
    (
        "pair_id",
        "record_a",
        "collection_a",
        "record_b",
        "collection_b",
        "label",
        "relation",
        "decision",
        "agreement",
        "n_annotators",
    ),
    PUBLISHING_SECTIONS,
)
PUBLISHED_CSV = table("publishing/links.csv", "export-links", "the verified links as CSV", sections=PUBLISHING_SECTIONS)
PUBLISHED_TURTLE = table(
    "publishing/links.ttl", "export-links", "the verified links as RDF (Turtle)", sections=PUBLISHING_SECTIONS
)
PUBLISHED_JSONLD = table(
    "publishing/links.jsonld", "export-links", "the verified links as RDF (JSON-LD)", sections=PUBLISHING_SECTIONS
)
PUBLISHED_CALIBRATED = table(
    "publishing/calibrated_links.parquet",
    "export-links",
    "`--precision`: one row per comparison and unjudged link above its publishable threshold, with its probability",
    ("pair_id", "comparison", "record_a", "record_b", "relation", "probability", "threshold", "set_lower_bound"),
    PUBLISHING_SECTIONS,
)
PUBLISHED_CALIBRATED_CSV = table(
    "publishing/calibrated_links.csv", "export-links", "the calibrated links as CSV", sections=PUBLISHING_SECTIONS
)
PUBLISHED_CALIBRATED_NT = table(
    "publishing/calibrated_links.nt",
    "export-links",
    "the calibrated links, their sets and calibrations as RDF (N-Triples, written a part at a time)",
    sections=PUBLISHING_SECTIONS,
)

# Every artifact above, once, in declaration order (a test checks that none is left out).
REGISTRY: tuple[Artifact, ...] = (
    *(DEMO_TRUTH, RECORDS, REJECTS, DROPPED, FETCH_CACHE, FETCH_JOURNAL, FETCHED),
    *(MODEL, TRAINED_MODEL, MODEL_CARD, SPLIT, PAIRS, IMAGE_FAILURES, IMAGE_CACHE, IMAGE_CACHE_ROWS),
    *(TRAINING_STATE, METRICS, LOSS_PLOT),
    *(UNITS, SHARD_VECTORS, SHARD_ROWS, EMBED_FAILURES, INDEX, INDEX_ROWS),
    *(THRESHOLDS, LINKS, BATCH, ROUND_BATCH),
    *(LEDGER, IMPORT_FILE, IMPORT_SETTINGS, IMPORT_MEDIA, LABELSTUDIO_DATA, LABELSTUDIO_BACKUPS, LABELS, QUARANTINE),
    *(LABEL_DISTRIBUTION, LABELS_BY_LINK_TYPE, LABELS_BY_ANNOTATOR, LABELLED, EXCLUDED),
    *(REGRESSION_FITS, REGRESSION_COEFFICIENTS, AGREEMENT_ALPHA, AGREEMENT_KAPPA),
    *(PRECISION_STRATA, PRECISION, PRECISION_DIFFERENCE, LABELS_BY_ROUND),
    *(LINK_PROBABILITIES, CALIBRATION, RELIABILITY, PRECISION_CURVES, PUBLISHABLE),
    *(ZERO_SHOT, ZERO_SHOT_PER_NOUN, RETRIEVAL_IMAGE, RETRIEVAL_CROSS_MODAL, EVALUATION_NOTES),
    *(ANALYSIS_CSV, REPORT, REPORT_TABLE),
    *(PREDICTION_SCORES, PREDICTION_CONFUSION, PREDICTION_HELD_OUT, PREDICTION_PROPOSALS, PREDICTION_NOTES),
    PREDICTION_VERDICTS,
    *(PUBLISHED_LINKS, PUBLISHED_CSV, PUBLISHED_TURTLE, PUBLISHED_JSONLD),
    *(PUBLISHED_CALIBRATED, PUBLISHED_CALIBRATED_CSV, PUBLISHED_CALIBRATED_NT),
)
