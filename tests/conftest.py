"""Fixtures shared by every stage's tests: a small ingested demo study."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from demo import create_demo_study
from heritage_weaver.workspace import Workspace
from ingest import ingest_collections

CHROMIUM = Path("/usr/bin/chromium")  # Debian's, installed by `make chromium`
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SMALL_SMG = 120
SMALL_NMS = 40


@pytest.fixture(scope="session")
def ingested_study(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """A small demo study, ingested once per session; copy it (`study_copy`) before changing it."""
    workspace = create_demo_study(tmp_path_factory.mktemp("demo") / "study", SMALL_SMG, SMALL_NMS, seed=0)
    ingest_collections(workspace)
    return workspace


@pytest.fixture
def study_copy(ingested_study: Workspace, tmp_path: Path) -> Workspace:
    """A private copy of the small ingested demo study (record paths still point at its data)."""
    target = tmp_path / "study"
    shutil.copytree(ingested_study.root, target)
    return Workspace.open(target)


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where tests keep what a person may want to look at (screenshots), gitignored."""
    folder = Path(__file__).resolve().parent.parent / "test-artifacts"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture
def chromium():
    """Headless Chromium driven by Playwright (skips where either is missing); closed after the test."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.is_file():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
