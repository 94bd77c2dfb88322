import json

from heritage_weaver import atomic
from heritage_weaver.workspace import Workspace


def test_manifest_tracks_done_and_stale(study_copy: Workspace):
    workspace = study_copy
    assert workspace.artifact_state("records/records.parquet") == "done"
    entry = workspace.manifest()["records/records.parquet"]
    assert entry["verb"] == "ingest"
    assert entry["counts"]["smg"]["accepted"] == 120
    assert set(entry["inputs"]) == {"data/smg.jsonl", "data/nms.csv"}
    assert "torch" in entry["versions"] or "python" in entry["versions"]
    # An input changes: the records are stale.
    source = workspace.path("data", "nms.csv")
    source.write_text(source.read_text() + "\n")
    assert workspace.artifact_state("records/records.parquet") == "stale"
    assert workspace.artifact_state("sampler/links.parquet") == "missing"


def test_config_change_makes_artifact_stale(study_copy: Workspace):
    config = study_copy.path("study.toml")
    config.write_text(
        config.read_text().replace('path = "data/nms.csv"', 'path = "data/nms.csv"\nimage_separator = ";"')
    )
    assert Workspace.open(study_copy.root).artifact_state("records/records.parquet") == "stale"


def test_atomic_write_leaves_no_partial_file(tmp_path):
    target = tmp_path / "a" / "b.json"
    atomic.write_json(target, {"x": 1})
    assert json.loads(target.read_text()) == {"x": 1}
    try:
        with atomic.atomic_path(target) as temporary:
            temporary.write_text("half")
            raise RuntimeError("killed")
    except RuntimeError:
        pass
    assert json.loads(target.read_text()) == {"x": 1}
    assert [p.name for p in target.parent.iterdir()] == ["b.json"]


def test_verb_states_and_status_table(study_copy: Workspace):
    from typer.testing import CliRunner

    from hw_cli.app import app

    assert study_copy.verb_states("ingest") == {
        "records/records.parquet": "done",
        "records/rejects.parquet": "done",
        "records/dropped.parquet": "done",
    }
    assert study_copy.verb_states("sample") == {}
    result = CliRunner().invoke(app, ["status", "--study", str(study_copy.root)])
    assert result.exit_code == 0, result.output
    assert "3 artifact(s) up to date" in result.output
    source = study_copy.path("data", "smg.jsonl")
    source.write_text(source.read_text() + "\n")
    assert set(Workspace.open(study_copy.root).verb_states("ingest").values()) == {"stale"}


def test_truncated_manifest_names_the_file_and_the_way_back(study_copy: Workspace):
    from typer.testing import CliRunner

    from hw_cli.app import app

    study_copy.record("records/records.parquet", "ingest", inputs=["data/smg.jsonl"], config_sections=["collections"])
    manifest = study_copy.path("manifest.json")
    good = json.loads(study_copy.path("manifest.json.bak").read_text())
    manifest.write_text(manifest.read_text()[:100])  # a copy cut short
    for verb in (["status"], ["ingest"], ["embed"]):
        result = CliRunner().invoke(app, [*verb, "--study", str(study_copy.root)])
        assert result.exit_code == 1, result.output
        text = "".join(result.output.split())  # long paths wrap anywhere
        assert "manifest.jsonisnotareadablemanifest" in text and "`hwstatus--repair-s" in text
        assert result.exception is None or isinstance(result.exception, SystemExit)
    result = CliRunner().invoke(app, ["status", "--repair", "--study", str(study_copy.root)])
    assert result.exit_code == 0, result.output
    assert "restoredthemanifestfrommanifest.json.bak" in "".join(result.output.split())
    assert json.loads(manifest.read_text()) == good
    assert len(study_copy.path("manifest.json.broken").read_text()) == 100
    assert Workspace.open(study_copy.root).artifact_state("records/records.parquet") == "done"


def test_repair_without_a_good_copy_starts_an_empty_manifest(study_copy: Workspace):
    study_copy.path("manifest.json.bak").unlink(missing_ok=True)
    study_copy.path("manifest.json").write_text('{"records/records.parquet": {"verb": "ing')
    message = study_copy.repair_manifest()
    assert message.startswith("no good copy of the manifest was found: started an empty one")
    assert study_copy.manifest() == {} and study_copy.artifact_state("records/records.parquet") == "missing"
    assert study_copy.repair_manifest().endswith("is readable; nothing to repair")


def _record_many(root: str, prefix: str, count: int) -> None:
    workspace = Workspace.open(root)
    for number in range(count):
        artifact = workspace.path("scratch", f"{prefix}-{number}.txt")
        artifact.parent.mkdir(exist_ok=True)
        artifact.write_text(prefix)
        workspace.record(artifact, "test")


def test_concurrent_writers_lose_no_manifest_entry(study_copy: Workspace):
    """Two processes recording at once (a `hw pull` beside a long `hw embed`) keep every entry."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    writers = [context.Process(target=_record_many, args=(str(study_copy.root), name, 40)) for name in ("a", "b")]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=120)
        assert writer.exitcode == 0
    recorded = [name for name in study_copy.manifest() if name.startswith("scratch/")]
    assert len(recorded) == 80
