"""A local Label Studio server for one study: its own virtual environment, sqlite under the workspace.

Label Studio lives in a separate virtual environment (`.ls-venv` beside this package, or the
`label-studio` executable named by `HW_LABEL_STUDIO`) so its pins never meet ours. Its database
migrations take a minute or two, so they run once per Label Studio installation into a template
database (`prepare_template`); every new server starts from a copy of it in seconds.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from heritage_weaver import atomic
from heritage_weaver.artifacts import LABELSTUDIO_DATA
from heritage_weaver.workspace import Workspace

USERNAME_ENV = "LABEL_STUDIO_USERNAME"
PASSWORD_ENV = "LABEL_STUDIO_PASSWORD"
EXECUTABLE_ENV = "HW_LABEL_STUDIO"
DEFAULT_USERNAME = "admin@heritage-weaver.local"
DATABASE_NAME = "label_studio.sqlite3"
_REPO_VENV = Path(__file__).resolve().parent.parent / ".ls-venv"


class ServerError(RuntimeError):
    """The local Label Studio server cannot be started, reached or stopped; the message says why."""


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str
    token: str


@dataclass(frozen=True)
class ServerState:
    pid: int
    url: str
    data_dir: str
    document_root: str
    log: str
    started_at: float


def data_dir(workspace: Workspace) -> Path:
    return LABELSTUDIO_DATA.location(workspace)


def _state_file(workspace: Workspace) -> Path:
    return data_dir(workspace) / "server.json"


def _credentials_file(workspace: Workspace) -> Path:
    return data_dir(workspace) / "credentials.json"


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


def resolve_credentials(workspace: Workspace) -> Credentials:
    """Admin account and API token: environment variables first, else the ones saved by `up`."""
    saved: dict[str, str] = {}
    if _credentials_file(workspace).is_file():
        saved = json.loads(_credentials_file(workspace).read_text(encoding="utf-8"))
    token_env = workspace.config.labelstudio.token_env
    return Credentials(
        username=os.environ.get(USERNAME_ENV) or saved.get("username") or DEFAULT_USERNAME,
        password=os.environ.get(PASSWORD_ENV) or saved.get("password") or secrets.token_urlsafe(12),
        token=os.environ.get(token_env) or saved.get("token") or secrets.token_hex(20),
    )


def _save_credentials(workspace: Workspace, credentials: Credentials) -> None:
    target = _credentials_file(workspace)
    atomic.write_json(target, asdict(credentials))
    target.chmod(0o600)


def read_state(workspace: Workspace) -> ServerState | None:
    path = _state_file(workspace)
    if not path.is_file():
        return None
    return ServerState(**json.loads(path.read_text(encoding="utf-8")))


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


def start(
    workspace: Workspace, url: str | None = None, document_root: Path | None = None, timeout: float = 600.0
) -> tuple[ServerState, Credentials]:
    """Start (or find running) the study's local server at the configured URL; wait until healthy.

    It serves local images under `document_root` (default: the workspace folder).
    """
    url = (url or workspace.config.labelstudio.url).rstrip("/")
    parts = urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost") or parts.port is None:
        raise ServerError(f"labelstudio.url = {url!r}: a local server needs http://127.0.0.1:PORT")
    state = read_state(workspace)
    if state is not None and _alive(state.pid) and _is_label_studio(state.pid) and healthy(state.url):
        return state, resolve_credentials(workspace)
    if not _port_free(parts.hostname, parts.port):
        raise ServerError(f"port {parts.port} on {parts.hostname} is in use by another program; change labelstudio.url")
    label_studio = executable()
    document_root = Path(document_root or workspace.root).resolve()
    base = data_dir(workspace)
    base.mkdir(parents=True, exist_ok=True)
    log = base / "server.log"
    database = base / DATABASE_NAME
    fresh = not database.is_file()
    if fresh:
        shutil.copyfile(prepare_template(label_studio, log), database)
    credentials = resolve_credentials(workspace)
    if fresh or not _credentials_file(workspace).is_file():
        _save_credentials(workspace, credentials)  # what the admin account is created with
    env = _server_env(
        base,
        {
            "LABEL_STUDIO_USERNAME": credentials.username,
            "LABEL_STUDIO_PASSWORD": credentials.password,
            "LABEL_STUDIO_USER_TOKEN": credentials.token,
            "LOCAL_FILES_SERVING_ENABLED": "true",
            "DISABLE_SIGNUP_WITHOUT_LINK": "true",  # curators join through the invite link only
            "LOCAL_FILES_DOCUMENT_ROOT": str(document_root),
            "LABEL_STUDIO_HOST": url,
        },
    )
    command = [
        str(label_studio),
        "start",
        "--no-browser",
        "--enable-legacy-api-token",
        "--internal-host",
        parts.hostname,
        "--port",
        str(parts.port),
        "--data-dir",
        str(base),
    ]
    with log.open("ab") as output:
        process = subprocess.Popen(
            command,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=base,
            start_new_session=True,
        )
    state = ServerState(process.pid, url, str(base), str(document_root), str(log), time.time())
    atomic.write_json(_state_file(workspace), asdict(state))
    deadline = time.monotonic() + timeout
    while not healthy(url):
        if process.poll() is not None:
            _state_file(workspace).unlink(missing_ok=True)
            raise ServerError(f"Label Studio exited with status {process.returncode} while starting; see {log}")
        if time.monotonic() > deadline:
            stop(workspace)
            raise ServerError(f"Label Studio did not answer at {url} within {timeout:.0f} s; see {log}")
        time.sleep(0.25)
    return state, credentials


def stop(workspace: Workspace, timeout: float = 30.0) -> bool:
    """Stop the study's server (the process group it was started in); False when none was running."""
    state = read_state(workspace)
    if state is None:
        return False
    running = _alive(state.pid) and _is_label_studio(state.pid)
    if running:
        _signal_group(state.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _alive(state.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _alive(state.pid):
            _signal_group(state.pid, signal.SIGKILL)
    _state_file(workspace).unlink(missing_ok=True)
    return running


def kill(workspace: Workspace) -> None:
    """Kill the server abruptly (no clean shutdown), as a crash or power cut would; keeps the state file."""
    state = read_state(workspace)
    if state is not None and _alive(state.pid) and _is_label_studio(state.pid):
        _signal_group(state.pid, signal.SIGKILL)
        while _alive(state.pid):
            time.sleep(0.05)


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
