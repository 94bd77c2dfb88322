"""A loopback HTTP listener that counts what it is asked: the local service a hostile catalogue
points at. It answers every GET with a small JPEG, or with a redirect for paths under /redirect/."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 200, 10)).save(buffer, "JPEG")
    return buffer.getvalue()


class Listener:
    """What the listener was asked: each request's path and its Authorization header (None where absent)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.requests: list[tuple[str, str | None]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def listening() -> Iterator[Listener]:
    body = jpeg()
    listener = Listener(0)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            listener.requests.append((self.path, self.headers.get("Authorization")))
            if self.path.startswith("/redirect/"):
                self.send_response(302)
                self.send_header("Location", "http://" + self.path.removeprefix("/redirect/"))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    listener.port = httpd.server_address[1]
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield listener
    finally:
        httpd.shutdown()
        httpd.server_close()
