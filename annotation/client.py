"""Talking to a Label Studio server: connection, credentials check, and errors that say what to fix."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
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


def _explain(status: int | None, body: object) -> str:
    text = str(body)[:300]
    if status == 401:
        return f"HTTP 401: the API token was refused ({text}); check the token environment variable"
    if status == 403:
        return f"HTTP 403: not allowed ({text})"
    if status == 404:
        return f"HTTP 404: not found ({text})"
    return f"HTTP {status}: {text}"


def connect(workspace: Workspace) -> Connection:
    """A connection to the study's Label Studio (configured URL; token from the configured env var).

    For the study's own local server the token saved by `hw labelstudio up` is used when the
    environment variable is unset.
    """
    config = workspace.config.labelstudio
    token = os.environ.get(config.token_env)
    if not token:
        state = server.read_state(workspace)
        if state is not None and state.url.rstrip("/") == config.url.rstrip("/"):
            token = server.resolve_credentials(workspace).token
    if not token:
        raise LabelStudioError(
            f"no API token: set the environment variable {config.token_env} "
            f"(labelstudio.token_env) to your Label Studio access token"
        )
    return Connection(config.url, token)
