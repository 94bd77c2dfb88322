"""Creates a study workspace with a commented `study.toml`."""

from __future__ import annotations

import json
from pathlib import Path

from heritage_weaver import atomic
from heritage_weaver.workspace import CONFIG_NAME

_TEMPLATE = """# Heritage Weaver study config. Paths are relative to this file.
# Every key is checked when a verb runs: a misspelt key or a wrong type is an error
# that names it.

[study]
name = "{name}"
seed = {seed}             # every random choice (split, sampling, simulation) derives from it
simulation = {simulation}      # true only for the demo: the report then says labels are simulated
# license = "cc-by-4.0"  # the fine-tuned models' licence on their cards (Hugging Face spelling; default "other")

# One [[collections]] block per collection export.
# format: "smg" (Science Museum Group JSON-lines dump), "nms" (National Museums Scotland
# CSV export), or "csv" / "jsonl" with a [collections.columns] mapping of record fields
# (record_id, name, description, images, category, taxonomy) to your column names, or "lido"
# (LIDO XML: a file, a folder or a glob; languages = ["en", ...] picks the text's language),
# "linked_art" (Linked Art JSON-LD, one object per file), "edm" (Europeana EDM RDF/XML or
# Record API JSON) or "iiif" (IIIF Presentation manifests, v2 or v3), each a file, a folder or
# a glob too.
# image_base_url: prefix for image references (SMG: https://coimages.sciencemuseumgroup.org.uk/,
# NMS: https://www.nms.ac.uk/api/axiell?command=getcontent&server=Detail&value=);
# without it, references are files relative to the export.
{collections}
# Models: name -> Hugging Face hub id or checkpoint folder. "base" is the original model;
# `hw train` writes the fine-tuned checkpoints to models/ft-best and models/ft-last.
[models]
{models}
# Comparisons default to the study's three (image-image max, text-text mean,
# text-image max). To change them, list them all, e.g.:
# [[comparisons]]
# name = "image-image"
# modality_a = "image"
# modality_b = "image"
# aggregation = "max"       # max or mean of unit-pair cosine similarities

[embedding]
text_units = "sentences"    # "sentences" (spaCy) or "segments" (64-token pieces)
dtype = "float32"           # or "float16" to halve the vector store
# cpu_precision = "int8"    # hw embed on a CPU in int8 (faster; vectors within 3e-2); default float32
# cpu_runtime = "onnxruntime"  # with int8: the vision tower on ONNX Runtime (pip extra "onnx"); default torch
# query_precision = {{ image = "int8", text = "float32" }}  # search queries on a CPU, by units searched
# image_workers = 4         # image-decoding workers; default: one per CPU core

[compute]
# Where `hw embed` runs (HW_ENGINE=local|ray or `hw embed --engine` override it for one run):
# "local" (this process) or "ray" (Ray Data: image decoding on CPU tasks, encoder replicas as actors).
engine = "local"
# ray_address = "auto"      # connect to a running Ray cluster; unset: a private one for the run
# gpus_per_replica = 1.0    # GPU share of each encoder replica
# encoder_replicas = 2      # default: as many as the GPUs hold, else 1 on the CPU
# cpu_workers = 8           # CPUs of the private Ray instance; default: all of this machine's
# block_size = 4096         # units per Ray block (one committed shard each)

[training]
base_model = "base"
epochs = {epochs}
batch_size = {batch_size}
learning_rate = {learning_rate}
loss_normalisation = "{loss_normalisation}"  # "study": mean over the logit matrix, both directions; "paper": SigLIP's sum / batch size

[sampling]
# collection_a / collection_b default to the first two collections above.
base_model = "base"
link_rule = "percentile"    # or "top_k": each record's top_k best records of the other collection
percentile = 99             # links are record pairs at or above this percentile
percentile_mode = "record"  # "record" pairs, or "unit" pairs as the published study did
top_k = 10                  # with link_rule = "top_k"
direction = "both"          # with link_rule = "top_k": "both", "a_to_b" or "b_to_a"
annotators = {annotators}
per_annotator = {per_annotator}
overlap = {overlap}               # share of each batch also shown to another annotator
controls = 0                # random non-link pairs added to each batch

[labelstudio]
url = "http://127.0.0.1:8089"   # the first desk's server; each annotator gets its own, on the next free port

[analysis]
positive_labels = ["same object", "similar object", "same category"]  # binarised to 1; "unrelated" to 0
intercept = false           # the published tables have none
permutations = 100

[publishing]
target_precision = {target_precision}      # `hw calibrate`: the stated 95% lower bound a published link set must reach

[prediction]
# Catalogue fields to predict from the embeddings (`hw predict`, part of `hw run`): category,
# taxonomy, or taxonomy.N (the N-th level of the taxonomy path, 1 the broadest).
fields = {prediction_fields}
tabular = {prediction_tabular}            # record fields given to gradient boosting as a third modality
min_examples = 5            # values with fewer training records are grouped as "(other)"
bootstrap = 1000            # resamples of the held-out records for the intervals
"""

_SMG_EXAMPLE = """[[collections]]
name = "smg"
format = "smg"
path = "data/smg.jsonl"
# image_base_url = "https://coimages.sciencemuseumgroup.org.uk/"

[[collections]]
name = "nms"
format = "nms"
path = "data/nms.csv"
# image_base_url = "https://www.nms.ac.uk/api/axiell?command=getcontent&server=Detail&value="
"""

DEFAULT_BASE_MODEL = "google/siglip-base-patch16-224"
_REAL_MODELS = """base = {base}
ft-last = "models/ft-last"
ft-best = "models/ft-best"
"""

_DEMO_MODELS = """base = "models/base"          # the demo's tiny SigLIP (built by `hw model tiny`)
ft-last = "models/ft-last"
ft-best = "models/ft-best"
"""


def base_model_entry(root: Path, base_model: str) -> str:
    """How the study.toml in `root` names the base model `base_model`: a checkpoint folder by its
    path relative to the study when inside it, else absolute (relative paths are read from the
    current folder); anything else as the hub id it is. ValueError for a path (absolute, or starting
    with `.`) that is no folder, and for a folder without a checkpoint's config.json."""
    folder = Path(base_model)
    if folder.is_dir():
        if not (folder / "config.json").is_file():
            raise ValueError(f"--base-model {base_model}: the folder has no config.json, so it is no checkpoint")
        folder = folder.resolve()
        root = Path(root).resolve()
        return str(folder.relative_to(root)) if folder.is_relative_to(root) else str(folder)
    if folder.is_absolute() or base_model.startswith("."):
        raise ValueError(f"--base-model {base_model}: no such folder")
    return base_model


def render(name: str, demo: bool = False, seed: int = 42, base_model: str = DEFAULT_BASE_MODEL) -> str:
    """The commented study.toml; `base_model` (a hub id or a path, see `base_model_entry`) is
    [models] base, except for the demo, which builds its own."""
    values = dict(
        name=name,
        seed=seed,
        simulation=str(demo).lower(),
        collections=_SMG_EXAMPLE,
        models=_DEMO_MODELS if demo else _REAL_MODELS.format(base=json.dumps(base_model)),
        epochs=8 if demo else 5,
        batch_size=32 if demo else 16,
        learning_rate="1e-3" if demo else "1e-5",
        loss_normalisation="paper" if demo else "study",
        annotators='["A01", "A02", "A03"]' if demo else '["A01", "A02"]',
        per_annotator=60 if demo else 100,
        overlap=0.2 if demo else 0.0,
        prediction_fields='["taxonomy.2"]  # the object type: SMG records have it, NMS records do not'
        if demo
        else "[]",
        prediction_tabular='["category"]' if demo else "[]",
        # the demo's models reach precisions of 0.5-0.8, so a set certified at 0.9 is out of their reach
        target_precision=0.5 if demo else 0.9,
    )
    return _TEMPLATE.format(**values)


def init_workspace(
    root: Path, name: str | None = None, demo: bool = False, seed: int = 42, base_model: str | None = None
) -> Path:
    """Create `root` with a commented study.toml (never overwrites an existing one); `base_model`
    (a hub id or a checkpoint folder, `base_model_entry`) replaces the default base model."""
    root = Path(root)
    config = root / CONFIG_NAME
    if config.exists():
        raise FileExistsError(f"{config} already exists")
    base = DEFAULT_BASE_MODEL if base_model is None else base_model_entry(root, base_model)
    (root / "data").mkdir(parents=True, exist_ok=True)
    atomic.write_text(config, render(name or root.resolve().name.replace(" ", "-") or "study", demo, seed, base))
    return config
