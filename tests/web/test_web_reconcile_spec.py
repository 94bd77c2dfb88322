"""The reconciliation service against the shapes the Reconciliation Service API 0.2 documents, with
requests of our own written in those shapes: the manifest, query batches by POST and GET, result
batches, suggest, preview, data extension and its property proposals, CORS, and errors."""

from __future__ import annotations

import json
from urllib.parse import quote

import pandas as pd
import pytest

ID_TEMPLATE = "{{id}}"


def _records(ws) -> pd.DataFrame:
    return pd.read_parquet(ws.path("records", "records.parquet"))


def _is_type(value) -> bool:
    return isinstance(value, str) or (isinstance(value, dict) and isinstance(value.get("id"), str))


def assert_result_batch(batch: dict, keys: set[str]) -> None:
    """A result batch: per query key an object with a `result` list of candidates, each with a string id
    and name, a numeric score, a boolean match, types, and features of unique ids with boolean or
    numeric values; sorted by decreasing score."""
    assert set(batch) == keys
    for answer in batch.values():
        assert isinstance(answer["result"], list)
        scores = [candidate["score"] for candidate in answer["result"]]
        assert scores == sorted(scores, reverse=True)
        for candidate in answer["result"]:
            assert isinstance(candidate["id"], str) and isinstance(candidate["name"], str)
            assert isinstance(candidate["score"], int | float) and isinstance(candidate["match"], bool)
            assert all(_is_type(t) for t in candidate["type"])
            ids = [feature["id"] for feature in candidate["features"]]
            assert len(ids) == len(set(ids))
            assert all(isinstance(f["value"], bool | int | float) for f in candidate["features"])


def test_the_manifest_names_versions_spaces_types_and_the_services(app_client, served_study):
    response = app_client.get("/reconcile")
    assert response.status_code == 200 and response.headers["access-control-allow-origin"] == "*"
    manifest = response.json()
    assert "0.2" in manifest["versions"]
    for field in ("name", "identifierSpace", "schemaSpace", "documentation"):
        assert isinstance(manifest[field], str) and manifest[field]
    assert manifest["identifierSpace"] == "urn:heritage-weaver:demo:record/"
    assert [t["id"] for t in manifest["defaultTypes"]] == ["smg", "nms"]
    base = "http://testserver"
    assert manifest["view"]["url"] == f"{base}/reconcile/view/{ID_TEMPLATE}"
    preview = manifest["preview"]
    assert ID_TEMPLATE in preview["url"] and preview["width"] > 0 and preview["height"] > 0
    for kind in ("entity", "property"):
        assert manifest["suggest"][kind]["service_url"] == base
    assert manifest["extend"]["propose_properties"]["service_path"] == "/reconcile/properties"
    assert manifest["batchSize"] == 100
    assert app_client.get("/reconcile/documentation").status_code == 200


def test_a_minimal_batch_by_post_and_the_same_by_get_give_one_result_batch(app_client):
    batch = {"first": {"query": "telephone"}, "second": {"query": "a brass key"}}
    posted = app_client.post("/reconcile", data={"queries": json.dumps(batch)})
    assert posted.status_code == 200 and posted.headers["access-control-allow-origin"] == "*"
    assert_result_batch(posted.json(), {"first", "second"})
    assert all(len(answer["result"]) == 10 for answer in posted.json().values())  # the default limit
    fetched = app_client.get("/reconcile", params={"queries": json.dumps(batch)})
    assert fetched.json() == posted.json()


def test_a_full_query_uses_type_limit_and_properties(app_client, served_study):
    records = _records(served_study)
    nms = records[records["collection"] == "nms"].iloc[3]
    batch = {
        "q0": {
            "query": nms["name"],
            "type": "nms",
            "type_strict": "should",
            "limit": 3,
            "properties": [{"pid": "description", "v": nms["description"]}, {"pid": "maker", "v": "unknown"}],
        },
        "q1": {"query": nms["name"], "type": ["smg", "nms"], "limit": 25},
        "q2": {"properties": [{"pid": "description", "v": [nms["description"], {"id": "x", "name": "a key"}]}]},
    }
    answers = app_client.post("/reconcile", data={"queries": json.dumps(batch)}).json()
    assert_result_batch(answers, {"q0", "q1", "q2"})
    first = answers["q0"]["result"]
    assert len(first) == 3 and {c["type"][0]["id"] for c in first} == {"nms"}
    assert first[0]["id"] == nms["record_id"]  # its own name and description: the nearest record
    assert {"text-text", "text-image", "name_exact"} <= {f["id"] for f in first[0]["features"]}
    assert {c["type"][0]["id"] for c in answers["q1"]["result"]} == {"smg", "nms"}
    assert len(answers["q1"]["result"]) == 25
    assert all(f["id"] != "name_exact" for c in answers["q2"]["result"] for f in c["features"])


def test_a_record_name_returns_that_record_and_a_record_id_returns_it_first(app_client, served_study):
    records = _records(served_study)
    smg = records[records["collection"] == "smg"].iloc[5]
    batch = {"name": {"query": smg["name"].upper()}, "id": {"query": smg["record_id"], "type": "nms"}}
    answers = app_client.post("/reconcile", data={"queries": json.dumps(batch)}).json()
    named = {c["id"]: c for c in answers["name"]["result"]}
    assert smg["record_id"] in named
    assert {"id": "name_exact", "value": True} in named[smg["record_id"]]["features"]
    first = answers["id"]["result"][0]
    assert first["id"] == smg["record_id"] and first["score"] == 100 and first["match"] is False


@pytest.mark.parametrize(
    ("batch", "status", "says"),
    [
        ("{not json", 400, "not JSON"),
        ("[1, 2]", 400, "expected a JSON object"),
        (json.dumps({"q": {"type": "smg"}}), 400, "needs a query string"),
        (json.dumps({"q": {"query": "key", "type": "louvre"}}), 400, "unknown type"),
        (json.dumps({"q": {"query": "key", "limit": 0}}), 400, "positive integer"),
        (json.dumps({"q": {"query": "key", "properties": [{"v": "no pid"}]}}), 400, "pid"),
        (json.dumps({f"q{i}": {"query": "key"} for i in range(101)}), 413, "at most 100"),
    ],
)
def test_a_batch_the_service_cannot_read_is_an_error_with_its_reason(app_client, batch, status, says):
    response = app_client.post("/reconcile", data={"queries": batch})
    assert response.status_code == status and says in response.json()["message"]
    assert response.headers["access-control-allow-origin"] == "*"


def test_a_preflight_request_is_answered_for_any_origin(app_client):
    response = app_client.options(
        "/reconcile",
        headers={"Origin": "http://elsewhere.example", "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "access-control-allow-origin" not in app_client.get("/").headers  # the page itself is not opened


def test_suggest_finds_records_by_name_prefix_and_by_id(app_client, served_study):
    records = _records(served_study)
    smg = records[records["collection"] == "smg"].iloc[2]
    prefix = smg["name"][:6].lower()
    result = app_client.get("/reconcile/suggest/entity", params={"prefix": prefix}).json()["result"]
    assert result and all(item["name"].casefold().startswith(prefix.casefold()) for item in result)
    assert all({"id", "name", "notable"} <= set(item) for item in result)
    by_id = app_client.get("/reconcile/suggest/entity", params={"prefix": smg["record_id"]}).json()["result"]
    assert by_id[0]["id"] == smg["record_id"]
    typed = app_client.get("/reconcile/suggest/entity", params={"prefix": prefix, "type": "nms"}).json()["result"]
    assert all(item["notable"][0]["id"] == "nms" for item in typed)
    properties = app_client.get("/reconcile/suggest/property", params={"prefix": "im"}).json()["result"]
    assert [p["id"] for p in properties] == ["image"]
    (description,) = app_client.get("/reconcile/suggest/property", params={"prefix": "DESC"}).json()["result"]
    assert description["id"] == "description" and description["description"].startswith("in a query: ")


def test_preview_and_view_of_a_record(app_client, served_study):
    records = _records(served_study)
    smg = records[records["collection"] == "smg"].iloc[0]
    template = app_client.get("/reconcile").json()["preview"]["url"]
    url = template.replace(ID_TEMPLATE, quote(smg["record_id"], safe="")).removeprefix("http://testserver")
    preview = app_client.get(url)
    assert preview.status_code == 200 and preview.headers["content-type"].startswith("text/html")
    assert smg["name"] in preview.text and f'src="/image/smg/0/{quote(smg["record_id"], safe="")}"' in preview.text
    assert "marks no candidate as a match" in preview.text  # no hw calibrate yet
    view = app_client.get(f"/reconcile/view/{smg['record_id']}", follow_redirects=False)
    assert view.status_code == 307 and view.headers["location"] == f"/record/smg/{quote(smg['record_id'], safe='')}"
    assert app_client.get("/reconcile/preview/no-such-record").status_code == 404


def test_data_extension_proposes_properties_and_returns_their_values(app_client, served_study):
    proposal = app_client.get("/reconcile/properties", params={"type": "smg"}).json()
    assert proposal["type"] == "smg"
    assert {p["id"] for p in proposal["properties"]} == {
        "name",
        "description",
        "category",
        "image",
        "links",
        "calibrated_links",
    }
    links = pd.read_parquet(served_study.path("publishing", "links.parquet"))
    smg_id, nms_id = links.iloc[0]["record_a"], links.iloc[0]["record_b"]
    records = _records(served_study).set_index("record_id")
    query = {"ids": [smg_id, "no-such-record"], "properties": [{"id": "name"}, {"id": "links"}, {"id": "image"}]}
    response = app_client.post("/reconcile", data={"extend": json.dumps(query)})
    assert response.status_code == 200 and response.headers["access-control-allow-origin"] == "*"
    extension = response.json()
    assert [m["id"] for m in extension["meta"]] == ["name", "links", "image"]
    row = extension["rows"][smg_id]
    assert row["name"] == [{"str": records.loc[smg_id, "name"]}]
    assert row["links"] == [{"id": nms_id, "name": records.loc[nms_id, "name"]}]
    first_image = records.loc[smg_id, "images"][0]
    assert row["image"] == [{"str": f"http://testserver/image/smg/0/{quote(smg_id, safe='')}"}]
    assert not first_image.startswith("http")  # a local file: served by this service
    assert extension["rows"]["no-such-record"] == {"name": [], "links": [], "image": []}
    backwards = app_client.get("/reconcile", params={"extend": json.dumps({**query, "ids": [nms_id]})}).json()
    assert backwards["rows"][nms_id]["links"] == [{"id": smg_id, "name": records.loc[smg_id, "name"]}]
    unknown = app_client.post("/reconcile", data={"extend": json.dumps({"ids": [], "properties": [{"id": "x"}]})})
    assert unknown.status_code == 400 and "unknown property" in unknown.json()["message"]
