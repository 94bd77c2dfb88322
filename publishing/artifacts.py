"""The artifacts `hw export-links` reads and writes, with the columns it relies on.

Declared once here so they can move to the core's artifact registry unchanged.
"""

from __future__ import annotations

LABELS = "annotation/labels.parquet"
LABEL_COLUMNS = ("pair_id", "annotator", "label", "status", "updated_at", "is_latest")
# Optional columns of labels.parquet: a pair's adjudicated label (and who decided it) overrides the vote.
ADJUDICATED_LABEL = "adjudicated_label"
ADJUDICATOR = "adjudicator"
BATCHES = "sampler/batches"
BATCH_COLUMNS = ("pair_id", "record_a", "collection_a", "record_b", "collection_b")
THRESHOLDS = "sampler/thresholds.parquet"
THRESHOLD_COLUMNS = ("model", "comparison", "threshold", "percentile", "mode")

# The study protocol's labels as annotation/labels.parquet holds them, most specific first.
LABEL_VALUES = ("same object", "similar object", "same category", "unrelated")

OUTPUTS = {
    "csv": "publishing/links.csv",
    "parquet": "publishing/links.parquet",
    "turtle": "publishing/links.ttl",
    "json-ld": "publishing/links.jsonld",
}
CONFIG_SECTIONS = ("study", "collections", "models", "comparisons", "publishing")
