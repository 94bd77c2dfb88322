"""OpenRefine 3.6 as the real client of the reconciliation service: a project from a CSV of NMS records,
its name column reconciled against the SMG records with the description and image columns as
properties, a property fetched by data extension, and a screenshot of the reconciled column.

OpenRefine keeps each cell's candidates (id, name, score, types), its judgment and match, and
features of its own (name and type agreement with the best candidate); it does not keep the
features a service sends, so those are checked on the service's answer to the very queries
OpenRefine sent, recorded as they arrived.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from analysis.artifacts import PUBLISHABLE
from heritage_weaver.atomic import write_table
from heritage_weaver.workspace import Workspace
from tests.web.openrefine import OPENREFINE, ROW_BASED, OpenRefine, running_openrefine
from tests.web.servers import serving

pytestmark = [pytest.mark.slow, pytest.mark.openrefine]

ROWS = 12
COLUMN = "name"
# Scroll a row of the data table to the top of its scrolling panel, below the sticky column headers.
SHOW_ROW_FIRST = """row => {
    row.scrollIntoView({block: 'start'});
    let panel = row.parentElement;
    while (panel && panel.scrollHeight <= panel.clientHeight) panel = panel.parentElement;
    if (panel) panel.scrollTop -= row.closest('table').querySelector('thead').offsetHeight;
}"""


def _skip_without_openrefine() -> None:
    if not OPENREFINE.is_file() or shutil.which("java") is None:
        pytest.skip(
            f"OpenRefine 3.6 is not installed (no {OPENREFINE}, or no java): `make openrefine` installs Debian 12's "
            "openrefine package where the distribution has it"
        )


@dataclass
class Reconciled:
    refine: OpenRefine
    project: str
    service: str  # the reconciliation endpoint's URL
    manifest: dict
    threshold: float  # the text-text threshold of the calibration table the test wrote
    table: pd.DataFrame  # the project's rows: name, description, image
    sent: dict[int, dict]  # the query OpenRefine sent for each row
    answers: list[list[dict]]  # the service's candidates for each row's query, best first
    records: pd.DataFrame  # the study's records, by record id


@pytest.fixture(scope="module")
def study(indexed_study: Workspace, tmp_path_factory) -> Workspace:
    """The indexed demo study, whose queries may read images from the NMS image folder."""
    root = tmp_path_factory.mktemp("openrefine") / "study"
    shutil.copytree(indexed_study.root, root)
    records = pd.read_parquet(root / "records" / "records.parquet")
    folder = Path(next(p for images in records.loc[records["collection"] == "nms", "images"] for p in images)).parent
    config = root / "study.toml"
    config.write_text(config.read_text(encoding="utf-8") + f'\n[serve]\nimage_folders = ["{folder}"]\n')
    return Workspace.open(root)


def _thresholds(ws: Workspace, text_text: float) -> None:
    """A calibration table as `hw calibrate` writes it, with a text-text threshold for the served model."""
    row = {
        "comparison": "text-text",
        "target": "match",
        "score": "base",
        "threshold": text_text,
        "target_precision": 0.9,
        "confidence": 0.95,
        "precision": 0.95,
        "lower_bound": 0.91,
        "labelled": 40,
        "links": 120,
    }
    write_table(PUBLISHABLE.location(ws), pd.DataFrame([row]).reindex(columns=list(PUBLISHABLE.columns)))


def _recon_operation(service: str, manifest: dict) -> dict:
    """The reconciliation OpenRefine's dialog applies: type smg, auto-match, two columns as properties."""
    details = [{"column": c, "propertyName": c, "propertyID": c} for c in ("description", "image")]
    config = {
        "mode": "standard-service",
        "service": service,
        "identifierSpace": manifest["identifierSpace"],
        "schemaSpace": manifest["schemaSpace"],
        "type": {"id": "smg", "name": "smg records"},
        "autoMatch": True,
        "columnDetails": details,
        "limit": 0,
    }
    return {"op": "core/recon", "engineConfig": ROW_BASED, "columnName": COLUMN, "config": config}


@pytest.fixture(scope="module")
def reconciled(study, encoder, tmp_path_factory) -> Reconciled:
    _skip_without_openrefine()
    import httpx

    from embeddings.search import Searcher
    from web.app import create_app

    records = pd.read_parquet(study.path("records", "records.parquet"))
    nms = records[records["collection"] == "nms"].head(ROWS)
    images = [Path(found[0]).name if len(found) else None for found in nms["images"]]  # in [serve] image_folders
    table = pd.DataFrame({"name": nms["name"], "description": nms["description"], "image": images})
    app = create_app(study, lambda ws, model: Searcher(ws, model, encoder))
    received: list[str] = []
    answer = app.state.reconcile.answer
    app.state.reconcile.answer = lambda raw: received.append(raw) or answer(raw)
    with serving(app) as base, running_openrefine(tmp_path_factory.mktemp("openrefine-data")) as refine:
        service = f"{base}/reconcile"
        manifest = httpx.get(service).json()
        # the service's own answers, before any threshold: a text-text threshold that about half the rows reach
        probe = {
            f"r{i}": {
                "query": row["name"],
                "type": "smg",
                "properties": [{"pid": "description", "v": row["description"]}],
            }
            for i, row in enumerate(table.to_dict("records"))
        }
        best = sorted(
            max(f["value"] for c in a["result"] for f in c["features"] if f["id"] == "text-text")
            for a in answer(json.dumps(probe)).values()
        )
        threshold = (best[ROWS // 2 - 1] + best[ROWS // 2]) / 2
        _thresholds(study, threshold)
        refine.set_preference(  # the service as OpenRefine's dialog registers it: its manifest and URL
            "reconciliation.standardServices",
            [manifest | {"url": service, "ui": {"handler": "ReconStandardServicePanel", "access": "json"}}],
        )
        project = refine.create_project("nms", table.to_csv(index=False))
        received.clear()
        refine.apply(project, [_recon_operation(service, manifest)])
        sent = [query for raw in received for query in json.loads(raw).values()]  # batches of 10, keys q0…q9
        by_row = [next(q for q in sent if q["query"] == name) for name in table["name"]]
        answers = [answer(json.dumps({"q": query}))["q"]["result"] for query in by_row]
        yield Reconciled(
            refine,
            project,
            service,
            manifest,
            threshold,
            table,
            dict(enumerate(by_row)),
            answers,
            records.set_index("record_id"),
        )


def _levenshtein(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        current = [i]
        for j, y in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def test_openrefine_sends_the_name_with_description_and_image_and_our_features_answer(reconciled):
    for row, query in reconciled.sent.items():
        cells = reconciled.table.iloc[row]
        given = {k: cells[k] for k in ("description", "image") if isinstance(cells[k], str) and cells[k]}
        assert query["query"] == cells["name"] and query["type"] == "smg"
        assert {p["pid"]: p["v"] for p in query["properties"]} == given  # a blank cell is no property
        features = [{f["id"]: f["value"] for f in candidate["features"]} for candidate in reconciled.answers[row]]
        for candidate, found in zip(reconciled.answers[row], features, strict=True):
            assert {"text-text", "text-image"} <= set(found)
            assert found.get("images_read") == (1 if "image" in given else None)
            assert candidate["match"] == (found["text-text"] >= reconciled.threshold)
        assert any("image-image" in found for found in features) == ("image" in given)
    with_image = [q for q in reconciled.sent.values() if any(p["pid"] == "image" for p in q["properties"])]
    assert len(with_image) > ROWS // 2


def test_openrefine_stores_our_candidates_its_matches_and_its_features(reconciled):
    refine, project = reconciled.refine, reconciled.project
    evaluate = lambda expression: refine.evaluate(project, COLUMN, expression, ROWS)  # noqa: E731
    candidates = evaluate('forEach(cell.recon.candidates, c, c.id + " " + c.score).join("|")')
    judgments = evaluate("cell.recon.judgment")
    matches = evaluate("cell.recon.match.id")
    name_match = evaluate("cell.recon.features.nameMatch")
    type_match = evaluate("cell.recon.features.typeMatch")
    levenshtein = evaluate("cell.recon.features.nameLevenshtein")
    matched_rows = 0
    for row, answer in enumerate(reconciled.answers):
        stored = [item.split(" ") for item in candidates[row].split("|")]
        assert [i for i, _ in stored] == [c["id"] for c in answer]
        assert [float(s) for _, s in stored] == [c["score"] for c in answer]
        best, cell = answer[0], reconciled.table["name"].iloc[row]
        assert judgments[row] == ("matched" if best["match"] else "none")
        assert matches[row] == (best["id"] if best["match"] else None)
        matched_rows += best["match"]
        assert name_match[row] == str(cell.lower() == best["name"].lower()).lower()
        assert type_match[row] == "true"
        assert int(levenshtein[row]) == _levenshtein(cell.lower(), best["name"].lower())
    assert 0 < matched_rows < ROWS  # the threshold splits the rows


def test_openrefine_extends_the_matched_rows_with_their_category(reconciled):
    refine, project = reconciled.refine, reconciled.project
    operation = {
        "op": "core/extend-reconciled-data",
        "engineConfig": ROW_BASED,
        "baseColumnName": COLUMN,
        "endpoint": reconciled.service,
        "identifierSpace": reconciled.manifest["identifierSpace"],
        "schemaSpace": reconciled.manifest["schemaSpace"],
        "extension": {"properties": [{"id": "category", "name": "category"}]},
        "columnInsertIndex": 1,
    }
    refine.apply(project, [operation])
    assert list(refine.columns(project)) == ["name", "category", "description", "image"]
    categories = refine.cells(project, "category")
    for row, answer in enumerate(reconciled.answers):
        expected = reconciled.records.loc[answer[0]["id"], "category"] if answer[0]["match"] else None
        assert categories[row] == (expected or None)


@pytest.mark.browser
def test_a_screenshot_of_the_reconciled_column_with_our_preview(reconciled, chromium, artifacts_dir):
    page = chromium.new_page(viewport={"width": 1440, "height": 860})
    page.set_default_timeout(60_000)
    page.goto(f"{reconciled.refine.base}/project?project={reconciled.project}")
    matched = [answer[0]["match"] for answer in reconciled.answers]
    above = [next((n for n in range(r) if not all(matched[r - n - 1 : r])), r) for r in range(ROWS)]  # matched rows
    unmatched = max((r for r in range(ROWS) if not matched[r]), key=lambda r: (above[r], -r))
    rows = page.locator("table.data-table > tbody > tr")
    rows.nth(unmatched - above[unmatched]).evaluate(SHOW_ROW_FIRST)  # the matched rows above it, then it
    rows.nth(unmatched).locator(".data-table-recon-candidate").first.hover()
    preview = page.frame_locator(".data-table-topic-popup iframe").first
    preview.locator("h1").wait_for()
    page.wait_for_function("() => [...document.images].every(i => i.complete)")
    best = reconciled.answers[unmatched][0]
    assert preview.locator("h1").inner_text() == best["name"]
    assert "A candidate is a match only where" in preview.locator("p.match").inner_text()
    source = page.locator(".data-table-topic-popup iframe").first.get_attribute("src")
    assert source == f"{reconciled.service}/preview/{best['id']}"
    page.screenshot(path=str(artifacts_dir / "openrefine-reconcile.png"))
