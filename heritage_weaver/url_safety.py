"""Which catalogue URLs the platform may request: public addresses only, never with credentials.

A catalogue names its image URLs; it must not make the platform request a local service (a desk's
Label Studio, a router, a cloud's metadata address). A URL is refused where its host resolves to a
loopback, private, link-local, multicast, unspecified or otherwise non-public address, unless the
study allows the host by name (`[fetch] allow_hosts`). `PublicOnly` checks every request it sends,
each redirect included, after resolving the host, and sends no credentials; the search page
redirects browsers only to URLs its `AddressRule` passes.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit, urlunsplit

import httpx

from heritage_weaver.text_safety import has_control

Resolve = Callable[[str], list[str]]


class Refused(Exception):
    """A URL the platform will not request; the message says why."""


def resolve(host: str) -> list[str]:
    """The addresses `host` resolves to (itself where it is an address); none where it does not resolve."""
    try:
        return sorted({str(info[4][0]) for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)})
    except (socket.gaierror, UnicodeError, OSError):
        return []


def _kind(address: str) -> str | None:
    """What makes an address not public (`loopback`, `private`, …), or None for a public one."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for kind in ("loopback", "link_local", "unspecified", "multicast", "private", "reserved"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    return None if ip.is_global else "non-public"


def netloc(url: str) -> str:
    """The host and port a URL names, without credentials ('' where it cannot be read)."""
    try:
        return urlsplit(url).netloc.rpartition("@")[2]
    except ValueError:
        return ""


def refusal(url: str, allow_hosts: Iterable[str] = (), lookup: Resolve = resolve) -> str | None:
    """Why `url` may not be requested, or None: it must be http(s) with a host, and every address
    its host resolves to must be public unless the host is one of `allow_hosts` (as the URL writes
    it, any case). A host that does not resolve is not refused here: the request fails on its own."""
    if has_control(url):
        return "a URL with control characters"
    try:
        parts = urlsplit(url)
        scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    except ValueError as error:
        return f"not a valid URL ({error})"
    if scheme not in ("http", "https") or not host:
        return "not an http(s) URL with a host"
    if host in {allowed.lower() for allowed in allow_hosts}:
        return None
    for address in lookup(host):
        kind = _kind(address)
        if kind:
            return (
                f"host {host} resolves to a {kind} address ({address}): only public addresses are "
                "fetched from, unless [fetch] allow_hosts names the host"
            )
    return None


def has_credentials(url: str) -> bool:
    """Whether the URL carries a user name or password (`user:password@host`)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.username is not None or parts.password is not None


def without_credentials(url: str) -> str:
    """The URL with any `user:password@` taken out of its host part; the rest as written."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


class AddressRule:
    """`refusal` with a study's allowed hosts, each host resolved once (a fetch run, a page's life)."""

    def __init__(self, allow_hosts: Iterable[str] = ()) -> None:
        self.allow_hosts = tuple(allow_hosts)
        self._addresses: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    def _lookup(self, host: str) -> list[str]:
        with self._lock:
            if host not in self._addresses:
                self._addresses[host] = resolve(host)
            return self._addresses[host]

    def refusal(self, url: str) -> str | None:
        """Why `url` may not be requested (see `refusal`), or None."""
        return refusal(url, self.allow_hosts, self._lookup)


class PublicOnly(httpx.BaseTransport):
    """An httpx transport that refuses (`Refused`) any request, redirects included, whose URL its
    `rule` refuses, and drops any Authorization header before passing the rest on."""

    def __init__(self, rule: AddressRule, inner: httpx.BaseTransport | None = None) -> None:
        self.rule = rule
        self.inner = inner or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        reason = self.rule.refusal(str(request.url))
        if reason:
            raise Refused(reason)
        request.headers.pop("authorization", None)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()
