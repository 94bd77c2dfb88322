"""The files the demo package writes (declared with the core's artifact mechanism)."""

from __future__ import annotations

from heritage_weaver.artifacts import Artifact, file

DEMO_TRUTH = file(
    "data/ground_truth.csv",
    "init",
    "the demo's hidden ground truth (for simulated labels and checks)",
    columns=("record_id", "collection", "category", "type", "variant"),
)

# Every file above, once, in declaration order (a test checks that none is left out).
ARTIFACTS: tuple[Artifact, ...] = (DEMO_TRUTH,)
