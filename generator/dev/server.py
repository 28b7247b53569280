"""The preview's HTTP server: the built site from its folder, live reload, nothing else.

Stdlib only. Files come from one folder and never from outside it; Host headers other than
local names and IP addresses are refused (DNS rebinding); no CORS headers are sent. The
live-reload script is added to HTML responses here, so the files on disk stay exactly what a
real build writes.
"""

from __future__ import annotations

import errno
import ipaddress
import logging
import mimetypes
import socket
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .events import Hub

log = logging.getLogger(__name__)

PREFIX = "/__gazette__/"
EVENTS = PREFIX + "events"
SCRIPT = PREFIX + "live.js"
KEEPALIVE = 15.0  # seconds between comments on an idle event stream; finds closed tabs

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".xml": "application/xml",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
}
_FALLBACK_404 = b"<!DOCTYPE html><title>Not found</title><body><h1>Not found</h1></body>"


def content_type(name: str) -> str:
    """Return the Content-Type header for a file called `name`."""
    suffix = Path(name).suffix.lower()
    if suffix in _TYPES:
        return _TYPES[suffix]
    guessed, _ = mimetypes.guess_type(name)
    return guessed or "application/octet-stream"


def inject(html: bytes, tag: bytes) -> bytes:
    """Return `html` with `tag` inserted before its last </body> (appended when there is none)."""
    at = html.lower().rfind(b"</body>")
    return html + tag if at < 0 else html[:at] + tag + html[at:]


def live_script() -> bytes:
    return files(__package__).joinpath("live.js").read_bytes()


def locate(root: Path, url_path: str) -> Path | str | None:
    """Return the file under `root` that serves `url_path`, a path to redirect to, or None.

    Never a file outside `root`, through a symbolic link or otherwise, and never a hidden one
    (the manifest, a file being written).
    """
    rel = unquote(url_path)
    if "\0" in rel or "\\" in rel:
        return None
    parts = [p for p in rel.split("/") if p]
    if any(p in (".", "..") or p.startswith(".") for p in parts):
        return None
    candidate = root.joinpath(*parts)
    if candidate.is_dir():
        if not url_path.endswith("/"):
            return url_path + "/"
        candidate = candidate / "index.html"
    try:
        real = candidate.resolve(strict=True)
    except OSError:
        return None
    if not real.is_relative_to(root) or not real.is_file():
        return None
    return real


def allowed_host(host: str, bound: str) -> bool:
    """Return True for a Host header naming this machine by a local name or an IP address.

    Any other name may be an attacker's domain pointed at 127.0.0.1 (DNS rebinding).
    """
    name = urlsplit("//" + host).hostname or ""
    if name in ("localhost", bound.lower()) or name.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class PreviewServer(ThreadingHTTPServer):
    """Serves the preview folder `root` and the live-reload events of `hub`."""

    daemon_threads = True

    def __init__(self, bind: str, port: int, root: Path, hub: Hub):
        self.address_family = socket.AF_INET6 if ":" in bind else socket.AF_INET
        self.root = root.resolve()
        self.hub = hub
        self.bind_address = bind
        super().__init__((bind, port), PreviewHandler)

    @property
    def port(self) -> int:
        return self.server_address[1]

    @property
    def url(self) -> str:
        host = self.bind_address
        if host in ("0.0.0.0", "::", ""):
            host = "127.0.0.1"
        return f"http://[{host}]:{self.port}/" if ":" in host else f"http://{host}:{self.port}/"

    def stop(self) -> None:
        """Stop serving and release every open event stream."""
        self.hub.close()
        self.shutdown()
        self.server_close()


def open_server(bind: str, port: int, root: Path, hub: Hub, tries: int = 20) -> PreviewServer:
    """Return a server on `port`, or on the next free port after it when it is taken.

    Raises OSError when none of `tries` ports can be used.
    """
    for attempt in range(tries):
        try:
            return PreviewServer(bind, port + attempt if port else 0, root, hub)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE or not port or attempt == tries - 1:
                raise
    raise AssertionError("unreachable")


class PreviewHandler(BaseHTTPRequestHandler):
    server: PreviewServer
    server_version = "GazettePreview"

    def do_GET(self) -> None:
        self._respond(body=True)

    def do_HEAD(self) -> None:
        self._respond(body=False)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def _respond(self, body: bool) -> None:
        if not allowed_host(self.headers.get("Host", ""), self.server.bind_address):
            self._send(HTTPStatus.FORBIDDEN, "text/plain; charset=utf-8", b"unknown host\n", body)
            return
        path = urlsplit(self.path).path
        if path == EVENTS:
            self._stream()
            return
        if path == SCRIPT:
            self._send(HTTPStatus.OK, content_type(SCRIPT), live_script(), body)
            return
        generation = self.server.hub.generation  # before reading: a newer page reloads once more
        found = None if path.startswith(PREFIX) else locate(self.server.root, path)
        if isinstance(found, str):
            query = urlsplit(self.path).query
            self.send_response(HTTPStatus.MOVED_PERMANENTLY)
            self.send_header("Location", found + (f"?{query}" if query else ""))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        status = HTTPStatus.OK
        if found is None:
            status, found = HTTPStatus.NOT_FOUND, locate(self.server.root, "/404.html")
        try:
            data = found.read_bytes() if found else _FALLBACK_404
        except OSError:  # removed by a rebuild since it was found
            status, data = HTTPStatus.NOT_FOUND, _FALLBACK_404
            found = None
        ctype = content_type(found.name) if found else content_type("404.html")
        if ctype.startswith("text/html"):
            data = inject(data, self._script_tag(generation))
        self._send(status, ctype, data, body)

    def _script_tag(self, generation: int) -> bytes:
        hub = self.server.hub
        return (
            f'<script src="{SCRIPT}" data-generation="{generation}" '
            f'data-instance="{hub.instance}"></script>'
        ).encode()

    def _send(self, status: HTTPStatus, ctype: str, data: bytes, body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if body:
            self.wfile.write(data)

    def _stream(self) -> None:
        """Send server-sent events until the tab goes away or the server stops."""
        hub = self.server.hub
        seq, hello = hub.hello()
        self.close_connection = True
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        try:
            self.wfile.write(f"retry: 1000\nevent: hello\ndata: {hello}\n\n".encode())
            self.wfile.flush()
            while True:
                events = hub.wait(seq, KEEPALIVE)
                if events is None:
                    return
                chunk = "".join(f"id: {e.seq}\nevent: {e.name}\ndata: {e.data}\n\n" for e in events)
                self.wfile.write(chunk.encode() if events else b": ping\n\n")
                self.wfile.flush()
                seq = events[-1].seq if events else seq
        except OSError:  # the tab was closed
            return
