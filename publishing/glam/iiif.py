"""The links as IIIF Web Annotations: one AnnotationPage per record with links.

A record's page is `<base>iiif/<key>.json` (`key`: the first 16 hex digits of the SHA-256 of the
record id), the file `publishing/iiif/<key>.json`: publish the folder at `<base>iiif/` and the ids
resolve. It holds one annotation per link seen from the record (the W3C Web Annotation Data Model,
as IIIF Presentation 3 embeds it), with `id` `<page>#<pair_id>` (`#<comparison>/<pair_id>` for a
calibrated link) and:

- `motivation`: `linking`;
- `target`: the record's IIIF manifest or canvas where known (publishing.glam.records), else its URI;
- `body`: the linked record, its URI with `type` `Text` (a catalogue record) and its name as `label`
  (a IIIF language map under `none`: names are stored without their language); then a `TextualBody`
  (`purpose` `describing`) saying the same in words ("Similar object: <name> (verified by curators)"),
  which is what viewers such as Mirador list, since they show a body's `value`;
- `creator`: the curators (`Person`, `<base>annotator/<code>`, `<base>adjudicator/<code>`) of a
  verified link, or the models whose candidates a calibrated link was calibrated from (`Software`,
  `<base>model/<name>`); `created`: the last judgement, or when `hw calibrate` wrote the
  probabilities;
- `hw:` properties (the RDF export's vocabulary, `urn:heritage-weaver:vocab:`): `hw:statement` (the
  link's statement in the RDF export, with its full provenance), `hw:relation` (its SKOS relation)
  and `hw:candidates` (`hw:comparison`, `hw:model`, `hw:score` of each model that proposed the pair;
  comparisons and models are the RDF export's nodes, `<base>comparison/<name>`, `<base>model/<name>`);
  a verified link adds `hw:label`, `hw:decision`, `hw:agreement` and `hw:annotatorCount`, a
  calibrated one `hw:comparison`, `hw:probability`, and its set's `hw:setPrecision`,
  `hw:setPrecisionLowerBound` and `hw:confidence`.

The page's `@context` is a small one for the `hw:` terms, the Web Annotation context, then IIIF
Presentation 3's (last, as IIIF requires of extensions). IIIF's context brings in the Web Annotation
terms only through type-scoped definitions, and those do not reach an annotation nested in a page
(type-scoped contexts do not propagate): without the Web Annotation context at the top, rdflib
reads no `motivation`, `body` or `target`.
"""

from __future__ import annotations

import hashlib
from urllib.parse import quote

from rdflib.namespace import SKOS

from publishing.glam.contexts import IIIF_PRESENTATION, WEB_ANNOTATION
from publishing.glam.links import Calibrated, Curated, GlamLink, utc_iso
from publishing.glam.records import Record
from publishing.rdf import HW, Ids

# the terms whose values are URIs: the RDF export's nodes (statements, comparisons, models) and SKOS relations
HW_TERMS = {
    "hw": str(HW),
    **{f"hw:{term}": {"@type": "@id"} for term in ("statement", "relation", "comparison", "model")},
}
PAGE_CONTEXT = [HW_TERMS, WEB_ANNOTATION, IIIF_PRESENTATION]
NO_LANGUAGE = "none"  # IIIF's language-map key for a text of unknown language


def page_key(record_id: str) -> str:
    """The file name stem of a record's page (record ids may hold any character)."""
    return hashlib.sha256(record_id.encode("utf-8")).hexdigest()[:16]


def page_id(ids: Ids, record_id: str) -> str:
    return str(ids("iiif", f"{page_key(record_id)}.json"))


def annotation_page(record_id: str, links: list[GlamLink], records: dict[str, Record], ids: Ids) -> dict:
    """The AnnotationPage of `record_id`'s `links` (all seen from it)."""
    page = page_id(ids, record_id)
    return {
        "@context": PAGE_CONTEXT,
        "id": page,
        "type": "AnnotationPage",
        "label": {NO_LANGUAGE: [f"Links of {records[record_id].name}"]},
        "items": [_annotation(page, link, records, ids) for link in links],
    }


def _annotation(page: str, link: GlamLink, records: dict[str, Record], ids: Ids) -> dict:
    other = records[link.other]
    evidence = link.evidence
    if isinstance(evidence, Calibrated):
        fragment = f"{quote(evidence.comparison, safe='')}/{link.pair_id}"
        creators = [{"id": str(ids("model", m)), "type": "Software", "name": m} for _, m, _ in link.candidates]
        when = evidence.calibrated_at
        stated = _calibrated_properties(evidence, ids)
    else:
        fragment = link.pair_id
        creators = [{"id": str(ids(role, code)), "type": "Person", "name": code} for role, code in evidence.curators]
        when = evidence.ended
        stated = _verified_properties(link.label, evidence)
    annotation: dict = {
        "id": f"{page}#{fragment}",
        "type": "Annotation",
        "motivation": "linking",
        "body": [
            {"id": other.uri, "type": "Text", "label": {NO_LANGUAGE: [other.name]}},
            {"type": "TextualBody", "purpose": "describing", "format": "text/plain", "value": _words(link, other.name)},
        ],
        "target": records[link.record].target,
    }
    if creators:
        annotation["creator"] = creators
    if when is not None:
        annotation["created"] = utc_iso(when)
    annotation["hw:statement"] = link.statement
    annotation["hw:relation"] = str(SKOS[link.relation.removeprefix("skos:")])
    annotation["hw:candidates"] = [
        {"hw:comparison": str(ids("comparison", comparison)), "hw:model": str(ids("model", model)), "hw:score": score}
        for comparison, model, score in link.candidates
    ]
    return annotation | stated


def _words(link: GlamLink, name: str) -> str:
    """The link in words, for a viewer's list of annotations."""
    evidence = link.evidence
    if isinstance(evidence, Calibrated):
        how = f"calibrated, probability {evidence.probability:.2f}; not judged by a curator"
    else:
        how = "verified by curators"
    return f"{link.label.capitalize()}: {name} ({how})"


def _verified_properties(label: str, curated: Curated) -> dict:
    stated: dict = {"hw:label": label, "hw:decision": curated.decision}
    if curated.agreement is not None:
        stated["hw:agreement"] = curated.agreement
    stated["hw:annotatorCount"] = curated.annotators
    return stated


def _calibrated_properties(calibrated: Calibrated, ids: Ids) -> dict:
    return {
        "hw:comparison": str(ids("comparison", calibrated.comparison)),
        "hw:probability": calibrated.probability,
        "hw:setPrecision": calibrated.set_precision,
        "hw:setPrecisionLowerBound": calibrated.set_lower_bound,
        "hw:confidence": calibrated.confidence,
    }
