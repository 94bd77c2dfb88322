"""OAI-PMH harvesting: every `ListRecords` page of a repository saved as a file that ingest reads.

sickle speaks the protocol: it sends the requests, follows the resumption tokens, waits as a
503's `Retry-After` asks and turns OAI-PMH errors into exceptions. This module keeps each
response's bytes as they came (`page-00001.xml`, `page-00002.xml`, …: `format = "lido"` reads
the folder) and, after each page file, the state: the request, the pages and records so far, and
the token the last page ended with. Both are written atomically, so a harvest stopped at any
point (Ctrl-C, a lost connection, a crash) resumes from the saved token and fetches no page twice;
only a stop between a page file and the state costs that one page again, written over itself.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

import requests
from sickle import Sickle, oaiexceptions
from sickle.iterator import OAIResponseIterator
from sickle.response import OAIResponse

from heritage_weaver import atomic
from heritage_weaver.progress import SILENT, Progress

STATE_FILE = "harvest-state.json"
PAGE_FILES = "page-*.xml"
RETRIES = 5  # per request, for a 503 or 429 answer
DEFAULT_WAIT_S = 30  # when a 503 or 429 names no Retry-After
TIMEOUT_S = 120
# sickle's exceptions for OAI-PMH error codes share no base class; noRecordsMatch and badResumptionToken are handled apart.
_REFUSALS = (
    oaiexceptions.BadArgument,
    oaiexceptions.BadVerb,
    oaiexceptions.CannotDisseminateFormat,
    oaiexceptions.IdDoesNotExist,
    oaiexceptions.NoSetHierarchy,
    oaiexceptions.NoMetadataFormat,
    oaiexceptions.OAIError,
)
_DATESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}Z)?")


class HarvestError(Exception):
    """The repository or the folder does not allow the harvest; the message says why and what to do."""


@dataclass(frozen=True)
class HarvestRequest:
    """What to harvest: the repository's base URL and the `ListRecords` arguments."""

    url: str
    prefix: str
    set: str | None = None
    from_date: str | None = None

    def arguments(self) -> dict[str, str]:
        """The first request's OAI-PMH arguments (later ones send only the resumption token)."""
        named = {"metadataPrefix": self.prefix, "set": self.set, "from": self.from_date}
        return {name: value for name, value in named.items() if value}

    def describe(self) -> str:
        """The request as `hw harvest` arguments: `URL --prefix lido --set coins`."""
        options = {"--prefix": self.prefix, "--set": self.set, "--from": self.from_date}
        return " ".join([self.url, *(f"{name} {value}" for name, value in options.items() if value)])


@dataclass
class HarvestState:
    """How far a harvest has come; `token` None with `complete` False: not started."""

    request: HarvestRequest
    pages: int = 0
    records: int = 0  # `record` elements in the pages, deleted ones included (as completeListSize counts them)
    token: str | None = None
    complete: bool = False
    complete_list_size: int | None = None
    fetched: int = 0  # pages fetched by this run; not saved


def page_file(folder: Path, number: int) -> Path:
    return folder / f"page-{number:05d}.xml"


def read_state(folder: Path) -> HarvestState | None:
    """The saved state of the harvest in `folder`, or None when none was started there."""
    path = folder / STATE_FILE
    if not path.exists():
        return None
    saved = json.loads(path.read_text(encoding="utf-8"))
    return HarvestState(**{**saved, "request": HarvestRequest(**saved["request"])})


def _save(folder: Path, state: HarvestState) -> None:
    saved = {key: value for key, value in asdict(state).items() if key != "fetched"}
    atomic.write_json(folder / STATE_FILE, saved)


def _start_or_resume(folder: Path, request: HarvestRequest) -> HarvestState:
    state = read_state(folder)
    if state is None:
        if any(folder.glob(PAGE_FILES)):
            raise HarvestError(f"{folder} holds page files but no {STATE_FILE}; harvest into an empty folder")
        return HarvestState(request)
    if state.request != request:
        raise HarvestError(
            f"{folder} holds the harvest of `{state.request.describe()}`, not of `{request.describe()}`; "
            "run that one again to resume it, or harvest into another folder"
        )
    return state


def retry_after_s(header: str | None, now: datetime | None = None) -> int:
    """Seconds to wait as a `Retry-After` header asks: a number of seconds or an HTTP date."""
    if header is None:
        return DEFAULT_WAIT_S
    if header.strip().isdigit():
        return int(header)
    try:
        when = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return DEFAULT_WAIT_S
    return max(0, round((when - (now or datetime.now(UTC))).total_seconds()))


class _Client(Sickle):
    """sickle with `Retry-After` read in either form (sickle reads seconds only), each wait reported."""

    def __init__(self, url: str, progress: Progress) -> None:
        super().__init__(
            url,
            iterator=OAIResponseIterator,
            max_retries=RETRIES,
            retry_status_codes=[429, 503],
            timeout=TIMEOUT_S,
        )
        self.progress = progress

    def get_retry_after(self, http_response: requests.Response) -> int:
        wait = retry_after_s(http_response.headers.get("Retry-After"))
        self.progress.note(f"the repository answered HTTP {http_response.status_code}; waiting {wait} s as it asks")
        return wait


def _pages(client: _Client, state: HarvestState) -> OAIResponseIterator:
    """The responses still to fetch; the first is fetched here."""
    if state.token is None:
        return client.ListRecords(**state.request.arguments())
    return client.ListRecords(resumptionToken=state.token)


def _records_in(response: OAIResponse, client: _Client) -> int:
    return sum(1 for _ in response.xml.iterfind(f".//{client.oai_namespace}record"))


def harvest(request: HarvestRequest, folder: Path, progress: Progress = SILENT) -> HarvestState:
    """Harvest `request` into `folder`, resuming the harvest saved there; returns the state at the end.

    Raises HarvestError for a request the repository refuses, an HTTP failure that outlasts the
    retries, a malformed `--from`, or a folder that holds another harvest."""
    if request.from_date and not _DATESTAMP.fullmatch(request.from_date):
        raise HarvestError(
            f"--from {request.from_date!r}: expected a date (2024-01-31) or a UTC time (2024-01-31T12:00:00Z)"
        )
    folder.mkdir(parents=True, exist_ok=True)
    state = _start_or_resume(folder, request)
    if state.complete:
        return state
    client = _Client(request.url, progress)
    try:
        _fetch(client, state, folder, progress)
    except oaiexceptions.NoRecordsMatch:
        state.complete = True
        _save(folder, state)
    except oaiexceptions.BadResumptionToken as error:
        raise HarvestError(
            f"the repository no longer accepts the resumption token {state.token!r} ({error}); "
            f"harvest into a new folder (the {state.pages} pages here stay readable)"
        ) from None
    except _REFUSALS as error:
        raise HarvestError(f"{request.url} refused the request: {type(error).__name__}: {error}") from None
    except requests.RequestException as error:
        raise HarvestError(f"{request.url}: {error} (after {state.pages} pages; run again to resume)") from None
    return state


def _fetch(client: _Client, state: HarvestState, folder: Path, progress: Progress) -> None:
    pages = _pages(client, state)
    if pages.resumption_token is not None and pages.resumption_token.complete_list_size:
        state.complete_list_size = int(pages.resumption_token.complete_list_size)
    advance = progress.task(
        f"harvesting {urlsplit(state.request.url).netloc}", state.complete_list_size, "records", state.records
    )
    for response in pages:
        records = _records_in(response, client)
        atomic.write_bytes(page_file(folder, state.pages + 1), response.http_response.content)
        token = pages.resumption_token.token if pages.resumption_token is not None else None
        state.pages += 1
        state.records += records
        state.token = token
        state.complete = not token
        state.fetched += 1
        _save(folder, state)
        advance(records)
