"""The files the training package writes (declared with the core's artifact mechanism)."""

from __future__ import annotations

from heritage_weaver.artifacts import Artifact, file, folder, table

MODEL = folder("models/{model}", "model", "a SigLIP checkpoint in the Hugging Face format", sections=("models",))
TRAINED_MODEL = folder("models/{model}", "train", "a fine-tuned SigLIP checkpoint", sections=("study", "training"))
MODEL_CARD = file(
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
IMAGE_CACHE = file(
    "training/cache/images-{size}.npy", "train", "images decoded and resized once", sections=("training",)
)
IMAGE_CACHE_ROWS = table(
    "training/cache/images-{size}.parquet",
    "train",
    "the cache row of each image location",
    ("location", "row", "status", "error"),
    ("training",),
)
TRAINING_STATE = file("training/state.pt", "train", "the resumable training state", sections=("study", "training"))
METRICS = table(
    "training/metrics.parquet",
    "train",
    "per-step training and evaluation metrics",
    ("step", "epoch", "split", "loss", "lr", "pairs_per_s"),
    ("study", "training"),
)
LOSS_PLOT = file("training/loss.png", "train", "the loss curve", sections=("study", "training"))

# Every file above, once, in declaration order (a test checks that none is left out).
ARTIFACTS: tuple[Artifact, ...] = (
    MODEL,
    TRAINED_MODEL,
    MODEL_CARD,
    SPLIT,
    PAIRS,
    IMAGE_FAILURES,
    IMAGE_CACHE,
    IMAGE_CACHE_ROWS,
    TRAINING_STATE,
    METRICS,
    LOSS_PLOT,
)
