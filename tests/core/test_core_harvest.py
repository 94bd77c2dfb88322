"""`hw harvest` against a small OAI-PMH repository on 127.0.0.1: three LIDO pages with resumption
tokens and one 503; a harvest killed with Ctrl-C resumes, fetches each page once, and ingests."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from typer.testing import CliRunner

from heritage_weaver.workspace import Workspace
from hw_cli.app import app
from ingest import harvest as oai
from ingest import ingest_collections
from ingest.harvest import HarvestError, HarvestRequest, read_state, retry_after_s

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures" / "oai"
PAGES = {None: "page-1.xml", "tok-2": "page-2.xml", "tok-3": "page-3.xml"}
OAI_ERROR = (
    '<?xml version="1.0" encoding="UTF-8"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
    "<responseDate>2026-12-02T10:00:00Z</responseDate><request>http://127.0.0.1/oai</request>"
    '<error code="{code}">{text}</error></OAI-PMH>'
)
# The child may inherit SIGINT ignored (a test run started as a background job); restore Ctrl-C as a terminal sends it.
HW = "import signal; signal.signal(signal.SIGINT, signal.default_int_handler); from hw_cli.app import app; app()"


class Repository(ThreadingHTTPServer):
    """Serves the fixture pages by resumption token; the first request for a `busy` token gets 503 with
    Retry-After: 1, for a `broken` one 500. `log` holds (arguments, outcome, time) for every request: an HTTP status, or
    "interrupted" where `interrupt` (a token) made the handler stop the client instead of answering."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.log: list[tuple[dict[str, str], int | str, float]] = []
        self.busy = {"tok-2"}
        self.broken: set[str] = set()
        self.interrupt: str | None = None
        self.client: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/oai"

    def served(self) -> list[tuple[str | None, int | str]]:
        return [(arguments.get("resumptionToken"), outcome) for arguments, outcome, _ in self.log]


class Handler(BaseHTTPRequestHandler):
    server: Repository

    def do_GET(self) -> None:
        arguments = dict(parse_qsl(urlsplit(self.path).query))
        token = arguments.get("resumptionToken")
        if token is not None and token == self.server.interrupt:
            self.server.interrupt = None
            self.server.log.append((arguments, "interrupted", time.monotonic()))
            assert self.server.client is not None
            self.server.client.send_signal(signal.SIGINT)
            self.server.client.wait(60)
            return
        if token in self.server.broken:
            self.server.broken.discard(token)
            self._answer(arguments, 500, b"broken")
        elif token in self.server.busy:
            self.server.busy.discard(token)
            self._answer(arguments, 503, b"busy", {"Retry-After": "1"})
        elif token is not None and set(arguments) != {"verb", "resumptionToken"}:
            self._answer(arguments, 200, self._error("badArgument", "resumptionToken is an exclusive argument"))
        elif token not in PAGES:
            self._answer(arguments, 200, self._error("badResumptionToken", f"{token} has expired"))
        elif token is None and arguments.get("metadataPrefix") != "lido":
            self._answer(arguments, 200, self._error("cannotDisseminateFormat", "only lido"))
        elif arguments.get("set") == "empty":
            self._answer(arguments, 200, self._error("noRecordsMatch", "the set is empty"))
        else:
            self._answer(arguments, 200, (FIXTURES / PAGES[token]).read_bytes())

    @staticmethod
    def _error(code: str, text: str) -> bytes:
        return OAI_ERROR.format(code=code, text=text).encode()

    def _answer(
        self, arguments: dict[str, str], status: int, body: bytes, headers: dict[str, str] | None = None
    ) -> None:
        self.server.log.append((arguments, status, time.monotonic()))
        self.send_response(status)
        for name, value in {"Content-Type": "text/xml; charset=utf-8", **(headers or {})}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # the test reads `log`


@pytest.fixture
def repository() -> Iterator[Repository]:
    server = Repository()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


class Recorded:
    """A Progress that keeps what the harvest reported."""

    def __init__(self) -> None:
        self.tasks: list[tuple[int | None, int]] = []
        self.advances: list[int] = []
        self.notes: list[str] = []

    def task(self, description: str, total: int | None, unit: str = "items", completed: int = 0):
        self.tasks.append((total, completed))
        return self.advances.append

    def note(self, message: str) -> None:
        self.notes.append(message)

    def warn(self, message: str) -> None:
        self.notes.append(message)


def _hw_harvest(url: str, out: Path, *options: str) -> list[str]:
    return ["harvest", url, "--prefix", "lido", "--out", str(out), *options]


def test_a_harvest_killed_after_page_2_resumes_fetches_each_page_once_and_ingests(repository, tmp_path):
    out = tmp_path / "coins"
    repository.interrupt = "tok-3"
    repository.client = subprocess.Popen(
        [sys.executable, "-c", HW, *_hw_harvest(repository.url, out)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _, stderr = repository.client.communicate(timeout=120)
    assert repository.client.returncode == 130, stderr
    assert f"interrupted after 2 pages in {out}" in " ".join(stderr.split())
    assert sorted(p.name for p in out.iterdir()) == ["harvest-state.json", "page-00001.xml", "page-00002.xml"]
    assert read_state(out).token == "tok-3"

    resumed = CliRunner().invoke(app, _hw_harvest(repository.url, out))
    assert resumed.exit_code == 0, resumed.output
    assert f"3 pages, 5 records in {out} (2 saved before)" in " ".join(resumed.stdout.split())

    # Every page answered once; the 503 waited the second it asked for; page 3's first request died with the client.
    assert repository.served() == [
        (None, 200),
        ("tok-2", 503),
        ("tok-2", 200),
        ("tok-3", "interrupted"),
        ("tok-3", 200),
    ]
    (_, _, busy_at), (_, _, retried_at) = repository.log[1:3]
    assert retried_at - busy_at >= 1.0
    assert repository.log[0][0] == {"verb": "ListRecords", "metadataPrefix": "lido"}
    for number, fixture in enumerate(PAGES.values(), start=1):
        assert (out / f"page-{number:05d}.xml").read_bytes() == (FIXTURES / fixture).read_bytes()
    state = read_state(out)
    assert (state.pages, state.records, state.token, state.complete, state.complete_list_size) == (3, 5, None, True, 5)

    (tmp_path / "study.toml").write_text(
        '[study]\nname = "t"\n[models]\nbase = "models/base"\n'
        '[[collections]]\nname = "coins"\nformat = "lido"\npath = "coins"\n'
    )
    result = ingest_collections(Workspace.open(tmp_path))
    counts = result.counts[0]
    assert sorted(result.records.column("record_id").to_pylist()) == ["coin-1", "coin-2", "coin-3", "coin-5"]
    assert (counts.rows, counts.accepted, counts.rejected) == (5, 4, 1)  # coin-4 is a deleted record


def test_progress_counts_records_against_the_complete_list_size(repository, tmp_path):
    progress = Recorded()
    request = HarvestRequest(repository.url, "lido", "coins", "2026-11-01")
    state = oai.harvest(request, tmp_path / "coins", progress)
    assert (state.pages, state.fetched, state.records) == (3, 3, 5)
    assert progress.tasks == [(5, 0)]
    assert progress.advances == [2, 2, 1]
    assert progress.notes == ["the repository answered HTTP 503; waiting 1 s as it asks"]
    assert repository.log[0][0] == {
        "verb": "ListRecords",
        "metadataPrefix": "lido",
        "set": "coins",
        "from": "2026-11-01",
    }
    assert [arguments for arguments, _, _ in repository.log[1:]] == [
        {"verb": "ListRecords", "resumptionToken": token} for token in ("tok-2", "tok-2", "tok-3")
    ]
    # A finished harvest run again asks the repository nothing.
    again = oai.harvest(request, tmp_path / "coins")
    assert (again.pages, again.fetched, again.complete) == (3, 0, True)
    assert len(repository.log) == 4


def test_a_server_error_stops_the_harvest_and_the_next_run_resumes(repository, tmp_path):
    out = tmp_path / "coins"
    repository.broken = {"tok-3"}
    request = HarvestRequest(repository.url, "lido")
    with pytest.raises(HarvestError, match=r"500 Server Error.*\(after 2 pages; run again to resume\)"):
        oai.harvest(request, out)
    assert (read_state(out).pages, read_state(out).token) == (2, "tok-3")
    state = oai.harvest(request, out)
    assert (state.pages, state.fetched, state.complete) == (3, 1, True)
    assert repository.served() == [(None, 200), ("tok-2", 503), ("tok-2", 200), ("tok-3", 500), ("tok-3", 200)]


def test_a_folder_holding_another_harvest_or_stray_pages_is_refused(repository, tmp_path):
    out = tmp_path / "coins"
    oai.harvest(HarvestRequest(repository.url, "lido"), out)
    with pytest.raises(
        HarvestError,
        match=rf"holds the harvest of `{repository.url} --prefix lido`, not of `{repository.url} --prefix lido --set coins`",
    ):
        oai.harvest(HarvestRequest(repository.url, "lido", "coins"), out)
    (out / oai.STATE_FILE).unlink()
    with pytest.raises(HarvestError, match="holds page files but no harvest-state.json"):
        oai.harvest(HarvestRequest(repository.url, "lido"), out)


def test_the_repository_refusals_are_clear(repository, tmp_path):
    with pytest.raises(HarvestError, match="refused the request: CannotDisseminateFormat: only lido"):
        oai.harvest(HarvestRequest(repository.url, "edm"), tmp_path / "edm")
    expired = tmp_path / "expired"
    expired.mkdir()
    oai._save(expired, oai.HarvestState(HarvestRequest(repository.url, "lido"), pages=7, token="tok-9"))
    with pytest.raises(HarvestError, match="no longer accepts the resumption token 'tok-9'.*the 7 pages here"):
        oai.harvest(HarvestRequest(repository.url, "lido"), expired)
    with pytest.raises(HarvestError, match="--from '2026/11/01': expected a date"):
        oai.harvest(HarvestRequest(repository.url, "lido", from_date="2026/11/01"), tmp_path / "bad")


def test_an_empty_set_writes_nothing_and_says_so(repository, tmp_path):
    out = tmp_path / "empty"
    result = CliRunner().invoke(app, _hw_harvest(repository.url, out, "--set", "empty"))
    assert result.exit_code == 0, result.output
    assert "has no records for this request; nothing written" in " ".join(result.stdout.split())
    assert [p.name for p in out.iterdir()] == ["harvest-state.json"]
    assert read_state(out).complete


def test_retry_after_in_seconds_or_as_an_http_date():
    now = datetime(2026, 12, 2, 10, 0, 0, tzinfo=UTC)
    assert retry_after_s("7", now) == 7
    assert retry_after_s("Wed, 02 Dec 2026 10:00:05 GMT", now) == 5
    assert retry_after_s("Wed, 02 Dec 2026 09:59:00 GMT", now) == 0  # a date gone by: ask again at once
    assert retry_after_s("soon", now) == retry_after_s(None, now) == oai.DEFAULT_WAIT_S
