"""The links the GLAM exports publish, each seen from both of its records.

A verified link (publishing.links) carries its curators' label, decision and agreement, who judged
it and when (first and last judgement, or the adjudication); a calibrated one
(publishing.calibrated.links) its comparison, probability, and its set's estimated precision and
lower bound. Both carry the model candidates that proposed the pair (comparison, model, score) and
the URI of their statement in the RDF export (`<base>link/<pair_id>`,
`<base>calibrated-link/<comparison>/<pair_id>`), where the full provenance is.

A link says *the same object* (Linked Art's `equivalent`) when curators labelled it "same object",
or when it is calibrated, the study's positive label is "same object" alone (its probability is then
that of being the same object), and its set's one-sided lower bound on precision reaches
`[publishing] same_object_precision`. SKOS mapping relations are symmetric, so each link is
published on both records' pages.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from publishing.rdf import Ids

SAME_OBJECT = "same object"


@dataclass(frozen=True)
class Curated:
    """What curators decided of a verified link."""

    decision: str
    agreement: float | None  # None for an adjudicated pair nobody labelled
    annotators: int
    curators: tuple[tuple[str, str], ...]  # (role, code): ("annotator", "A01"), ("adjudicator", "L01")
    began: pd.Timestamp | None  # the first judgement
    ended: pd.Timestamp | None  # the last judgement or the adjudication


@dataclass(frozen=True)
class Calibrated:
    """What the calibration states of a calibrated link."""

    comparison: str
    probability: float
    set_precision: float
    set_lower_bound: float
    confidence: float
    calibrated_at: datetime | None  # when `hw calibrate` wrote the probabilities


@dataclass(frozen=True)
class GlamLink:
    """A published link as seen from `record`."""

    record: str
    other: str
    pair_id: str
    relation: str  # skos:closeMatch …
    label: str  # the curators' label; for a calibrated link, the label its relation stands for
    statement: str  # its statement's URI in the RDF export
    same_object: bool
    candidates: tuple[tuple[str, str, float], ...]  # (comparison, model, score) of the models that proposed it
    evidence: Curated | Calibrated


def verified_links(links: pd.DataFrame, judged: pd.DataFrame, ids: Ids) -> list[GlamLink]:
    """Both views of each verified link (publishing.links columns); `judged`: publishing.verdicts judgements."""
    by_pair = {str(pair): group for pair, group in judged.groupby("pair_id")}
    found = []
    for row in links.to_dict("records"):
        evidence = _curated(row, by_pair.get(str(row["pair_id"])))
        statement = str(ids("link", row["pair_id"]))
        found += _both_ways(row, str(row["label"]), statement, row["label"] == SAME_OBJECT, evidence)
    return found


def calibrated_glam_links(
    links: pd.DataFrame, label: str, same_object_precision: float | None, calibrated_at: datetime | None, ids: Ids
) -> list[GlamLink]:
    """Both views of each calibrated link (publishing.calibrated.links columns); `label` is the least
    specific positive label, the one its relation stands for."""
    found = []
    for row in links.to_dict("records"):
        certified = (
            label == SAME_OBJECT
            and same_object_precision is not None
            and float(row["set_lower_bound"]) >= same_object_precision
        )
        evidence = Calibrated(
            str(row["comparison"]),
            float(row["probability"]),
            float(row["set_precision"]),
            float(row["set_lower_bound"]),
            float(row["confidence"]),
            calibrated_at,
        )
        statement = str(ids("calibrated-link", row["comparison"], row["pair_id"]))
        found += _both_ways(row, label, statement, certified, evidence)
    return found


def utc_iso(moment: datetime | pd.Timestamp) -> str:
    """`moment` as an ISO 8601 date-time in UTC (`…Z`); a time without a zone is taken as UTC."""
    stamp = pd.Timestamp(moment)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.to_pydatetime().isoformat().replace("+00:00", "Z")


def by_record(links: Iterable[GlamLink]) -> dict[str, list[GlamLink]]:
    """The links of each record, records in id order; on a record, verified links before calibrated
    ones, then by pair and comparison."""
    grouped: dict[str, list[GlamLink]] = {}
    for link in links:
        grouped.setdefault(link.record, []).append(link)
    return {record: sorted(grouped[record], key=_order) for record in sorted(grouped)}


def _order(link: GlamLink) -> tuple[bool, str, str]:
    evidence = link.evidence
    return (
        isinstance(evidence, Calibrated),
        link.pair_id,
        evidence.comparison if isinstance(evidence, Calibrated) else "",
    )


def _both_ways(
    row: dict, label: str, statement: str, same_object: bool, evidence: Curated | Calibrated
) -> list[GlamLink]:
    candidates = tuple(
        (comparison, model, float(row[f"score.{comparison}.{model}"]))
        for comparison, model in (pair.split("/", 1) for pair in filter(None, str(row["linked_by"]).split(";")))
    )
    relation = str(row["relation"])
    pair = str(row["pair_id"])
    return [
        GlamLink(
            str(row[f"record_{a}"]),
            str(row[f"record_{b}"]),
            pair,
            relation,
            label,
            statement,
            same_object,
            candidates,
            evidence,
        )
        for a, b in (("a", "b"), ("b", "a"))
    ]


def _curated(row: dict, judged: pd.DataFrame | None) -> Curated:
    """The verdict of `row` and who gave it when: its curators (then its adjudicator), the first and
    last of their judgement times and the adjudication's."""
    curators = [] if judged is None else [("annotator", str(a)) for a in sorted(judged["annotator"])]
    times = [] if judged is None else [pd.Timestamp(t) for t in judged["labelled_at"]]
    if row["decision"] == "adjudicated":
        curators.append(("adjudicator", str(row["adjudicator"])))
        times.append(pd.Timestamp(row["adjudicated_at"]))
    agreement = float(row["agreement"]) if pd.notna(row["agreement"]) else None
    return Curated(
        str(row["decision"]),
        agreement,
        int(row["n_annotators"]),
        tuple(curators),
        min(times) if times else None,
        max(times) if times else None,
    )
