"""The end-to-end tests' Label Studio desks: skipped without the server, stopped after each test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from annotation import server
from hw_cli.app import app


@pytest.fixture
def desks_up(monkeypatch) -> Iterator[Callable[[Path], None]]:
    """A function that starts a study's desks (`hw labelstudio up`) under a test admin; every study
    it started is stopped after the test. Skips the test where no Label Studio server is installed."""
    try:
        server.executable()
    except server.ServerError as error:
        pytest.skip(str(error))
    monkeypatch.setenv(server.USERNAME_ENV, "e2e@example.org")
    monkeypatch.setenv(server.PASSWORD_ENV, "e2e-password-123")
    runner, started = CliRunner(), []

    def up(root: Path) -> None:
        result = runner.invoke(app, ["labelstudio", "up", "--study", str(root)])
        assert result.exit_code == 0, result.output
        started.append(root)

    yield up
    for root in started:
        runner.invoke(app, ["labelstudio", "down", "--study", str(root)])
