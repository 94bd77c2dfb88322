"""The links as Linked Art 1.0: one `HumanMadeObject` document per record with links.

A record's document (`publishing/linked_art/<key>.json`, the key of its IIIF page) has the
record's URI as `id`, its name as `_label`, and:

- `equivalent`: the records it is the same object as (publishing.glam.links says when). Linked Art
  links out with `equivalent` to other organisations' data about the same entity
  (linked.art/model/base/, "Identifiers"; linked.art/api/1.0/endpoint/physical_object/), a URI
  that must identify the object itself, not a page about it: give `[publishing.uri_templates]`
  such URIs where the default is a web page. A reference carries no provenance: who said so is in
  the RDF export's statement of the link.
- `attributed_by`: every other link as a related-object `AttributeAssignment`, the pattern for
  "related" objects whose relatedness comes from a computed similarity
  (linked.art/model/assertion/#related-entities; linked.art/model/object/aboutness/#related-objects):
  `assigned` the other record; `identified_by` the display name "Related Object", classified as
  Display Name (aat:300404669, linked.art/model/vocab/required/); `classified_as` the curators'
  label as a concept of the study's vocabulary (Linked Art names no AAT concept for a related or
  similar object: its own example classifies with a local concept); `timespan` when it was
  assigned; `used_specific_object` the models (`DigitalObject`, `<base>model/<name>`) whose
  candidates proposed the pair (Linked Art's place for an AI tool used); and `referred_to_by` a
  Description statement (aat:300435416, linked.art/model/vocab/recommended/) of the label, decision
  and agreement, or of the probability and the set's precision.
  - Verified: `carried_out_by` the curators (`Person`, the RDF export's `<base>annotator/<code>`
    and `<base>adjudicator/<code>`); the timespan runs from the first judgement to the last.
  - Calibrated: assigned by a model, which Linked Art does not let carry out an activity
    (linked.art/model/actor/): marked instead, as linked.art/model/assertion/ (section "Creation
    Details of Embedded Statements") recommends for an assignment an AI makes, with the
    `technique` artificial intelligence (aat:300456842) and `classified_as` AI Generated Content
    (aat:300456841); the timespan is when `hw calibrate` wrote the probabilities.
"""

from __future__ import annotations

from publishing.glam.contexts import LINKED_ART
from publishing.glam.links import Calibrated, Curated, GlamLink, utc_iso
from publishing.glam.records import Record
from publishing.rdf import HW, Ids

AAT = "http://vocab.getty.edu/aat/"
DISPLAY_NAME = {"id": f"{AAT}300404669", "type": "Type", "_label": "Display Name"}
DESCRIPTION = {"id": f"{AAT}300435416", "type": "Type", "_label": "Description"}
ARTIFICIAL_INTELLIGENCE = {"id": f"{AAT}300456842", "type": "Type", "_label": "artificial intelligence"}
AI_GENERATED = {"id": f"{AAT}300456841", "type": "Type", "_label": "AI Generated Content"}
RELATED_OBJECT = "Related Object"  # the display name Linked Art's related-object example gives


def linked_art_document(
    record_id: str, links: list[GlamLink], records: dict[str, Record], models: dict[str, str], ids: Ids
) -> dict:
    """The Linked Art document of `record_id` and its `links` (all seen from it); `models`: name → checkpoint."""
    record = records[record_id]
    document: dict = {"@context": LINKED_ART, "id": record.uri, "type": "HumanMadeObject", "_label": record.name}
    same = list(dict.fromkeys(link.other for link in links if link.same_object))
    if same:
        document["equivalent"] = [_object(records[other]) for other in same]
    related = [_assignment(link, records, models, ids) for link in links if not link.same_object]
    if related:
        document["attributed_by"] = related
    return document


def label_concept(label: str) -> dict:
    """The study vocabulary's concept of a curators' label ("similar object" → `hw:SimilarObject`)."""
    return {"id": str(HW["".join(word.capitalize() for word in label.split())]), "type": "Type", "_label": label}


def _object(record: Record) -> dict:
    return {"id": record.uri, "type": "HumanMadeObject", "_label": record.name}


def _assignment(link: GlamLink, records: dict[str, Record], models: dict[str, str], ids: Ids) -> dict:
    other = records[link.other]
    evidence = link.evidence
    assignment: dict = {
        "type": "AttributeAssignment",
        "_label": f"{RELATED_OBJECT}: {other.name}",
        "identified_by": [{"type": "Name", "content": RELATED_OBJECT, "classified_as": [DISPLAY_NAME]}],
        "classified_as": [label_concept(link.label)],
        "assigned": [_object(other)],
    }
    if isinstance(evidence, Calibrated):
        assignment["classified_as"].append(AI_GENERATED)
        assignment["technique"] = [ARTIFICIAL_INTELLIGENCE]
        began = ended = evidence.calibrated_at
        statement = _calibrated_statement(evidence)
    else:
        assignment["carried_out_by"] = [
            {"id": str(ids(role, code)), "type": "Person", "_label": code} for role, code in evidence.curators
        ]
        began, ended = evidence.began, evidence.ended
        statement = _verified_statement(link.label, evidence)
    used = dict.fromkeys(model for _, model, _ in link.candidates)
    if used:
        assignment["used_specific_object"] = [_model(ids, name, models.get(name)) for name in used]
    if began is not None and ended is not None:
        assignment["timespan"] = {
            "type": "TimeSpan",
            "begin_of_the_begin": utc_iso(began),
            "end_of_the_end": utc_iso(ended),
        }
    assignment["referred_to_by"] = [{"type": "LinguisticObject", "classified_as": [DESCRIPTION], "content": statement}]
    return assignment


def _model(ids: Ids, name: str, checkpoint: str | None) -> dict:
    label = f"{name} ({checkpoint})" if checkpoint else name
    return {"id": str(ids("model", name)), "type": "DigitalObject", "_label": label}


def _verified_statement(label: str, curated: Curated) -> str:
    agreement = f", agreement {curated.agreement:.2f}" if curated.agreement is not None else ""
    return f"Curators labelled the pair '{label}' ({curated.decision}, {curated.annotators} curator(s){agreement})."


def _calibrated_statement(calibrated: Calibrated) -> str:
    return (
        f"Not judged by a curator: published by the calibrated {calibrated.comparison} comparison with a "
        f"probability of {calibrated.probability:.3f}; the set of links it belongs to has an estimated "
        f"precision of {calibrated.set_precision:.3f}, at least {calibrated.set_lower_bound:.3f} at "
        f"{calibrated.confidence:.0%} confidence."
    )
