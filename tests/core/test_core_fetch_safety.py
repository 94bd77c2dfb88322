"""Catalogue URLs are fetched from public addresses only, never with credentials, and a URL that
cannot be requested is a failure with its reason, not a crash."""

import socket
from urllib.parse import urlsplit

import httpx
import pytest

from heritage_weaver.config_sections import FetchConfig
from heritage_weaver.url_safety import (
    AddressRule,
    PublicOnly,
    has_credentials,
    is_address,
    netloc,
    refusal,
    without_credentials,
)
from ingest.fetch import fetch_images
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


PUBLIC = "93.184.215.14"


def test_a_name_that_resolves_again_elsewhere_is_connected_to_at_the_address_checked(monkeypatch):
    """DNS rebinding: the stub resolver answers a public address first and 127.0.0.1 second. The
    connection goes to the public address checked, which the guard stops before it leaves the
    machine; without the pin httpx would resolve again and reach the local listener."""
    answers = iter([PUBLIC, "127.0.0.1"])
    asked, connected = [], []
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.create_connection

    def getaddrinfo(host, port, *args, **kwargs):
        if host == "rebind.test":
            asked.append(host)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port or 0))]
        if not is_address(str(host)):
            raise socket.gaierror(f"no DNS in tests: {host}")
        return real_getaddrinfo(host, port, *args, **kwargs)

    def create_connection(address, *args, **kwargs):
        connected.append(address)
        if address[0] == PUBLIC:
            raise ConnectionRefusedError("the test never leaves the machine")
        return real_connect(address, *args, **kwargs)  # a name: resolved again, the rebinding

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    with (
        listening() as listener,
        httpx.Client(transport=PublicOnly(AddressRule())) as client,
        pytest.raises(httpx.ConnectError),
    ):
        client.get(f"http://rebind.test:{listener.port}/a.jpg")
    assert listener.requests == []
    assert asked == ["rebind.test"]  # checked once, never resolved again
    assert connected == [(PUBLIC, listener.port)]


def test_a_pinned_request_keeps_its_host_for_the_header_and_for_tls():
    sent = []

    def answer(request):
        sent.append(request)
        return httpx.Response(200)

    addresses = {"museum.test": ["2606:4700:4700::1111", PUBLIC]}
    rule = AddressRule(["allowed.test"], lookup=lambda host: addresses.get(host, []))
    with httpx.Client(transport=PublicOnly(rule, httpx.MockTransport(answer))) as client:
        client.get("https://Museum.test:8443/a.jpg?size=448")
        client.get("http://allowed.test/b.jpg")
        with pytest.raises(httpx.ConnectError, match="does not resolve"):
            client.get("http://nowhere.test/c.jpg")
    pinned, allowed = sent
    assert str(pinned.url) == f"https://{PUBLIC}:8443/a.jpg?size=448"
    assert pinned.headers["host"] == "museum.test:8443"
    assert pinned.extensions["sni_hostname"] == "museum.test"
    assert str(allowed.url) == "http://allowed.test/b.jpg" and "sni_hostname" not in allowed.extensions
