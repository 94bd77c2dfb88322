"""A catalogue written as an attacker would, and the checks every hostile end-to-end test makes.

The demo's collections get hostile records: script and HTML, template syntax, spreadsheet
formulas, terminal escapes, Rich markup, bidi overrides, NUL bytes, lone surrogates, a 1 MB
description, 5,000 image URLs, and image URLs at files and at a local service (a listener that
counts what it is asked).
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from demo import create_demo_study
from heritage_weaver.spreadsheets import FORMULA_STARTS
from heritage_weaver.text_safety import has_control
from heritage_weaver.workspace import Workspace
from ingest.artifacts import DROPPED, FETCHED, RECORDS, REJECTS
from tests.core.listener import Listener

RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
PAYLOADS = [
    '<script>alert("x")</script><img src=x onerror=alert(1)>',
    "{{ 7*7 }} {% raw %}${7*7}",
    '=HYPERLINK("http://127.0.0.1/","telegraph key")',
    "+1+1+co8600249",
    "-2+3 @SUM(A1:A9)",
    "Key\x1b]0;pwned\x07 \x1b[2J clear",
    "[link=http://127.0.0.1:8089/]click me[/link] and [/x]",
    "bidi \u202eyek hpargelet NUL\x00 bell\x07",
    "surrogate \udfff here",
    'rdf "quotes" <angle> \\ backslash\n newline #frag',
]
NMS_PAYLOADS = [p for p in PAYLOADS if "\udfff" not in p]  # UTF-8 cannot hold a lone surrogate: JSON lines can


def _hostile_smg(port: int, image: str) -> list[str]:
    local = f"127.0.0.1:{port}"
    images = [
        f"http://{local}/a.jpg",
        f"http://admin:secret@{local}/api/projects",
        f"http://localhost:{port}/b.jpg",
        f"http://{local}/\x1b[2J.jpg",
        "file:///etc/passwd",
        "data:image/png;base64,AAAA",
        "javascript:alert(1)",
        "../../../etc/passwd",
        image,
    ]
    rows = []
    for number, payload in enumerate(PAYLOADS):
        source = {
            "name": [{"value": f"{payload} telegraph key"}],
            "description": [{"value": f"A telegraph key. {payload}."}],
            "categories": [{"name": payload}],
            "multimedia": [{"processed": {"medium": {"location": ref}}} for ref in images],
        }
        rows.append({"_id": f"hx{number}", "_source": source})
    long = "The key was made in London and used on the line. " * 20_400  # 1,020,000 characters
    rows.append({"_id": "hx-long", "_source": {"name": [{"value": "long key"}], "description": [{"value": long}]}})
    many = [{"processed": {"medium": {"location": f"http://{local}/{i}.jpg"}}} for i in range(5_000)]
    rows.append({"_id": "hx-many", "_source": {"name": [{"value": "many images"}], "multimedia": many}})
    rows.append({"_id": "hx\x1b[2J", "_source": {"name": [{"value": "escape in the id"}]}})
    rows.append({"_id": "hx\udfff", "_source": {"name": [{"value": "surrogate in the id"}]}})
    return [json.dumps(row) for row in rows]  # ASCII escapes: the lone surrogate is written as \udfff


def _hostile_nms(payload: str, number: int) -> list[str]:
    return [f"HX.{number}", f"{payload} key", f"{payload}.", payload, payload, "images/nms/PF0000000.jpg"]


def hostile_study(root: Path, listener: Listener, per_annotator: int = 8) -> Workspace:
    """The small demo study with the hostile records added to both collections, one epoch, small batches."""
    workspace = create_demo_study(root, smg_records=60, nms_records=20, seed=0)
    config = workspace.path("study.toml")
    config.write_text(
        config.read_text()
        .replace("epochs = 8", "epochs = 1")
        .replace("per_annotator = 60", f"per_annotator = {per_annotator}")
    )
    smg = workspace.path("data", "smg.jsonl")
    image = json.loads(smg.read_text().splitlines()[0])["_source"]["multimedia"][0]["processed"]["medium"]["location"]
    with smg.open("a") as handle:
        handle.write("\n".join(_hostile_smg(listener.port, image)) + "\n")
    with workspace.path("data", "nms.csv").open("a", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        for number, payload in enumerate(NMS_PAYLOADS):
            writer.writerow(_hostile_nms(payload, number))
    with workspace.path("data", "ground_truth.csv").open("a", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)  # simulated annotators judge the hostile records too, should they be sampled
        for record_id in (*(f"hx{n}" for n in range(len(PAYLOADS))), "hx-long", "hx-many", "hx\ufffd"):
            writer.writerow([record_id, "smg", "hostile", "telegraph key", record_id])
        for number in range(len(NMS_PAYLOADS)):
            writer.writerow([f"HX.{number}", "nms", "hostile", "telegraph key", f"HX.{number}"])
    return workspace


def check_ingest(workspace: Workspace) -> dict[str, int]:
    """Every hostile record kept cleaned (or rejected), every changed value and refused URL counted."""
    records = RECORDS.read(workspace)
    hostile = records[records["record_id"].str.startswith(("hx", "HX"))]
    # every payload record kept, cleaned; the long and the many-image ones; the surrogate id replaced, the escape id rejected
    assert len(hostile) == len(PAYLOADS) + len(NMS_PAYLOADS) + 3
    for column in ("record_id", "name", "description", "category", "taxonomy"):
        assert not any(has_control(value) for value in hostile[column].dropna())
    assert not any(has_control(url) or "secret" in url for urls in records["images"] for url in urls)
    assert hostile.set_index("record_id").loc["hx-long", "description"].__len__() <= 100_000
    assert len(hostile.set_index("record_id").loc["hx-many", "images"]) == 10  # max_images holds

    rejects = REJECTS.read(workspace)
    assert {"hx\\x1b[2J"} <= set(rejects["record_id"])
    dropped = DROPPED.read(workspace)
    changed = dropped[dropped["reason"].str.startswith("changed: ")]
    refused_refs = dropped[dropped["record_id"].fillna("").str.startswith("hx")]
    fetched = FETCHED.read(workspace)
    failed = fetched[fetched["status"] == "failed"]
    assert failed["error"].str.startswith("refused: ").all() and len(failed) > 0
    urls = {url for images in records["images"] for url in images if url.startswith(("http://", "https://"))}
    assert urls <= set(fetched["location"])  # every image URL kept has its outcome, refused ones with their reason
    manifest = json.loads(workspace.path("manifest.json").read_text())
    counts = manifest["records/records.parquet"]["counts"]
    assert counts["smg"]["values_changed"] + counts["nms"]["values_changed"] == len(changed)
    return {
        "records kept": len(hostile),
        "rejects": len(rejects),
        "values changed": len(changed),
        "dropped values of hostile records": len(refused_refs),
        "URLs refused": len(failed),
    }


def check_csvs(root: Path) -> int:
    """No formula cell and no raw control character in any CSV the study wrote; returns how many were read."""
    paths = [path for path in root.rglob("*.csv") if path.parent.name != "data"]
    for path in paths:
        text = path.read_text(encoding="utf-8")
        assert not RAW.search(text.replace("\r\n", "\n")), path
        for row in csv.reader(io.StringIO(text, newline="")):
            assert not any(cell.startswith(FORMULA_STARTS) and not number(cell) for cell in row), (path, row)
    return len(paths)


def number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True
