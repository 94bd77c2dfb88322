"""`hw fetch-images` against a local HTTP server with good, missing, slow, truncated and non-image answers."""

import io
import json
import shutil
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image

from heritage_weaver.config_sections import FetchConfig
from heritage_weaver.model_inputs import input_side
from heritage_weaver.workspace import Workspace
from ingest.artifacts.images import ImageResolver
from ingest.fetch import DEFAULT_IIIF_SIDE, HostRateLimiter, fetch_images, iiif_side


def _jpeg(size=(16, 16)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 10, 10)).save(buffer, "JPEG")
    return buffer.getvalue()


GOOD = _jpeg()
BOMB = _jpeg((400, 400))


class _Handler(BaseHTTPRequestHandler):
    hits: dict[str, int] = {}

    def log_message(self, *args):
        pass

    def _send(self, status, body=b"", content_type="image/jpeg", length=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        hits = self.hits[self.path] = self.hits.get(self.path, 0) + 1
        if self.path.startswith("/good"):
            self._send(200, GOOD)
        elif self.path == "/missing.jpg":
            self._send(404, b"no", "text/plain")
        elif self.path == "/slow.jpg":
            time.sleep(1.0)
            self._send(200, GOOD)
        elif self.path == "/truncated.jpg":
            self._send(200, GOOD[: len(GOOD) // 2], length=len(GOOD))
            self.close_connection = True
        elif self.path == "/page.jpg":
            self._send(200, b"<html></html>", "text/html")
        elif self.path == "/garbage.jpg":
            self._send(200, b"not an image at all")
        elif self.path == "/bomb.jpg":
            self._send(200, BOMB)
        elif self.path.startswith("/iiif/level0/") and "!" in self.path:
            self._send(400, b"size not supported", "text/plain")  # a level 0 image service cannot scale
        elif self.path.startswith("/iiif/"):
            self._send(200, GOOD)
        elif self.path == "/flaky.jpg":
            self._send(503, b"busy", "text/plain") if hits < 3 else self._send(200, GOOD)


@pytest.fixture
def server():
    _Handler.hits = {}
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


# The test server listens on loopback, which a study fetches from only where [fetch] allow_hosts names it.
SETTINGS = FetchConfig(
    workers=4, per_host_rate=200, retries=2, backoff=0.01, timeout=0.5, max_pixels=100_000, allow_hosts=["127.0.0.1"]
)


def test_fetch_outcomes(server, study_copy: Workspace):
    urls = [
        f"{server}/{name}"
        for name in (
            "good1.jpg",
            "good2.jpg",
            "missing.jpg",
            "slow.jpg",
            "truncated.jpg",
            "page.jpg",
            "garbage.jpg",
            "bomb.jpg",
            "flaky.jpg",
        )
    ]
    outcomes = fetch_images(study_copy, urls, SETTINGS)
    by_name = {url.rsplit("/", 1)[1]: outcome for url, outcome in outcomes.items()}
    assert by_name["good1.jpg"]["status"] == "ok" and by_name["good1.jpg"]["path"] == by_name["good2.jpg"]["path"]
    assert by_name["good1.jpg"]["path"].startswith("images/cache/") and (
        by_name["good1.jpg"]["width"],
        by_name["good1.jpg"]["height"],
    ) == (16, 16)
    assert by_name["missing.jpg"]["error"] == "HTTP 404" and by_name["missing.jpg"]["attempts"] == 1
    assert by_name["slow.jpg"]["status"] == "failed" and by_name["slow.jpg"]["attempts"] == 3
    assert (
        "truncated" in by_name["truncated.jpg"]["error"]
        or "incomplete" in by_name["truncated.jpg"]["error"].lower()
        or by_name["truncated.jpg"]["status"] == "failed"
    )
    assert by_name["page.jpg"]["error"] == "content type text/html is not an image"
    assert by_name["garbage.jpg"]["error"].startswith("not a decodable image")
    assert "pixel limit" in by_name["bomb.jpg"]["error"]
    assert by_name["flaky.jpg"]["status"] == "ok" and by_name["flaky.jpg"]["attempts"] == 3
    table = pq.read_table(study_copy.path("images", "fetched.parquet")).to_pylist()
    assert len(table) == len(urls)
    resolver = ImageResolver(study_copy)
    assert Image.open(resolver(f"{server}/good1.jpg")).size == (16, 16)
    assert resolver(f"{server}/missing.jpg") is None


def test_fetch_resumes_without_refetching(server, study_copy: Workspace):
    urls = [f"{server}/good{i}.jpg" for i in range(6)]
    fetch_images(study_copy, urls[:3], SETTINGS)
    # A killed run leaves a journal with one finished line and a cut-off one.
    journal = study_copy.path("images", "fetch-journal.jsonl")
    journal.write_text(
        f'{{"location": "{server}/good3.jpg", "status": "ok", "path": "images/cache/x.jpg"}}\n{{"location": "tr'
    )
    _Handler.hits = {}
    outcomes = fetch_images(study_copy, urls + [f"{server}/missing.jpg"], SETTINGS, retry_failed=False)
    assert sorted(_Handler.hits) == ["/good4.jpg", "/good5.jpg", "/missing.jpg"]
    assert len(outcomes) == 7 and not journal.exists()
    _Handler.hits = {}
    fetch_images(study_copy, urls + [f"{server}/missing.jpg"], SETTINGS, retry_failed=False)
    assert _Handler.hits == {}


def test_rate_limiter_spaces_requests_to_one_host():
    limiter = HostRateLimiter(rate=50)
    start = time.monotonic()
    for _ in range(6):
        limiter.wait("a")
    limiter.wait("b")
    assert time.monotonic() - start >= 5 / 50 * 0.9


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_unreachable_hosts_are_given_up_and_left_for_the_next_run(server, study_copy: Workspace):
    closed = _closed_port()
    dead = [f"http://images.invalid/{i}.jpg" for i in range(200)] + [
        f"http://127.0.0.1:{closed}/{i}.jpg" for i in range(200)
    ]
    urls = [f"{server}/good{i}.jpg" for i in range(3)] + dead
    settings = SETTINGS.model_copy(update={"retries": 3, "backoff": 0.2, "host_failures": 3})
    given_up, done = [], []
    start = time.monotonic()
    outcomes = fetch_images(
        study_copy, urls, settings, on_done=done.append, on_host_down=lambda host, reason: given_up.append(host)
    )
    assert time.monotonic() - start < 10  # 400 URLs × 4 attempts with back-off would take minutes
    assert sorted(given_up) == sorted(["images.invalid", f"127.0.0.1:{closed}"])  # each host said once
    assert sorted(outcomes) == sorted(urls[:3])  # nothing recorded for the dead hosts: the next run tries them
    assert sum(o.status == "skipped" for o in done) == 400
    assert pq.read_table(study_copy.path("images", "fetched.parquet")).num_rows == 3
    again = []
    fetch_images(study_copy, urls, settings, retry_failed=False, on_done=again.append)
    assert len(again) == 400 and _Handler.hits.get("/good0.jpg") == 1


def test_fetch_summary_per_host(study_copy: Workspace):
    from typer.testing import CliRunner

    from hw_cli.app import app

    config = study_copy.path("study.toml")
    config.write_text(config.read_text().replace("[embedding]", "[fetch]\nbackoff = 0.01\n\n[embedding]"))
    records = pq.read_table(study_copy.path("records", "records.parquet"))
    images = [[f"http://images.invalid/{i}.jpg"] for i in range(records.num_rows)]
    pq.write_table(
        records.set_column(records.schema.get_field_index("images"), "images", pa.array(images, pa.list_(pa.string()))),
        study_copy.path("records", "records.parquet"),
    )
    result = CliRunner().invoke(app, ["fetch-images", "--study", str(study_copy.root)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert text.count("Giving up on images.invalid for this run") == 1
    assert "│ images.invalid │ 0 │ 0 │ 160 │" in text
    assert (
        "160 image URLs: 0 cached, 0 failed (0 of them in this run), 160 could not be fetched: host unreachable, "
        "given up for this run (the next `hw fetch-images` tries them again)"
    ) in text
    assert "skipped" not in text


def test_iiif_images_are_fetched_at_the_size_the_models_need(server, study_copy: Workspace):
    full = f"{server}/iiif/3/obj1/full/max/0/default.jpg"  # what the record keeps, for the search page
    crop = f"{server}/iiif/3/obj2/10,10,200,100/max/0/gray.png"
    plain = f"{server}/good-plain.jpg"
    settings = SETTINGS.model_copy(update={"iiif_size": 64})
    outcomes = fetch_images(study_copy, [full, crop, plain], settings)
    sized_full = "/iiif/3/obj1/full/!64,64/0/default.jpg"
    assert _Handler.hits == {sized_full: 1, "/iiif/3/obj2/10,10,200,100/!64,64/0/gray.png": 1, "/good-plain.jpg": 1}
    assert (outcomes[full]["status"], outcomes[full]["requested"]) == ("ok", f"{server}{sized_full}")
    assert outcomes[full]["bytes"] == len(GOOD) and outcomes[plain]["requested"] is None
    table = pq.read_table(study_copy.path("images", "fetched.parquet")).to_pylist()
    assert {row["location"]: row["requested"] for row in table}[full] == f"{server}{sized_full}"
    assert Image.open(ImageResolver(study_copy)(full)).size == (16, 16)  # found by the URL the record keeps
    _Handler.hits = {}
    fetch_images(study_copy, [full, crop, plain], settings)
    assert _Handler.hits == {}  # fetched at this size already
    fetch_images(study_copy, [full, crop, plain], settings.model_copy(update={"iiif_size": 32}))
    assert _Handler.hits == {
        "/iiif/3/obj1/full/!32,32/0/default.jpg": 1,
        "/iiif/3/obj2/10,10,200,100/!32,32/0/gray.png": 1,
    }


def test_an_iiif_server_that_will_not_size_an_image_serves_it_as_written(server, study_copy: Workspace):
    full = f"{server}/iiif/level0/obj3/full/full/0/default.jpg"
    outcomes = fetch_images(study_copy, [full], SETTINGS.model_copy(update={"iiif_size": 64}))
    assert _Handler.hits == {
        "/iiif/level0/obj3/full/!64,64/0/default.jpg": 1,
        "/iiif/level0/obj3/full/full/0/default.jpg": 1,
    }
    assert (outcomes[full]["status"], outcomes[full]["requested"], outcomes[full]["attempts"]) == ("ok", full, 2)
    _Handler.hits = {}
    fetch_images(study_copy, [full], SETTINGS.model_copy(update={"iiif_size": 64}))
    assert _Handler.hits == {}  # the refusal stands: not asked again


def _processor(folder, height, width) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "preprocessor_config.json").write_text(json.dumps({"size": {"height": height, "width": width}}))


def test_the_iiif_side_is_twice_the_largest_model_input(study_copy: Workspace):
    shutil.rmtree(study_copy.path("models"), ignore_errors=True)
    # No checkpoint at hand (a hub id not cached, local folders not built yet): 2 x 224.
    assert iiif_side(study_copy, FetchConfig()) == DEFAULT_IIIF_SIDE == 448
    assert input_side("google/siglip-hw-test-not-cached") is None
    _processor(study_copy.path("models", "base"), 224, 224)
    assert iiif_side(study_copy, FetchConfig()) == 448
    _processor(study_copy.path("models", "ft-best"), 384, 256)
    assert iiif_side(study_copy, FetchConfig()) == 768
    assert iiif_side(study_copy, FetchConfig(iiif_size=300)) == 300


def test_input_side_reads_the_processor_config_transformers_writes(tmp_path):
    from heritage_weaver.tiny_siglip import IMAGE_SIZE, build_tiny_siglip

    folder = build_tiny_siglip(tmp_path / "tiny", ["a jug", "a coin"], seed=0)
    assert input_side(str(folder)) == IMAGE_SIZE


def test_hw_fetch_images_sizes_a_manifest_image_and_reports_the_bytes(server, tmp_path):
    from typer.testing import CliRunner

    from hw_cli.app import app

    (tmp_path / "data").mkdir()
    body = {
        "id": f"{server}/iiif/2/jug/full/600,/0/default.jpg",
        "type": "Image",
        "service": [{"@id": f"{server}/iiif/2/jug", "@type": "ImageService2", "profile": "level2"}],
    }
    painting = {"type": "Annotation", "motivation": "painting", "body": body}
    manifest = {
        "@context": "http://iiif.io/api/presentation/3/context.json",
        "id": f"{server}/manifest/jug",
        "type": "Manifest",
        "label": {"en": ["Jug"]},
        "items": [{"id": "c1", "type": "Canvas", "items": [{"type": "AnnotationPage", "items": [painting]}]}],
    }
    (tmp_path / "data" / "jug.json").write_text(json.dumps(manifest))
    (tmp_path / "study.toml").write_text(
        '[study]\nname = "t"\n[models]\nbase = "models/base"\n[fetch]\nper_host_rate = 100\nallow_hosts = ["127.0.0.1"]\n'
        '[[collections]]\nname = "m"\nformat = "iiif"\npath = "data"\n'
    )
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", "--study", str(tmp_path)]).exit_code == 0
    records = pq.read_table(tmp_path / "records" / "records.parquet").to_pylist()
    assert records[0]["images"] == [f"{server}/iiif/2/jug/full/full/0/default.jpg"]
    result = runner.invoke(app, ["fetch-images", "--study", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert _Handler.hits == {"/iiif/2/jug/full/!448,448/0/default.jpg": 1}
    text = " ".join(result.output.split())
    assert f"{len(GOOD):,} bytes fetched in this run" in text
    assert "1 IIIF images requested at most 448×448 pixels (fetch.iiif_size)" in text
