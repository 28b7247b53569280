"""Issue 8, the preview server (items 18-21): it serves its folder and nothing else, answers to
this machine's names only, and keeps serving everyone whatever one client sends.

Requests go over raw sockets on 127.0.0.1, so that paths reach the server exactly as written
(http.client and urllib normalise them). Each hostile request is followed by a plain one that
must still get the front page, and the fixture fails any test whose server printed anything or
logged a warning or an error.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import BUILD_PY, as_from_a_terminal, tree
from dev_support import WAIT

from generator.dev.events import Hub
from generator.dev.server import (
    EVENTS,
    MAX_STREAMS,
    PreviewServer,
    allowed_host,
    open_server,
    same_origin,
)

SECRET = "the-secret-outside-the-preview-folder"
PASSWD = Path("/etc/passwd")
PASSWD_TEXT = PASSWD.read_text(errors="replace")[:64] if PASSWD.is_file() else SECRET
HOME = "<!DOCTYPE html><title>Home</title><body><h1>Front page</h1></body>"
FRONT = b"<h1>Front page</h1>"  # in every answer with the front page, script added or not
NOT_FOUND = "<!DOCTYPE html><title>Not found</title><body><h1>No such page</h1></body>"
SHORT = 0.5  # seconds a slow client is given by the servers of the tests about slow clients


# --- helpers -------------------------------------------------------------------------------


def connect(server: PreviewServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=WAIT)


def read_all(sock: socket.socket) -> bytes:
    """Return what the server sends until it closes the connection (or resets it)."""
    data = b""
    with contextlib.suppress(ConnectionResetError):
        while chunk := sock.recv(65536):
            data += chunk
    return data


def exchange(server: PreviewServer, request: bytes) -> bytes:
    """Send `request` as raw bytes on a new connection and return the whole reply."""
    with connect(server) as sock:
        sock.sendall(request)
        return read_all(sock)


def get(server: PreviewServer, target: bytes, *headers: str, host: str | None = None) -> bytes:
    """Return the reply to `GET target` sent verbatim, Host 127.0.0.1:port unless given."""
    lines = [f"Host: {host if host is not None else f'127.0.0.1:{server.port}'}", *headers]
    if host == "":
        lines = list(headers)
    head = "".join(f"{line}\r\n" for line in lines).encode()
    return exchange(server, b"GET " + target + b" HTTP/1.0\r\n" + head + b"\r\n")


def status(reply: bytes) -> int:
    match = re.match(rb"HTTP/1\.[01] (\d{3}) ", reply)
    assert match, reply[:200]
    return int(match[1])


def headers(reply: bytes) -> dict[str, str]:
    """Return the reply's header fields, names lowercased."""
    head = reply.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")[1:]
    return {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in head)}


def body(reply: bytes) -> bytes:
    return reply.split(b"\r\n\r\n", 1)[1]


def reply_head(server: PreviewServer, request: bytes) -> bytes:
    """Return the status line and headers of a reply that may not end (the event stream)."""
    with connect(server) as sock:
        sock.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data and (chunk := sock.recv(4096)):
            data += chunk
        return data


def assert_serving(server: PreviewServer) -> None:
    """The server still answers a plain request with the front page."""
    reply = get(server, b"/")
    assert status(reply) == 200 and FRONT in reply


def send_quietly(sock: socket.socket, data: bytes) -> None:
    """Send `data`, ignoring a server that closes the connection before taking it all."""
    with contextlib.suppress(OSError):
        sock.sendall(data)


def wait_closed(sock: socket.socket, deadline: float = WAIT) -> bytes:
    """Return what the server sends before it closes `sock`; fail if it has not by `deadline`."""
    sock.settimeout(deadline)
    try:
        return read_all(sock)
    except TimeoutError:
        pytest.fail(f"the server held the connection open for {deadline} s")


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A preview folder, with a secret beside it and links planted inside pointing at it."""
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    site = tmp_path / "preview"
    (site / "tags").mkdir(parents=True)
    (site / "index.html").write_text(HOME)
    (site / "404.html").write_text(NOT_FOUND)
    (site / "tags/index.html").write_text("<body>Tags</body>")
    (site / ".gazette-manifest.json").write_text("{}")
    (site / "leak.html").symlink_to(secret)
    (site / "passwd.txt").symlink_to(PASSWD)
    (site / "outside").symlink_to(tmp_path, target_is_directory=True)
    (site / "tags/up").symlink_to("../..", target_is_directory=True)
    (site / "loop").symlink_to(site / "loop")
    return site


def start(root: Path, bind: str = "127.0.0.1", **limits) -> tuple[PreviewServer, threading.Thread]:
    server = open_server(bind, 0, root, Hub(), **limits)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    return server, thread


@pytest.fixture
def serve(
    folder: Path, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> Iterator:
    """Return a function starting a server on `folder`; fail the test if one printed anything."""
    running: list[tuple[PreviewServer, threading.Thread]] = []

    def make(bind: str = "127.0.0.1", **limits) -> PreviewServer:
        running.append(start(folder, bind, **limits))
        return running[-1][0]

    yield make
    for server, thread in running:
        server.stop()
        thread.join(WAIT)
        assert not thread.is_alive()
    _, err = capfd.readouterr()
    assert "Traceback" not in err and "Exception" not in err, err
    assert err == "", err
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


@pytest.fixture
def server(serve) -> PreviewServer:
    return serve()


def assert_refused_path(server: PreviewServer, target: bytes) -> None:
    reply = get(server, target)
    assert status(reply) == 404, target
    assert SECRET.encode() not in reply and PASSWD_TEXT.encode() not in reply, target
    assert_serving(server)


# --- 18. traversal -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        b"/../../etc/passwd",
        b"/../../../../../../../../../../etc/passwd",
        b"/../secret.txt",
        b"/tags/../../secret.txt",
        b"/./../secret.txt",
    ],
)
def test_dot_dot_segments_are_not_served(server: PreviewServer, target: bytes) -> None:
    assert_refused_path(server, target)


@pytest.mark.parametrize(
    "target",
    [
        b"/%2e%2e/%2e%2e/etc/passwd",
        b"/%2E%2E/%2E%2E/%2E%2E/%2E%2E/%2E%2E/%2E%2E/%2E%2E/etc/passwd",
        b"/%2e%2e/secret.txt",
        b"/.%2e/secret.txt",
        b"/%2e./secret.txt",
    ],
)
def test_percent_encoded_dots_are_not_served(server: PreviewServer, target: bytes) -> None:
    assert_refused_path(server, target)


@pytest.mark.parametrize(
    "target",
    [
        b"/..%2f..%2fetc/passwd",
        b"/..%2F..%2F..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd",
        b"/%2f%2e%2e%2fsecret.txt",
        b"/tags/..%2f..%2fsecret.txt",
    ],
)
def test_percent_encoded_slashes_are_not_served(server: PreviewServer, target: bytes) -> None:
    assert_refused_path(server, target)


@pytest.mark.parametrize(
    "target",
    [b"/%252e%252e/", b"/%252e%252e/%252e%252e/etc/passwd", b"/%252e%252e%252fsecret.txt"],
)
def test_double_encoded_dots_are_not_decoded_twice(server: PreviewServer, target: bytes) -> None:
    assert_refused_path(server, target)


@pytest.mark.parametrize(
    "target",
    [
        b"/..\\..\\etc\\passwd",
        b"/..\\secret.txt",
        b"/tags\\..\\..\\secret.txt",
        b"/..%5c..%5cetc%5cpasswd",
        b"/%2e%2e%5csecret.txt",
        b"/%5C..%5Csecret.txt",
    ],
)
def test_backslashes_are_not_separators(server: PreviewServer, target: bytes) -> None:
    assert_refused_path(server, target)


@pytest.mark.parametrize(
    "target",
    [b"/index.html%00", b"/index.html%00.txt", b"/%00/../secret.txt", b"/index.html\x00"],
)
def test_nul_bytes_are_refused(server: PreviewServer, target: bytes) -> None:
    assert_refused_path(server, target)


@pytest.mark.parametrize(
    "target",
    [
        b"/leak.html",
        b"/passwd.txt",
        b"/outside/secret.txt",
        b"/outside/",
        b"/outside/preview/../secret.txt",
        b"/tags/up/secret.txt",
        b"/tags/up/",
    ],
)
def test_symlinks_pointing_outside_are_not_followed(server: PreviewServer, target: bytes) -> None:
    assert_refused_path(server, target)


def test_a_link_inside_the_folder_is_still_served(server: PreviewServer, folder: Path) -> None:
    (folder / "front.html").symlink_to(folder / "index.html")
    assert FRONT in get(server, b"/front.html")


@pytest.mark.parametrize(
    "target", [b"/.gazette-manifest.json", b"/%2egazette-manifest.json", b"/tags/.."]
)
def test_hidden_files_are_not_served(server: PreviewServer, target: bytes) -> None:
    assert_refused_path(server, target)


@pytest.mark.parametrize(
    "target",
    [b"/" + b"a" * 300, b"/" + b"a/" * 3000, b"/loop", b"/loop/", b"/%ff%fe", b"/" + b"%e9" * 9],
)
def test_impossible_names_are_simply_not_found(server: PreviewServer, target: bytes) -> None:
    # A name too long for the file system, a link loop, bytes that are not UTF-8.
    assert_refused_path(server, target)


def test_folder_redirects_stay_on_this_server(server: PreviewServer) -> None:
    for target in (b"//tags", b"////tags", b"/tags", b"/%74ags"):
        reply = get(server, target)
        assert status(reply) == 301, target
        assert headers(reply)["location"] == "/tags/", target


def test_the_sites_own_404_page_answers(server: PreviewServer) -> None:
    reply = get(server, b"/no/such/page/")
    assert status(reply) == 404
    assert NOT_FOUND.encode()[:-7] in body(reply)  # before its </body>, where the script goes


# --- 19. binding ---------------------------------------------------------------------------


def _lines(stream) -> queue.Queue[str]:
    """Return a queue receiving the lines of `stream`, read on a thread, then '' at its end."""
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stream:
            lines.put(line)
        lines.put("")

    threading.Thread(target=pump, daemon=True).start()
    return lines


def _listening(port: int) -> set[str]:
    """Return the IPv4 addresses, dotted, with a socket listening on `port` (from /proc)."""
    found = set()
    for row in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = row.split()[1], row.split()[3]
        address, hex_port = local.split(":")
        if state == "0A" and int(hex_port, 16) == port:
            found.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
    return found


def _serve(make_site, tmp_path: Path, *args: str) -> tuple[str, set[str], str]:
    """Run `build.py serve *args` until it prints its address, then press Ctrl-C.

    Returns what it printed up to its address, the addresses its port listened on, and all it
    wrote to stderr.
    """
    site = make_site({"content/articles/a.md": "---\ntitle: A\ndate: 2024-02-01\n---\nA.\n"})
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, str(BUILD_PY), "serve", "--port", "0", *args]
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    process = subprocess.Popen(
        command, cwd=site, env=env, text=True, preexec_fn=as_from_a_terminal, **pipes
    )
    try:
        lines, printed = _lines(process.stdout), ""
        while "Serving the preview on" not in printed:
            line = lines.get(timeout=WAIT)
            assert line, f"serve ended before printing its address: {printed}"
            printed += line
        port = int(re.search(r"Serving the preview on http://[^ ]*:(\d+)/", printed)[1])
        listening = _listening(port)
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=WAIT)
    assert process.returncode == 0, err
    assert "Traceback" not in err
    return printed, listening, err


needs_proc = pytest.mark.skipif(not Path("/proc/net/tcp").is_file(), reason="reads /proc/net/tcp")


@needs_proc
def test_serve_listens_on_loopback_by_default_and_says_nothing(make_site, tmp_path: Path) -> None:
    printed, listening, err = _serve(make_site, tmp_path)
    assert re.search(r"Serving the preview on http://127\.0\.0\.1:\d+/", printed)
    assert listening == {"127.0.0.1"}
    assert "warning" not in err and "exposes" not in err


@needs_proc
def test_serve_bound_to_every_interface_warns_the_preview_is_exposed(
    make_site, tmp_path: Path
) -> None:
    _, listening, err = _serve(make_site, tmp_path, "--bind", "0.0.0.0")
    assert listening == {"0.0.0.0"}
    assert "warning: --bind 0.0.0.0 exposes the preview, drafts included, to every machine" in err


@needs_proc
def test_serve_bound_to_loopback_by_name_does_not_warn(make_site, tmp_path: Path) -> None:
    printed, _, err = _serve(make_site, tmp_path, "--bind", "localhost")
    assert "Serving the preview on http://localhost:" in printed
    assert "exposes" not in err


def test_only_loopback_addresses_count_as_local(serve) -> None:
    assert serve().local_only
    assert serve("127.0.0.2").local_only
    assert not serve("0.0.0.0").local_only


# --- 20. host names, origins, CORS ---------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "evil.example:{port}",
        "127.0.0.1.evil.example",
        "127.0.0.1.evil.example:{port}",
        "localhost.evil.example",
        "evil.example@127.0.0.1",
        "127.0.0.1@evil.example",
        "127.0.0.1:{port}/evil",
        "127.0.0.1 evil.example",
        "0.0.0.0:{port}",
        "[::]:{port}",
        "192.0.2.7:{port}",
        "[2001:db8::7]:{port}",
        "2130706433:{port}",
        "0x7f000001",
        "",
    ],
)
def test_foreign_host_names_are_refused(server: PreviewServer, host: str) -> None:
    # DNS rebinding: a page of evil.example whose name now resolves to 127.0.0.1.
    for target in (b"/", EVENTS.encode()):
        reply = get(server, target, host=host.format(port=server.port))
        assert status(reply) == 403, host
        assert FRONT not in reply and b"event:" not in reply
    assert_serving(server)


@pytest.mark.parametrize(
    "host",
    [
        "localhost:{port}",
        "LocalHost:{port}",
        "localhost.:{port}",
        "news.localhost:{port}",
        "127.0.0.1:{port}",
        "127.0.0.1",
        "127.1.2.3:{port}",
        "[::1]:{port}",
        "[::ffff:127.0.0.1]:{port}",
    ],
)
def test_local_names_are_accepted(server: PreviewServer, host: str) -> None:
    reply = get(server, b"/", host=host.format(port=server.port))
    assert status(reply) == 200 and FRONT in reply


def test_bound_to_every_interface_the_address_reached_is_ours(serve) -> None:
    server = serve("0.0.0.0")
    assert status(get(server, b"/", host=f"127.0.0.1:{server.port}")) == 200
    for host in (f"0.0.0.0:{server.port}", f"192.0.2.7:{server.port}", "evil.example"):
        assert status(get(server, b"/", host=host)) == 403, host


def test_host_rules_for_lan_and_named_bindings() -> None:
    # Bound to every interface, a colleague reaches us at our LAN address: that one is ours.
    assert allowed_host("192.168.1.20:8000", "0.0.0.0", local="192.168.1.20")
    assert allowed_host("192.168.1.20:8000", "::", local="::ffff:192.168.1.20")
    assert not allowed_host("192.168.1.21:8000", "0.0.0.0", local="192.168.1.20")
    assert not allowed_host("0.0.0.0:8000", "0.0.0.0", local="0.0.0.0")
    # Bound to one LAN address or name: that address or name.
    assert allowed_host("192.168.1.20:8000", "192.168.1.20")
    assert allowed_host("laptop.lan:8000", "laptop.lan")
    assert allowed_host("LAPTOP.LAN", "laptop.lan")
    assert not allowed_host("laptop.lan.evil.example", "laptop.lan")
    assert not allowed_host("evil.example", "0.0.0.0", local="192.168.1.20")


def test_same_origin_rules() -> None:
    assert same_origin(None, "127.0.0.1:8000")
    assert same_origin("http://127.0.0.1:8000", "127.0.0.1:8000")
    assert same_origin("HTTP://LOCALHOST:8000", "localhost:8000")
    assert not same_origin("https://127.0.0.1:8000", "127.0.0.1:8000")
    assert same_origin("https://preview.example.net", "preview.example.net", proxied=True)
    assert not same_origin("https://evil.example", "preview.example.net", proxied=True)
    assert not same_origin("http://localhost:8000", "127.0.0.1:8000")
    assert not same_origin("http://127.0.0.1:3000", "127.0.0.1:8000")
    assert not same_origin("null", "127.0.0.1:8000")


def _events(server: PreviewServer, *fields: str) -> bytes:
    host = f"Host: 127.0.0.1:{server.port}\r\n"
    extra = "".join(f"{f}\r\n" for f in fields)
    return reply_head(server, f"GET {EVENTS} HTTP/1.0\r\n{host}{extra}\r\n".encode())


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example",
        "http://evil.example",
        "http://127.0.0.1.evil.example",
        "http://localhost:1",
        "https://127.0.0.1:{port}",
        "null",
    ],
)
def test_live_reload_refuses_other_origins(server: PreviewServer, origin: str) -> None:
    reply = _events(server, f"Origin: {origin.format(port=server.port)}")
    assert status(reply) == 403
    assert not any(k.startswith("access-control-") for k in headers(reply))
    assert_serving(server)


def test_live_reload_accepts_its_own_origin_and_none(server: PreviewServer) -> None:
    for fields in ((f"Origin: http://127.0.0.1:{server.port}",), ()):
        reply = _events(server, *fields)
        assert status(reply) == 200, fields
        assert headers(reply)["content-type"] == "text/event-stream"
        assert not any(k.startswith("access-control-") for k in headers(reply))


def test_other_origins_are_refused_everywhere(server: PreviewServer) -> None:
    reply = get(server, b"/", "Origin: https://evil.example")
    assert status(reply) == 403 and FRONT not in reply


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\nOrigin: https://evil.example\r\n\r\n",
        b"GET /tags HTTP/1.0\r\nHost: 127.0.0.1\r\nOrigin: http://127.0.0.1\r\n\r\n",
        b"GET /nothing HTTP/1.0\r\nHost: 127.0.0.1\r\nOrigin: http://127.0.0.1\r\n\r\n",
        b"GET / HTTP/1.0\r\nHost: evil.example\r\nOrigin: http://evil.example\r\n\r\n",
        b"OPTIONS / HTTP/1.0\r\nHost: 127.0.0.1\r\nOrigin: https://evil.example\r\n"
        b"Access-Control-Request-Method: GET\r\n\r\n",
        b"POST / HTTP/1.0\r\nHost: 127.0.0.1\r\nOrigin: https://evil.example\r\n\r\n",
        b"GET / HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n",
        b"NONSENSE\r\n\r\n",
    ],
)
def test_no_cors_headers_on_any_reply(server: PreviewServer, request_bytes: bytes) -> None:
    reply = exchange(server, request_bytes)
    assert status(reply) in (200, 301, 400, 403, 404, 405, 501, 505)
    assert b"access-control-" not in reply.lower()


def test_no_cors_headers_on_a_same_origin_page(server: PreviewServer) -> None:
    reply = get(server, b"/", f"Origin: http://127.0.0.1:{server.port}")
    assert status(reply) == 200
    assert b"access-control-" not in reply.lower()


# --- 21. methods, oversized and slow requests, many connections ----------------------------


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"])
def test_methods_other_than_get_change_nothing(
    server: PreviewServer, folder: Path, method: str
) -> None:
    before = tree(folder)
    for target in ("/index.html", "/new.html", "/tags/"):
        data = b"<script>alert(1)</script>"
        reply = exchange(
            server,
            f"{method} {target} HTTP/1.0\r\nHost: 127.0.0.1:{server.port}\r\n"
            f"Content-Length: {len(data)}\r\n\r\n".encode()
            + data,
        )
        assert status(reply) in (405, 501), (method, target)
        assert FRONT not in reply
    assert tree(folder) == before
    assert_serving(server)


def test_megabyte_request_line_is_answered(server: PreviewServer) -> None:
    line = b"GET /" + b"a" * (1 << 20) + b" HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"
    with connect(server) as sock:
        # Send on a thread: the server answers after 64 KiB and may stop reading.
        sender = threading.Thread(target=send_quietly, args=(sock, line))
        sender.start()
        reply = read_all(sock)
        sender.join(WAIT)
    assert status(reply) in (400, 414)
    assert_serving(server)


def test_megabyte_of_headers_is_answered(server: PreviewServer) -> None:
    many = b"".join(b"X-Filler-%d: %s\r\n" % (n, b"b" * 10_000) for n in range(100))
    request = b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n" + many + b"\r\n"
    with connect(server) as sock:
        sender = threading.Thread(target=send_quietly, args=(sock, request))
        sender.start()
        reply = read_all(sock)
        sender.join(WAIT)
    assert status(reply) in (400, 431)
    assert FRONT not in reply
    assert_serving(server)


def test_slow_client_does_not_hold_up_others_and_is_dropped(serve) -> None:
    server = serve(timeout=SHORT)
    with connect(server) as slow:
        slow.sendall(b"GET /ind")
        assert_serving(server)  # while the slow one waits
        assert wait_closed(slow) == b""  # dropped without an answer once its time is up
    assert_serving(server)


def test_client_trickling_bytes_is_dropped_all_the_same(serve) -> None:
    # Each byte comes well within the read timeout; the whole request never does.
    server = serve(timeout=SHORT)
    deadline = time.monotonic() + WAIT
    with connect(server) as slow:
        slow.sendall(b"GET /index.html HTTP/1.0\r\nX-")
        while not select.select([slow], [], [], SHORT / 5)[0]:  # until the server closes
            assert time.monotonic() < deadline, "the server kept reading a request that never ends"
            send_quietly(slow, b"a")
        assert wait_closed(slow) == b""
    assert_serving(server)


def test_idle_connection_is_dropped(serve) -> None:
    # A browser's speculative connection that never sends anything.
    server = serve(timeout=SHORT)
    with connect(server) as idle:
        assert_serving(server)
        assert wait_closed(idle) == b""


def test_client_leaving_mid_reply_leaves_no_trace(serve, folder: Path) -> None:
    (folder / "big.bin").write_bytes(b"x" * 20_000_000)
    server = serve()
    for _ in range(3):
        with connect(server) as sock:
            sock.sendall(b"GET /big.bin HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            assert sock.recv(100).startswith(b"HTTP/1.0 200")
            # Close with a reset while the server is still writing.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
    assert_serving(server)


def _request_on_many(server: PreviewServer, count: int) -> list[bytes | str]:
    """Open `count` connections at once, then send a request on each; return each outcome."""
    sockets = []
    outcomes: list[bytes | str] = []
    try:
        for _ in range(count):
            try:
                sockets.append(connect(server))
            except OSError as exc:
                outcomes.append(f"refused: {exc!r}")
        for sock in sockets:
            with contextlib.suppress(OSError):  # refused ones are closed already
                sock.sendall(f"GET / HTTP/1.0\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode())
        for sock in sockets:
            try:
                outcomes.append(read_all(sock))
            except OSError as exc:
                outcomes.append(f"refused: {exc!r}")
    finally:
        for sock in sockets:
            sock.close()
    return outcomes


def test_two_hundred_concurrent_connections_are_each_answered(serve) -> None:
    server = serve(timeout=WAIT)  # the last to connect must not time out the first
    outcomes = _request_on_many(server, 200)
    assert len(outcomes) == 200
    statuses = [status(o) if isinstance(o, bytes) and o else 0 for o in outcomes]
    assert all(s in (200, 503) for s in statuses), outcomes
    assert statuses.count(200) == 200  # under the limit: every one gets its page
    assert_serving(server)


def test_connections_over_the_limit_are_refused_at_once(serve) -> None:
    server = serve(timeout=WAIT, connections=4)
    held = [connect(server) for _ in range(4)]
    try:
        for sock in held:
            sock.sendall(b"GET /")  # each holds its slot, half a request line sent
        reply = exchange(server, b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        assert reply == b"" or status(reply) == 503  # refused, not queued behind the others
    finally:
        for sock in held:
            sock.close()
    _poll_until_serving(server)


def _poll_until_serving(server: PreviewServer) -> None:
    """Wait (with a deadline) until the server's slots are free again, then check it serves."""
    deadline = time.monotonic() + WAIT
    request = f"GET / HTTP/1.0\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode()
    while not (reply := exchange(server, request)) or status(reply) != 200:
        assert time.monotonic() < deadline, "the server never freed the slots of closed connections"
        select.select([], [], [], 0.02)
    assert_serving(server)


def _status_line(sock: socket.socket) -> bytes:
    """Return the first line the server sends on `sock`."""
    line = b""
    while not line.endswith(b"\r\n"):
        chunk = sock.recv(1)
        if not chunk:
            break
        line += chunk
    return line


def test_event_streams_are_capped_and_pages_still_answer(serve) -> None:
    server = serve(timeout=WAIT)
    request = f"GET {EVENTS} HTTP/1.0\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode()
    streams = []
    try:
        for _ in range(MAX_STREAMS + 16):  # one client opening streams it never reads
            sock = connect(server)
            sock.sendall(request)
            streams.append(sock)
        codes = sorted(_status_line(sock).split()[1] for sock in streams)
        assert codes == [b"200"] * MAX_STREAMS + [b"503"] * 16
        for _ in range(20):  # pages are served while every stream is held
            assert status(get(server, b"/")) == 200
    finally:
        for sock in streams:
            sock.close()
