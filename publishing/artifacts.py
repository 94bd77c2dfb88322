"""The files the publishing package writes (declared with the core's artifact mechanism)."""

from __future__ import annotations

from heritage_weaver.artifacts import Artifact, file, folder, table

PUBLISHING_SECTIONS = ("study", "collections", "models", "comparisons", "publishing")
PUBLISHED_LINKS = table(
    "publishing/links.parquet",
    "export-links",
    "one row per verified link with its provenance",
    (
        "pair_id",
        "record_a",
        "collection_a",
        "record_b",
        "collection_b",
        "label",
        "relation",
        "decision",
        "agreement",
        "n_annotators",
    ),
    PUBLISHING_SECTIONS,
)
PUBLISHED_CSV = file("publishing/links.csv", "export-links", "the verified links as CSV", sections=PUBLISHING_SECTIONS)
PUBLISHED_TURTLE = file(
    "publishing/links.ttl", "export-links", "the verified links as RDF (Turtle)", sections=PUBLISHING_SECTIONS
)
PUBLISHED_JSONLD = file(
    "publishing/links.jsonld", "export-links", "the verified links as RDF (JSON-LD)", sections=PUBLISHING_SECTIONS
)
PUBLISHED_CALIBRATED = table(
    "publishing/calibrated_links.parquet",
    "export-links",
    "`--precision`: one row per comparison and unjudged link above its publishable threshold, with its probability",
    ("pair_id", "comparison", "record_a", "record_b", "relation", "probability", "threshold", "set_lower_bound"),
    PUBLISHING_SECTIONS,
)
PUBLISHED_CALIBRATED_CSV = file(
    "publishing/calibrated_links.csv", "export-links", "the calibrated links as CSV", sections=PUBLISHING_SECTIONS
)
PUBLISHED_CALIBRATED_NT = file(
    "publishing/calibrated_links.nt",
    "export-links",
    "the calibrated links, their sets and calibrations as RDF (N-Triples, written a part at a time)",
    sections=PUBLISHING_SECTIONS,
)
PUBLISHED_IIIF = folder(
    "publishing/iiif",
    "export-links",
    "one IIIF AnnotationPage of W3C Web Annotations per record with links (`<key>.json`)",
    sections=PUBLISHING_SECTIONS,
)
PUBLISHED_LINKED_ART = folder(
    "publishing/linked_art",
    "export-links",
    "one Linked Art HumanMadeObject document per record with links (`<key>.json`)",
    sections=PUBLISHING_SECTIONS,
)
GLAM_INDEX_COLUMNS = (
    "record_id",
    "uri",
    "name",
    "file",
    "iiif_page",
    "iiif_target",
    "iiif_target_type",
    "annotations",
    "equivalents",
    "related",
)
PUBLISHED_GLAM_INDEX = file(
    "publishing/glam_records.csv",
    "export-links",
    "which IIIF page and Linked Art document are each record's",
    sections=PUBLISHING_SECTIONS,
    columns=GLAM_INDEX_COLUMNS,
)

# Every file above, once, in declaration order (a test checks that none is left out).
ARTIFACTS: tuple[Artifact, ...] = (
    PUBLISHED_LINKS,
    PUBLISHED_CSV,
    PUBLISHED_TURTLE,
    PUBLISHED_JSONLD,
    PUBLISHED_CALIBRATED,
    PUBLISHED_CALIBRATED_CSV,
    PUBLISHED_CALIBRATED_NT,
    PUBLISHED_IIIF,
    PUBLISHED_LINKED_ART,
    PUBLISHED_GLAM_INDEX,
)
