"""A curator in headless Chromium: a text search, an image upload, opening a record."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.browser

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


@pytest.fixture
def page(chromium):
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(30_000)
    return page


def _all_images_loaded(page) -> bool:
    return page.evaluate(
        "() => [...document.querySelectorAll('main img')].every(i => i.complete && i.naturalWidth > 0)"
    )


def test_search_by_text_by_image_and_open_a_record(live_server, served_study, encoder, page, artifacts_dir):
    from embeddings.search import Searcher

    searcher = Searcher(served_study, "base", encoder)
    page.goto(live_server)
    assert page.title() == "Search · Heritage Weaver · demo"

    page.fill("input[name=text]", "a telephone with a dial")
    page.click("button[type=submit]")
    page.locator("ol.cards li.card").first.wait_for()
    expected = searcher.search(text="a telephone with a dial", k=12)
    assert page.locator("li.card .record-id").all_inner_texts() == expected["record_id"].tolist()
    page.wait_for_function("() => [...document.querySelectorAll('main img')].every(i => i.complete)")
    assert _all_images_loaded(page)
    page.screenshot(path=str(artifacts_dir / "serve-search.png"))

    records = pd.read_parquet(served_study.path("records", "records.parquet"))
    query_image = next(p for images in records.loc[records["collection"] == "nms", "images"] for p in images)
    page.fill("input[name=text]", "")
    page.select_option("select[name=collection]", "smg")
    page.set_input_files("input[name=image]", query_image)
    page.click("button[type=submit]")
    page.locator("p.summary", has_text=f"image {Path(query_image).name}").wait_for()
    expected = searcher.search(image=query_image, collection="smg", k=12)
    assert page.locator("li.card .record-id").all_inner_texts() == expected["record_id"].tolist()
    assert set(page.locator("li.card .collection").all_inner_texts()) == {"smg"}

    first = expected.iloc[0]
    page.locator("li.card a").first.click()
    page.wait_for_url(f"**/record/smg/{first['record_id']}")
    assert page.locator("h1").inner_text() == (first["name"] or first["record_id"])
    page.locator("#nearest li.card").first.wait_for()
    assert set(page.locator("#nearest li.card .collection").all_inner_texts()) == {"nms"}
    page.wait_for_function("() => [...document.querySelectorAll('main img')].every(i => i.complete)")
    assert _all_images_loaded(page)
    page.screenshot(path=str(artifacts_dir / "serve-record.png"), full_page=True)


def test_the_record_page_lists_its_verified_link_and_leads_to_the_other_record(live_server, served_study, page):
    links = pd.read_parquet(served_study.path("publishing", "links.parquet"))
    link = links.iloc[0]
    page.goto(f"{live_server}/record/smg/{link['record_a']}")
    row = page.locator("#links tbody tr")
    assert row.count() == 1
    assert row.locator("td.label").inner_text() == "similar object"
    assert "67%" in row.inner_text()
    row.locator("a").click()
    page.wait_for_url(f"**/record/nms/{link['record_b']}")
    assert page.locator("#links td.label").inner_text() == "similar object"


SCRIPT = (
    "<script>window.__pwned = 1; alert('name')</script><img src=x onerror=\"window.__pwned = 2; alert('img')\">"
    "<a href=\"javascript:alert('a')\">key</a> {{ 7*7 }}"
)


@pytest.fixture
def hostile_record(served_study):
    """An NMS record whose name, description and category carry script, with an image URL at a local service
    (a listener that counts what it is asked); yields (record id, listener)."""
    from heritage_weaver.atomic import write_table
    from tests.core.listener import listening

    path = served_study.path("records", "records.parquet")
    records = pd.read_parquet(path)
    row = records.index[records["collection"] == "nms"][0]
    with listening() as listener:
        records.loc[row, ["name", "description", "category"]] = [SCRIPT, f"A key. {SCRIPT}", SCRIPT]
        records.at[row, "images"] = [f"{listener.url}/api/projects"]
        write_table(path, records)
        yield records.loc[row, "record_id"], listener


def test_a_record_carrying_script_runs_none_and_sends_the_browser_nowhere_local(hostile_record, live_server, page):
    record_id, listener = hostile_record
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{live_server}/search?text=key&collection=nms&k=100")
    page.locator("li.card", has_text="window.__pwned = 1").first.wait_for()  # the script shown as text
    page.goto(f"{live_server}/record/nms/{record_id}")
    assert "window.__pwned = 1" in page.locator("h1").inner_text()
    page.wait_for_load_state("networkidle")
    assert page.evaluate("() => window.__pwned") is None and dialogs == []
    assert listener.requests == []
