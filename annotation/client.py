"""Every HTTP request the platform makes to a Label Studio server, and errors that say what to fix.

One `Connection` talks to one desk's server (see `annotation.server`); push, pull, adjudication,
verification and the demo's simulated curators all go through its methods, so this is the one
module to read to know what the platform asks of Label Studio.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

from annotation import server
from heritage_weaver.workspace import Workspace

T = TypeVar("T")


class LabelStudioError(RuntimeError):
    """A Label Studio request failed; the message names the server, the request and the reason."""


@dataclass(frozen=True)
class ServerInfo:
    url: str
    version: str
    edition: str
    user: str


class TokenAuth(httpx.Auth):
    """Label Studio's two kinds of API token.

    A legacy token goes out as `Authorization: Token …`. A personal access token (a JWT refresh
    token, the default kind since 1.17) is exchanged at `/api/token/refresh` for a short-lived
    access token sent as `Bearer`, refreshed again when the server answers 401.
    """

    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self.token = token
        self.personal = token.count(".") == 2 and token.startswith("ey")
        self.access: str | None = None

    def _refresh(self) -> str:
        response = httpx.post(f"{self.url}/api/token/refresh", json={"refresh": self.token}, timeout=30)
        if response.status_code != 200:
            raise httpx.HTTPStatusError("token refresh refused", request=response.request, response=response)
        return response.json()["access"]

    def auth_flow(self, request: httpx.Request):
        if not self.personal:
            request.headers["Authorization"] = f"Token {self.token}"
            yield request
            return
        self.access = self.access or self._refresh()
        request.headers["Authorization"] = f"Bearer {self.access}"
        response = yield request
        if response.status_code == 401:
            self.access = self._refresh()
            request.headers["Authorization"] = f"Bearer {self.access}"
            yield request


@dataclass
class Connection:
    url: str
    token: str
    timeout: float = 120.0
    desk: str = ""  # whose server this is (empty for a server outside the study's desks)

    def __post_init__(self) -> None:
        from label_studio_sdk import LabelStudio

        self.url = self.url.rstrip("/")
        self.sdk = LabelStudio(base_url=self.url, api_key=self.token, timeout=self.timeout)
        self.http = httpx.Client(base_url=self.url, auth=TokenAuth(self.url, self.token), timeout=self.timeout)

    def call(self, what: str, request: Callable[[], T]) -> T:
        """Run one SDK/HTTP request, turning any failure into a LabelStudioError about `what`."""
        from label_studio_sdk.core.api_error import ApiError

        try:
            return request()
        except ApiError as error:
            raise LabelStudioError(f"{self.url}: {what} failed: {_explain(error.status_code, error.body)}") from None
        except httpx.HTTPStatusError as error:
            raise LabelStudioError(
                f"{self.url}: {what} failed: {_explain(error.response.status_code, error.response.text)}"
            ) from None
        except (httpx.TransportError, OSError) as error:
            raise LabelStudioError(
                f"{self.url}: {what} failed: server unreachable ({type(error).__name__}: {error}); "
                "is it running (`hw labelstudio status`) and is labelstudio.url right?"
            ) from None

    def get_json(self, what: str, path: str, **params: Any) -> Any:
        """The decoded JSON answer (its shape is Label Studio's, so it is not typed further)."""

        def request() -> Any:
            response = self.http.get(path, params=params)
            response.raise_for_status()
            return response.json()

        return self.call(what, request)

    def check(self) -> ServerInfo:
        """Verify that the server answers, which version it runs, and that the token is accepted."""
        version = self.get_json("reading the version", "/api/version")
        who = self.get_json("checking the API token", "/api/current-user/whoami")
        return ServerInfo(
            url=self.url,
            version=str(version.get("release", "unknown")),
            edition=str(version.get("edition", "Community")),
            user=str(who.get("email") or who.get("username")),
        )

    def close(self) -> None:
        self.http.close()

    def _send(self, what: str, method: str, path: str, **options: Any) -> httpx.Response:
        def request() -> httpx.Response:
            response = self.http.request(method, path, **options)
            response.raise_for_status()
            return response

        return self.call(what, request)

    # -- projects ---------------------------------------------------------------------
    def find_project(self, title: str) -> int | None:
        """The oldest project with exactly this title."""
        listing = self.get_json("listing projects", "/api/projects/", title=title, page_size=1000)
        matches = [project["id"] for project in listing["results"] if project["title"] == title]
        return min(matches) if matches else None

    def project_exists(self, project_id: int) -> bool:
        def request() -> bool:
            response = self.http.get(f"/api/projects/{project_id}/", params={"fields": "id"})
            if response.status_code == 404:
                return False
            response.raise_for_status()
            return True

        return self.call(f"looking up project {project_id}", request)

    def create_project(self, title: str, description: str, label_config: str, instructions: str) -> int:
        """A new project: one annotation per task, instructions shown, skipping allowed."""
        created = self.call(
            f"creating project {title!r}",
            lambda: self.sdk.projects.create(
                title=title,
                description=description,
                label_config=label_config,
                expert_instruction=instructions,
                show_instruction=True,
                show_skip_button=True,
                maximum_annotations=1,
            ),
        )
        if created.id is None:
            raise LabelStudioError(f"{self.url}: creating project {title!r} returned no project id")
        return created.id

    def ensure_storage(self, project_id: int, folder: Path | None) -> None:
        """A local-files storage over `folder` (under the server's document root) for the project's images."""
        if folder is None:
            return
        existing = self.get_json("listing local storages", "/api/storages/localfiles/", project=project_id)
        if any(storage["path"] == str(folder) for storage in existing):
            return
        self.call(
            f"connecting local images {folder} to project {project_id}",
            lambda: self.sdk.import_storage.local.create(
                project=project_id, path=str(folder), title="study images", use_blob_urls=False
            ),
        )

    # -- tasks ------------------------------------------------------------------------
    def tasks(
        self, project_id: int, fields: str = "task_only", include: str = "id,data", page_size: int = 2000
    ) -> Iterator[dict]:
        """Every task of a project (by default its id and data), page by page."""
        page = 1
        seen = 0
        while True:
            listing = self.get_json(
                f"listing tasks of project {project_id}",
                "/api/tasks/",
                project=project_id,
                fields=fields,
                include=include,
                page_size=page_size,
                page=page,
            )
            yield from listing["tasks"]
            seen += len(listing["tasks"])
            if not listing["tasks"] or seen >= listing["total"]:
                return
            page += 1

    def has_tasks(self, project_id: int) -> bool:
        return next(self.tasks(project_id, include="id", page_size=1), None) is not None

    def import_tasks(self, project_id: int, tasks: list[dict]) -> list[int]:
        """One batched import; the ids of the created tasks, in the order sent.

        Posted as plain JSON: the SDK's generic encoder costs more than the server's import itself.
        """
        response = self._send(
            f"importing {len(tasks)} tasks into project {project_id}",
            "POST",
            f"/api/projects/{project_id}/import",
            params={"return_task_ids": "true"},
            json=tasks,
        )
        return response.json().get("task_ids") or []

    # -- annotations ------------------------------------------------------------------
    def export(self, project_id: int) -> list[dict]:
        """Every task of the project with its annotations and every user's drafts."""
        response = self._send(
            f"exporting project {project_id}",
            "GET",
            f"/api/projects/{project_id}/export",
            params={"exportType": "JSON", "download_all_tasks": "true"},
        )
        return json.loads(response.content)

    def users(self) -> dict[int, str]:
        """user id → email (or username) of every account on the server."""
        listing = self.get_json("listing users", "/api/users/")
        return {user["id"]: user.get("email") or user.get("username") for user in listing}

    def annotate(self, task_id: int, body: dict) -> dict:
        """Submit an annotation to a task as this connection's account (what the editor's Submit does)."""
        return self._send(f"annotating task {task_id}", "POST", f"/api/tasks/{task_id}/annotations/", json=body).json()

    # -- accounts ---------------------------------------------------------------------
    def sign_up(self, email: str, password: str) -> tuple[int, str]:
        """Create a curator account through the sign-up form with the server's current invite token,
        then replace that token so the link it made cannot admit anyone else. Returns the new
        account's id and its API token (the curator's own; the platform keeps it only for simulations)."""
        invite = self.get_json("reading the invite token", "/api/invite")
        with httpx.Client(base_url=self.url, timeout=self.timeout, follow_redirects=False) as browser:
            browser.get("/user/signup/")
            answer = browser.post(
                "/user/signup/",
                params={"token": invite["token"]},
                data={
                    "email": email,
                    "password": password,
                    "csrfmiddlewaretoken": browser.cookies.get("csrftoken", ""),
                },
                headers={"Referer": f"{self.url}/user/signup/"},
            )
            self.reset_invite()
            if answer.status_code != 302:
                reason = _form_errors(answer.text)
                raise LabelStudioError(f"{self.url}: creating the account {email} failed: {reason}")
            token = browser.get("/api/current-user/token").json()["token"]
            who = browser.get("/api/current-user/whoami").json()
        return int(who["id"]), str(token)

    def reset_invite(self) -> None:
        """Replace the invite token, so no sign-up link made before works."""
        self._send("replacing the invite token", "POST", "/api/invite/reset-token")


def _form_errors(page: str) -> str:
    """The error messages of a Django form page, or a note that there were none to read."""
    import re

    found = re.findall(r'class="[^"]*error[^"]*"[^>]*>\s*([^<]+)<', page)
    return "; ".join(message.strip() for message in found) or "the server did not accept the sign-up form"


def _explain(status: int | None, body: object) -> str:
    text = str(body)[:300]
    if status == 401:
        return f"HTTP 401: the API token was refused ({text}); check the token environment variable"
    if status == 403:
        return f"HTTP 403: not allowed ({text})"
    if status == 404:
        return f"HTTP 404: not found ({text})"
    return f"HTTP {status}: {text}"


def connect(workspace: Workspace, desk: str) -> Connection:
    """A connection to the desk's own server, as its admin account (started by `hw labelstudio up`)."""
    desk_server = server.Desk(workspace, desk)
    state = desk_server.running()
    if state is None:
        raise LabelStudioError(f"{desk}'s Label Studio server is not running; start it with `hw labelstudio up {desk}`")
    return Connection(state.url, desk_server.credentials().token, desk=desk)
