"""The preview's HTTP server: the built site from its folder, live reload, nothing else.

Stdlib only. The live-reload script is added to HTML responses here, so the files on disk stay
exactly what a real build writes.

What it lets in, and why:
- Files come from the preview folder and never from outside it: no `..`, no hidden files, no
  backslash or NUL, and no symbolic link that resolves outside the folder.
- A Host header must name this machine: `localhost` (and `*.localhost`), a loopback address,
  the address the server is bound to, or the address the request arrived on. Any other name
  may be an attacker's domain pointed at us (DNS rebinding); any other IP address is not ours.
  The wildcard addresses `0.0.0.0` and `::` are never a valid Host, whatever the binding: some
  browsers let any web page reach them.
- A request that carries an Origin other than the preview's own is refused, the live-reload
  stream included; no CORS header is ever sent, so other sites cannot read the preview.
- Only GET and HEAD are answered; other methods get 501 and change nothing.
- Each connection must send its request within `timeout` seconds in all, however it paces its
  bytes, and at most `connections` are open at once (more get 503 at once), so a slow or greedy
  client cannot hold the server up for everyone else.
"""

from __future__ import annotations

import contextlib
import errno
import io
import ipaddress
import logging
import mimetypes
import re
import socket
import sys
import threading
import time
from collections.abc import Collection
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from generator.dev.events import Hub
from generator.urls import output_path

log = logging.getLogger(__name__)

PREFIX = "/__gazette__/"
EVENTS = PREFIX + "events"
SCRIPT = PREFIX + "live.js"
KEEPALIVE = 15.0  # seconds between comments on an idle event stream; finds closed tabs
REQUEST_TIMEOUT = 10.0  # seconds a connection has to send its request, or to take a piece
_PIECE = 1 << 16  # bytes written at a time
MAX_CONNECTIONS = 256  # open connections (each tab's event stream is one) before 503
# Of those, how many may be event streams: one client holding open streams must leave the
# rest for pages (a tab reconnects its stream by itself after a 503).
MAX_STREAMS = 64
_BUSY = b"HTTP/1.0 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n"

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

    `root` must be resolved. Never a file outside `root`, through a symbolic link or otherwise,
    and never a hidden one (the manifest, a file being written).
    """
    rel = unquote(url_path)
    if "\0" in rel or "\\" in rel:
        return None
    parts = [p for p in rel.split("/") if p]
    if any(p.startswith(".") for p in parts):  # `.` and `..` too
        return None
    try:  # a name too long for the file system, or a link loop, is simply not there
        real = root.joinpath(*parts).resolve(strict=True)
        if real.is_relative_to(root) and real.is_dir():
            if not url_path.endswith("/"):
                return "/" + "".join(quote(p) + "/" for p in parts)
            real = (real / "index.html").resolve(strict=True)
        if real.is_relative_to(root) and real.is_file():
            return real
    except (OSError, ValueError, RuntimeError):  # RuntimeError: a link loop, in 3.11
        pass
    return None


_HOST = re.compile(r"(?:\[(?P<ip6>[0-9a-f:.]+)\]|(?P<name>[a-z0-9._-]+))(?::[0-9]{1,5})?")


def _output_path(url_path: str) -> str:
    """Return the output file that serves `url_path` as a build names it, or '' if none can."""
    try:
        return output_path(unquote(url_path))
    except ValueError:
        return ""


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """Return `text` as an IP address (an IPv4-mapped IPv6 one as IPv4), or None."""
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(ip, "ipv4_mapped", None)
    return mapped or ip


def host_name(host: str) -> str | None:
    """Return the name or address in a Host header, lower case, without port or final dot."""
    match = _HOST.fullmatch(host.strip().lower())
    return None if match is None else (match["name"] or match["ip6"]).removesuffix(".")


def allowed_host(host: str, bound: str, local: str = "", also: Collection[str] = ()) -> bool:
    """Return True when the Host header `host` names this server.

    That is `localhost` or a name below it, a loopback address, `bound` (the address or name
    the server listens on) unless it is a wildcard, `local`, the address the request came in
    on, or a name in `also` (a proxy's public name, given with --allow-host). Anything else may
    be an attacker's domain resolving to us (DNS rebinding) or an address that is not ours.
    """
    name = host_name(host)
    if name is None:
        return False
    if name == "localhost" or name.endswith(".localhost") or name in also:
        return True
    ip = _address(name)
    if ip is None:
        return name == bound.lower()
    if ip.is_unspecified:
        return False
    return ip.is_loopback or ip in {_address(bound), _address(local)}


def same_origin(origin: str | None, host: str, proxied: bool = False) -> bool:
    """Return True when a request's Origin header is absent or is the page at `host` itself;
    over https too when `proxied` (a proxy allowed with --allow-host may add TLS)."""
    if origin is None:
        return True
    host, origin = host.strip().lower(), origin.strip().lower()
    return origin == f"http://{host}" or (proxied and origin == f"https://{host}")


class PreviewServer(ThreadingHTTPServer):
    """Serves the preview folder `root` and the live-reload events of `hub`.

    Each connection has `timeout` seconds to send its request; at most `connections` are open
    at once.
    """

    daemon_threads = True
    request_queue_size = MAX_CONNECTIONS  # a burst of connections must not wait on SYN retries

    def __init__(
        self,
        bind: str,
        port: int,
        root: Path,
        hub: Hub,
        timeout: float = REQUEST_TIMEOUT,
        connections: int = MAX_CONNECTIONS,
        allow_hosts: Collection[str] = (),
    ):
        self.address_family = socket.AF_INET6 if ":" in bind else socket.AF_INET
        self.root = root.resolve()
        self.hub = hub
        self.bind_address = bind
        self.allow_hosts = frozenset(h.strip().lower().removesuffix(".") for h in allow_hosts)
        self.request_timeout = timeout
        self._slots = threading.BoundedSemaphore(connections)
        self.streams = threading.BoundedSemaphore(min(MAX_STREAMS, connections))
        super().__init__((bind, port), PreviewHandler)

    @property
    def port(self) -> int:
        return self.server_address[1]

    @property
    def local_only(self) -> bool:
        """Return True when only this machine can connect (bound to a loopback address)."""
        ip = _address(self.server_address[0])
        return ip is not None and ip.is_loopback

    @property
    def url(self) -> str:
        host = self.bind_address
        if host in ("0.0.0.0", "::", ""):
            host = "127.0.0.1"
        return f"http://[{host}]:{self.port}/" if ":" in host else f"http://{host}:{self.port}/"

    def process_request(self, request: socket.socket, client_address: tuple) -> None:
        """Answer on a thread of its own, or with 503 at once when too many are open."""
        if not self._slots.acquire(blocking=False):
            request.setblocking(False)  # the accepting thread must never wait on a client
            with contextlib.suppress(OSError):
                request.send(_BUSY)
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: socket.socket, client_address: tuple) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request: socket.socket, client_address: tuple) -> None:
        """Log a request that failed, instead of printing a traceback on the writer's terminal."""
        error = sys.exc_info()[1]
        if isinstance(error, OSError):  # a closed tab, a reset, a client too slow to read
            log.debug("connection from %s ended: %s", client_address[0], error)
        else:
            trace = log.isEnabledFor(logging.DEBUG)  # a traceback only with --verbose
            log.error("request from %s failed: %r", client_address[0], error, exc_info=trace)

    def stop(self) -> None:
        """Stop serving and release every open event stream."""
        self.hub.close()
        self.shutdown()
        self.server_close()


def open_server(
    bind: str,
    port: int,
    root: Path,
    hub: Hub,
    tries: int = 20,
    timeout: float = REQUEST_TIMEOUT,
    connections: int = MAX_CONNECTIONS,
    allow_hosts: Collection[str] = (),
) -> PreviewServer:
    """Return a server on `port`, or on the next free port after it when it is taken.

    Raises OSError when none of `tries` ports can be used.
    """
    for attempt in range(tries):
        try:
            number = port + attempt if port else 0
            return PreviewServer(bind, number, root, hub, timeout, connections, allow_hosts)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE or not port or attempt == tries - 1:
                raise
    raise AssertionError("unreachable")


class _Deadline(socket.SocketIO):
    """Reads a socket until `seconds` after it was made, however the client paces its bytes.

    A socket timeout alone bounds each read: a client sending a byte at a time would hold its
    connection for ever.
    """

    def __init__(self, sock: socket.socket, seconds: float):
        super().__init__(sock, "rb")
        self._seconds = seconds
        self._end = time.monotonic() + seconds

    def readinto(self, buffer: bytearray | memoryview) -> int | None:
        left = self._end - time.monotonic()
        if left <= 0:
            raise TimeoutError("the request took too long to arrive")
        self._sock.settimeout(left)
        try:
            return super().readinto(buffer)
        finally:
            self._sock.settimeout(self._seconds)  # writes keep the whole timeout


class PreviewHandler(BaseHTTPRequestHandler):
    server: PreviewServer
    server_version = "GazettePreview"
    default_request_version = "HTTP/1.0"  # so a malformed request gets a status line too

    def setup(self) -> None:
        self.timeout = self.server.request_timeout
        super().setup()
        # HTTP/1.0, one request per connection: every read is part of the request's head.
        self.rfile.close()
        self.rfile = io.BufferedReader(_Deadline(self.connection, self.timeout))

    def do_GET(self) -> None:
        self._respond(body=True)

    def do_HEAD(self) -> None:
        self._respond(body=False)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def _respond(self, body: bool) -> None:
        host = self.headers.get("Host", "")
        local = self.connection.getsockname()[0]
        if not allowed_host(host, self.server.bind_address, local, self.server.allow_hosts):
            self._send(HTTPStatus.FORBIDDEN, "text/plain; charset=utf-8", b"unknown host\n", body)
            return
        proxied = host_name(host) in self.server.allow_hosts
        if not same_origin(self.headers.get("Origin"), host, proxied):
            self._send(HTTPStatus.FORBIDDEN, "text/plain; charset=utf-8", b"foreign origin\n", body)
            return
        path = urlsplit(self.path).path
        if path == EVENTS:
            self._stream()
            return
        if path == SCRIPT:
            self._send(HTTPStatus.OK, content_type(SCRIPT), live_script(), body)
            return
        generation = self.server.hub.generation  # before reading: a newer page reloads once more
        ahead = None if path.startswith(PREFIX) else self.server.hub.page(_output_path(path))
        if ahead is not None:  # an edited page, made before the rebuild writes it
            data = inject(ahead, self._script_tag(generation))
            self._send(HTTPStatus.OK, content_type("index.html"), data, body)
            return
        found = None if path.startswith(PREFIX) else locate(self.server.root, path)
        if isinstance(found, str):  # a folder: its address with a slash
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
            # In pieces: the socket timeout bounds each sendall, and a big file on a slow
            # network may take longer than that in all while never stalling.
            view = memoryview(data)
            for start in range(0, len(view), _PIECE):
                self.wfile.write(view[start : start + _PIECE])

    def _stream(self) -> None:
        """Send server-sent events until the tab goes away or the server stops; 503 at once
        when MAX_STREAMS are open."""
        if not self.server.streams.acquire(blocking=False):
            self.send_response(HTTPStatus.SERVICE_UNAVAILABLE)
            self.send_header("Retry-After", "1")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        try:
            self._send_events()
        finally:
            self.server.streams.release()

    def _send_events(self) -> None:
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
