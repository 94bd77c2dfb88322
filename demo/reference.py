"""The demo's reference standard (analysis' REFERENCE_STANDARD), written by `hw simulate-labels`:
every link whose records the hidden ground truth knows, with the label its catalogue facts give it
(`demo.truth.true_label`) and, as the chance a curator gives another label, the noise the
simulated annotators' labels name. The report reads it as it would a project lead's known links.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.artifacts import REFERENCE_STANDARD
from annotation.artifacts import LABELS
from demo.artifacts import DEMO_TRUTH
from demo.truth import Truth, comment_noise, read_truth, true_label
from heritage_weaver.workspace import Workspace
from sampler.artifacts import LINKS

PAIR_KEYS = ["record_a", "collection_a", "record_b", "collection_b"]


def reference_standard(links: pd.DataFrame, truth: dict[tuple[str, str], Truth], noise: float | None) -> pd.DataFrame:
    """Every link whose two records `truth` knows, with its true label and `noise` as its curator error."""
    rows = [
        (record_a, collection_a, record_b, collection_b, true_label(truth[a], truth[b]))
        for record_a, collection_a, record_b, collection_b in links[PAIR_KEYS].itertuples(index=False)
        if (a := (collection_a, record_a)) in truth and (b := (collection_b, record_b)) in truth
    ]
    frame = pd.DataFrame(rows, columns=[*PAIR_KEYS, "label"])
    frame["curator_error"] = np.float64(np.nan if noise is None else noise)
    return frame


def labelled_noise(ws: Workspace, posted: float | None) -> float | None:
    """The one noise the simulated labels name: those pulled so far (their comments say it) and, when
    labels were just posted, `posted`, theirs; None when they name several, or none."""
    noises = {posted} - {None}
    if LABELS.exists(ws):
        noises |= {comment_noise(comment) for comment in LABELS.read(ws, columns=["comment"])["comment"]} - {None}
    return noises.pop() if len(noises) == 1 else None


def write_reference_standard(ws: Workspace, noise: float | None) -> Path:
    """The study's links with their true labels from the demo's ground truth, and `noise` as their curator error."""
    links = LINKS.read(ws, columns=PAIR_KEYS)
    frame = reference_standard(links, read_truth(ws), noise)
    return REFERENCE_STANDARD.write(ws, frame, inputs=[LINKS, DEMO_TRUTH], noise=noise)
