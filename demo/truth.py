"""The demo's hidden ground truth: each record's category, type and variant, and the label a pair deserves.

Simulated annotators (demo.simulate) judge from it with noise; the demo's reference standard
(demo.reference) gives the report the links' true labels from it. Only the demo has it: a real
study's truth is what curators say.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

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
