"""The one ordered verb list: what `hw run` would do at each point of a study, and what `hw status` lists."""

import re

from typer.testing import CliRunner

from heritage_weaver.workspace import StageOutcome, Workspace
from hw_cli.app import app
from hw_cli.stages import ARTIFACTS as REGISTRY
from hw_cli.stages import VERBS, plan


def _states(workspace: Workspace, **options) -> dict[str, str]:
    return {verb.name: verb.stage.state(workspace) for verb in plan(**options)}


def test_plan_after_ingest(study_copy: Workspace):
    states = _states(study_copy)
    assert states["ingest"] == "up to date"
    assert states["fetch-images"] == "no image URLs to fetch"
    assert states["model"] == "ready"  # the demo builds its own base model
    assert states["train"].startswith("needs the base model at")
    assert states["sample"] == "needs embeddings/{model}/units.parquet"
    assert states["push"] == "needs sampler/batches/{annotator}.parquet"
    assert states["analyze"] == "needs annotation/labels.parquet"
    assert states["calibrate"] == "needs sampler/links.parquet, analysis/labelled.parquet"
    assert states["predict"] == "needs training/split.parquet, embeddings/{model}/units.parquet"
    assert states["report"] == "ready"
    assert list(states) == [
        "ingest",
        "fetch-images",
        "model",
        "train",
        "embed",
        "index",
        "sample",
        "push",
        "simulate-labels",
        "pull",
        "analyze",
        "calibrate",
        "evaluate",
        "predict",
        "report",
        "export-links",
    ]


def test_plan_without_labelstudio_exports_instead(study_copy: Workspace):
    verbs = [verb.name for verb in plan(labelstudio=False)]
    assert "push" not in verbs and "pull" not in verbs and verbs.index("export") == verbs.index("sample") + 1


def test_changed_input_makes_the_stage_ready_again(study_copy: Workspace):
    source = study_copy.path("data", "nms.csv")
    source.write_text(source.read_text() + "\n")
    assert _states(study_copy)["ingest"] == "ready"


def test_every_stage_has_a_verb_and_declared_outputs():
    registered = [command.name or command.callback.__name__.replace("_", "-") for command in app.registered_commands]
    for verb in VERBS:
        assert all(output in REGISTRY for output in verb.stage.outputs), verb.name
        if verb.command is not None:
            assert verb.name in registered
    stage_verbs = [verb.name for verb in VERBS if verb.command is not None]
    assert registered[2 : 2 + len(stage_verbs)] == stage_verbs  # the CLI lists the stages in study order
    assert len({verb.name for verb in VERBS}) == len(VERBS)  # one verb per stage


def _status_verbs(workspace: Workspace) -> list[str]:
    result = CliRunner().invoke(app, ["status", "--study", str(workspace.root)], terminal_width=200)
    assert result.exit_code == 0, result.output
    return re.findall(r"(?m)^│ (\S+(?: [^\s│]+)*) +│", result.output)


def test_status_lists_only_the_stages_of_the_study_route(study_copy: Workspace):
    verbs = _status_verbs(study_copy)
    assert "push" in verbs and "pull" in verbs and "export" not in verbs  # `hw run`'s default: Label Studio
    batch = study_copy.path("annotation", "import", "A01.json")
    batch.parent.mkdir(parents=True)
    batch.write_text("[]")
    study_copy.record(batch, "export")  # import files written, nothing pushed: the route without a server
    verbs = _status_verbs(study_copy)
    assert "export" in verbs and "push" not in verbs and "pull" not in verbs
    assert verbs.index("export") == verbs.index("sample") + 1
    ledger = study_copy.path("annotation", "ledger.parquet")
    ledger.write_text("")
    study_copy.record(ledger, "push")  # pushed as well: both routes' stages, in stage order
    verbs = _status_verbs(study_copy)
    assert verbs.index("push") < verbs.index("pull") < verbs.index("export") < verbs.index("analyze")


def test_a_study_of_curators_has_no_simulation_stages(study_copy: Workspace):
    assert {"model", "simulate-labels"} <= set(_status_verbs(study_copy))  # the demo: a simulation
    config = study_copy.path("study.toml")
    config.write_text(config.read_text().replace("simulation = true", "simulation = false"))
    study = Workspace.open(study_copy.root)

    verbs = _status_verbs(study)
    assert "model" not in verbs and "simulate-labels" not in verbs and "push" in verbs
    ran = CliRunner().invoke(app, ["run", "--dry-run", "-s", str(study.root)], terminal_width=200)
    assert "simulate-labels" not in ran.output and "model:" not in ran.output and "push:" in ran.output


def test_status_lists_the_verdict_stages_once_used_and_run_never_runs_them(study_copy: Workspace):
    assert not {"verify push", "verify pull"} & set(_status_verbs(study_copy))
    assert not {"verify push", "verify pull"} & {verb.name for verb in plan()}
    study_copy.record_outcome("verify push", StageOutcome("done"))  # it writes into the ledger, no file of its own
    verdicts = study_copy.path("predict", "material", "verdicts.parquet")
    verdicts.parent.mkdir(parents=True)
    verdicts.write_text("")
    study_copy.record(verdicts, "verify pull")
    result = CliRunner().invoke(app, ["status", "--study", str(study_copy.root)], terminal_width=200)
    rows = {
        verb: line for line in result.output.splitlines() for verb in ("verify push", "verify pull") if verb in line
    }
    assert "done" in rows["verify push"] and "done" in rows["verify pull"]
    verbs = _status_verbs(study_copy)
    assert verbs.index("predict") < verbs.index("verify push") < verbs.index("verify pull")
