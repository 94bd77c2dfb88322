"""Downloads URL images into a content-addressed cache: pooled, retried, rate-limited, resumable.

Each finished URL is appended to a journal at once, so a killed run loses nothing; the journal
is folded into `images/fetched.parquet` at the end of every run. A host that cannot be resolved
or connected to several times in a row is given up for the run: its remaining URLs are skipped,
recorded nowhere, and tried again by the next run.

An image with an IIIF Image API service is requested no larger than the models need
(`museum_formats.iiif.image_api.sized`, at `fetch.iiif_size`), else as written where its server will not
size it; the record keeps its full-size URL, by which the outcome is recorded (`location`), with
the URL requested beside it (`requested`).

Catalogue URLs are requested from public addresses only, each redirect checked again, and never
with the credentials a URL may carry (`heritage_weaver.url_safety`); a refused URL is recorded as
failed with its reason, and so is a URL that cannot be requested at all.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass

import httpx
import pyarrow as pa
import pyarrow.parquet as pq
from PIL import Image

from heritage_weaver import atomic
from heritage_weaver.config_sections import FetchConfig
from heritage_weaver.model_inputs import largest_input_side
from heritage_weaver.progress import SILENT, Progress
from heritage_weaver.url_safety import AddressRule, PublicOnly, Refused, has_credentials, netloc, without_credentials
from heritage_weaver.workspace import Workspace
from ingest.artifacts import FETCH_CACHE, FETCH_JOURNAL, FETCHED, RECORDS
from museum_formats.iiif.image_api import sized
from museum_formats.sources import is_url

_RETRYABLE_STATUS = {408, 425, 429, 500, 502, 503, 504}
# The IIIF side where no model's processor config is at hand: twice 224, the SigLIP base models' input.
DEFAULT_IIIF_SIDE = 448


@dataclass
class FetchOutcome:
    location: str
    status: str  # "ok", "failed", or "skipped" (its host was given up; not recorded)
    path: str | None = None
    sha256: str | None = None
    content_type: str | None = None
    bytes: int | None = None
    width: int | None = None
    height: int | None = None
    attempts: int = 0
    error: str | None = None
    requested: str | None = None  # an IIIF image's URL fetched: sized, or `location` where its server would not size it


class _Permanent(Exception):
    """A failure that another attempt will not fix (404, wrong type, too big, not an image)."""


class ImageUnavailable(Exception):
    """An image `ImageFetcher.read` could not get: refused, failed or too big; the message says why."""


class HostHealth:
    """Counts each host's consecutive failures to resolve or connect; past `limit` the host is down."""

    def __init__(self, limit: int, on_down: Callable[[str, str], None]) -> None:
        self.limit = limit
        self.on_down = on_down
        self.down: dict[str, str] = {}
        self._failures: dict[str, int] = {}
        self._lock = threading.Lock()

    def reached(self, host: str) -> None:
        with self._lock:
            self._failures[host] = 0

    def unreachable(self, host: str, reason: str) -> None:
        with self._lock:
            self._failures[host] = failures = self._failures.get(host, 0) + 1
            newly_down = failures >= self.limit and host not in self.down
            if newly_down:
                self.down[host] = reason
        if newly_down:
            self.on_down(host, reason)


class HostRateLimiter:
    """Spaces request starts to one host at least 1/rate seconds apart."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, host: str) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next.get(host, now))
            self._next[host] = start + self.interval
        time.sleep(max(0.0, start - now))


def check_image(data: bytes, max_pixels: int) -> tuple[str, int, int]:
    """Decode fully (catches truncation); refuse decompression bombs before decoding."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > max_pixels:
                raise _Permanent(f"image of {width}x{height} pixels exceeds the {max_pixels:,}-pixel limit")
            image.load()
            return (image.format or "img").lower(), width, height
    except _Permanent:
        raise
    except Exception as error:  # PIL raises many types for undecodable data
        raise _Permanent(f"not a decodable image: {error}") from None


class ImageFetcher:
    def __init__(
        self,
        workspace: Workspace,
        settings: FetchConfig,
        client: httpx.Client | None = None,
        on_host_down: Callable[[str, str], None] = lambda host, reason: None,
        iiif_side: int = DEFAULT_IIIF_SIDE,
    ) -> None:
        self.workspace = workspace
        self.settings = settings
        self.iiif_side = iiif_side
        self.rule = AddressRule(settings.allow_hosts)
        self.client = client or httpx.Client(
            timeout=settings.timeout, follow_redirects=True, transport=PublicOnly(self.rule)
        )
        self.limiter = HostRateLimiter(settings.per_host_rate)
        self.hosts = HostHealth(settings.host_failures, on_host_down)

    def _download(self, url: str) -> tuple[bytes, str]:
        host = netloc(url)
        self.limiter.wait(host)
        try:
            with self.client.stream("GET", url) as response:
                self.hosts.reached(host)
                return self._read(response)
        except (httpx.ConnectError, httpx.ConnectTimeout) as error:
            self.hosts.unreachable(host, str(error) or type(error).__name__)
            raise

    def _read(self, response: httpx.Response) -> tuple[bytes, str]:
        if response.status_code != 200:
            error = f"HTTP {response.status_code}"
            raise RuntimeError(error) if response.status_code in _RETRYABLE_STATUS else _Permanent(error)
        content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if not content_type.startswith("image/"):
            raise _Permanent(f"content type {content_type or 'missing'} is not an image")
        declared = int(response.headers.get("content-length") or 0)
        if declared > self.settings.max_bytes:
            raise _Permanent(f"{declared:,} bytes exceeds the {self.settings.max_bytes:,}-byte limit")
        body = bytearray()
        for chunk in response.iter_bytes():
            body.extend(chunk)
            if len(body) > self.settings.max_bytes:
                raise _Permanent(f"more than the {self.settings.max_bytes:,}-byte limit")
        if declared and len(body) < declared:
            raise RuntimeError(f"truncated: {len(body):,} of {declared:,} bytes")
        return bytes(body), content_type

    def request(self, url: str) -> str | None:
        """The URL to fetch for the image at `url` where it is another one: an IIIF image, sized."""
        return sized(url, self.iiif_side)

    def fetch(self, url: str) -> FetchOutcome:
        """Fetch the image at `url`: an IIIF image sized (`request`), and where its server will not
        size it (a level 0 service need not), as written, recording `url` as the URL requested."""
        sized_url = self.request(url)
        if sized_url is None:
            return self._fetch(url)
        outcome = self._fetch(url, sized_url)
        if outcome.status != "failed":
            return outcome
        written = self._fetch(url, url)
        written.attempts += outcome.attempts
        if written.status == "failed":
            written.error = f"sized: {outcome.error}; as written: {written.error}"
        return written

    def read(self, url: str) -> bytes:
        """The image at `url`, requested and checked as `fetch` does it (an IIIF image sized), and
        written nowhere; `ImageUnavailable` says why there is none."""
        sized_url = self.request(url)
        outcome, data = self._get(url, sized_url)
        if data is None and sized_url is not None:
            outcome, data = self._get(url, url)
        if data is None:
            raise ImageUnavailable(outcome.error or outcome.status)
        return data

    def _fetch(self, url: str, requested: str | None = None) -> FetchOutcome:
        """Download `requested` (default `url`) as the image at `url` into the cache (see `_get`)."""
        return self._get(url, requested, store=True)[0]

    def _get(self, url: str, requested: str | None = None, store: bool = False) -> tuple[FetchOutcome, bytes | None]:
        """Download `requested` (default `url`) as the image at `url`, retrying what may pass; a URL
        `refusal` refuses fails at once, and credentials in it are never sent. The outcome, and the
        checked bytes where it is ok; `store` writes them into the cache, as the outcome's `path`."""
        attempts, delay = 0, self.settings.backoff
        target = without_credentials(requested or url)
        host = netloc(target)
        while True:
            if host in self.hosts.down:
                reason = f"host {host} given up: {self.hosts.down[host]}"
                return FetchOutcome(url, "skipped", attempts=attempts, error=reason, requested=requested), None
            refused = self.rule.refusal(target) if attempts == 0 else None
            if refused:
                return FetchOutcome(url, "failed", error=f"refused: {refused}", requested=requested), None
            attempts += 1
            try:
                data, content_type = self._download(target)
                image_format, width, height = check_image(data, self.settings.max_pixels)
                digest = hashlib.sha256(data).hexdigest()
                relative = FETCH_CACHE.at(prefix=digest[:2], sha256=digest, ext=image_format).path
                if store and not self.workspace.path(relative).exists():
                    atomic.write_bytes(self.workspace.path(relative), data)
                outcome = FetchOutcome(
                    url,
                    "ok",
                    relative if store else None,
                    digest,
                    content_type,
                    len(data),
                    width,
                    height,
                    attempts,
                    requested=requested,
                )
                return outcome, data
            except _Permanent as error:
                return FetchOutcome(url, "failed", attempts=attempts, error=str(error), requested=requested), None
            except Refused as error:  # a redirect to an address the catalogue may not send us to
                failed = FetchOutcome(url, "failed", attempts=attempts, error=f"refused: {error}", requested=requested)
                return failed, None
            except (httpx.InvalidURL, UnicodeError) as error:
                error_text = f"not a URL that can be requested ({error})"
                return FetchOutcome(url, "failed", attempts=attempts, error=error_text, requested=requested), None
            except (httpx.HTTPError, RuntimeError) as error:
                reason = str(error) or type(error).__name__
                if attempts > self.settings.retries:
                    error_text = f"{reason} (after {attempts} attempts)"
                    return FetchOutcome(url, "failed", attempts=attempts, error=error_text, requested=requested), None
                time.sleep(delay)
                delay *= 2


def _previous_outcomes(workspace: Workspace) -> dict[str, dict]:
    outcomes: dict[str, dict] = {}
    table = FETCHED.location(workspace)
    if table.is_file():
        outcomes.update((row["location"], row) for row in pq.read_table(table).to_pylist())
    journal = FETCH_JOURNAL.location(workspace)
    if journal.is_file():
        for line in journal.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:  # the last line of a killed run may be cut short
                continue
            outcomes[row["location"]] = row
    return outcomes


def iiif_side(workspace: Workspace, settings: FetchConfig) -> int:
    """The side IIIF images are fetched at: `fetch.iiif_size`, else twice the largest input side of
    the study's models (their processor configs at hand), else `DEFAULT_IIIF_SIDE`."""
    if settings.iiif_size:
        return settings.iiif_size
    side = largest_input_side(workspace)
    return 2 * side if side else DEFAULT_IIIF_SIDE


def image_urls(workspace: Workspace) -> list[str]:
    images = RECORDS.read(workspace, columns=["images"])["images"]
    return sorted({loc for locations in images for loc in locations if is_url(loc)})


def _other_size(recorded: str | None, url: str, sized_url: str | None) -> bool:
    """Whether an IIIF image was fetched at another size than it is asked for now (its server's
    refusal to size it, recorded as `url` requested, stands)."""
    return sized_url is not None and recorded not in (sized_url, url)


def fetch_images(
    workspace: Workspace,
    urls: Iterable[str],
    settings: FetchConfig,
    retry_failed: bool = True,
    on_done: Callable[[FetchOutcome], None] = lambda outcome: None,
    on_host_down: Callable[[str, str], None] = lambda host, reason: None,
) -> dict[str, dict]:
    """Fetch what is not yet cached; returns every URL's recorded outcome (old and new).

    An IIIF image recorded at another size than the one requested now (`fetch.iiif_size`
    changed, or it was fetched before images were sized) is fetched again. URLs of a host given up in this run are passed to `on_done` as
    skipped and not recorded.
    """
    outcomes = _previous_outcomes(workspace)
    fetcher = ImageFetcher(workspace, settings, on_host_down=on_host_down, iiif_side=iiif_side(workspace, settings))
    todo = [
        u
        for u in urls
        if u not in outcomes
        or (retry_failed and outcomes[u]["status"] != "ok")
        or _other_size(outcomes[u].get("requested"), u, fetcher.request(u))
    ]
    journal_path = FETCH_JOURNAL.location(workspace)
    journal_path.parent.mkdir(parents=True, exist_ok=True)
    with journal_path.open("a", encoding="utf-8") as journal, ThreadPoolExecutor(settings.workers) as pool:
        futures = [pool.submit(fetcher.fetch, url) for url in todo]
        try:
            for future in as_completed(futures):
                outcome = future.result()
                if outcome.status != "skipped":
                    journal.write(json.dumps(asdict(outcome)) + "\n")
                    journal.flush()
                    outcomes[outcome.location] = asdict(outcome)
                on_done(outcome)
        except KeyboardInterrupt:
            for future in futures:
                future.cancel()
            raise
    _fold_journal(workspace, outcomes)
    return outcomes


FETCHED_SCHEMA = FETCHED.schema()


def _fold_journal(workspace: Workspace, outcomes: dict[str, dict]) -> None:
    rows = [{k: row.get(k) for k in FETCHED_SCHEMA.names} for row in outcomes.values()]
    table = pa.Table.from_pylist(rows, schema=FETCHED_SCHEMA)
    FETCHED.write(workspace, table, inputs=[RECORDS])
    FETCH_JOURNAL.location(workspace).unlink(missing_ok=True)


@dataclass(frozen=True)
class FetchSummary:
    """Where every image URL of the study stands after a run."""

    outcomes: dict[str, dict]  # URL → its recorded outcome (URLs of a host given up this run have none)
    statuses: dict[str, str]  # URL → ok, failed or skipped (its host was given up in this run)
    tried: int  # URLs taken up in this run
    retried_failed: bool
    bytes_fetched: int  # the bytes of the images downloaded in this run
    iiif_side: int  # the side IIIF images were requested at
    iiif_images: int  # the study's image URLs that name an IIIF service
    refused: int  # URLs refused (not public, or not requestable), whenever tried
    credentials: int  # the study's image URLs whose user name or password was taken out before any request

    def per_host(self) -> dict[str, dict[str, int]]:
        """Host → how many of its URLs are ok, failed and skipped."""
        hosts: dict[str, dict[str, int]] = {}
        for url, status in self.statuses.items():
            counts = hosts.setdefault(netloc(url), {"ok": 0, "failed": 0, "skipped": 0})
            counts[status] += 1
        return dict(sorted(hosts.items()))


def fetch_study_images(
    workspace: Workspace, progress: Progress = SILENT, workers: int | None = None, retry_failed: bool = False
) -> FetchSummary:
    """Fetch every image URL of the study's records that is not cached yet (see `fetch_images`)."""
    settings = workspace.config.fetch
    side = iiif_side(workspace, settings)
    settings = settings.model_copy(update={"iiif_size": side, **({"workers": workers} if workers else {})})
    urls = image_urls(workspace)
    advance = progress.task("fetching", len(urls), "images")
    tried = []

    def done(outcome: FetchOutcome) -> None:
        tried.append(outcome)
        advance(1)

    def host_down(host: str, reason: str) -> None:
        progress.warn(
            f"Giving up on {host} for this run: {settings.host_failures} attempts in a row could not "
            f"resolve or connect to it ({reason}). Its remaining images are not fetched and stay to do; "
            "run `hw fetch-images` again once the host can be reached."
        )

    outcomes = fetch_images(workspace, urls, settings, retry_failed, on_done=done, on_host_down=host_down)
    statuses = {url: outcomes.get(url, {}).get("status", "skipped") for url in urls}
    fetched = sum(outcome.bytes or 0 for outcome in tried if outcome.status == "ok")
    iiif = sum(1 for url in urls if sized(url, side))
    refused = sum(1 for url in urls if (outcomes.get(url, {}).get("error") or "").startswith("refused: "))
    credentials = sum(1 for url in urls if has_credentials(url))
    return FetchSummary(outcomes, statuses, len(tried), retry_failed, fetched, side, iiif, refused, credentials)
