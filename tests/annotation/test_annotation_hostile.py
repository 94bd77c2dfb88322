"""Push meets hostile records: script and markup, odd Unicode, a description at ingest's cap, and an
image URL at a local service. Each task holds the text exactly (Label Studio shows it as text), and the
URL is replaced: no curator's browser is sent to a local service.

Ingest cleaning leaves none of the control characters, bidi overrides or lone surrogates that a
catalogue may hold for push to meet (tests/core/test_core_text_safety.py), and no image path outside
the collection's folders; a record's text longer than `[ingest] max_description` is cut before it. So
the records here are what can reach push: text as cleaning keeps it, at its longest.
"""

from __future__ import annotations

import pandas as pd
import pytest

from annotation.client import Connection, connect
from annotation.push import push
from annotation.tasks import NOT_PUBLIC
from heritage_weaver.atomic import write_table
from heritage_weaver.config_sections import IngestConfig
from heritage_weaver.workspace import Workspace
from ingest.artifacts import RECORDS
from sampler.artifacts import BATCH
from tests.core.listener import listening

pytestmark = pytest.mark.labelstudio

SCRIPT = (
    "<script>window.__pwned = 1; alert('name')</script><img src=x onerror=\"window.__pwned = 2; alert('img')\">"
    "<a href=\"javascript:alert('a')\">key</a> {{ 7*7 }} ${7*7} <b>bold</b>"
)
ODD = (
    "e\u0301 Z\u0308 \u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627 \U0001d518\U0001f469\u200d\U0001f52c "
    "zero\u200bwidth \ufeffbom \u2028line \u2029para \ufffd \uffff end"
)
LONG = ("The key was made in London and used on the line. " * 2_000)[: IngestConfig().max_description]


def hostile_pair(study: Workspace, image_url: str) -> tuple[str, pd.Series]:
    """The first pair of A01's batch made hostile in records.parquet: side a with script, the longest
    description and a local service's image URL; side b with odd Unicode."""
    pair = BATCH.at(annotator="A01").read(study).iloc[0]
    records = RECORDS.read(study)
    a = (records["collection"] == pair["collection_a"]) & (records["record_id"] == pair["record_a"])
    b = (records["collection"] == pair["collection_b"]) & (records["record_id"] == pair["record_b"])
    records.loc[a, "name"], records.loc[a, "description"] = SCRIPT, LONG
    records.loc[a, "images"] = pd.Series([[image_url]] * int(a.sum()), index=records.index[a])
    records.loc[b, "name"], records.loc[b, "description"] = ODD, f"{SCRIPT} {ODD}"
    write_table(RECORDS.location(study), records)
    return str(pair["pair_id"]), pair


def pushed_task(connection: Connection, project_id: int, pair_id: str) -> dict:
    return next(task for task in connection.tasks(project_id, fields="all") if task["data"]["pair_id"] == pair_id)


def test_push_gives_hostile_text_as_it_is_and_no_local_image_url(study):
    with listening() as listener:
        pair_id, _ = hostile_pair(study, f"{listener.url}/api/projects")
        reports = push(study)
    report = next(r for r in reports if r.annotator == "A01")
    assert report.created == report.pairs
    data = pushed_task(connect(study, "A01"), report.project_id, pair_id)["data"]
    assert (data["name_a"], data["description_a"], data["image_a"]) == (SCRIPT, LONG, NOT_PUBLIC)
    assert (data["name_b"], data["description_b"]) == (ODD, f"{SCRIPT} {ODD}")
    assert listener.requests == []


@pytest.mark.browser
@pytest.mark.slow
def test_a_hostile_task_in_the_browser_runs_no_script_and_requests_no_local_service(study, label_studio, chromium):
    with listening() as listener:
        pair_id, _ = hostile_pair(study, f"{listener.url}/api/projects")
        report = next(r for r in push(study) if r.annotator == "A01")
        task = pushed_task(connect(study, "A01"), report.project_id, pair_id)
        page = chromium.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(60_000)
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        label_studio.log_in(page, "A01")
        page.goto(f"{label_studio.url('A01')}/projects/{report.project_id}/data?task={task['id']}")
        page.get_by_text("window.__pwned = 1", exact=False).first.wait_for()  # the script shown as text
        page.get_by_text("\u05e9\u05dc\u05d5\u05dd", exact=False).first.wait_for()
        page.wait_for_timeout(1_000)  # time for an injected handler to have run
        pwned = page.evaluate("() => window.__pwned")
        page.close()
    assert dialogs == [] and pwned is None
    assert listener.requests == []
