"""Real Label Studio servers per test session, one per desk, and small pushed studies that use them.

The servers run from the repository's `.ls-venv` (as `hw labelstudio up` starts them) on free
127.0.0.1 ports, one per desk (A01, A02, the adjudicator L01 and the verification desk), each with a
curator account invited as `hw labelstudio invite` does. A test study is attached to them: its desk
folders link to the session's, its ledger knows the curators, and its own project prefix keeps its
projects apart from other tests'.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from annotation_helpers import make_batch
from prediction_fixtures import material_study

from annotation import server
from annotation.artifacts import LABELSTUDIO_DATA, LEDGER
from annotation.client import Connection, connect
from annotation.desks import VERIFICATION_DESK
from annotation.invite import Invitation, invite
from annotation.ledger import Ledger
from heritage_weaver.atomic import write_table
from heritage_weaver.progress import SILENT
from heritage_weaver.workspace import Workspace
from prediction.stage import PREDICT, PredictOptions

DESKS = ("A01", "A02", "L01", VERIFICATION_DESK)
CURATOR_PASSWORD = "curator-password-2026"


@dataclass(frozen=True)
class LocalServers:
    workspace: Workspace  # the session's own study, which holds the desk servers
    curators: dict[str, Invitation]

    def admin(self, desk: str) -> Connection:
        return connect(self.workspace, desk)

    def curator(self, desk: str) -> Connection:
        """The desk's curator account, as the curator's browser or script would use it."""
        return Connection(self.url(desk), self.curators[desk].token, desk=desk)

    def url(self, desk: str) -> str:
        state = server.Desk(self.workspace, desk).read_state()
        assert state is not None
        return state.url

    def restart(self, desk: str) -> None:
        server.Desk(self.workspace, desk).start(timeout=300)

    def log_in(self, page, desk: str) -> None:
        """Log a Playwright page in to the desk's server as its curator."""
        page.goto(f"{self.url(desk)}/user/login/")
        page.fill("input[name=email]", self.curators[desk].email)
        page.fill("input[name=password]", CURATOR_PASSWORD)
        page.locator("button[type=submit], input[type=submit]").first.click()
        page.wait_for_url(lambda address: "/user/login" not in address)


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
    """The session's desk servers (started once, together; stopped at the end)."""
    try:
        server.executable()
    except server.ServerError as error:
        pytest.skip(str(error))
    root = tmp_path_factory.getbasetemp()
    workspace = _minimal_study(root / "labelstudio-server", f"http://127.0.0.1:{server.free_port()}")
    try:
        server.wait_healthy(workspace, [server.Desk(workspace, desk).spawn() for desk in DESKS], timeout=600)
        curators = {
            desk: invite(workspace, desk, f"curator-{desk.lower()}@example.org", CURATOR_PASSWORD) for desk in DESKS
        }
        yield LocalServers(workspace, curators)
    finally:
        for desk in DESKS:
            server.Desk(workspace, desk).stop()


def attach_study(workspace: Workspace, local: LocalServers, import_batch_size: int = 500) -> Workspace:
    """Point a study at the session's desk servers, as if `hw labelstudio up` and `invite` had run for it."""
    config = workspace.path("study.toml")
    text = config.read_text()
    prefix = workspace.root.parent.name[:30]  # the test's own folder name keeps its projects apart
    text = text.replace(
        "[labelstudio]\n", f'[labelstudio]\nimport_batch_size = {import_batch_size}\nproject_prefix = "{prefix}"\n'
    )
    config.write_text(text)
    folder = LABELSTUDIO_DATA.location(workspace)
    folder.mkdir(parents=True, exist_ok=True)
    for desk in DESKS:
        (folder / desk).symlink_to(server.Desk(local.workspace, desk).folder, target_is_directory=True)
    with Ledger(LEDGER.location(workspace)) as ledger:
        for desk, curator in local.curators.items():
            ledger.add_account(desk, curator.user_id, curator.email)
    return Workspace.open(workspace.root)


@pytest.fixture
def study(study_copy: Workspace, label_studio: LocalServers) -> Workspace:
    """A copy of the small demo study with two annotator batches (6 and 4 pairs), attached to the servers."""
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
def predicted(tmp_path: Path, label_studio: LocalServers) -> Workspace:
    """A study whose `material` (mapped by one of two exports) has proposals, attached to the servers."""
    ws = material_study(tmp_path / "study")
    with ws.path("study.toml").open("a") as handle:
        handle.write('\n[labelstudio]\nurl = "http://127.0.0.1:8089"\n')
    ws = attach_study(ws, label_studio, import_batch_size=20)
    PREDICT.run(ws, SILENT, PredictOptions())
    return ws
