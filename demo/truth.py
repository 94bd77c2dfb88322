"""The demo's hidden ground truth: each record's category, type and variant, and the label a pair deserves.

Simulated annotators (annotation.simulate) judge from it with noise; the report compares the
population estimates with it. Only the demo has it: a real study's truth is what curators say.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from annotation.artifacts import LABEL_VALUES
from demo.artifacts import DEMO_TRUTH
from heritage_weaver.workspace import Workspace

SIMULATION_MARK = "SIMULATED"
_NOISE = re.compile(rf"^{SIMULATION_MARK}: .* with noise (?P<noise>[0-9.eE+-]+)$")


@dataclass(frozen=True)
class Truth:
    category: str
    type: str
    variant: str


def true_label(a: Truth, b: Truth) -> str:
    """The demo's rule: same type and variant → same object; same type → similar; same category → category."""
    if a.type == b.type and a.variant == b.variant:
        return "same object"
    if a.type == b.type:
        return "similar object"
    if a.category == b.category:
        return "same category"
    return "unrelated"


def positive_chance(label: str, positive_labels: Iterable[str], noise: float) -> float:
    """The chance that a simulated annotator with this `noise` gives a pair whose true label is `label`
    a positive label: the true label with chance 1 − noise, else one of the other three at random."""
    positive = set(positive_labels)
    others = [other for other in LABEL_VALUES if other != label]
    return (1 - noise) * (label in positive) + noise * sum(other in positive for other in others) / len(others)


def simulation_comment(annotator: str, noise: float) -> str:
    """The comment of every simulated annotation (it names the noise, so the analysis can read it back)."""
    return f"{SIMULATION_MARK}: demo annotator {annotator}, judged from ground truth with noise {noise:g}"


def comment_noise(comment: object) -> float | None:
    """The noise a simulated annotation's comment names; None for any other comment."""
    match = _NOISE.match(comment) if isinstance(comment, str) else None
    return float(match["noise"]) if match else None


def read_truth(workspace: Workspace) -> dict[tuple[str, str], Truth]:
    """(collection, record_id) → the record's truth, from the demo's data/ground_truth.csv."""
    path = DEMO_TRUTH.location(workspace)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no ground truth; simulated labels exist only for the demo study")
    frame = pd.read_csv(path, dtype=str).fillna("")
    return {
        (row.collection, row.record_id): Truth(row.category, row.type, row.variant)
        for row in frame.itertuples(index=False)
    }
