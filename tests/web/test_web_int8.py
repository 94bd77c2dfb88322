"""The search page encodes text queries in `embedding.query_precision` (int8 by default on the CPU)."""

from __future__ import annotations

import re

import numpy as np
from fastapi.testclient import TestClient

from embeddings.search import Searcher
from heritage_weaver.siglip import load_siglip, vector_tolerance
from tests.embeddings.conftest import set_embedding_options
from web.app import create_app

QUERY = "a telephone with a dial"


def _card_ids(html: str) -> list[str]:
    return re.findall(r'<span class="record-id">([^<]*)</span>', html)


def test_the_search_page_answers_with_int8_queries_by_default(served_study, encoder) -> None:
    assert served_study.config.embedding.query_precision == "int8"
    app = create_app(served_study)  # the page's own lazily loaded encoder
    with TestClient(app) as client:
        response = client.get("/search", params={"text": QUERY, "k": 5})
    assert response.status_code == 200
    searcher = app.state.search.searcher("base")
    query = searcher.query_vector(text=QUERY)
    assert searcher.encoder.loaded().dtype == "int8"
    np.testing.assert_allclose(query, encoder.encode_texts([QUERY])[0], atol=vector_tolerance("int8"))
    assert not np.allclose(query, encoder.encode_texts([QUERY])[0], atol=vector_tolerance("float32"))
    expected = Searcher(
        served_study, "base", load_siglip(served_study.model_location("base"), "cpu", cpu_precision="int8")
    )
    assert _card_ids(response.text) == expected.search(text=QUERY, k=5)["record_id"].tolist()
    assert response.text.count('<li class="card">') == 5


def test_query_precision_float32_keeps_the_page_on_float32(served_study, encoder) -> None:
    ws = set_embedding_options(served_study, query_precision="float32")
    app = create_app(ws)
    with TestClient(app) as client:
        response = client.get("/search", params={"text": QUERY, "k": 5})
    assert response.status_code == 200
    assert app.state.search.searcher("base").encoder.loaded().dtype == "float32"
    assert _card_ids(response.text) == Searcher(ws, "base", encoder).search(text=QUERY, k=5)["record_id"].tolist()
