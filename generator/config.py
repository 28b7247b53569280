"""The site's settings: one frozen Config, loaded from site.yaml and validated in one pass."""

from __future__ import annotations

import hashlib
import json
import re
import warnings
from collections.abc import Callable, Collection, Iterable
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from generator.errors import BuildFailed, Problem, SourceError, display_path
from generator.urls import is_unsafe_url, output_path, permalink
from generator.yamldata import load_mapping

PERMALINK_FIELDS = frozenset({"year", "month", "day", "slug", "section"})
CHECK_LEVELS = ("error", "warning", "off")
# Every check a build runs over the finished site, with its level unless site.yaml says otherwise.
DEFAULT_CHECKS: dict[str, str] = {
    "broken_links": "warning",
    "missing_images": "warning",
    "missing_files": "warning",
    "broken_anchors": "warning",
    "missing_alt": "warning",
    "updated_before_date": "warning",
    "long_summary": "off",
    "social_cards": "warning",
    "single_use_tags": "off",
    "external_links": "warning",  # only run by `build.py check --external`
    # A folder or file of content/ that cannot be read: its stories would vanish unnoticed.
    "unreadable_sources": "error",
}
# What a site may leave out with `disable` (as Hugo's disableKinds): each listing with its
# index page and feeds, the Atom feed beside every listing, and the RSS feed.
OPTIONAL_KINDS = ("tags", "sections", "authors", "archives", "listing_feeds", "rss")
# Where things are, set from the command line: a build elsewhere, never a setting of the site.
PATH_SETTINGS = frozenset({"root", "content_dir", "output_dir", "cache_dir", "config_path"})
# The settings only the checks over the finished site read: no stage before them does.
CHECK_SETTINGS = frozenset({"checks", "summary_length"})
# The settings parsing a document reads (generator/source/ and markup/): its memo is keyed on
# these and the path of base_url (links carry it from parsing on) alone, so a preview (whose
# base_url is its own address) shares what a build of a site at a domain's root parsed.
# The settings-mutation test fails if parsing reads one more without it being listed here.
PARSE_SETTINGS = frozenset(
    {
        "smart_typography", "raw_html", "timezone", "permalink", "unicode_slugs",
        "default_author", "max_tags", "max_nesting", "max_parse_seconds", "max_document_mb",
    }
)  # fmt: skip
# The only metadata a published image may keep (generator/images/privacy.py says where each
# is read from and how it is written).
IMAGE_FIELDS = ("copyright", "credit")
# Formats variants may be made in, with the name Pillow's features.check() knows each by.
IMAGE_FORMATS = {"webp": "webp", "jpeg": "jpg", "png": "zlib", "avif": "avif"}


@dataclass(frozen=True)
class Link:
    title: str
    url: str


@dataclass(frozen=True)
class AuthorInfo:
    """What site.yaml says about an author; every field is optional."""

    bio: str = ""
    photo: str | None = None
    links: tuple[Link, ...] = ()


@dataclass(frozen=True)
class Config:
    """Every setting of one build. Paths are absolute; everything else comes from site.yaml."""

    title: str
    base_url: str = "http://127.0.0.1:8000/"
    description: str = ""
    language: str = "en"
    timezone: str = "UTC"
    per_page: int = 10
    permalink: str = "/{year}/{month}/{slug}/"
    theme: str = "default"
    smart_typography: bool = True
    unicode_slugs: bool = False
    default_author: str | None = None
    menu: tuple[Link, ...] = ()
    authors: tuple[tuple[str, AuthorInfo], ...] = ()
    feed_entries: int = 20
    feed_content: str = "full"  # or "summary": what a feed entry carries
    disable: tuple[str, ...] = ()  # of OPTIONAL_KINDS, sorted
    publisher: str | None = None  # the organisation in news metadata (default: the title)
    publisher_logo: str | None = None  # a site path or http(s) URL of the publisher's logo
    # Checks judge the output without changing it: only the check stage reads them.
    checks: tuple[tuple[str, str], ...] = ()
    summary_length: int = 300
    raw_html: bool = True  # false: escape HTML written in Markdown (untrusted contributors)
    max_document_mb: int = 5  # larger Markdown files are refused
    max_parse_seconds: int = 10  # a document that takes longer to convert is refused
    max_tags: int = 100  # an article with more tags is refused
    max_nesting: int = 100  # levels of lists, quotes and HTML a document may nest
    max_page_mb: int = 20  # a larger rendered page fails the build
    keep_going: bool = False  # as --keep-going: leave out documents that cannot be built
    image_keep: tuple[str, ...] = ()  # of IMAGE_FIELDS, sorted: what published images keep
    search: bool = False  # a Pagefind full-text index of the stories and a /search/ page
    image_widths: tuple[int, ...] = (480, 800, 1200, 1600)  # sorted: widths of the variants
    image_formats: tuple[str, ...] = ("webp",)  # of IMAGE_FORMATS: besides the original's
    image_quality: int = 80  # of lossy variants (JPEG, WebP, AVIF), 1 to 100
    # Where things are; set from the command line, not from site.yaml.
    root: Path = field(default=Path("."), compare=False)
    content_dir: Path = field(default=Path("content"), compare=False)
    output_dir: Path = field(default=Path("output"), compare=False)
    cache_dir: Path = field(default=Path(".cache"), compare=False)
    config_path: Path | None = field(default=None, compare=False)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def base_path(self) -> str:
        """The path part of base_url without its trailing slash: '' or '/newsroom'."""
        return urlsplit(self.base_url).path.rstrip("/")

    def check_level(self, check: str) -> str:
        """Return 'error', 'warning' or 'off' for `check`, as site.yaml sets it or by default."""
        return dict(self.checks).get(check, DEFAULT_CHECKS[check])

    def builds(self, kind: str) -> bool:
        """Return whether the site has `kind` (one of OPTIONAL_KINDS) of page or feed;
        raise ValueError for another name (a theme's typo must not keep a link)."""
        if kind not in OPTIONAL_KINDS:
            raise ValueError(f"unknown kind {kind!r}; use {', '.join(OPTIONAL_KINDS)}")
        return kind not in self.disable

    def author_info(self, name: str) -> AuthorInfo:
        return dict(self.authors).get(name, AuthorInfo())

    def fingerprint(
        self, leave_out: Collection[str] = (), only: Collection[str] | None = None
    ) -> str:
        """Return a hash of every setting but the paths (PATH_SETTINGS) and `leave_out`, or
        of the settings in `only`: a stage's memo is keyed on the settings it reads (e.g.
        PARSE_SETTINGS), or every one but those it is known not to read (CHECK_SETTINGS for
        rendering)."""
        settings = {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name not in PATH_SETTINGS
            and f.name not in leave_out
            and (only is None or f.name in only)
        }
        text = json.dumps(settings, sort_keys=True, default=_jsonable)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _jsonable(value: Any) -> Any:
    return asdict(value) if hasattr(value, "__dataclass_fields__") else str(value)


# Each checker turns the YAML value into the setting or raises ValueError with the reason.


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("expected text")
    return value


def _nonempty_text(value: Any) -> str:
    if not _text(value).strip():
        raise ValueError("must not be empty")
    return value


def _optional_text(value: Any) -> str | None:
    return None if value is None else _text(value)


def _bool(value: Any) -> bool:
    words = {"true": True, "yes": True, "on": True, "false": False, "no": False, "off": False}
    if isinstance(value, str) and value.lower() in words:
        return words[value.lower()]
    raise ValueError(f"expected true or false, got {value!r}")


def _positive_int(value: Any) -> int:
    if isinstance(value, str) and value.isdigit() and int(value) > 0:
        return int(value)
    raise ValueError(f"expected a whole number of at least 1, got {value!r}")


def _base_url(value: Any) -> str:
    parts = urlsplit(_text(value))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(
            f"expected an absolute http(s) URL such as https://example.org/, got {value!r}"
        )
    if parts.query or parts.fragment:
        raise ValueError("base_url cannot have a query or a fragment")
    return value if value.endswith("/") else value + "/"


def _timezone(value: Any) -> str:
    try:
        ZoneInfo(_text(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown timezone {value!r} (use an IANA name such as Europe/Berlin)"
        ) from None
    return value


def _permalink(value: Any) -> str:
    pattern = _text(value)
    names = set(re.findall(r"{(\w*)}", pattern))
    unknown = names - PERMALINK_FIELDS
    if unknown:
        choices = ", ".join(sorted(PERMALINK_FIELDS))
        raise ValueError(f"unknown placeholder {{{sorted(unknown)[0]}}}; use {choices}")
    if "slug" not in names:
        raise ValueError("the pattern must contain {slug}")
    if not pattern.startswith("/") or not (pattern.endswith("/") or pattern.endswith(".html")):
        raise ValueError("the pattern must start with / and end with / or .html")
    literal = re.sub(r"{\w*}", "", pattern)
    odd = sorted(set(re.sub(r"[A-Za-z0-9._~/-]", "", literal)))
    if odd:
        raise ValueError(
            f"the pattern cannot contain {''.join(odd)!r}: only letters, digits, "
            "'-', '_', '.', '~' and '/' besides the placeholders"
        )
    try:  # the same check every page's path passes: no '..', '.' or empty parts
        output_path(permalink(pattern, "slug", datetime(2024, 1, 1), "news"))
    except ValueError:
        raise ValueError("the pattern cannot contain '..', '.' or '//' as a part") from None
    return pattern


def _feed_content(value: Any) -> str:
    if value not in ("full", "summary"):
        raise ValueError(f"expected full or summary, got {value!r}")
    return value


def _kinds(value: Any) -> tuple[str, ...]:
    if value is None:  # `disable:` with nothing after it
        return ()
    if not isinstance(value, list) or not all(isinstance(kind, str) for kind in value):
        raise ValueError(f"expected a list of {', '.join(OPTIONAL_KINDS)}")
    for kind in value:
        if kind not in OPTIONAL_KINDS:
            hint = _suggest(kind, OPTIONAL_KINDS, f"use {', '.join(OPTIONAL_KINDS)}")
            raise ValueError(f"unknown kind {kind!r} ({hint})")
    return tuple(sorted(set(value)))


def _image_fields(value: Any) -> tuple[str, ...]:
    if value is None:  # `image_keep:` with nothing after it
        return ()
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise ValueError(f"expected a list of {', '.join(IMAGE_FIELDS)}")
    for name in value:
        if name not in IMAGE_FIELDS:
            hint = _suggest(name, IMAGE_FIELDS, f"use {', '.join(IMAGE_FIELDS)}")
            raise ValueError(f"unknown field {name!r} ({hint})")
    return tuple(sorted(set(value)))


def _image_widths(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list) or not value:
        raise ValueError("expected a list of widths in pixels, such as [480, 800, 1200]")
    widths = [_positive_int(width) for width in value]
    if max(widths) > 10_000:
        raise ValueError(f"a width may be at most 10000 pixels, got {max(widths)}")
    return tuple(sorted(set(widths)))


def _image_formats(value: Any) -> tuple[str, ...]:
    if value is None:  # `image_formats:` with nothing after it: the original format only
        return ()
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise ValueError(f"expected a list of {', '.join(IMAGE_FORMATS)}")
    for name in value:
        if name.lower() not in IMAGE_FORMATS:
            hint = _suggest(name, IMAGE_FORMATS, f"use {', '.join(IMAGE_FORMATS)}")
            raise ValueError(f"unknown format {name!r} ({hint})")
        if not _encodable(name.lower()):
            import PIL  # only for settings that name image formats: not at every start

            raise ValueError(
                f"the installed Pillow ({PIL.__version__}) cannot write {name}: install a "
                "Pillow built with it, or leave it out"
            )
    return tuple(sorted({name.lower() for name in value}))


def _encodable(name: str) -> bool:
    """Return whether the installed Pillow can write images in format `name`."""
    from PIL import features  # only for settings that name image formats

    with warnings.catch_warnings():  # an older Pillow warns of a feature it does not know
        warnings.simplefilter("ignore")
        return bool(features.check(IMAGE_FORMATS[name]))


def _quality(value: Any) -> int:
    quality = _positive_int(value)
    if quality > 100:
        raise ValueError(f"expected a whole number from 1 to 100, got {value!r}")
    return quality


def _site_path_or_url(value: Any) -> str:
    text = _text(value).strip()
    parts = urlsplit(text)
    if parts.scheme in ("http", "https") and parts.netloc:
        return text
    if not text.startswith("/") or text.startswith("//") or parts.scheme:
        raise ValueError(
            f"expected a site path such as /images/logo.png or an http(s) URL, got {value!r}"
        )
    if ".." in parts.path.split("/"):
        raise ValueError("a site path cannot contain '..'")
    return text


def _links(value: Any) -> tuple[Link, ...]:
    if not isinstance(value, list):
        raise ValueError("expected a list of items with title and url")
    items = []
    for item in value:
        if not isinstance(item, dict) or set(item) != {"title", "url"}:
            raise ValueError("each item needs exactly `title` and `url`")
        url = _text(item["url"])
        if is_unsafe_url(url):
            raise ValueError(f"not a safe URL: {url!r}")
        items.append(Link(_text(item["title"]), url))
    return tuple(items)


def _authors(value: Any) -> tuple[tuple[str, AuthorInfo], ...]:
    if not isinstance(value, dict):
        raise ValueError("expected a mapping of author names to their bio, photo and links")
    known = {"bio", "photo", "links"}
    authors = []
    for name, info in value.items():
        info = info or {}
        if not isinstance(info, dict):
            raise ValueError(f"author {name!r}: expected bio, photo and links")
        extra = set(info) - known
        if extra:
            key = sorted(extra)[0]
            raise ValueError(f"author {name!r}: unknown key {key!r} ({_suggest(key, known)})")
        authors.append(
            (
                name,
                AuthorInfo(
                    bio=_text(info.get("bio") or ""),
                    photo=_optional_text(info.get("photo")),
                    links=_links(info.get("links") or []),
                ),
            )
        )
    return tuple(authors)


def _check_levels(value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict):
        raise ValueError("expected a mapping of check names to error, warning or off")
    levels = []
    for name, level in value.items():
        if name not in DEFAULT_CHECKS:
            raise ValueError(f"unknown check {name!r} ({_suggest(name, DEFAULT_CHECKS)})")
        if level not in CHECK_LEVELS:
            raise ValueError(f"{name}: expected error, warning or off, got {level!r}")
        levels.append((name, level))
    return tuple(sorted(levels))


CHECKS: dict[str, Callable[[Any], Any]] = {
    "title": _nonempty_text,
    "base_url": _base_url,
    "description": _text,
    "language": _nonempty_text,
    "timezone": _timezone,
    "per_page": _positive_int,
    "permalink": _permalink,
    "theme": _nonempty_text,
    "smart_typography": _bool,
    "unicode_slugs": _bool,
    "default_author": _optional_text,
    "menu": _links,
    "authors": _authors,
    "feed_entries": _positive_int,
    "feed_content": _feed_content,
    "disable": _kinds,
    "publisher": _nonempty_text,
    "publisher_logo": _site_path_or_url,
    "checks": _check_levels,
    "summary_length": _positive_int,
    "raw_html": _bool,
    "max_document_mb": _positive_int,
    "max_parse_seconds": _positive_int,
    "max_tags": _positive_int,
    "max_nesting": _positive_int,
    "max_page_mb": _positive_int,
    "keep_going": _bool,
    "image_keep": _image_fields,
    "search": _bool,
    "image_widths": _image_widths,
    "image_formats": _image_formats,
    "image_quality": _quality,
}


def _suggest(
    key: str, choices: Iterable[str], otherwise: str = "see the README for the settings"
) -> str:
    import difflib  # here: only a mistyped key needs it

    close = difflib.get_close_matches(key, list(choices), n=1)
    return f"did you mean {close[0]!r}?" if close else otherwise


def load_config(path: Path | None, **overrides: Any) -> Config:
    """Return the validated settings of `path` (site.yaml), with command-line `overrides` applied.

    Raises BuildFailed listing every problem in the file at once.
    """
    root = (path.parent if path else Path.cwd()).resolve()
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    shown = display_path(path) if path else "site.yaml"
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise BuildFailed([Problem(shown, None, "settings file not found")]) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise BuildFailed([Problem(shown, None, f"cannot read settings: {exc}")]) from None
        try:
            doc = load_mapping(text, path)
        except SourceError as exc:
            raise BuildFailed([exc.problem]) from None
        for key, raw in doc.data.items():
            line = doc.lines[key]
            check = CHECKS.get(key)
            if check is None:
                problems.append(
                    Problem(shown, line, f"unknown setting {key!r}", _suggest(key, CHECKS))
                )
                continue
            try:
                values[key] = check(raw)
            except ValueError as exc:
                problems.append(Problem(shown, line, f"{key}: {exc}"))
    if "title" not in values and not any(p.message.startswith("title:") for p in problems):
        problems.append(Problem(shown, None, "the setting 'title' is required"))
    if problems:
        raise BuildFailed(problems)
    config = Config(root=root, config_path=path, **values)
    config = replace(
        config, content_dir=root / "content", output_dir=root / "output", cache_dir=root / ".cache"
    )
    return apply_overrides(config, **overrides)


def apply_overrides(config: Config, **overrides: Any) -> Config:
    """Return `config` with command-line settings applied; None means 'not given'."""
    given = {k: v for k, v in overrides.items() if v is not None}
    if "base_url" in given:
        try:
            given["base_url"] = _base_url(given["base_url"])
        except ValueError as exc:
            raise BuildFailed([Problem("--base-url", None, str(exc))]) from None
    for key in ("content_dir", "output_dir", "cache_dir"):
        if key in given:
            given[key] = _folder(Path(given[key]).expanduser())
    return replace(config, **given)


def _folder(path: Path) -> Path:
    """Return `path` absolute with its parents resolved and its own name kept: a link given
    as the output folder stays a link, for check_output_dir to refuse as it does output/."""
    if path.name in ("", ".", ".."):
        return path.resolve()
    return path.absolute().parent.resolve() / path.name
