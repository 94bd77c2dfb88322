"""How a stage ended is part of the study: a failed stage is never done, a skipped one says why."""

from __future__ import annotations

from dataclasses import replace

import pytest
import typer
from typer.testing import CliRunner

from heritage_weaver.stages import READY, UP_TO_DATE, Stage, StageSkipped, verb_status
from heritage_weaver.workspace import Workspace
from hw_cli.app import app
from hw_cli.console import execute
from hw_cli.stages import STAGES


def _write_outputs(ws: Workspace, stage: Stage) -> None:
    """The stage's outputs as a run that wrote them all would leave them: files recorded as done."""
    for number, artifact in enumerate(stage.outputs):
        filled = (
            artifact.at(**{name: f"x{number}" for name in artifact.placeholders}) if artifact.placeholders else artifact
        )
        path = filled.location(ws)
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            path.write_text("written")
        ws.record(path, stage.verb)


def _failing(error: type[Exception]):
    def run(ws, progress, options):
        raise error("the disk is full")

    return run


@pytest.mark.parametrize("stage", STAGES, ids=lambda stage: stage.verb)
def test_a_stage_that_fails_after_writing_its_outputs_is_not_done(study_copy: Workspace, stage: Stage):
    _write_outputs(study_copy, stage)
    with pytest.raises(typer.Exit) as ended:
        execute(replace(stage, run=_failing(stage.errors[0])), study_copy)
    assert ended.value.exit_code == 1

    state, why = verb_status(study_copy, stage.verb, stage)
    assert (state, why) == ("failed", "last run failed: the disk is full")
    assert stage.state(study_copy) != UP_TO_DATE

    execute(replace(stage, run=lambda ws, progress, options: None), study_copy)
    assert verb_status(study_copy, stage.verb, stage)[0] != "failed"


def test_an_interrupted_stage_is_not_done(study_copy: Workspace):
    ingest = STAGES[0]
    assert ingest.state(study_copy) == UP_TO_DATE

    with pytest.raises(KeyboardInterrupt):
        execute(replace(ingest, run=_failing(KeyboardInterrupt)), study_copy)

    assert ingest.state(study_copy) == READY
    assert verb_status(study_copy, "ingest", ingest) == ("failed", "last run failed: the disk is full")


def test_hw_run_stops_at_a_failed_stage_every_time(study_copy: Workspace):
    broken = study_copy.path("models", "base")
    broken.mkdir(parents=True)
    (broken / "config.json").write_text("{not json")
    runner = CliRunner()
    root = str(study_copy.root)

    for _ in range(2):
        result = runner.invoke(app, ["run", "--no-labelstudio", "-s", root])
        assert result.exit_code == 1, result.output
        assert "cannot load the base model" in result.output
        assert "hw embed" not in result.output

    status = runner.invoke(app, ["status", "-s", root])
    assert "failed" in status.output and "last run failed: cannot load the base" in " ".join(status.output.split())


def test_a_skip_is_recorded_and_holds_until_its_inputs_change(study_copy: Workspace):
    ingest, records = STAGES[0], STAGES[0].outputs[0]

    def skip(ws, progress, options):
        raise StageSkipped("the collections have no [images] to speak of", inputs=(records,))

    with pytest.raises(typer.Exit) as ended:
        execute(replace(ingest, run=skip), study_copy)
    assert ended.value.exit_code == 0
    assert verb_status(study_copy, "ingest", ingest) == ("skipped", "the collections have no [images] to speak of")
    assert ingest.state(study_copy) == "skipped (the collections have no [images] to speak of)"

    records.location(study_copy).write_bytes(records.location(study_copy).read_bytes() + b"\n")
    assert ingest.state(study_copy) == READY
