from heritage_weaver.pipeline import plan, step_state
from heritage_weaver.workspace import Workspace


def _states(workspace: Workspace, **options) -> dict[str, str]:
    return {step.verb: step_state(workspace, step) for step in plan(workspace, **options)}


def test_plan_after_ingest(study_copy: Workspace, monkeypatch):
    monkeypatch.delenv("LABEL_STUDIO_API_KEY", raising=False)
    states = _states(study_copy)
    assert states["ingest"] == "up to date"
    assert states["fetch-images"] == "no image URLs to fetch"
    assert states["model"] == "ready"  # the demo builds its own base model
    assert states["train"].startswith("needs the base model at")
    assert states["sample"] == "needs embeddings"
    assert states["push"] == "needs sampler/batches"
    assert states["analyze"] == "needs annotation/labels.parquet"
    assert states["report"] == "ready"
    assert list(states) == ["ingest", "fetch-images", "model", "train", "embed", "index", "sample", "push",
                            "simulate-labels", "pull", "analyze", "evaluate", "report"]


def test_plan_without_labelstudio_exports_instead(study_copy: Workspace):
    verbs = [step.verb for step in plan(study_copy, labelstudio=False)]
    assert "push" not in verbs and "pull" not in verbs and "export" in verbs


def test_changed_input_makes_the_step_ready_again(study_copy: Workspace):
    source = study_copy.path("data", "nms.csv")
    source.write_text(source.read_text() + "\n")
    assert _states(study_copy)["ingest"] == "ready"
