"""The reconciliation service's candidates: features that are the study's own pair scores, matches only
at calibrated thresholds, query images read by the platform's rules, and nothing written."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from embeddings.artifacts.vectors import load_vectors
from embeddings.units import distinct_parts, split_sentences
from heritage_weaver.atomic import write_table
from heritage_weaver.workspace import Workspace
from tests.core.listener import listening


def _records(ws) -> pd.DataFrame:
    return pd.read_parquet(ws.path("records", "records.parquet"))


def _with_settings(ws: Workspace, text: str) -> Workspace:
    config = ws.path("study.toml")
    config.write_text(config.read_text(encoding="utf-8") + "\n" + text, encoding="utf-8")
    return Workspace.open(ws.root)


def _client(ws: Workspace, encoder):
    from fastapi.testclient import TestClient

    from embeddings.search import Searcher
    from web.app import create_app

    return TestClient(create_app(ws, lambda w, model: Searcher(w, model, encoder)))


def _answer(client, **query) -> list[dict]:
    response = client.post("/reconcile", data={"queries": json.dumps({"q": query})})
    assert response.status_code == 200, response.text
    return response.json()["q"]["result"]


def _features(candidate: dict) -> dict:
    return {f["id"]: f["value"] for f in candidate["features"]}


def _first_image(ws: Workspace, collection: str = "nms") -> str:
    records = _records(ws)
    return next(p for images in records.loc[records["collection"] == collection, "images"] for p in images)


class UnitVectors:
    """Each record's embedded unit vectors by modality, as `hw embed` stored them (not the indexes)."""

    def __init__(self, ws: Workspace) -> None:
        self.by_record: dict[tuple[str, str], np.ndarray] = {}
        for modality in ("text", "image"):
            units, vectors = load_vectors(ws, "base", modality)
            for record_id, rows in units.groupby("record_id").indices.items():
                self.by_record[(modality, record_id)] = vectors[rows]

    def expected(self, query: dict[str, np.ndarray], record_id: str) -> dict[str, float]:
        """The study's comparisons with the query on side A (text-text mean, the others max)."""
        found = {}
        for name, mine, theirs, mean in (
            ("text-text", "text", "text", True),
            ("text-image", "text", "image", False),
            ("image-image", "image", "image", False),
        ):
            units = self.by_record.get((theirs, record_id))
            if mine not in query or units is None:
                continue
            pairs = query[mine] @ units.T
            found[name] = float(query[mine].mean(axis=0) @ units.mean(axis=0)) if mean else float(pairs.max())
        return found


@pytest.fixture
def folders_study(served_study) -> Workspace:
    """The served study whose queries may read local images from the folder of its NMS images."""
    folder = Path(_first_image(served_study)).parent
    return _with_settings(served_study, f'[serve]\nimage_folders = ["{folder}"]\n')


def test_features_are_the_studys_pair_scores_with_the_query_on_side_a(folders_study, encoder):
    records = _records(folders_study)
    nms = records[records["collection"] == "nms"].iloc[1]
    image = _first_image(folders_study)
    description = f"{nms['description']} A second sentence about it. {nms['name']}."
    vectors = UnitVectors(folders_study)
    texts = [nms["name"], *distinct_parts(nms["name"], split_sentences([description])[0])]
    from heritage_weaver.decode import open_rgb

    query = {"text": encoder.encode_texts(texts), "image": encoder.encode_images([open_rgb(image)])}
    with _client(folders_study, encoder) as client:
        found = _answer(
            client,
            query=nms["name"],
            limit=8,
            properties=[{"pid": "description", "v": description}, {"pid": "image", "v": image}],
        )
        text_only = _answer(client, query=nms["name"], limit=8)
    assert len(found) == 8
    for candidate in found:
        features = _features(candidate)
        expected = vectors.expected(query, candidate["id"])
        assert {k: features[k] for k in expected} == pytest.approx(expected, abs=1e-5)
        assert features["images_read"] == 1 and candidate["match"] is False
    name_only = {"text": query["text"][:1]}
    for candidate in text_only:
        expected = vectors.expected(name_only, candidate["id"])
        assert {k: v for k, v in _features(candidate).items() if k in expected} == pytest.approx(expected, abs=1e-5)
        assert "image-image" not in _features(candidate) and "images_read" not in _features(candidate)


def _publishable(ws: Workspace, rows: list[dict]) -> None:
    from analysis.artifacts import PUBLISHABLE

    defaults = {
        "target_precision": 0.9,
        "confidence": 0.95,
        "links": 120,
        "labelled": 40,
        "unlabelled_links": 0,
        "precision": 0.96,
        "lower_bound": 0.91,
        "ci_low": 0.9,
        "ci_high": 0.99,
        "expected_recall": 0.5,
        "message": None,
    }
    frame = pd.DataFrame([defaults | row for row in rows]).reindex(columns=list(PUBLISHABLE.columns))
    write_table(PUBLISHABLE.location(ws), frame)


def test_a_match_only_where_the_served_models_calibrated_threshold_is_reached(served_study, encoder):
    records = _records(served_study)
    name = records[records["collection"] == "smg"].iloc[4]["name"]
    with _client(served_study, encoder) as client:
        before = _answer(client, query=name, limit=12)
        assert not any(c["match"] for c in before)
        values = sorted(_features(c)["text-text"] for c in before)
        threshold = (values[-2] + values[-3]) / 2  # between two candidates, clear of rounding
        _publishable(
            served_study,
            [
                {"comparison": "text-text", "target": "match", "score": "base", "threshold": threshold},
                {"comparison": "text-image", "target": "match", "score": "base", "threshold": math.nan},
                {"comparison": "text-image", "target": "match", "score": "ft-best", "threshold": -1.0},
                {"comparison": "text-image", "target": "study", "score": "base", "threshold": -1.0},
                {"comparison": "text-image", "target": "match", "score": "probability", "threshold": 0.0},
            ],
        )
        after = _answer(client, query=name, limit=12)
        preview = client.get(f"/reconcile/preview/{after[0]['id']}").text
        documentation = " ".join(client.get("/reconcile/documentation").text.split())
    for candidate in after:
        assert candidate["match"] == (_features(candidate)["text-text"] >= threshold)
    reaching = {c["id"] for c in before if _features(c)["text-text"] >= threshold}
    assert len(reaching) == 2
    assert reaching <= {c["id"] for c in after if c["match"]}  # a match outranks every non-match
    matched, unmatched = ([c["score"] for c in after if c["match"] == m] for m in (True, False))
    assert matched and unmatched and min(matched) >= 50 > max(unmatched)
    assert [c["match"] for c in after] == sorted((c["match"] for c in after), reverse=True)
    assert f"text-text ≥ {threshold:.4f}" in preview and "at least 90%" in preview
    assert (
        f"≥ {threshold:.4f}: the study's 120 links above it have a precision of 0.960, at least 0.910" in documentation
    )
    assert "none: never a match" in documentation


def test_image_urls_are_fetched_by_the_platforms_rules_and_written_nowhere(served_study, encoder):
    with listening() as listener:
        url = f"{listener.url}/object.jpg"
        with _client(served_study, encoder) as client:
            refused = _answer(client, query="key", properties=[{"pid": "image", "v": url}])
        assert listener.requests == [] and all(_features(c)["images_read"] == 0 for c in refused)
        assert all("image-image" not in _features(c) for c in refused)

        allowed = _with_settings(served_study, '[fetch]\nallow_hosts = ["127.0.0.1"]\n')
        before = _tree(allowed)
        with _client(allowed, encoder) as client:
            fetched = _answer(client, properties=[{"pid": "image", "v": url}])
            client.post("/reconcile", data={"extend": json.dumps({"ids": [fetched[0]["id"]], "properties": []})})
        assert [path for path, _ in listener.requests] == ["/object.jpg"]
        assert all(_features(c)["images_read"] == 1 and "image-image" in _features(c) for c in fetched)
        assert _tree(allowed) == before


def _tree(ws: Workspace) -> dict[str, tuple[int, int]]:
    return {
        str(path.relative_to(ws.root)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in ws.root.rglob("*")
        if path.is_file()
    }


def test_local_paths_are_read_only_inside_the_image_folders(folders_study, encoder, tmp_path):
    image = Path(_first_image(folders_study))
    outside = tmp_path / "outside.jpg"
    outside.write_bytes(image.read_bytes())
    link = image.parent / "hw-test-link.jpg"
    link.symlink_to(outside)
    try:
        locations = {
            "inside": (str(image), 1),
            "relative": (image.name, 1),
            "outside": (str(outside), 0),
            "traversal": (f"../{image.parent.name}/../../{outside}", 0),
            "link out": (str(link), 0),
            "missing": (str(image.parent / "no-such.jpg"), 0),
        }
        with _client(folders_study, encoder) as client:
            for location, read in locations.values():
                found = _answer(client, query="key", limit=2, properties=[{"pid": "image", "v": location}])
                assert _features(found[0])["images_read"] == read, location
    finally:
        link.unlink()


def test_without_image_folders_a_local_path_is_not_read(served_study, encoder):
    with _client(served_study, encoder) as client:
        found = _answer(client, query="key", properties=[{"pid": "image", "v": _first_image(served_study)}])
    assert _features(found[0])["images_read"] == 0


def test_the_served_model_is_the_configured_one_else_the_best_fine_tuned_else_the_base(served_study, encoder):
    with _client(served_study, encoder) as client:
        assert "(base)" in client.get("/reconcile").json()["name"]
    named = _with_settings(served_study, '[serve]\nmodel = "ft-best"\n')
    with pytest.raises(FileNotFoundError, match="model = 'ft-best' has no indexes"):
        _client(named, encoder)


def test_the_page_serves_no_reconciliation_when_told_not_to(served_study, encoder):
    from fastapi.testclient import TestClient

    from embeddings.search import Searcher
    from web.app import create_app

    app = create_app(served_study, lambda w, model: Searcher(w, model, encoder), reconcile=False)
    with TestClient(app) as client:
        assert client.get("/reconcile").status_code == 404 and client.get("/").status_code == 200


def test_a_batch_of_many_queries_is_answered_in_one_pass(served_study, encoder):
    """A batch's texts are embedded together: one encode call for all of its queries."""
    calls: list[int] = []

    class Counting:
        def encode_texts(self, texts):
            calls.append(len(texts))
            return encoder.encode_texts(texts)

        def encode_images(self, images):
            return encoder.encode_images(images)

    from fastapi.testclient import TestClient

    from embeddings.search import Searcher
    from web.app import create_app

    names = _records(served_study)["name"].head(40).tolist()
    with TestClient(create_app(served_study, lambda w, model: Searcher(w, model, Counting()))) as client:
        batch = {f"q{i}": {"query": name, "limit": 3} for i, name in enumerate(names)}
        answers = client.post("/reconcile", data={"queries": json.dumps(batch)}).json()
    assert len(answers) == 40 and all(len(a["result"]) == 3 for a in answers.values())
    assert calls == [40]


def test_a_query_keeps_at_most_its_text_limit_and_four_images():
    from web.reconcile.protocol import MAX_QUERY_IMAGES, MAX_TEXT, read_query

    images = [{"pid": "image", "v": [f"object-{n}.jpg" for n in range(9)]}]
    query = read_query("q", {"query": "a  brass key " * MAX_TEXT, "properties": images}, ["smg"])
    assert len(query.text) == MAX_TEXT and query.text.startswith("a brass key a brass key")
    assert query.images == tuple(f"object-{n}.jpg" for n in range(MAX_QUERY_IMAGES))
