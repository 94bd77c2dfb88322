"""The artifact registry: one declaration per file, reads that check columns, writes that record."""

from __future__ import annotations

import importlib
import re
import stat
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from annotation.artifacts import LABEL_VALUES, LABELS
from embeddings.artifacts import INDEX
from heritage_weaver.artifacts import Artifact, ArtifactError, table
from heritage_weaver.workspace import Workspace
from hw_cli.stages import ARTIFACTS as REGISTRY
from ingest.artifacts import RECORDS
from sampler.artifacts import BATCH, ROUND_BATCH
from training.artifacts import SPLIT

PACKAGES = ("demo", "ingest", "training", "embeddings", "sampler", "annotation", "analysis", "prediction", "publishing")
DOC = Path(__file__).resolve().parents[2] / "docs" / "artifacts.md"
CLI_SPELLING = {"export": "hw push --export-only", "model": "hw model tiny"}  # verbs reached through another


def _documented_rows() -> list[tuple[str, str, str]]:
    rows = []
    for line in DOC.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\| `([^`]+)` \| `?([^|`]+?)`?(?: \((?:then|or) you\))? \| (.*) \|$", line)
        if match:
            rows.append(match.groups())
    return rows


def test_docs_list_every_registered_artifact_with_its_verb_and_columns():
    documented = {(path, verb): text for path, verb, text in _documented_rows()}
    for artifact in REGISTRY:
        path = re.sub(r"\{(\w+)\}", r"<\1>", artifact.path)
        verb = CLI_SPELLING.get(artifact.verb, f"hw {artifact.verb}")
        assert (path, verb) in documented, f"docs/artifacts.md lacks `{path}` | `{verb}`"
        missing = [c for c in artifact.columns if f"`{c}`" not in documented[(path, verb)]]
        if artifact not in (BATCH, ROUND_BATCH, LABELS):  # their columns have sections of their own
            assert not missing, f"{path}: docs do not name the column(s) {missing}"


def test_docs_list_nothing_the_registry_lacks():
    registered = {re.sub(r"\{(\w+)\}", r"<\1>", a.path) for a in REGISTRY} | {"study.toml", "manifest.json"}
    assert {path for path, _, _ in _documented_rows()} <= registered


def test_batch_and_label_sections_name_the_declared_columns():
    text = DOC.read_text(encoding="utf-8")
    batch = text.split("## Batch columns")[1].split("##")[0]
    labels = text.split("## Label columns")[1]
    assert all(f"`{c}`" in batch for c in BATCH.columns)
    assert all(f"`{c}`" in labels for c in LABELS.columns)
    assert all(f"`{value}`" in labels for value in LABEL_VALUES + LABELS.vocabularies["status"])


def test_read_names_the_verb_that_makes_a_missing_artifact(study_copy: Workspace):
    with pytest.raises(ArtifactError, match=r"training/split.parquet is missing \(run `hw train` first\)"):
        SPLIT.read(study_copy)


def test_read_checks_the_declared_columns(study_copy: Workspace):
    SPLIT.write(study_copy, pd.DataFrame({"record_id": ["a"], "collection": ["smg"], "split": ["train"]}))
    pd.DataFrame({"record_id": ["a"]}).to_parquet(SPLIT.location(study_copy))
    with pytest.raises(ArtifactError, match=r"lacks the column\(s\) \['collection', 'split'\]; run `hw train` again"):
        SPLIT.read(study_copy)
    assert list(RECORDS.read(study_copy, columns=["record_id", "name"]).columns) == ["record_id", "name"]


def test_write_refuses_a_table_without_the_declared_columns(study_copy: Workspace):
    with pytest.raises(ArtifactError, match="without the column"):
        SPLIT.write(study_copy, pd.DataFrame({"record_id": ["a"]}))
    assert not SPLIT.exists(study_copy)


def test_write_refuses_a_value_outside_the_declared_vocabulary(study_copy: Workspace):
    frame = pd.DataFrame({"record_id": ["a", "b", "c"], "collection": ["smg"] * 3, "split": ["train", "test", "dev"]})
    message = r"training/split.parquet: `hw train` produced a `split` outside its vocabulary: 'dev', 'test' \(allowed: train, eval\)"
    with pytest.raises(ArtifactError, match=message):
        SPLIT.write(study_copy, frame)
    with pytest.raises(ArtifactError, match=message):
        SPLIT.write(study_copy, pa.Table.from_pandas(frame, preserve_index=False))
    assert not SPLIT.exists(study_copy)


def test_the_vocabulary_error_names_the_first_few_values_and_counts_the_rest(study_copy: Workspace):
    artifact = table("sampler/kinds.parquet", "sample", "a test table", ("kind",), kind=("a", "b"))
    frame = pd.DataFrame({"kind": ["a", *"cdefghi"]})
    with pytest.raises(ArtifactError, match=r"'c', 'd', 'e', 'f', 'g' and 2 more \(allowed: a, b\)"):
        artifact.write(study_copy, frame)


def test_the_vocabulary_check_lets_nulls_and_allowed_values_pass(study_copy: Workspace):
    artifact = table("sampler/kinds.parquet", "sample", "a test table", ("kind",), kind=("a", "b"))
    artifact.write(study_copy, pd.DataFrame({"kind": ["a", None, float("nan"), "b"]}))
    artifact.write(study_copy, pa.table({"kind": pa.array(["b", None], pa.string()).dictionary_encode()}))
    artifact.write(study_copy, pd.DataFrame({"kind": pd.Categorical(["a", None], categories=["a", "b", "zzz"])}))
    assert artifact.read(study_copy)["kind"].isna().tolist() == [False, True]


def test_write_records_provenance_with_the_declared_sections(study_copy: Workspace):
    frame = pd.DataFrame({"record_id": ["a"], "collection": ["smg"], "split": ["eval"]})
    SPLIT.write(study_copy, frame, inputs=[RECORDS], records_eval=1)
    entry = study_copy.manifest()[SPLIT.path]
    assert entry["verb"] == "train" and entry["config_sections"] == list(SPLIT.sections)
    assert list(entry["inputs"]) == [RECORDS.path] and entry["records_eval"] == 1
    assert study_copy.artifact_state(SPLIT.path) == "done"


def test_templates_fill_partly_and_list_their_instances(study_copy: Workspace):
    assert INDEX.at(model="base", modality="text").path == "indexes/base/text-{collection}.faiss"
    with pytest.raises(ValueError, match="fill"):
        BATCH.location(study_copy)
    for annotator in ("A02", "A01"):
        BATCH.at(annotator=annotator).location(study_copy).parent.mkdir(parents=True, exist_ok=True)
        BATCH.at(annotator=annotator).location(study_copy).write_bytes(b"")
    assert [p.stem for p in BATCH.instances(study_copy)] == ["A01", "A02"]


@pytest.mark.parametrize("package", PACKAGES)
def test_each_package_lists_every_artifact_its_module_declares_once_in_order(package: str):
    module = importlib.import_module(f"{package}.artifacts")
    declared = [
        value for value in vars(module).values() if isinstance(value, Artifact) and value not in _imported(module)
    ]
    assert len({id(a) for a in declared}) == len(declared)  # no artifact bound to two names
    assert [id(a) for a in module.ARTIFACTS] == [id(a) for a in declared]
    assert all(a in REGISTRY for a in declared)


def _imported(module) -> list[Artifact]:
    """Artifacts a module imported from another package's declarations (read, not declared, there)."""
    return [
        value
        for other in PACKAGES
        if other != module.__name__.split(".")[0]
        for value in vars(importlib.import_module(f"{other}.artifacts")).get("ARTIFACTS", ())
    ]


def test_every_path_is_declared_once_per_verb():
    keys = [(a.path, a.verb) for a in REGISTRY]
    assert len(keys) == len(set(keys))


def test_batches_and_labels_are_readable_by_the_studys_owner_only(study_copy: Workspace):
    records = pd.read_parquet(study_copy.path("records", "records.parquet"))
    batch = pd.DataFrame({column: ["x"] for column in BATCH.columns})
    BATCH.at(annotator="A09").write(study_copy, batch)
    RECORDS.write(study_copy, records)
    for artifact, folder in ((BATCH.at(annotator="A09"), "sampler"), (RECORDS, None)):
        assert stat.S_IMODE(artifact.location(study_copy).stat().st_mode) == 0o600  # every atomic write
        if folder:  # scores, strata and flags: unblinding data
            assert stat.S_IMODE(study_copy.path(folder).stat().st_mode) == 0o700


def test_a_label_outside_the_protocol_is_kept_for_analyze_to_set_aside(study_copy: Workspace):
    row = {column: None for column in LABELS.columns} | {"label": "maybe", "status": "labelled", "is_latest": True}
    LABELS.write(study_copy, pd.DataFrame([row]))
    assert LABELS.read(study_copy)["label"].tolist() == ["maybe"]
