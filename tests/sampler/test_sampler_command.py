"""`hw sample` on a real (small, ingested) demo workspace, with synthetic vectors in place of `hw embed`."""

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from sampler_fakes import unit_rows
from typer.testing import CliRunner

import embeddings.artifacts.vectors
from hw_cli.app import app


@pytest.fixture
def vectors(study_copy, monkeypatch):
    records = pd.read_parquet(study_copy.path("records", "records.parquet"))
    rng = np.random.default_rng(0)
    data = {}
    for model in study_copy.config.models:
        for modality, most in (("text", 3), ("image", 2)):
            counts = rng.integers(0 if modality == "image" else 1, most + 1, len(records))
            units = pd.DataFrame(
                {
                    "record_id": np.repeat(records["record_id"], counts),
                    "collection": np.repeat(records["collection"], counts),
                    "modality": modality,
                }
            )
            data[(model, modality)] = (units.reset_index(drop=True), unit_rows(rng.normal(size=(len(units), 16))))

    def load_vectors(ws, model, modality=None, collection=None):
        units, matrix = data[(model, modality)]
        keep = (units["collection"] == collection).to_numpy()
        return units[keep].reset_index(drop=True), matrix[keep]

    monkeypatch.setattr(embeddings.artifacts.vectors, "load_vectors", load_vectors)
    return data


def test_sample_writes_artifacts_manifest_and_summary(study_copy, vectors):
    runner = CliRunner()
    result = runner.invoke(app, ["sample", "--study", str(study_copy.root)])
    assert result.exit_code == 0, result.output
    print(result.output)
    assert "Thresholds" in result.output and "Links per stratum" in result.output

    thresholds = pd.read_parquet(study_copy.path("sampler", "thresholds.parquet"))
    assert len(thresholds) == len(study_copy.config.models) * len(study_copy.config.comparisons)
    assert (thresholds["mode"] == "record").all() and (thresholds["percentile"] == 99).all()
    links = pq.read_table(study_copy.path("sampler", "links.parquet"))
    assert links.num_rows > 0
    manifest = study_copy.manifest()
    for annotator in study_copy.config.sampling.annotators:
        name = f"sampler/batches/{annotator}.parquet"
        batch = pd.read_parquet(study_copy.path(name))
        assert batch.columns[0] == "pair_id" and 0 < len(batch) <= study_copy.config.sampling.per_annotator
        entry = manifest[name]
        assert entry["verb"] == "sample" and entry["seed"] == study_copy.config.study.seed
        assert set(entry["inputs"]) >= {f"embeddings/{m}" for m in study_copy.config.models}
    assert study_copy.artifact_state("sampler/links.parquet") == "done"

    first_batch = pd.read_parquet(study_copy.path("sampler", "batches", "A01.parquet"))
    again = runner.invoke(app, ["sample", "--study", str(study_copy.root)])
    assert again.exit_code == 0 and "up to date" in again.output
    forced = runner.invoke(app, ["sample", "--study", str(study_copy.root), "--force"])
    assert forced.exit_code == 0, forced.output
    pd.testing.assert_frame_equal(pd.read_parquet(study_copy.path("sampler", "batches", "A01.parquet")), first_batch)


def test_missing_model_is_a_clean_error(study_copy, vectors, monkeypatch):
    def missing(ws, model, modality=None, collection=None):
        raise FileNotFoundError(f"embeddings/{model}/units.parquet: no embeddings for model {model!r}")

    monkeypatch.setattr(embeddings.artifacts.vectors, "load_vectors", missing)
    result = CliRunner().invoke(app, ["sample", "--study", str(study_copy.root)])
    assert result.exit_code == 1
    assert "no vectors" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("rule", ["percentile", "top_k"])
def test_the_ray_engine_gives_the_local_engines_links_and_batches(study_copy, vectors, monkeypatch, rule):
    config = study_copy.path("study.toml")
    config.write_text(config.read_text().replace('link_rule = "percentile"', f'link_rule = "{rule}"'))
    runner = CliRunner()
    assert runner.invoke(app, ["sample", "--study", str(study_copy.root)]).exit_code == 0
    local = {
        name: pd.read_parquet(study_copy.path("sampler", *name.split("/")))
        for name in ("thresholds.parquet", "links.parquet", "batches/A01.parquet")
    }
    monkeypatch.setenv("HW_ENGINE", "ray")
    result = runner.invoke(app, ["sample", "--study", str(study_copy.root), "--force"])
    assert result.exit_code == 0, result.output
    assert "sampling on the ray engine (chosen by $HW_ENGINE)" in result.output
    for name, frame in local.items():
        pd.testing.assert_frame_equal(pd.read_parquet(study_copy.path("sampler", *name.split("/"))), frame)
    manifest = study_copy.manifest()["sampler/links.parquet"]
    assert manifest["link_rule"] == rule and manifest["score_store"] == "recompute"
    refused = runner.invoke(app, ["sample", "--study", str(study_copy.root), "--force", "--engine", "spark"])
    assert refused.exit_code == 1 and "--engine = 'spark': the engine must be one of ['local', 'ray']" in refused.output
