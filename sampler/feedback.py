"""What a later labelling round learns from the labels so far.

The analysis package writes the tables a later round reads (each link type's labelled precision,
each pair's calibrated probability). The sampler comes before the analysis in the study, so it
imports none of it: whoever wires the stages together (the CLI) hands the tables' declarations in.
"""

from __future__ import annotations

from dataclasses import dataclass

from heritage_weaver.artifacts import Artifact


@dataclass(frozen=True)
class LabelFeedback:
    precision_strata: Artifact  # per link type: labelled pairs and positives (`hw analyze`)
    link_probabilities: Artifact  # per candidate pair: its calibrated probability (`hw calibrate`)
