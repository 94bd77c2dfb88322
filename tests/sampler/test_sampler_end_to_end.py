"""Real parts: tiny SigLIP checkpoints, `hw embed` and its vector store, then `hw sample`."""

import pandas as pd
import pytest
from typer.testing import CliRunner

from hw_cli.app import app


@pytest.mark.slow
def test_sample_after_real_embeddings(study_copy):
    runner = CliRunner()
    root = str(study_copy.root)
    for seed, model in enumerate(study_copy.config.models):
        built = runner.invoke(app, ["model", "tiny", model, "--study", root, "--seed", str(seed)])
        assert built.exit_code == 0, built.output
    embedded = runner.invoke(app, ["embed", "--study", root])
    assert embedded.exit_code == 0, embedded.output

    sampled = runner.invoke(app, ["sample", "--study", root])
    assert sampled.exit_code == 0, sampled.output
    thresholds = pd.read_parquet(study_copy.path("sampler", "thresholds.parquet"))
    units = pd.read_parquet(study_copy.path("embeddings", "base", "units.parquet"))
    smg, nms = study_copy.config.collection_pair
    text_records = units[units["modality"] == "text"].groupby("collection")["record_id"].nunique()
    text = thresholds.query("model == 'base' and comparison == 'text-text'").iloc[0]
    assert text.record_pairs == text_records[smg] * text_records[nms]
    assert text.links >= text.record_pairs * 0.01
    sampling = study_copy.config.sampling
    for annotator in sampling.annotators:
        batch = pd.read_parquet(study_copy.path("sampler", "batches", f"{annotator}.parquet"))
        assert len(batch) == sampling.per_annotator + sampling.controls
        assert set(batch["record_a"]) <= set(units["record_id"]) and (batch["collection_a"] == smg).all()
