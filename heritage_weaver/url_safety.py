"""Which catalogue URLs the platform may request: public addresses only, never with credentials.

A catalogue names its image URLs; it must not make the platform request a local service (a desk's
Label Studio, a router, a cloud's metadata address). A URL is refused where its host resolves to a
loopback, private, link-local, multicast, unspecified or otherwise non-public address, unless the
study allows the host by name (`[fetch] allow_hosts`). `PublicOnly` checks every request it sends,
each redirect included, after resolving the host, connects to the address it checked (a name that
resolves again to another address, DNS rebinding, changes nothing) and sends no credentials; the
search page redirects browsers only to URLs its `AddressRule` passes.
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


def is_address(host: str) -> bool:
    """Whether `host` is an IP address as written (no name to resolve)."""
    try:
        ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return False
    return True


class AddressRule:
    """`refusal` with a study's allowed hosts, each host resolved once (a fetch run, a page's life)
    by `lookup`."""

    def __init__(self, allow_hosts: Iterable[str] = (), lookup: Resolve = resolve) -> None:
        self.allow_hosts = tuple(allow_hosts)
        self._allowed = {host.lower() for host in self.allow_hosts}
        self._resolve = lookup
        self._addresses: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    def addresses(self, host: str) -> list[str]:
        """The addresses `host` resolved to the first time it was asked for (none where it did not)."""
        with self._lock:
            if host not in self._addresses:
                self._addresses[host] = self._resolve(host)
            return self._addresses[host]

    def allows(self, host: str) -> bool:
        """Whether the study allows `host` by name (any case)."""
        return host.lower() in self._allowed

    def refusal(self, url: str) -> str | None:
        """Why `url` may not be requested (see `refusal`), or None."""
        return refusal(url, self.allow_hosts, self.addresses)


class PublicOnly(httpx.BaseTransport):
    """An httpx transport that refuses (`Refused`) any request, redirects included, whose URL its
    `rule` refuses, drops any Authorization header, and passes the rest on `pinned`."""

    def __init__(self, rule: AddressRule, inner: httpx.BaseTransport | None = None) -> None:
        self.rule = rule
        self.inner = inner or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        reason = self.rule.refusal(str(request.url))
        if reason:
            raise Refused(reason)
        request.headers.pop("authorization", None)
        return self.inner.handle_request(self.pinned(request))

    def pinned(self, request: httpx.Request) -> httpx.Request:
        """The request to send for `request`: to the address its host was checked at (IPv4 before
        IPv6), with its Host header and, over TLS, the host's name for SNI and certificate
        verification (`sni_hostname`); as it is where its host is an address or allowed by name.
        A name that did not resolve when checked is not resolved again: `httpx.ConnectError`."""
        host = request.url.raw_host.decode("ascii").lower()  # as `refusal` read it: IDNA, brackets out
        if is_address(host) or self.rule.allows(host):
            return request
        addresses = self.rule.addresses(host)
        if not addresses:
            raise httpx.ConnectError(f"host {host} does not resolve", request=request)
        address = min(addresses, key=lambda a: ":" in a)
        extensions = dict(request.extensions)
        if request.url.scheme == "https":
            extensions["sni_hostname"] = host
        return httpx.Request(
            request.method,
            request.url.copy_with(host=address),
            headers=request.headers,
            stream=request.stream,
            extensions=extensions,
        )

    def close(self) -> None:
        self.inner.close()
