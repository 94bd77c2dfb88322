"""The search page encodes queries in `embedding.query_precision`: by default int8 when searching
image units (the page's default) and float32 when searching text units, as measured."""

from __future__ import annotations

import re

import numpy as np
from fastapi.testclient import TestClient

from embeddings.search import Searcher
from heritage_weaver.siglip import load_siglip, vector_tolerance
from heritage_weaver.workspace import Workspace
from web.app import create_app

QUERY = "a telephone with a dial"


def _card_ids(html: str) -> list[str]:
    return re.findall(r'<span class="record-id">([^<]*)</span>', html)


def _expected(ws: Workspace, precision: str, modality: str) -> list[str]:
    encoder = load_siglip(ws.model_location("base"), "cpu", cpu_precision=precision)
    return Searcher(ws, "base", encoder).search(text=QUERY, k=5, modality=modality)["record_id"].tolist()


def test_the_search_page_answers_with_int8_queries_on_image_units(served_study, encoder) -> None:
    precision = served_study.config.embedding.query_precision
    assert (precision.image, precision.text) == ("int8", "float32")
    app = create_app(served_study)  # the page's own lazily loaded encoders
    with TestClient(app) as client:
        response = client.get("/search", params={"text": QUERY, "k": 5, "modality": "image"})
        assert response.status_code == 200
        assert _card_ids(response.text) == _expected(served_study, "int8", "image")
        assert response.text.count('<li class="card">') == 5
        text_units = client.get("/search", params={"text": QUERY, "k": 5, "modality": "text"})
        assert text_units.status_code == 200
        assert _card_ids(text_units.text) == _expected(served_study, "float32", "text")
    searcher = app.state.search.searcher("base")
    assert searcher.encoders["image"].loaded().dtype == "int8"
    assert searcher.encoders["text"].loaded().dtype == "float32"
    query = searcher.query_vector(text=QUERY)
    exact = encoder.encode_texts([QUERY])[0]
    np.testing.assert_allclose(query, exact, atol=vector_tolerance("int8"))
    assert not np.allclose(query, exact, atol=vector_tolerance("float32"))


def test_query_precision_is_a_setting_per_units_searched(served_study) -> None:
    config = served_study.path("study.toml")
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace("[embedding]", '[embedding]\nquery_precision = { image = "float32", text = "int8" }', 1),
        encoding="utf-8",
    )
    ws = Workspace.open(served_study.root)
    app = create_app(ws)
    with TestClient(app) as client:
        for modality, precision in (("image", "float32"), ("text", "int8")):
            response = client.get("/search", params={"text": QUERY, "k": 5, "modality": modality})
            assert response.status_code == 200
            assert _card_ids(response.text) == _expected(ws, precision, modality)
            assert app.state.search.searcher("base").encoders[modality].loaded().dtype == precision
