"""The truth beside the report's estimates, where the study has a reference standard (REFERENCE_STANDARD):
per comparison × model in "Population precision", per threshold in "What can be published".

A simulation (the demo) is worded as one: its reference standard holds the catalogue facts of the
demo's hidden ground truth, and its curators are the simulated annotators.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis import reference
from analysis.artifacts import LABELLED, LINK_PROBABILITIES, REFERENCE_STANDARD
from analysis.report.parts import Section, read_or_note
from heritage_weaver.artifacts import ArtifactError
from heritage_weaver.workspace import Workspace
from sampler.artifacts import LINKS
from sampler.artifacts.design import study_comparisons, study_models


@dataclass(frozen=True)
class Wording:
    """How the notes name where the truth comes from and who labels."""

    heading: str
    positive_because: str  # which links `truth` counts as positive
    source: str  # said once, after `positive_because`, in the precision note
    labellers: str
    no_single_error: str  # in place of the one chance of a wrong label, where there is none
    marker: str  # the figures' legend for `truth`


SIMULATION = Wording(
    "SIMULATION",
    "whose catalogue facts make them positive",
    " (same category, type or variant in the demo's hidden ground truth)",
    "simulated annotators",
    "(several or unknown noises)",
    "truth (catalogue)",
)
REFERENCE = Wording(
    "REFERENCE STANDARD",
    f"whose label in {REFERENCE_STANDARD.path} is positive",
    ", over the links it names",
    "curators",
    "the `curator_error` it gives each pair (where it gives one)",
    "truth (reference)",
)


@dataclass(frozen=True)
class ReferencePairs:
    """The links with what the reference standard knows of each (`facts`, aligned with `links`) and
    the one chance of a wrong label it gives (None when it gives several, or none)."""

    links: pd.DataFrame
    facts: pd.DataFrame
    curator_error: float | None


def wording(ws: Workspace) -> Wording:
    return SIMULATION if ws.config.study.simulation else REFERENCE


def truth_markers(ws: Workspace) -> dict[str, str]:
    """The figures' legend labels of the truth columns."""
    return {"truth as labelled": "truth_as_labelled", wording(ws).marker: "truth"}


def reference_pairs(ws: Workspace, section: Section) -> ReferencePairs | None:
    """The links' truth from the study's reference standard, or None (with a note) without its inputs;
    a study without a reference standard goes without a note, unless it is a simulation (which has one)."""
    if not REFERENCE_STANDARD.exists(ws):
        if ws.config.study.simulation:
            section.notes.append(f"{REFERENCE_STANDARD.path} is missing: no truth beside the estimates")
        return None
    links = read_or_note(ws, LINKS, section)
    try:
        known = REFERENCE_STANDARD.read(ws)
    except ArtifactError as error:
        section.notes.append(f"no truth beside the estimates: {error}")
        return None
    if links is None:
        return None
    facts = reference.pair_truth(links, known, ws.config.analysis.positive_labels)
    return ReferencePairs(links, facts, reference.curator_error(known))


def precision_truth(ws: Workspace, strata: pd.DataFrame, section: Section) -> pd.DataFrame | None:
    """The true precision per comparison × model, or None when the study has no reference standard."""
    pairs = reference_pairs(ws, section)
    if pairs is None:
        return None
    words = wording(ws)
    error = f"{pairs.curator_error:g}" if pairs.curator_error is not None else words.no_single_error
    section.notes.append(
        f"{words.heading}: `truth` is the share of the model's links (in sampled strata) {words.positive_because}"
        f"{words.source}; `truth_all_links` the same over all its links. {words.labellers.capitalize()} pick a "
        f"wrong label with chance {error}, so the share they would label positive, `truth_as_labelled`, is what "
        "the estimate targets and what its interval should cover in 95% of studies."
    )
    comparisons = sorted(set(strata["comparison"]), key=[c.name for c in study_comparisons(ws)].index)
    models = [m for m in study_models(ws) if all(f"link.{c}.{m}" in pairs.links.columns for c in comparisons)]
    return reference.true_precision(pairs.links, strata, comparisons, models, pairs.facts)


def threshold_truth(ws: Workspace, chosen: pd.DataFrame, section: Section) -> pd.DataFrame | None:
    """The true precision of the links above each threshold, or None when the study has no reference
    standard (or lacks the calibration's tables)."""
    probabilities = read_or_note(ws, LINK_PROBABILITIES, section)
    labelled = read_or_note(ws, LABELLED, section)
    pairs = reference_pairs(ws, section)
    if probabilities is None or labelled is None or pairs is None:
        return None
    words = wording(ws)
    section.notes.append(
        f"{words.heading}: `truth` is the share of the links above the threshold {words.positive_because}; "
        f"`truth_as_labelled` the share {words.labellers} would label positive, which the lower bound "
        "is about (`bound holds`: it is at most that share; over repeated studies it should fail in at most "
        f"{1 - ws.config.publishing.confidence:.0%} of them); `unlabelled_truth` the true share among the "
        "`unlabelled` links, those `hw export-links --precision` publishes."
    )
    return reference.true_precision_above(
        probabilities, chosen, pairs.facts.set_axis(pairs.links["pair_id"]), set(labelled["pair_id"])
    )
