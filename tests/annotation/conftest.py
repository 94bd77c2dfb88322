"""One real Label Studio server per test session, and small pushed studies that use it.

The server runs from the repository's `.ls-venv` (as `hw labelstudio up` does) on a free
127.0.0.1 port; it serves local images from the session's temporary folder, which holds every
test study. Each test study gets its own batches (so its own projects) and its own ledger.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from annotation_helpers import make_batch
from prediction_fixtures import material_study

from annotation import server
from annotation.client import Connection
from heritage_weaver.atomic import write_table
from heritage_weaver.progress import SILENT
from heritage_weaver.workspace import Workspace
from prediction.stage import PREDICT

TOKEN = "hw-test-token-0123456789abcdef"
USERNAME = "curator-admin@example.org"
PASSWORD = "test-password-123"


@dataclass(frozen=True)
class LocalServer:
    workspace: Workspace
    url: str
    document_root: Path

    def connection(self) -> Connection:
        return Connection(self.url, TOKEN)

    def restart(self) -> None:
        server.start(self.workspace, document_root=self.document_root, timeout=300)


def _minimal_study(root: Path, url: str) -> Workspace:
    root.mkdir(parents=True)
    (root / "none.csv").write_text("id\n")
    (root / "study.toml").write_text(
        '[study]\nname = "labelstudio-server"\n\n'
        '[[collections]]\nname = "none"\nformat = "csv"\npath = "none.csv"\ncolumns = { record_id = "id" }\n\n'
        '[models]\nbase = "models/base"\n\n'
        f'[labelstudio]\nurl = "{url}"\n'
    )
    return Workspace.open(root)


@pytest.fixture(scope="session")
def label_studio(tmp_path_factory: pytest.TempPathFactory):
    """The session's Label Studio server (started once, stopped at the end)."""
    try:
        server.executable()
    except server.ServerError as error:
        pytest.skip(str(error))
    environment = {"LABEL_STUDIO_API_KEY": TOKEN, server.USERNAME_ENV: USERNAME, server.PASSWORD_ENV: PASSWORD}
    with pytest.MonkeyPatch.context() as patch:
        for key, value in environment.items():
            patch.setenv(key, value)
        root = tmp_path_factory.getbasetemp()
        url = f"http://127.0.0.1:{server.free_port()}"
        workspace = _minimal_study(root / "labelstudio-server", url)
        server.start(workspace, document_root=root, timeout=600)
        try:
            yield LocalServer(workspace, url, root.resolve())
        finally:
            server.stop(workspace)


def attach_study(workspace: Workspace, local: LocalServer, import_batch_size: int = 500) -> Workspace:
    """Point a study at the session server, as if `hw labelstudio up` had started it for this study."""
    config = workspace.path("study.toml")
    text = config.read_text().replace('url = "http://127.0.0.1:8089"', f'url = "{local.url}"')
    prefix = workspace.root.parent.name[:30]  # the test's own folder name keeps its projects apart
    text = text.replace(
        "[labelstudio]\n", f'[labelstudio]\nimport_batch_size = {import_batch_size}\nproject_prefix = "{prefix}"\n'
    )
    config.write_text(text)
    state_dir = server.data_dir(workspace)
    state_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(server.data_dir(local.workspace) / "server.json", state_dir / "server.json")
    return Workspace.open(workspace.root)


@pytest.fixture
def study(study_copy: Workspace, label_studio: LocalServer, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """A copy of the small demo study with two annotator batches (6 and 4 pairs), attached to the server."""
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", TOKEN)
    records = pd.read_parquet(study_copy.path("records", "records.parquet"))
    offset = 0
    for annotator, n_pairs in (("A01", 6), ("A02", 4)):
        write_table(
            study_copy.path("sampler", "batches", f"{annotator}.parquet"),
            make_batch(records, annotator, offset, n_pairs),
        )
        offset += 17
    return attach_study(study_copy, label_studio, import_batch_size=2)


@pytest.fixture
def predicted(tmp_path: Path, label_studio: LocalServer, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """A study whose `material` (mapped by one of two exports) has proposals, attached to the server."""
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", TOKEN)
    ws = material_study(tmp_path / "study")
    with ws.path("study.toml").open("a") as handle:
        handle.write('\n[labelstudio]\nurl = "http://127.0.0.1:8089"\n')
    ws = attach_study(ws, label_studio, import_batch_size=20)
    PREDICT.run(ws, SILENT)
    return ws
