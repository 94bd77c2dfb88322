"""Whether the study's fine-tuning stands skipped, and the configured models that leaves it without
(read by every stage that walks the study's models)."""

from __future__ import annotations

from dataclasses import dataclass

from heritage_weaver.stages import skipped_because
from heritage_weaver.workspace import Workspace

TRAIN_VERB = "train"


@dataclass(frozen=True)
class LeftOut:
    """A model or comparison of the config that the study runs without, and why."""

    kind: str  # "model" or "comparison"
    name: str
    why: str


def fine_tuning_skipped(ws: Workspace) -> str | None:
    """Why fine-tuning stands skipped (None: it is not)."""
    return skipped_because(ws, TRAIN_VERB)


def models_left_out(ws: Workspace) -> list[LeftOut]:
    """The configured models the study has none of: the fine-tuned ones while fine-tuning stands skipped."""
    why = fine_tuning_skipped(ws)
    if why is None:
        return []
    training = ws.config.training
    fine_tuned = {training.best_name, training.last_name}
    return [
        LeftOut("model", name, f"not trained (`hw {TRAIN_VERB}` was skipped)")
        for name in ws.config.models
        if name in fine_tuned
    ]
