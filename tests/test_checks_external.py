"""`check --external` against a local HTTP server: never the internet."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import SITE_YAML, article, run_cli


class Handler(BaseHTTPRequestHandler):
    def _answer(self, body: bool) -> None:
        status = 200 if self.path in ("/ok", "/get-only") else 404
        if self.command == "HEAD" and self.path == "/get-only":
            status = 405
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        if body:
            self.wfile.write(b"hi")

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def do_GET(self) -> None:
        self._answer(body=True)

    def log_message(self, *args) -> None:  # keep test output clean
        pass


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def test_external_links_are_checked_and_good_ones_cached(make_site, server):
    port = server.server_address[1]
    base = f"http://127.0.0.1:{port}"
    body = f"[Fine]({base}/ok), [also fine]({base}/get-only) and [gone]({base}/missing)."
    site = make_site({"content/articles/vote.md": article("Vote", body=body)})
    assert run_cli("build", cwd=site).returncode == 0

    assert run_cli("check", cwd=site).stderr == ""  # the network only with --external
    first = run_cli("check", "--external", "--strict", cwd=site)
    assert first.returncode == 1
    errors = [line for line in first.stderr.splitlines() if ": error: " in line]
    assert errors
    assert all(f"broken external link '{base}/missing': HTTP 404" in line for line in errors)
    assert "/ok" not in first.stderr and "/get-only" not in first.stderr
    cache = json.loads((site / ".cache" / "external-links.json").read_text(encoding="utf-8"))
    assert sorted(cache) == [f"{base}/get-only", f"{base}/ok"]

    server.shutdown()
    server.server_close()
    second = run_cli("check", "--external", "--timeout", "2", cwd=site)
    assert second.returncode == 0
    assert "/ok" not in second.stderr and "/get-only" not in second.stderr  # from the cache
    assert f"broken external link '{base}/missing': unreachable" in second.stderr


def test_external_links_can_be_switched_off(make_site, server):
    port = server.server_address[1]
    body = f"[gone](http://127.0.0.1:{port}/missing)."
    site = make_site(
        {"content/articles/vote.md": article("Vote", body=body)},
        SITE_YAML + "checks:\n  external_links: off\n",
    )
    assert run_cli("build", cwd=site).returncode == 0
    result = run_cli("check", "--external", "--strict", cwd=site)
    assert result.returncode == 0, result.stderr
    assert not (site / ".cache" / "external-links.json").exists()
