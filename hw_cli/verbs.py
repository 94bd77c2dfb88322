"""Each stage's verb: the typer command that runs it alone, and how its result is shown."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from heritage_weaver.workspace import Workspace
from hw_cli import analysis, annotation, embeddings, prediction, publishing, sampler, study, training


@dataclass(frozen=True)
class Verb:
    command: Callable[..., None] | None  # None: reached through another verb (`hw model tiny`, `hw push --export-only`)
    show: Callable[[Workspace, Any], None]


VERBS: dict[str, Verb] = {
    "ingest": Verb(study.ingest, study.show_ingest),
    "fetch-images": Verb(study.fetch_images, study.show_fetch),
    "model": Verb(None, training.show_model),
    "train": Verb(training.train, training.show_train),
    "embed": Verb(embeddings.embed, embeddings.show_embed),
    "index": Verb(embeddings.index, embeddings.show_index),
    "sample": Verb(sampler.sample, sampler.show_sample),
    "push": Verb(annotation.push, annotation.show_push),
    "simulate-labels": Verb(annotation.simulate_labels, annotation.show_simulate),
    "pull": Verb(annotation.pull, annotation.show_pull),
    "export": Verb(None, annotation.show_export),
    "analyze": Verb(analysis.analyze, analysis.show_analyze),
    "calibrate": Verb(analysis.calibrate, analysis.show_calibrate),
    "evaluate": Verb(analysis.evaluate, analysis.show_evaluate),
    "predict": Verb(prediction.predict, prediction.show_predict),
    "report": Verb(analysis.report, analysis.show_report),
    "export-links": Verb(publishing.export_links, publishing.show_export_links),
}
