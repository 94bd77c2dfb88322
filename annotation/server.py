"""Local Label Studio servers, one per desk (an annotator, an adjudicator, or the verification desk).

Label Studio's community edition keeps one organisation per server and gives every member of it
every project, so isolation between curators comes from separate servers: each desk's server has
its own port, sqlite database, admin account and token, and a document root that holds only the
images of that desk's pushed tasks. Under `annotation/labelstudio/<desk>/`:

    server/   (0700) the database, Label Studio's own `.env`, log, state and credentials (0600)
    media/    the document root: hard links (or copies) of this desk's task images, nothing else

Label Studio lives in a separate virtual environment (`.ls-venv` beside this package, or the
`label-studio` executable named by `HW_LABEL_STUDIO`) so its pins never meet ours. Its database
migrations take a minute or two, so they run once per Label Studio installation into a template
database (`prepare_template`); every new server starts from a copy of it in seconds.

`Desk(workspace, name)` is one desk's server: its folders, admin `credentials()`, `read_state()`,
`running()`, `spawn()`/`start()`/`stop()`/`kill()`, and `snapshot()`/`snapshots()`/`restore()`.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from annotation.artifacts import LABELSTUDIO_BACKUPS, LABELSTUDIO_DATA
from heritage_weaver import atomic
from heritage_weaver.workspace import Workspace

USERNAME_ENV = "LABEL_STUDIO_USERNAME"
PASSWORD_ENV = "LABEL_STUDIO_PASSWORD"
EXECUTABLE_ENV = "HW_LABEL_STUDIO"
DEFAULT_USERNAME = "admin@heritage-weaver.local"
DATABASE_NAME = "label_studio.sqlite3"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
_REPO_VENV = Path(__file__).resolve().parent.parent / ".ls-venv"


class ServerError(RuntimeError):
    """A local Label Studio server cannot be started, reached or stopped; the message says why."""


@dataclass(frozen=True)
class Credentials:
    """A desk server's admin account: the platform's own, never given to a curator."""

    username: str
    password: str
    token: str


@dataclass(frozen=True)
class ServerState:
    desk: str
    pid: int
    url: str  # where the platform reaches it (always loopback)
    bind: str  # the address it listens on
    started_at: float


def private_folder(path: Path) -> Path:
    """Create `path` (and parents) and make it readable by its owner only."""
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


@dataclass(frozen=True)
class Desk:
    """One desk's local server: its folders, admin account, state, process and database snapshots."""

    workspace: Workspace
    name: str

    def __post_init__(self) -> None:
        if not self.name or "/" in self.name or self.name.startswith("."):
            raise ServerError(f"{self.name!r} is not a desk name (an annotator's name such as A01)")

    @property
    def folder(self) -> Path:
        """`annotation/labelstudio/<desk>/`: the server's folder and its document root."""
        return LABELSTUDIO_DATA.location(self.workspace) / self.name

    @property
    def server_dir(self) -> Path:
        return self.folder / "server"

    @property
    def media_dir(self) -> Path:
        """The desk server's document root: only the images of the desk's pushed tasks are linked here."""
        return self.folder / "media"

    @property
    def database(self) -> Path:
        return self.server_dir / DATABASE_NAME

    @property
    def started(self) -> bool:
        """Whether the desk's server has been started once (`hw labelstudio up`), running or not."""
        return self._state_file.is_file()

    @property
    def _state_file(self) -> Path:
        return self.server_dir / "server.json"

    @property
    def _backups(self) -> Path:
        return LABELSTUDIO_BACKUPS.location(self.workspace) / self.name

    def credentials(self) -> Credentials:
        """The desk server's admin account: the saved one, else a new one (username and password from the
        environment when set, so a lead can log in everywhere with one password; the token is always the
        server's own)."""
        path = self.server_dir / "credentials.json"
        if path.is_file():
            return Credentials(**json.loads(path.read_text(encoding="utf-8")))
        made = Credentials(
            username=os.environ.get(USERNAME_ENV) or DEFAULT_USERNAME,
            password=os.environ.get(PASSWORD_ENV) or secrets.token_urlsafe(16),
            token=secrets.token_hex(20),
        )
        private_folder(path.parent)
        atomic.write_json(path, asdict(made))
        path.chmod(0o600)
        return made

    def read_state(self) -> ServerState | None:
        path = self._state_file
        if not path.is_file():
            return None
        return ServerState(**json.loads(path.read_text(encoding="utf-8")))

    def running(self) -> ServerState | None:
        """The desk's server state when its process is alive and is Label Studio."""
        state = self.read_state()
        return state if state is not None and _alive(state.pid) and _is_label_studio(state.pid) else None

    def _choose_port(self, host: str, first: int, previous: int | None = None) -> int:
        """The desk's previous port if it is free, else the first free port from `first` that no other desk took."""
        state = self.read_state()
        previous = previous or (urlsplit(state.url).port if state is not None else None)
        if previous is not None and _port_free(host, previous):
            return previous
        taken = {
            urlsplit(s.url).port
            for other in desks(self.workspace)
            if other != self.name and (s := Desk(self.workspace, other).read_state())
        }
        port = first
        while port in taken or not _port_free(host, port):
            port += 1
        return port

    def spawn(self, host: str | None = None, public: bool = False, port: int | None = None) -> ServerState:
        """Start the desk's server (or return it when it already runs); `wait_healthy` waits for it.

        It binds loopback only unless `public`: a Label Studio port open to a network lets anyone there
        reach the sign-up and login pages, so a lead serves remote curators through a TLS reverse proxy.
        """
        base = urlsplit(self.workspace.config.labelstudio.url)
        host = host or base.hostname or "127.0.0.1"
        if host not in LOOPBACK and not public:
            raise ServerError(
                f"refusing to bind Label Studio to {host}: that exposes it beyond this machine without TLS. "
                "Serve remote curators through a TLS reverse proxy (docs/project-lead.md), or pass --public "
                "if this network is trusted"
            )
        state = self.running()
        if state is not None:
            return state
        label_studio = executable()
        folder = private_folder(self.server_dir)
        private_folder(self.media_dir).chmod(0o755)  # the server reads images only; they are not secret
        db = self.database
        if not db.is_file():
            shutil.copyfile(prepare_template(label_studio, folder / "server.log"), db)
            db.chmod(0o600)
        admin = self.credentials()
        port = self._choose_port(host, base.port or 8089, port)
        url = _loopback_url(host, port)
        env = _server_env(
            folder,
            {
                "LABEL_STUDIO_USERNAME": admin.username,
                "LABEL_STUDIO_PASSWORD": admin.password,
                "LABEL_STUDIO_USER_TOKEN": admin.token,
                "LOCAL_FILES_SERVING_ENABLED": "true",
                "LOCAL_FILES_DOCUMENT_ROOT": str(self.media_dir.resolve()),
                "DISABLE_SIGNUP_WITHOUT_LINK": "true",  # accounts come from `hw labelstudio invite` only
                "LABEL_STUDIO_HOST": url,
            },
        )
        command = [str(label_studio), "start", "--no-browser", "--enable-legacy-api-token"]
        command += ["--internal-host", host, "--port", str(port), "--data-dir", str(folder)]
        with (folder / "server.log").open("ab") as output:
            process = subprocess.Popen(
                command,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=folder,
                start_new_session=True,
                umask=0o077,  # everything the server writes (its .env with the secret key, media uploads) stays private
            )
        state = ServerState(self.name, process.pid, url, host, time.time())
        atomic.write_json(self._state_file, asdict(state))
        return state

    def start(
        self, timeout: float = 600.0, host: str | None = None, public: bool = False, port: int | None = None
    ) -> ServerState:
        """Start the desk's server (on `port` if it is free) and wait until it answers."""
        state = self.spawn(host, public, port)
        wait_healthy(self.workspace, [state], timeout)
        return state

    def stop(self, timeout: float = 30.0) -> bool:
        """Stop the desk's server (the process group it was started in); False when none was running."""
        state = self.read_state()
        if state is None:
            return False
        alive = self.running() is not None
        if alive:
            _signal_group(state.pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while _alive(state.pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            if _alive(state.pid):
                _signal_group(state.pid, signal.SIGKILL)
        self._state_file.unlink(missing_ok=True)
        return alive

    def kill(self) -> None:
        """Kill the server abruptly (no clean shutdown), as a crash or power cut would; keeps the state file."""
        state = self.running()
        if state is not None:
            _signal_group(state.pid, signal.SIGKILL)
            while _alive(state.pid):
                time.sleep(0.05)

    # -- snapshots -------------------------------------------------------------------

    def snapshots(self) -> list[Path]:
        """The desk's database snapshots, oldest first."""
        return sorted(self._backups.glob("*.sqlite3"))

    def snapshot(self, keep: int) -> Path:
        """A consistent copy of the desk's live database (SQLite's online backup), keeping the newest `keep`."""
        source = self.database
        if not source.is_file():
            raise ServerError(f"{self.name}: no Label Studio database at {source}")
        folder = private_folder(self._backups)
        LABELSTUDIO_BACKUPS.location(self.workspace).chmod(0o700)
        target = folder / f"{_stamp()}.sqlite3"
        partial = target.with_suffix(".partial")
        live = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=60)
        with contextlib.closing(live), contextlib.closing(sqlite3.connect(partial)) as copy:
            live.backup(copy)
        partial.chmod(0o600)
        os.replace(partial, target)
        for old in self.snapshots()[:-keep]:
            old.unlink()
        return target

    def restore(self, chosen: Path | None = None, timeout: float = 600.0) -> Path:
        """Bring the desk's server back from a snapshot (default: the newest); the current database is kept
        beside the snapshots as `before-restore-<time>.sqlite3`. Returns the snapshot used."""
        available = self.snapshots()
        if chosen is None:
            if not available:
                raise ServerError(f"{self.name}: no snapshot under {self._backups}; `hw pull` makes them")
            chosen = available[-1]
        elif not chosen.is_file():
            named = self._backups / chosen.name
            if not named.is_file():
                raise ServerError(
                    f"{self.name}: no snapshot {chosen}; `hw labelstudio restore {self.name} --list` lists them"
                )
            chosen = named
        before = self.read_state()
        host = before.bind if before else None
        port = urlsplit(before.url).port if before else None
        self.stop()
        live = self.database
        if live.is_file():
            os.replace(live, chosen.parent / f"before-restore-{_stamp()}.sqlite3.old")
        for leftover in (live.with_name(live.name + "-wal"), live.with_name(live.name + "-shm")):
            leftover.unlink(missing_ok=True)
        shutil.copyfile(chosen, live)
        live.chmod(0o600)
        self.start(timeout, host, public=host is not None and host not in LOOPBACK, port=port)
        return chosen


def executable() -> Path:
    """The `label-studio` executable: `$HW_LABEL_STUDIO`, the repository's `.ls-venv`, or PATH."""
    named = os.environ.get(EXECUTABLE_ENV)
    candidates = [Path(named)] if named else [_REPO_VENV / "bin" / "label-studio"]
    on_path = shutil.which("label-studio")
    if not named and on_path:
        candidates.append(Path(on_path))
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise ServerError(
        "Label Studio is not installed: create its own environment with "
        "`python3 -m venv .ls-venv && .ls-venv/bin/pip install label-studio==1.23.2` "
        f"or point {EXECUTABLE_ENV} at a `label-studio` executable"
    )


def installed_version(label_studio: Path) -> str:
    venv = label_studio.resolve().parent.parent
    found = sorted(venv.glob("lib/python*/site-packages/label_studio-*.dist-info"))
    if not found:
        raise ServerError(f"{label_studio}: cannot tell which Label Studio version it runs (no dist-info in {venv})")
    return found[-1].name.removeprefix("label_studio-").removesuffix(".dist-info")


def _server_env(base: Path, extra: dict[str, str]) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("LABEL_STUDIO_", "VIRTUAL_ENV"))}
    env.update(
        LABEL_STUDIO_BASE_DATA_DIR=str(base),
        LATEST_VERSION_CHECK="false",
        COLLECT_ANALYTICS="false",
        SENTRY_DSN="",
        FRONTEND_SENTRY_DSN="",
    )
    env.update(extra)
    return env


def template_path(label_studio: Path) -> Path:
    venv = label_studio.resolve().parent.parent
    return venv / "share" / "heritage-weaver" / f"label-studio-{installed_version(label_studio)}.sqlite3"


def prepare_template(label_studio: Path | None = None, log: Path | None = None) -> Path:
    """A fully migrated, empty Label Studio database for this installation (built once, then reused)."""
    label_studio = label_studio or executable()
    template = template_path(label_studio)
    if template.is_file():
        return template
    template.parent.mkdir(parents=True, exist_ok=True)
    python = label_studio.parent / "python"
    package = next(label_studio.resolve().parent.parent.glob("lib/python*/site-packages/label_studio"))
    with tempfile.TemporaryDirectory(dir=template.parent) as scratch:
        database = Path(scratch) / DATABASE_NAME
        env = _server_env(
            Path(scratch),
            {
                "DATABASE_NAME": str(database),
                "DJANGO_SETTINGS_MODULE": "label_studio.core.settings.label_studio",
                "PYTHONPATH": str(package),
            },
        )
        with open(log or os.devnull, "ab") as output:
            done = subprocess.run(
                [str(python), "-m", "django", "migrate", "--no-color", "-v", "0"],
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                cwd=scratch,
            )
        if done.returncode != 0 or not database.is_file():
            raise ServerError(f"Label Studio database migrations failed (exit {done.returncode}); see {log}")
        os.replace(database, template)
    return template


def desks(workspace: Workspace) -> list[str]:
    """Every desk that has a server folder (started at least once), sorted."""
    root = LABELSTUDIO_DATA.location(workspace)
    return sorted(path.parent.parent.name for path in root.glob("*/server/credentials.json"))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child still answers kill(0); reap it if it is ours.
    try:
        finished, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return finished == 0


def healthy(url: str, timeout: float = 2.0) -> bool:
    try:
        return httpx.get(f"{url.rstrip('/')}/health", timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def _loopback_url(host: str, port: int) -> str:
    return f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"


def wait_healthy(workspace: Workspace, states: Iterable[ServerState], timeout: float = 600.0) -> None:
    """Wait until every server answers; stop the lot and raise when one exits or the time runs out."""
    deadline = time.monotonic() + timeout
    waiting = list(states)
    while waiting:
        waiting = [state for state in waiting if not healthy(state.url)]
        for state in waiting:
            if not _alive(state.pid):
                desk = Desk(workspace, state.desk)
                log = desk.server_dir / "server.log"
                desk._state_file.unlink(missing_ok=True)
                raise ServerError(f"{state.desk}'s Label Studio exited while starting; see {log}")
        if waiting and time.monotonic() > deadline:
            for state in waiting:
                Desk(workspace, state.desk).stop()
            raise ServerError(
                f"Label Studio did not answer within {timeout:.0f} s for {[s.desk for s in waiting]}; "
                f"see their server.log files under {LABELSTUDIO_DATA.location(workspace)}"
            )
        time.sleep(0.25)


def memory_bytes(pid: int) -> int:
    """Resident memory of a server's whole process group (Label Studio runs a worker under its launcher)."""
    total = 0
    for status in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = status.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pid:  # the process group id
                total += int(Path(status.parent, "statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    return total


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def _is_label_studio(pid: int) -> bool:
    """Guard against a stale state file whose pid now belongs to another program."""
    try:
        return b"label-studio" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _signal_group(pid: int, signum: int) -> None:
    if not _is_label_studio(pid):
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signum)
