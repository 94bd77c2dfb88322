"""The platform's messages keep their words: a config section in square brackets ("[prediction]
fields") is printed as written, in errors, warnings, notes, stage states and every verb's help."""

from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from heritage_weaver.workspace import Workspace
from hw_cli import console as console_module
from hw_cli.app import app
from hw_cli.console import RichProgress, fail

SECTION_WORDS = "no fields named in [prediction] fields (must be [publishing] target_precision; [[collections]])"


def _words(text: str) -> str:
    """The text with its line breaks and box drawing folded to single spaces."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", text).split())


def test_errors_warnings_and_notes_print_brackets_as_written():
    with console_module.console.capture() as captured:
        progress = RichProgress()
        progress.note(SECTION_WORDS)
        progress.warn(SECTION_WORDS)
        console_module.console.print(f"predict: {SECTION_WORDS}")
        with pytest.raises(typer.Exit):
            fail(SECTION_WORDS)
    assert _words(captured.get()).count(SECTION_WORDS) == 4


def _commands(command, path=()):
    """Every (command path, click command) of the CLI, groups included."""
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


def test_every_verb_help_keeps_its_bracketed_words():
    root = typer.main.get_command(app)
    checked = 0
    for path, command in _commands(root):
        texts = [command.help or ""] + [getattr(p, "help", None) or "" for p in command.params]
        bracketed = {word for text in texts for word in re.findall(r"\[+[a-z_.]+\]+", text)}
        if not bracketed:
            continue
        result = CliRunner().invoke(app, [*path, "--help"], terminal_width=100)
        assert result.exit_code == 0, result.output
        for word in bracketed:
            assert word in result.output, f"hw {' '.join(path)} --help lost {word!r}:\n{result.output}"
        checked += 1
    assert checked >= 3  # predict, verify push/pull, export-links at least


def test_a_stage_waiting_for_a_config_section_says_which(study_copy: Workspace):
    config = study_copy.path("study.toml")
    config.write_text(re.sub(r"(?m)^fields = .*$", "fields = []", config.read_text()))
    result = CliRunner().invoke(app, ["run", "--dry-run", "--study", str(study_copy.root)], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "predict: no fields named in [prediction] fields" in result.output
