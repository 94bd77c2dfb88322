"""OpenRefine 3.6 (Debian's `openrefine` package) for tests: started headless on loopback with its own
data folder, and the commands of its HTTP API a reconciliation test needs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.web.servers import free_port

OPENREFINE = Path("/usr/bin/openrefine")  # Debian 12's package, installed by `make openrefine`
MEMORY = "600M"  # the JVM heap (-Xms and -Xmx): a test project is a few dozen rows
ROW_BASED = {"facets": [], "mode": "row-based"}


class OpenRefine:
    """The commands of OpenRefine's HTTP API, each POST with a fresh CSRF token as 3.6 asks."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.client = httpx.Client(base_url=base, timeout=120)

    def version(self) -> str:
        return self.client.get("/command/core/get-version").json()["version"]

    def _post(self, command: str, params: dict | None = None, **kwargs) -> httpx.Response:
        token = self.client.get("/command/core/get-csrf-token").json()["token"]
        response = self.client.post(
            f"/command/core/{command}", params={**(params or {}), "csrf_token": token}, **kwargs
        )
        assert response.status_code < 400, f"{command}: {response.status_code} {response.text[:500]}"
        return response

    def create_project(self, name: str, csv: str) -> str:
        """A project from a CSV upload (first line the header, every cell text); its id."""
        options = {"separator": ",", "headerLines": 1, "guessCellValueTypes": False, "encoding": "UTF-8"}
        response = self._post(
            "create-project-from-upload",
            files={"project-file": (f"{name}.csv", csv.encode(), "text/csv")},
            data={"project-name": name, "format": "text/line-based/*sv", "options": json.dumps(options)},
        )
        assert response.status_code == 302, response.text
        return response.headers["location"].split("project=")[1]

    def set_preference(self, name: str, value: object) -> None:
        self._post("set-preference", params={"name": name}, data={"value": json.dumps(value)})

    def apply(self, project: str, operations: list[dict], timeout: float = 120) -> None:
        """Apply operations, then wait until the project's long-running processes (reconciling, extending) end."""
        response = self._post(
            "apply-operations", params={"project": project}, data={"operations": json.dumps(operations)}
        )
        assert response.json()["code"] in ("ok", "pending"), response.text
        deadline = time.monotonic() + timeout
        while self.client.get("/command/core/get-processes", params={"project": project}).json()["processes"]:
            if time.monotonic() > deadline:
                raise TimeoutError(f"OpenRefine's processes of project {project} did not end within {timeout} s")
            time.sleep(0.3)

    def columns(self, project: str) -> dict[str, int]:
        """Column name → the index of its cells in a row."""
        models = self.client.get("/command/core/get-models", params={"project": project}).json()
        return {column["name"]: column["cellIndex"] for column in models["columnModel"]["columns"]}

    def cells(self, project: str, column: str) -> list[object]:
        """The values of one column, row by row (None for an empty cell)."""
        index = self.columns(project)[column]
        rows = self._post("get-rows", params={"project": project, "start": 0, "limit": 10_000}).json()["rows"]
        return [(row["cells"][index] or {}).get("v") if index < len(row["cells"]) else None for row in rows]

    def evaluate(self, project: str, column: str, expression: str, rows: int) -> list:
        """A GREL expression on one column's cells of the first `rows` rows, as OpenRefine evaluates it."""
        response = self._post(
            "preview-expression",
            params={"project": project},
            data={
                "cellIndex": self.columns(project)[column],
                "rowIndices": json.dumps(list(range(rows))),
                "expression": f"grel:{expression}",
                "repeat": "false",
                "repeatCount": 10,
            },
        ).json()
        assert response["code"] == "ok", response
        return response["results"]


@contextmanager
def running_openrefine(data: Path) -> Iterator[OpenRefine]:
    """OpenRefine on 127.0.0.1 with its data in `data`, headless; stopped (its process group) after."""
    port = free_port()
    data.mkdir(parents=True, exist_ok=True)
    log = (data / "openrefine.log").open("wb")
    environment = {
        **os.environ,
        "JAVA_OPTIONS": "-Drefine.headless=true -Drefine.display.new.version.notice=false",
    }
    process = subprocess.Popen(
        [str(OPENREFINE), "-i", "127.0.0.1", "-p", str(port), "-d", str(data), "-m", MEMORY],
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its launcher script and the JVM in one process group
    )
    refine = OpenRefine(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                refine.version()
                break
            except httpx.HTTPError:
                if process.poll() is not None or time.monotonic() > deadline:
                    tail = (data / "openrefine.log").read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"OpenRefine did not start on port {port}:\n{tail}") from None
                time.sleep(0.3)
        yield refine
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()
