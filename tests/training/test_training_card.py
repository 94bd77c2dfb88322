"""Model cards and `hw model export` on the tiny SigLIP: the card `hw train` writes, the results
`hw evaluate` adds, and a folder that transformers loads as a hub checkpoint would load."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import torch
import yaml
from training_fixtures import make_training_study, set_training_options
from typer.testing import CliRunner

from analysis.evaluate import run_evaluate
from embeddings.stage import EmbedOptions, run_embed
from heritage_weaver.progress import SILENT
from heritage_weaver.workspace import Workspace
from hw_cli.app import app
from training.run import train_study

LICENSE = "cc-by-4.0"
CHECKPOINTS = ("ft-best", "ft-last")


def split_card(text: str) -> tuple[dict, str]:
    """The card's YAML metadata (parsed) and its Markdown body."""
    match = re.match(r"---\n(.*?)\n---\n(.*)", text, re.DOTALL)
    assert match, "the card does not open with YAML metadata between --- lines"
    return yaml.safe_load(match.group(1)), match.group(2)


@pytest.fixture(scope="module")
def trained_cards(
    ingested_study: Workspace, tiny_base: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Workspace, dict[str, str]]:
    """A trained tiny study whose [study] sets a licence, and the cards `hw train` wrote."""
    ws = make_training_study(ingested_study, tiny_base, tmp_path_factory.mktemp("cards") / "study")
    config = ws.path("study.toml")
    config.write_text(config.read_text().replace("[study]\n", f'[study]\nlicense = "{LICENSE}"\n', 1))
    ws = Workspace.open(ws.root)
    train_study(ws)
    return ws, {name: ws.path("models", name, "README.md").read_text() for name in CHECKPOINTS}


@pytest.fixture(scope="module")
def evaluated(trained_cards: tuple[Workspace, dict[str, str]]) -> tuple[Workspace, list[Path]]:
    """The same study embedded with every model and evaluated; what `hw evaluate` wrote."""
    ws, _ = trained_cards
    run_embed(ws, SILENT, EmbedOptions())
    return ws, run_evaluate(ws, list(ws.config.models))


def test_train_writes_a_card_with_hub_metadata_data_and_settings(trained_cards):
    ws, cards = trained_cards
    split = pd.read_parquet(ws.path("training", "split.parquet"))
    pairs = pd.read_parquet(ws.path("training", "pairs.parquet"))
    records = pd.read_parquet(ws.path("records", "records.parquet"))
    evaluations = pd.read_parquet(ws.path("training", "metrics.parquet")).query("split == 'eval'")
    for name in CHECKPOINTS:
        metadata, body = split_card(cards[name])
        assert metadata["library_name"] == "transformers"
        assert metadata["pipeline_tag"] == "zero-shot-image-classification"
        assert metadata["license"] == LICENSE
        assert "siglip" in metadata["tags"] and metadata["language"] == ["en"]
        assert "base_model" not in metadata  # the base is a local folder, not a hub id
        assert "model-index" not in metadata and "Not evaluated with these weights yet" in body
        for collection in ("smg", "nms"):
            held = split.loc[split["collection"] == collection, "split"]
            paired = pairs.loc[pairs["collection"] == collection, "split"]
            row = (
                f"| {collection} | {(records['collection'] == collection).sum()} | {(held == 'train').sum()} | "
                f"{(held == 'eval').sum()} | {(paired == 'train').sum()} | {(paired == 'eval').sum()} |"
            )
            assert row in body
        for epoch, loss in zip(evaluations["epoch"], evaluations["loss"]):
            assert f"| {epoch + 1} | {loss:.4f} |" in body
        for section in ("## Training procedure", "## Intended use", "## Limitations", "## How to load"):
            assert section in body
        assert "Collection bias" in body and "English-only text" in body and "AutoModel.from_pretrained" in body
        assert ws.manifest()[f"models/{name}/README.md"]["verb"] == "train"
        assert ws.artifact_state(f"models/{name}/README.md") == "done"
    best_epoch = int(evaluations.loc[evaluations["loss"].idxmin(), "epoch"]) + 1
    assert f"lowest evaluation loss (epoch {best_epoch} of 2)" in cards["ft-best"]
    assert "after the last epoch (epoch 2)" in cards["ft-last"]


def test_evaluate_puts_the_studys_results_on_the_cards(evaluated):
    ws, written = evaluated
    assert {ws.relative(p) for p in written} >= {f"models/{name}/README.md" for name in CHECKPOINTS}
    zero_shot = pd.read_parquet(ws.path("analysis", "zero_shot.parquet"))
    cross = pd.read_parquet(ws.path("analysis", "retrieval_cross_modal.parquet")).set_index(["model", "direction"])
    held_out = (pd.read_parquet(ws.path("training", "split.parquet"))["split"] == "eval").sum()
    for name in CHECKPOINTS:
        metadata, body = split_card(ws.path("models", name, "README.md").read_text())
        mine = zero_shot[zero_shot["model"] == name].sort_values(["data", "target", "candidates"])
        (result,) = metadata["model-index"][0]["results"]
        assert result["task"]["type"] == "zero-shot-image-classification"
        assert [m["value"] for m in result["metrics"]] == [round(a, 4) for a in mine["accuracy"]]
        base = zero_shot[zero_shot["model"] == "base"].set_index(["data", "target", "candidates"])["accuracy"]
        for row in mine.itertuples():
            before = base[(row.data, row.target, row.candidates)]
            cells = f"{row.accuracy:.3f} | {before:.3f} | {row.accuracy - before:+.3f}"
            assert f"| {row.data} | {row.target} | {row.candidates} | {cells} |" in body
        for direction in ("text→image", "image→text"):
            theirs, own = cross.loc[("base", direction)], cross.loc[(name, direction)]
            relevance = f"{own.relevance_mean:.3f} | {theirs.relevance_mean:.3f}"
            found = f"{own.found:.3f} | {theirs.found:.3f}"
            assert re.search(rf"\| {direction} \| 10 \| {relevance} \| \S+ \| {found} \|", body)
        assert f"on the {held_out} held-out records" in body


def test_the_card_loads_with_huggingface_hub(evaluated):
    hub = pytest.importorskip("huggingface_hub")
    ws, _ = evaluated
    card = hub.ModelCard.load(ws.path("models", "ft-best", "README.md"))
    assert card.data.license == LICENSE and card.data.library_name == "transformers"
    zero_shot = pd.read_parquet(ws.path("analysis", "zero_shot.parquet")).query("model == 'ft-best'")
    assert sorted(r.metric_value for r in card.data.eval_results) == sorted(round(a, 4) for a in zero_shot["accuracy"])
    assert card.text.lstrip().startswith("# ")


def test_a_card_shows_no_results_of_other_weights(evaluated, tmp_path: Path):
    ws, _ = evaluated
    shutil.copytree(ws.root, tmp_path / "study")
    retrained = set_training_options(Workspace.open(tmp_path / "study"), learning_rate=1e-3)
    train_study(retrained, restart=True)  # new weights; the vectors and the evaluation are of the old ones
    metadata, body = split_card(retrained.path("models", "ft-best", "README.md").read_text())
    assert "model-index" not in metadata and "Not evaluated with these weights yet" in body


def test_model_export_writes_a_folder_transformers_loads(evaluated, tmp_path: Path):
    from transformers import AutoModel

    ws, _ = evaluated
    target = tmp_path / "upload" / "ft-best"
    runner = CliRunner()
    exported = runner.invoke(app, ["model", "export", "ft-best", str(target), "--study", str(ws.root)])
    assert exported.exit_code == 0, exported.output
    names = {p.name for p in target.iterdir()}
    assert {
        "README.md",
        "config.json",
        "model.safetensors",
        "preprocessor_config.json",
        "tokenizer_config.json",
    } <= names
    assert not any(name.endswith(".bin") for name in names)
    card = ws.path("models", "ft-best", "README.md").read_text()
    assert (target / "README.md").read_text() == card
    source = AutoModel.from_pretrained(ws.path("models", "ft-best")).state_dict()
    loaded = AutoModel.from_pretrained(target).state_dict()
    assert loaded.keys() == source.keys() and all(torch.equal(loaded[k], source[k]) for k in source)

    # the card's own "How to load" code runs against the exported folder
    snippet = re.search(r"```python\n(.*?)```", card, re.DOTALL).group(1)
    image = sorted(ws.root.glob("data/images/smg/*.jpg"))[0]
    snippet = snippet.replace("path/to/this/folder", str(target)).replace("object.jpg", str(image))
    namespace: dict = {"print": lambda *args: None}
    exec(snippet, namespace)
    assert namespace["outputs"].logits_per_image.shape == (1, 2)

    again = runner.invoke(app, ["model", "export", "ft-best", str(target), "--study", str(ws.root)])
    assert again.exit_code == 1 and "is not an empty folder" in again.output
    base = runner.invoke(app, ["model", "export", "base", str(tmp_path / "base"), "--study", str(ws.root)])
    assert base.exit_code == 1 and "has no model card" in base.output
