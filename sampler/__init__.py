"""Sampler stage: record-pair scores, percentile thresholds, agreement strata, blind annotator batches."""
