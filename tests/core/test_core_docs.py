"""The commands and config snippets in the docs must exist and validate, so the docs cannot rot."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

import pytest
import typer
from pydantic import TypeAdapter

from heritage_weaver.config import CollectionConfig
from hw_cli.app import app

DOCS = sorted((Path(__file__).resolve().parents[2] / "docs").glob("*.md")) + [
    Path(__file__).resolve().parents[2] / "README.md"
]
FENCE = re.compile(r"```(\w+)\n(.*?)```", re.S)


def _blocks(language: str) -> list[tuple[str, str]]:
    return [(path.name, body) for path in DOCS for lang, body in FENCE.findall(path.read_text()) if lang == language]


def _hw_commands() -> list[tuple[str, list[str]]]:
    commands = []
    for name, body in _blocks("sh"):
        for line in body.splitlines():
            line = line.split(" #")[0].strip()
            for part in line.split("&&"):
                words = shlex.split(part.strip())
                if words and words[0] == "hw":
                    commands.append((name, words[1:]))
    return commands


def _is_group(command) -> bool:
    return hasattr(command, "commands")  # typer ships its own copy of click, so no isinstance


def _resolve(words: list[str]):
    command = typer.main.get_command(app)
    while _is_group(command) and words and words[0] in command.commands:
        command, words = command.commands[words[0]], words[1:]
    return command, words


def test_docs_show_hw_commands():
    assert len(_hw_commands()) >= 8


@pytest.mark.parametrize(
    ("doc", "words"), _hw_commands(), ids=lambda value: " ".join(value) if isinstance(value, list) else value
)
def test_documented_command_exists_with_its_options(doc, words):
    command, rest = _resolve(words)
    assert not _is_group(command), f"{doc}: `hw {' '.join(words)}` names no verb"
    known = {opt for param in command.params for opt in param.opts + param.secondary_opts}
    used = [word.split("=")[0] for word in rest if word.startswith("-")]
    assert set(used) <= known, f"{doc}: `hw {' '.join(words)}` uses unknown option(s) {set(used) - known}"


@pytest.mark.parametrize(("doc", "body"), _blocks("toml"))
def test_documented_collection_blocks_validate(doc, body):
    for block in tomllib.loads(body).get("collections", []):
        TypeAdapter(CollectionConfig).validate_python(block)
