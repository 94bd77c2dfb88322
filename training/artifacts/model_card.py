"""Model cards: the README.md of a fine-tuned checkpoint, in the format the Hugging Face hub reads.

YAML metadata (base model, library, pipeline tag, licence, tags and, once evaluated, the
zero-shot results as a `model-index`) above a Markdown body: the training data, settings and
loss, the held-out evaluation against the base model, intended use, limitations and how to load
it. `hw train` writes a card into each checkpoint folder and `hw evaluate` writes it again with
the results, which it passes in (`Evaluation`: the analysis package reads its own tables).
Everything on a card comes from the study's artifacts, so a study gives the same card every time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import jinja2
import yaml

from heritage_weaver import atomic
from heritage_weaver.artifacts import Artifact
from heritage_weaver.workspace import Workspace
from ingest.artifacts import RECORDS
from training.artifacts import METRICS, MODEL_CARD, PAIRS, SPLIT, TRAINED_MODEL

CARD_NAME = Path(MODEL_CARD.path).name  # README.md, where the hub looks for a card
PIPELINE_TAG = "zero-shot-image-classification"
TAGS = ("siglip", "heritage-weaver", "museum-collections", "cultural-heritage")
TEMPLATES = Path(__file__).with_name("templates")
# A checkpoint's held-out results beside the base model's, by (model, base model); None: none for its weights
Evaluation = Callable[[str | None, str], dict | None]


def not_evaluated(model: str | None, base: str) -> None:
    return None


@dataclass(frozen=True)
class Checkpoint:
    """One fine-tuned checkpoint and the names it goes by in the study."""

    folder_name: str  # models/<folder_name>
    role: str  # "best" or "last"
    model: str | None  # its name in [models], which the evaluation tables use; None when unlisted


def trained_checkpoints(ws: Workspace) -> list[Checkpoint]:
    """The fine-tuned checkpoints whose folders exist: `ft-best`, then `ft-last`."""
    settings = ws.config.training
    found = []
    for folder_name, role in ((settings.best_name, "best"), (settings.last_name, "last")):
        folder = TRAINED_MODEL.at(model=folder_name).location(ws)
        if folder.is_dir():
            model = next((m for m in ws.config.models if Path(ws.model_location(m)) == folder), None)
            found.append(Checkpoint(folder_name, role, model))
    return found


def write_cards(
    ws: Workspace,
    existing_only: bool = False,
    evaluation: Evaluation = not_evaluated,
    evaluation_inputs: Sequence[Artifact] = (),
) -> list[Path]:
    """Write the card of every fine-tuned checkpoint (`existing_only`: of those that have one
    already, as `hw evaluate` does, with its `evaluation` read from `evaluation_inputs`) and record
    it; returns their paths."""
    written = []
    for checkpoint in trained_checkpoints(ws):
        if existing_only and not MODEL_CARD.at(model=checkpoint.folder_name).exists(ws):
            continue
        card = MODEL_CARD.at(model=checkpoint.folder_name)
        atomic.write_text(card.location(ws), render_card(ws, checkpoint, evaluation))
        card.record(ws, inputs=[RECORDS, SPLIT, PAIRS, METRICS, *evaluation_inputs])
        written.append(card.location(ws))
    return written


def render_card(ws: Workspace, checkpoint: Checkpoint, evaluation: Evaluation = not_evaluated) -> str:
    """The card's text: YAML metadata between `---` lines, then the Markdown body."""
    context = card_context(ws, checkpoint, evaluation)
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    body = environment.get_template("model_card.md.j2").render(**context)
    metadata = yaml.safe_dump(card_metadata(ws, context), sort_keys=False, allow_unicode=True)
    return f"---\n{metadata}---\n\n{body}"


def base_hub_id(ws: Workspace) -> str | None:
    """The base model's hub id, or None when it is a local checkpoint (no id the hub would know)."""
    location = ws.model_location(ws.config.training.base_model)
    return None if Path(location).is_absolute() else location


def card_metadata(ws: Workspace, context: dict) -> dict:
    """The YAML metadata: what the hub filters and shows; zero-shot results as its `model-index`."""
    metadata: dict[str, object] = {}
    if (hub_id := base_hub_id(ws)) is not None:
        metadata["base_model"] = hub_id
    metadata |= {
        "library_name": "transformers",
        "pipeline_tag": PIPELINE_TAG,
        "license": ws.config.study.license,
        "language": ["en"],
        "tags": list(TAGS),
    }
    zero_shot = context["evaluation"]["zero_shot"] if context["evaluation"] else []
    if zero_shot:
        metrics = [
            {
                "type": "accuracy",
                "value": round(row["accuracy"]["value"], 4),
                "name": f"accuracy: {row['target']} among {row['candidates']} candidates, {row['data']} images",
            }
            for row in zero_shot
        ]
        dataset = {"type": ws.config.study.name, "name": f"held-out records of the study {ws.config.study.name}"}
        task = {"type": PIPELINE_TAG, "name": "Zero-shot classification of held-out images"}
        metadata["model-index"] = [
            {"name": context["title"], "results": [{"task": task, "dataset": dataset, "metrics": metrics}]}
        ]
    return metadata


def card_context(ws: Workspace, checkpoint: Checkpoint, evaluation: Evaluation = not_evaluated) -> dict:
    """What the template shows, from the study's config and artifacts."""
    config = ws.config
    base = config.training.base_model
    return {
        "title": f"{config.study.name}-{checkpoint.folder_name}",
        "study": config.study,
        "checkpoint": checkpoint,
        "base": base,
        "base_hub_id": base_hub_id(ws),
        "data": training_data(ws),
        "settings": config.training,
        "relevance_threshold": config.analysis.relevance_threshold,
        "outcome": training_outcome(ws),
        "evaluation": evaluation(checkpoint.model, base),
    }


@dataclass(frozen=True)
class CollectionCounts:
    collection: str
    records: int
    train_records: int
    eval_records: int
    train_pairs: int
    eval_pairs: int


COUNTS = [name for name in CollectionCounts.__dataclass_fields__ if name != "collection"]


def training_data(ws: Workspace) -> dict:
    """Records and pairs per collection and split, their totals, and the training pairs per kind of text."""
    records = RECORDS.read(ws, columns=["collection"])["collection"]
    split = SPLIT.read(ws, columns=["collection", "split"])
    pairs = PAIRS.read(ws, columns=["collection", "kind", "split"])
    rows = []
    for collection in [c.name for c in ws.config.collections]:
        held = split.loc[split["collection"] == collection, "split"]
        paired = pairs.loc[pairs["collection"] == collection, "split"]
        rows.append(
            CollectionCounts(
                collection,
                int((records == collection).sum()),
                int((held == "train").sum()),
                int((held == "eval").sum()),
                int((paired == "train").sum()),
                int((paired == "eval").sum()),
            )
        )
    totals = CollectionCounts("all", *(sum(getattr(row, name) for row in rows) for name in COUNTS))
    kinds = pairs.loc[pairs["split"] == "train", "kind"].value_counts().sort_index()
    return {"collections": rows, "totals": totals, "train_kinds": {str(k): int(n) for k, n in kinds.items()}}


def training_outcome(ws: Workspace) -> dict:
    """Steps, epochs and the evaluation loss per epoch, from the training metrics."""
    metrics = METRICS.read(ws, columns=["step", "epoch", "split", "loss"])
    evaluations = metrics[metrics["split"] == "eval"].sort_values("epoch")
    best = evaluations.loc[evaluations["loss"].idxmin()] if len(evaluations) else None
    return {
        "steps": int(metrics["step"].max()) if len(metrics) else 0,
        "eval_losses": [(int(row.epoch) + 1, float(row.loss)) for row in evaluations.itertuples()],
        "best_epoch": int(best["epoch"]) + 1 if best is not None else None,
        "best_eval_loss": float(best["loss"]) if best is not None else None,
    }
