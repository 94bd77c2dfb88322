"""Catalogue URLs are fetched from public addresses only, never with credentials, and a URL that
cannot be requested is a failure with its reason, not a crash."""

from urllib.parse import urlsplit

import pytest

from heritage_weaver.config import FetchConfig
from heritage_weaver.fetch import fetch_images
from heritage_weaver.url_safety import has_credentials, netloc, refusal, without_credentials
from tests.core.listener import listening

SETTINGS = FetchConfig(workers=2, per_host_rate=500, retries=0, backoff=0.01, timeout=2)


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://127.0.0.1:8080/a.jpg", "loopback"),
        ("http://localhost/a.jpg", "loopback"),
        ("http://[::1]/a.jpg", "loopback"),
        ("http://2130706433/a.jpg", "loopback"),  # 127.0.0.1 written as one number
        ("http://[::ffff:127.0.0.1]/a.jpg", "loopback"),
        ("http://10.1.2.3/a.jpg", "private"),
        ("http://192.168.0.1/a.jpg", "private"),
        ("http://169.254.169.254/latest/meta-data", "link-local"),
        ("http://0.0.0.0/a.jpg", "unspecified"),
        ("http://224.0.0.1/a.jpg", "multicast"),
    ],
)
def test_non_public_addresses_are_refused_unless_allowed(url, kind):
    assert f"a {kind} address" in refusal(url)
    assert refusal(url, allow_hosts=[str(urlsplit(url).hostname).upper()]) is None


def test_public_addresses_pass_and_bad_urls_are_refused():
    assert refusal("https://93.184.215.14/a.jpg") is None
    assert refusal("http://example.org/a.jpg", lookup=lambda host: ["93.184.215.14"]) is None
    assert "loopback" in refusal("http://rebind.example/a.jpg", lookup=lambda host: ["93.184.215.14", "127.0.0.1"])
    assert refusal("http://a\x1bb/x.jpg") == "a URL with control characters"
    assert refusal("file:///etc/passwd") == "not an http(s) URL with a host"
    assert refusal("http://[::1/x").startswith("not a valid URL")


def test_credentials_are_taken_out():
    assert has_credentials("http://user:pw@example.org/a.jpg") and not has_credentials("http://example.org/@a")
    assert without_credentials("http://user:pw@example.org:81/a.jpg?x=@") == "http://example.org:81/a.jpg?x=@"
    assert netloc("http://user:pw@example.org:81/a") == "example.org:81"


def test_fetch_requests_no_loopback_url_by_default(tmp_path, study_copy):
    with listening() as listener:
        port = listener.port
        urls = [
            f"http://127.0.0.1:{port}/a.jpg",
            f"http://localhost:{port}/b.jpg",
            f"http://admin:secret@127.0.0.1:{port}/api/projects",
            f"http://127.0.0.1:{port}/\x1b[2J.jpg",
            "http://[::1/broken.jpg",
        ]
        outcomes = fetch_images(study_copy, urls, SETTINGS)
    assert listener.requests == []
    assert {url: outcome["status"] for url, outcome in outcomes.items()} == dict.fromkeys(urls, "failed")
    assert all(outcomes[url]["error"].startswith("refused: ") for url in urls)
    assert "a loopback address (127.0.0.1)" in outcomes[urls[0]]["error"]
    assert "secret" not in " ".join(outcome["error"] for outcome in outcomes.values())


def test_allowed_host_is_fetched_without_credentials_and_redirects_are_checked_again(study_copy):
    with listening() as listener:
        port = listener.port
        good = f"http://curator:secret@127.0.0.1:{port}/good.jpg"
        bounce = f"http://127.0.0.1:{port}/redirect/localhost:{port}/inner.jpg"
        settings = SETTINGS.model_copy(update={"allow_hosts": ["127.0.0.1"]})
        outcomes = fetch_images(study_copy, [good, bounce], settings)
    assert outcomes[good]["status"] == "ok"
    assert outcomes[bounce]["status"] == "failed"
    assert "refused: host localhost resolves to a loopback address" in outcomes[bounce]["error"]
    assert sorted(listener.requests) == [("/good.jpg", None), (f"/redirect/localhost:{port}/inner.jpg", None)]
