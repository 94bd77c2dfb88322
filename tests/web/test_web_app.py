"""The search page's routes without a browser: search, upload, record page, images, escaping, errors."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from heritage_weaver.atomic import write_table


def _records(ws) -> pd.DataFrame:
    return pd.read_parquet(ws.path("records", "records.parquet"))


def _card_ids(html: str) -> list[str]:
    return re.findall(r'<span class="record-id">([^<]*)</span>', html)


def test_text_search_returns_the_searchers_records_as_cards(app_client, served_study, encoder):
    from embeddings.search import Searcher

    response = app_client.get("/search", params={"text": "a telephone with a dial", "k": 5})
    assert response.status_code == 200
    expected = Searcher(served_study, "base", encoder).search(text="a telephone with a dial", k=5)
    assert _card_ids(response.text) == expected["record_id"].tolist()
    assert response.text.count('<li class="card">') == 5
    assert f"{expected['score'].iloc[0]:.4f}" in response.text
    assert "5 records for “a telephone with a dial”" in response.text


def test_an_uploaded_image_is_searched_like_hw_search_and_combined_with_text(app_client, served_study, encoder):
    from embeddings.search import Searcher

    records = _records(served_study)
    path = next(p for images in records["images"] for p in images)
    searcher = Searcher(served_study, "base", encoder)
    for text, weight in (("", 0.5), ("telephone", 0.3)):
        response = app_client.post(
            "/search",
            data={"text": text, "k": "4", "text_weight": str(weight), "collection": "smg"},
            files={"image": ("query.jpg", Path(path).read_bytes(), "image/jpeg")},
        )
        assert response.status_code == 200, response.text
        expected = searcher.search(text=text or None, image=path, collection="smg", k=4, text_weight=weight)
        assert _card_ids(response.text) == expected["record_id"].tolist()
        assert "image query.jpg" in response.text


def test_a_broken_upload_or_an_unknown_model_is_a_message_not_a_traceback(app_client):
    response = app_client.post("/search", files={"image": ("broken.jpg", b"not an image", "image/jpeg")})
    assert response.status_code == 400
    assert 'role="alert"' in response.text and "not a readable image" in response.text
    response = app_client.get("/search", params={"text": "x", "model": "nope"})
    assert response.status_code == 400 and "unknown model &#39;nope&#39;" in response.text


def test_the_record_page_shows_fields_images_neighbours_and_verified_links(app_client, served_study):
    records = _records(served_study)
    smg = records[records["collection"] == "smg"].iloc[0]
    nms = records[records["collection"] == "nms"].iloc[0]
    response = app_client.get(f"/record/smg/{smg['record_id']}")
    assert response.status_code == 200
    html = response.text
    assert f"<h1>{smg['name']}</h1>" in html
    assert html.count('src="/image/smg/') == len(smg["images"])
    nearest = html.split('id="nearest"')[1]
    ids = _card_ids(nearest)
    assert len(ids) == 6 and set(ids) <= set(records.loc[records["collection"] == "nms", "record_id"])
    links = html.split('id="links"')[1].split('id="nearest"')[0]
    assert f'href="/record/nms/{nms["record_id"]}"' in links and "similar object" in links and "67%" in links
    image = app_client.get(f"/image/smg/0/{smg['record_id']}")
    assert image.status_code == 200 and image.content[:2] == b"\xff\xd8"
    assert app_client.get(f"/image/smg/99/{smg['record_id']}").status_code == 404
    assert app_client.get("/record/smg/no-such-record").status_code == 404


def test_a_record_without_taxonomy_or_category_shows_neither(app_client, served_study):
    records = _records(served_study)
    records.loc[0, ["taxonomy", "category"]] = None  # pandas reads a null string back as NaN
    write_table(served_study.path("records", "records.parquet"), records)
    from fastapi.testclient import TestClient

    from embeddings.search import Searcher
    from web.app import create_app

    client = TestClient(create_app(served_study, lambda ws, model: Searcher(ws, model, None)))
    html = client.get(f"/record/{records.loc[0, 'collection']}/{records.loc[0, 'record_id']}").text
    assert "Taxonomy" not in html and "nan" not in html


def test_catalogue_text_is_escaped(app_client, served_study):
    records = _records(served_study)
    records.loc[0, "name"] = '<script>alert("x")</script>'
    write_table(served_study.path("records", "records.parquet"), records)
    from fastapi.testclient import TestClient

    from embeddings.search import Searcher
    from web.app import create_app

    client = TestClient(create_app(served_study, lambda ws, model: Searcher(ws, model, None)))
    html = client.get(f"/record/{records.loc[0, 'collection']}/{records.loc[0, 'record_id']}").text
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


def test_a_study_whose_images_are_urls_serves_fetched_ones_and_redirects_to_public_others(app_client, served_study):
    records = _records(served_study)
    first, second = records.index[:2]
    cached = records.loc[first, "images"][0]
    # public addresses written as such: the page resolves a URL's host before it redirects to it
    urls = ["https://93.184.215.14/a.jpg", "https://93.184.215.14/b.jpg"]
    records.at[first, "images"] = [urls[0]]
    records.at[second, "images"] = [
        urls[1],
        "http://127.0.0.1:8089/api/projects",
        "https://user:pw@93.184.215.14/c.jpg",
    ]
    write_table(served_study.path("records", "records.parquet"), records)
    write_table(
        served_study.path("images", "fetched.parquet"),
        pd.DataFrame({"location": [urls[0]], "status": ["ok"], "path": [served_study.relative(cached)]}),
    )
    from fastapi.testclient import TestClient

    from embeddings.search import Searcher
    from web.app import create_app

    client = TestClient(create_app(served_study, lambda ws, model: Searcher(ws, model, None)), follow_redirects=False)
    fetched = client.get(f"/image/{records.loc[first, 'collection']}/0/{records.loc[first, 'record_id']}")
    assert fetched.status_code == 200 and fetched.content == Path(cached).read_bytes()
    remote = client.get(f"/image/{records.loc[second, 'collection']}/0/{records.loc[second, 'record_id']}")
    assert remote.status_code == 307 and remote.headers["location"] == urls[1]
    local = client.get(f"/image/{records.loc[second, 'collection']}/1/{records.loc[second, 'record_id']}")
    assert local.status_code == 404 and "location" not in local.headers  # never sends a browser to a local service
    secret = client.get(f"/image/{records.loc[second, 'collection']}/2/{records.loc[second, 'record_id']}")
    assert secret.status_code == 307 and secret.headers["location"] == "https://93.184.215.14/c.jpg"


def test_before_any_export_the_record_page_says_which_verb_makes_links(app_client, served_study):
    served_study.path("publishing", "links.parquet").unlink()
    record = _records(served_study).iloc[0]
    html = app_client.get(f"/record/{record['collection']}/{record['record_id']}").text
    assert "No verified links have been exported for this study yet (`hw export-links`)" in html


def test_hw_serve_says_which_verb_to_run_when_the_study_has_nothing_to_show(ingested_study, tmp_path):
    from typer.testing import CliRunner

    from demo import create_demo_study
    from hw_cli.app import app

    runner = CliRunner()
    result = runner.invoke(app, ["serve", "--study", str(ingested_study.root)])
    assert result.exit_code == 1
    assert "no model has indexes under indexes/ (run `hw embed` and `hw index` first)" in result.output
    fresh = create_demo_study(tmp_path / "fresh", 10, 5)
    result = runner.invoke(app, ["serve", "--study", str(fresh.root)])
    assert result.exit_code == 1 and "records/records.parquet is missing (run `hw ingest` first)" in result.output


def _text_only(served_study):
    """The served study with its image indexes removed: what a study of texts alone has."""
    for path in served_study.path("indexes", "base").glob("image-*"):
        path.unlink()
    return served_study


def test_a_text_only_study_answers_a_text_query_and_says_what_it_searched(served_study, encoder):
    from fastapi.testclient import TestClient

    from embeddings.search import Searcher
    from web.app import create_app

    ws = _text_only(served_study)
    with TestClient(create_app(ws, lambda ws, model: Searcher(ws, model, encoder))) as client:
        form = client.get("/")
        assert '<option value="" selected>texts</option>' in form.text and "images only" not in form.text
        response = client.get("/search", params={"text": "a telephone with a dial", "k": 5})
        assert response.status_code == 200, response.text
        expected = Searcher(ws, "base", encoder).search(text="a telephone with a dial", k=5, modality="text")
        assert _card_ids(response.text) == expected["record_id"].tolist()
        assert "· model base · searched text units</p>" in response.text


def test_a_text_query_searches_every_indexed_modality_merged_by_record(app_client, served_study, encoder):
    from embeddings.search import Searcher, merge_by_record

    response = app_client.get("/search", params={"text": "a telephone with a dial", "k": 6})
    assert response.status_code == 200
    assert "searched image and text units, merged by record" in response.text
    searcher = Searcher(served_study, "base", encoder)
    ranked = {m: searcher.search(text="a telephone with a dial", k=6, modality=m) for m in ("text", "image")}
    assert _card_ids(response.text) == merge_by_record(ranked, 6)["record_id"].tolist()
    only = app_client.get("/search", params={"text": "a telephone with a dial", "k": 6, "modality": "image"})
    assert _card_ids(only.text) == ranked["image"]["record_id"].tolist()
    assert "searched image units</p>" in only.text
