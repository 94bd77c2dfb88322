"""A hostile catalogue (tests/e2e/hostile.py) goes through every stage: nothing executed, requested,
crashed or uncounted."""

from __future__ import annotations

from urllib.parse import quote

import pandas as pd
import pytest
from hostile import RAW, check_csvs, check_ingest, hostile_study
from rdflib import Graph, URIRef
from rdflib.namespace import SKOS
from typer.testing import CliRunner

from annotation import server
from annotation.artifacts import LABELS
from heritage_weaver.workspace import Workspace
from hw_cli.app import app
from ingest.artifacts import RECORDS
from publishing.artifacts import PUBLISHED_LINKS
from sampler.artifacts import BATCH
from tests.core.listener import listening


@pytest.mark.slow
def test_a_hostile_catalogue_harms_nothing(tmp_path):
    runner = CliRunner()
    with listening() as listener:
        workspace = hostile_study(tmp_path / "study", listener)
        result = runner.invoke(app, ["run", "--no-labelstudio", "--study", str(workspace.root)])
        searched = runner.invoke(
            app, ["search", "--study", str(workspace.root), "--text", "telegraph key", "-k", "200"]
        )
    output = result.output + searched.output
    assert result.exit_code == 0, result.output
    assert searched.exit_code == 0, searched.output
    assert listener.requests == []  # no loopback request, none with credentials
    assert not RAW.search(output), [m.group() for m in RAW.finditer(output)][:5]  # no escape, bell, NUL, bidi
    assert "[link=" in searched.output and "[/x]" in searched.output  # Rich markup shown as text, never read
    assert "secret" not in output
    counts = check_ingest(workspace)
    check_csvs(workspace.root)
    print(f"\nhostile: {counts}, {len(listener.requests)} loopback requests")


def _search_pages(workspace: Workspace) -> dict[str, int]:
    """The search page (`hw serve`'s app) over the study: a search, and every hostile record's page and
    images; each page holds no payload as markup, and no image leads to a URL that is not public."""
    from fastapi.testclient import TestClient

    from web.app import create_app

    records = RECORDS.read(workspace, columns=["record_id", "collection", "images"])
    hostile = records[records["record_id"].str.startswith(("hx", "HX"))]
    pages, images = 0, 0
    with TestClient(create_app(workspace), follow_redirects=False) as client:
        found = client.get("/search", params={"text": "telegraph key", "k": 100})
        assert found.status_code == 200 and "<script>alert" not in found.text
        for row in hostile.itertuples(index=False):
            path = f"/record/{quote(row.collection, safe='')}/{quote(row.record_id, safe='')}"
            page = client.get(path)
            assert page.status_code == 200, path
            assert "<script>alert" not in page.text and "<img src=x" not in page.text
            pages += 1
            for position in range(len(row.images)):
                image = client.get(
                    f"/image/{quote(row.collection, safe='')}/{position}/{quote(row.record_id, safe='')}"
                )
                assert image.status_code in (200, 404), (path, position, image.status_code)  # never a redirect here
                images += 1
    return {"record pages": pages, "images asked": images}


def _check_rdf(workspace: Workspace) -> int:
    """Every record URI of links.ttl is one the link table names (ids percent-encoded), and there is one SKOS
    mapping triple per link: a hostile value injected no triple."""
    links = PUBLISHED_LINKS.read(workspace)
    graph = Graph().parse(workspace.path("publishing", "links.ttl"), format="turtle")
    mappings = {(s, p, o) for s, p, o in graph if str(p).startswith(str(SKOS)) and str(p).endswith("Match")}
    assert len(mappings) == len(links)
    uris = set(links["uri_a"]) | set(links["uri_b"])
    assert {str(s) for s, _, _ in mappings} | {str(o) for _, _, o in mappings} == uris
    assert all(isinstance(o, URIRef) and not any(c in str(o) for c in ' <>"{}|\\^`') for _, _, o in mappings)
    return len(graph)


@pytest.mark.slow
@pytest.mark.labelstudio
def test_a_hostile_catalogue_through_label_studio_export_and_the_search_page(tmp_path, desks_up):
    runner = CliRunner()
    with listening() as listener:
        workspace = hostile_study(tmp_path / "study", listener)
        config = workspace.path("study.toml")
        url = f"http://127.0.0.1:{server.free_port()}"
        config.write_text(config.read_text().replace('url = "http://127.0.0.1:8089"', f'url = "{url}"'))
        root = str(workspace.root)
        desks_up(workspace.root)
        result = runner.invoke(app, ["run", "--study", root])
        assert result.exit_code == 0, result.output
        exported = runner.invoke(app, ["export-links", "--study", root])
        assert exported.exit_code == 0, exported.output
        served = _search_pages(workspace)
    output = result.output + exported.output
    assert listener.requests == []  # fetch, push, the page: no loopback request
    assert not RAW.search(output), [m.group() for m in RAW.finditer(output)][:5]
    counts = check_ingest(workspace)
    csvs = check_csvs(workspace.root)
    triples = _check_rdf(workspace)
    batches = pd.concat([pd.read_parquet(path) for path in BATCH.instances(workspace)])
    sampled = {r for r in pd.concat([batches["record_a"], batches["record_b"]]) if r.startswith(("hx", "HX"))}
    labels = LABELS.read(workspace)
    assert len(labels[labels["status"] == "labelled"]) == len(batches)
    print(
        f"\nhostile with Label Studio: {counts}, {len(sampled)} hostile records in {len(batches)} pushed pairs, "
        f"{len(labels)} labels, {csvs} CSVs checked, {triples} triples, {served}, {len(listener.requests)} loopback requests"
    )
