"""The verbs end to end: `hw model tiny`, `hw embed`, `hw index`, `hw search`."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from embeddings.artifacts.vectors import load_vectors
from hw_cli.app import app


def test_model_embed_index_search(small_study):
    runner = CliRunner()
    study = ["--study", str(small_study.root)]
    checkpoint = small_study.path("models", "base")
    built = runner.invoke(app, ["model", "tiny", "base", *study, "--seed", "1"])
    assert built.exit_code == 0, built.output
    assert (checkpoint / "config.json").is_file() and small_study.manifest()["models/base"]["seed"] == 1

    embedded = runner.invoke(
        app, ["embed", *study], env={"COLUMNS": "200"}
    )  # ft-best and ft-last have no checkpoint: skipped
    assert embedded.exit_code == 0, embedded.output
    units, vectors = load_vectors(small_study, "base")
    assert len(units) == len(vectors) > 0
    assert "units = embedded + failed" in embedded.stdout and "repeats dropped" in embedded.stdout
    unknown = runner.invoke(app, ["embed", *study, "--model", "nope"])
    assert unknown.exit_code == 1 and "unknown model" in unknown.output

    indexed = runner.invoke(app, ["index", *study])
    assert indexed.exit_code == 0 and "built" in indexed.stdout
    found = runner.invoke(app, ["search", *study, "--text", units.loc[0, "record_id"], "-k", "2", "--json"])
    assert found.exit_code == 0 and len(json.loads(found.stdout)) == 2
    table = runner.invoke(app, ["search", *study, "--text", "telephone", "-k", "2"])
    assert table.exit_code == 0 and "score" in table.stdout
