"""External links: checked over HTTP with bounded concurrency, a timeout per request, and a
cache of good results so a CI run does not hammer the same hosts on every commit."""

from __future__ import annotations

import json
import logging
import os
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

from generator import __version__
from generator.check.links import resolve
from generator.check.locate import Locator
from generator.check.refs import scan
from generator.config import Config
from generator.errors import Problem
from generator.urls import served_path

log = logging.getLogger(__name__)

CACHE_FILE = "external-links.json"
MAX_AGE = 24 * 3600  # a link that worked is trusted for a day; a broken one is asked again
_RETRY_WITH_GET = {403, 405, 501}


def external_urls(pages: Mapping[str, str], config: Config) -> dict[str, list[tuple[str, int]]]:
    """Return every http(s) URL to another site in `pages`, with the pages and lines using it."""
    found: dict[str, list[tuple[str, int]]] = {}
    for path in sorted(pages):
        for ref in scan(pages[path]).refs:
            url = ref.url.strip()
            if urlsplit(url).scheme not in ("http", "https") or resolve(
                url, served_path(path), config
            ):
                continue
            found.setdefault(url.split("#")[0], []).append((path, ref.line))
    return found


def fetch(url: str, timeout: float) -> str | None:
    """Return None when `url` answers with a success, else why it does not."""
    headers = {"User-Agent": f"gazette-linkcheck/{__version__}"}
    for method in ("HEAD", "GET"):
        request = urllib.request.Request(url, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout):
                return None
        except urllib.error.HTTPError as exc:
            if method == "HEAD" and exc.code in _RETRY_WITH_GET:
                continue
            return f"HTTP {exc.code}"
        except urllib.error.URLError as exc:
            return f"unreachable ({exc.reason})"
        except TimeoutError:
            return f"no answer within {timeout:g} s"
        except (OSError, ValueError) as exc:
            return f"unreachable ({exc})"
    return None


def check_urls(
    urls: Iterable[str], cache_file: Path, timeout: float, workers: int
) -> dict[str, str | None]:
    """Return url -> None (fine) or the reason it failed; good answers are cached in
    `cache_file` and reused for MAX_AGE seconds."""
    now = time.time()
    cache = _load(cache_file)
    results: dict[str, str | None] = {}
    todo = []
    for url in sorted(set(urls)):
        checked = cache.get(url)
        if isinstance(checked, int | float) and 0 <= now - checked < MAX_AGE:
            results[url] = None
        else:
            todo.append(url)
    if todo:
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(todo)))) as pool:
            for url, reason in zip(todo, pool.map(lambda u: fetch(u, timeout), todo), strict=True):
                results[url] = reason
    fresh = {u: now for u in todo if results[u] is None}
    kept = {u: t for u, t in cache.items() if isinstance(t, int | float) and now - t < MAX_AGE}
    _save(cache_file, {**kept, **fresh})
    return results


def check_external(
    pages: Mapping[str, str],
    config: Config,
    locator: Locator,
    timeout: float = 10.0,
    workers: int = 8,
) -> list[tuple[str, Problem]]:
    """Return (check, problem) for every external link in `pages` that does not answer."""
    urls = external_urls(pages, config)
    results = check_urls(urls, config.cache_dir / CACHE_FILE, timeout, workers)
    raw = []
    for url, uses in urls.items():
        reason = results[url]
        if reason is None:
            continue
        for path, line in uses:
            where = locator.locate(url, None, path, line)
            raw.append(
                ("external_links", Problem(*where, f"broken external link '{url}': {reason}"))
            )
    return raw


def _load(file: Path) -> dict[str, float]:
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("external link cache not used: %s: %s", file, exc)
        return {}
    return data if isinstance(data, dict) else {}


def _save(file: Path, checked: dict[str, float]) -> None:
    file.parent.mkdir(parents=True, exist_ok=True)
    temp = file.with_name(f".{file.name}.{os.getpid()}.tmp")
    try:
        temp.write_text(json.dumps(dict(sorted(checked.items())), indent=0), encoding="utf-8")
        os.replace(temp, file)
    finally:
        temp.unlink(missing_ok=True)
