"""The study's design as its collections allow it: which models and comparisons it has.

The config names the models and comparisons a study would like. A study whose collections lack
what some of them need runs without them and says so:

- fine-tuning skipped (no image–text pairs to train on): the fine-tuned models are not the
  study's, and the agreement design shrinks to the models there are;
- a comparison one of whose sides has no units (image-image in a text-only study): `hw sample`
  leaves it out and records why in the links' provenance.

Once `hw sample` has run, its links' provenance is the design every later stage follows.
"""

from __future__ import annotations

from heritage_weaver.config_sections import ComparisonConfig
from heritage_weaver.workspace import Workspace
from sampler.artifacts import LINKS
from training.artifacts.fine_tuning import LeftOut, models_left_out


def _sampled(ws: Workspace) -> dict:
    return ws.manifest().get(LINKS.path, {}) if LINKS.exists(ws) else {}


def study_models(ws: Workspace) -> list[str]:
    """The study's models in config order: those its links were sampled with once `hw sample` has
    run, else every configured model less those left out (`models_left_out`)."""
    sampled = _sampled(ws).get("models")
    if sampled is not None:
        return [name for name in ws.config.models if name in sampled]
    left_out = {item.name for item in models_left_out(ws)}
    return [name for name in ws.config.models if name not in left_out]


def study_comparisons(ws: Workspace) -> list[ComparisonConfig]:
    """The study's comparisons in config order: those its links were sampled with once `hw sample`
    has run, else every configured one."""
    sampled = _sampled(ws).get("comparisons")
    return [c for c in ws.config.comparisons if sampled is None or c.name in sampled]


def left_out(ws: Workspace) -> list[LeftOut]:
    """Every configured model and comparison the study runs without, with why."""
    recorded = _sampled(ws).get("left_out")
    if recorded is not None:
        return [LeftOut(**item) for item in recorded]
    return models_left_out(ws)
