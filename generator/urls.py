"""Slugs, permalinks, and the mapping between site paths (`/2024/02/vote/`) and output files."""

from __future__ import annotations

import fnmatch
import functools
import hashlib
import html
import posixpath
import re
import unicodedata
from datetime import datetime
from urllib.parse import quote, urljoin, urlsplit

_LATIN = {
    "ə": "e", "ß": "ss", "æ": "ae", "ø": "o", "đ": "d", "ł": "l", "ı": "i", "þ": "th",
    "ð": "d", "œ": "oe", "ŋ": "n", "ħ": "h", "ŧ": "t", "ĸ": "k",
}  # fmt: skip
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya", "і": "i", "ї": "yi", "є": "ye", "ґ": "g", "ў": "u", "ә": "a", "ғ": "gh",
    "қ": "q", "ң": "ng", "ө": "o", "ұ": "u", "ү": "u", "һ": "h",
}  # fmt: skip
_GREEK = {
    "α": "a", "β": "v", "γ": "g", "δ": "d", "ε": "e", "ζ": "z", "η": "i", "θ": "th",
    "ι": "i", "κ": "k", "λ": "l", "μ": "m", "ν": "n", "ξ": "x", "ο": "o", "π": "p",
    "ρ": "r", "σ": "s", "ς": "s", "τ": "t", "υ": "y", "φ": "f", "χ": "ch", "ψ": "ps",
    "ω": "o",
}  # fmt: skip
_GEORGIAN = {
    "ა": "a", "ბ": "b", "გ": "g", "დ": "d", "ე": "e", "ვ": "v", "ზ": "z", "თ": "t",
    "ი": "i", "კ": "k", "ლ": "l", "მ": "m", "ნ": "n", "ო": "o", "პ": "p", "ჟ": "zh",
    "რ": "r", "ს": "s", "ტ": "t", "უ": "u", "ფ": "p", "ქ": "k", "ღ": "gh", "ყ": "q",
    "შ": "sh", "ჩ": "ch", "ც": "ts", "ძ": "dz", "წ": "ts", "ჭ": "ch", "ხ": "kh",
    "ჯ": "j", "ჰ": "h",
}  # fmt: skip
_TRANSLITERATED = {**_LATIN, **_CYRILLIC, **_GREEK, **_GEORGIAN}
_NOT_ASCII_WORD = re.compile(r"[^a-z0-9]+")
_SEPARATOR = {" ": "-", "_": "-"}
_DASHES = re.compile(r"-{2,}")
_SYMBOLS = re.compile(r"[+&#'’ʼ]")
_APOSTROPHES = re.compile(r"(?<=\w)['’ʼ](?=\w)")
_SHARP = re.compile(r"(?<=[^\W_])#")
_SAFE = "/#?&=%:@!$'()*+,;~"
# A path that quote(path, safe=_SAFE) returns unchanged.
_QUOTED = re.compile(r"[A-Za-z0-9_.~/#?&=%:@!$'()*+,;-]*")


def slugify(text: str, keep_unicode: bool = False) -> str:
    """Return a URL slug for `text`: 'Azərbaycan' -> 'azerbaycan', 'Тбилиси' -> 'tbilisi',
    'C++' -> 'c-plus-plus', 'C#' -> 'c-sharp', "Jekyll's" -> 'jekylls'.

    Letters of scripts with a transliteration (Latin with accents, Cyrillic, Greek, Georgian)
    become ASCII, unless `keep_unicode`; letters of other scripts are kept as they are, in a
    title that mixes scripts as in one that does not ('Python入门指南' -> 'python入门指南').
    The result is never empty.
    """
    words = _symbols_as_words(unicodedata.normalize("NFC", text))
    # Lower-casing a dotted capital İ gives 'i' and a combining dot, which is not a letter.
    lowered = words.replace("İ", "i").lower()
    if lowered.isascii():
        slug = _NOT_ASCII_WORD.sub("-", lowered).strip("-")
    else:
        slug = "".join(_SEPARATOR.get(c) or c for c in _letters(lowered, keep_unicode))
        slug = _DASHES.sub("-", slug).strip("-")
    if not slug:
        slug = "n-" + hashlib.sha1(text.encode()).hexdigest()[:8]
    return _capped(slug)


def _symbols_as_words(text: str) -> str:
    """Return `text` with the symbols that tell names apart spelt out ('C++' and 'C#' are
    languages, 'R&D' is not 'RD') and apostrophes dropped ("Jekyll's" is one word)."""
    if not _SYMBOLS.search(text):
        return text
    text = _APOSTROPHES.sub("", text)
    text = _SHARP.sub(" sharp ", text).replace("#", " ")
    return text.replace("+", " plus ").replace("&", " and ")


def _letters(lowered: str, keep_unicode: bool) -> str:
    """Return `lowered` with transliterable letters in ASCII (unless `keep_unicode`), other
    letters, digits and their combining marks as they are, and anything else as a space."""
    out = []
    for char in lowered:
        if char.isascii():
            out.append(char if char.isalnum() else " ")
            continue
        category = unicodedata.category(char)[0]
        if category not in "LMN":
            out.append(" ")
        elif keep_unicode:
            out.append(unicodedata.normalize("NFKC", char))  # 'ﬁ' is 'fi' in any script
        elif char in _TRANSLITERATED:
            out.append(_TRANSLITERATED[char])
        else:  # an accented letter: its base letter ('ή' -> 'η' -> 'i', 'ü' -> 'u')
            base = "".join(
                c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
            )
            base = "".join(_TRANSLITERATED.get(c, c) for c in base)
            out.append(base if base.isascii() and base.isalnum() else char)
    return "".join(out)


# Slugs are file names: 255 bytes is the limit of most file systems, and the writer stages a
# file under a longer name than its own.
SLUG_BYTES = 200


def _capped(slug: str) -> str:
    """Return `slug` cut to SLUG_BYTES of UTF-8 with a hash of the whole after it, if longer;
    never inside a character, and the same cut for the same slug."""
    data = slug.encode("utf-8")
    if len(data) <= SLUG_BYTES:
        return slug
    suffix = "-" + hashlib.sha1(data).hexdigest()[:10]
    kept = data[: SLUG_BYTES - len(suffix)].decode("utf-8", "ignore").rstrip("-")
    return kept + suffix


def permalink(pattern: str, slug: str, date: datetime, section: str | None) -> str:
    """Return the site path of an article from the configured `pattern`."""
    return pattern.format(
        year=f"{date.year:04d}",
        month=f"{date.month:02d}",
        day=f"{date.day:02d}",
        slug=slug,
        section=section or "news",
    )


def output_path(site_path: str) -> str:
    """Return the output file (relative, posix) that serves `site_path`.

    Raises ValueError for a path that would leave the output folder.
    """
    if not site_path.startswith("/"):
        raise ValueError(f"a site path must start with '/': {site_path!r}")
    rel = site_path.lstrip("/")
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    parts = rel.split("/")
    if any(p in ("", ".", "..") or "\\" in p or "\0" in p for p in parts):
        raise ValueError(f"unsafe site path {site_path!r}")
    return rel


def link(base_path: str, site_path: str) -> str:
    """Return the href for `site_path` on a site served under `base_path` ('' or '/sub').

    Full URLs, protocol-relative URLs, fragments and relative links are returned unchanged.
    """
    if not site_path.startswith("/") or site_path.startswith("//"):
        return site_path
    if _QUOTED.fullmatch(site_path):  # most links of a page, so skip quote()'s layers
        return base_path + site_path
    return base_path + quote(site_path, safe=_SAFE)


def absolute(base_url: str, site_path: str) -> str:
    """Return the absolute URL of `site_path`, keeping full URLs as they are.

    A protocol-relative URL (//cdn.example/x.png) takes the scheme of `base_url`.
    """
    # A site path ('/2024/vote/') has no scheme; only other values need parsing. This runs
    # for every page of the sitemap and every link a template makes absolute.
    plain = site_path.startswith("/") and not site_path.startswith("//")
    if not plain and urlsplit(site_path).scheme:
        return site_path
    scheme, netloc, base_path = _split_base(base_url)
    if site_path.startswith("//"):
        return f"{scheme}:{site_path}"
    return f"{scheme}://{netloc}{link(base_path, site_path)}"


def absolute_all(base_url: str, site_paths: list[str]) -> list[str]:
    """Return absolute(base_url, p) for every p of `site_paths` (thousands, for the sitemap)."""
    scheme, netloc, base_path = _split_base(base_url)
    origin = f"{scheme}://{netloc}{base_path}"
    quoted = _QUOTED.fullmatch
    # A site path that link() keeps as it is needs only the origin before it.
    return [
        origin + p if p[:1] == "/" and p[1:2] != "/" and quoted(p) else absolute(base_url, p)
        for p in site_paths
    ]


@functools.lru_cache(maxsize=16)
def _split_base(base_url: str) -> tuple[str, str, str]:
    """Return the scheme, host and path (without a final '/') of `base_url`."""
    parts = urlsplit(base_url)
    return parts.scheme, parts.netloc, parts.path.rstrip("/")


# URLs that run script: what browsers ignore inside a scheme, and the schemes.
_BLANKS = re.compile(r"[\x00-\x20\x7f-\x9f]+")


_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):", re.IGNORECASE)


_SAFE_DATA_IMAGE = re.compile(r"^data:image/(png|gif|jpeg|webp|avif);", re.IGNORECASE)


_UNSAFE_SCHEMES = frozenset({"javascript", "vbscript", "data", "livescript", "mocha"})


def is_unsafe_url(value: str, image: bool = False) -> bool:
    """Return True for a URL that would run script when followed or loaded.

    Browsers decode entities and drop tabs and newlines inside a scheme (`java&#10;script:`),
    so the check does the same before reading the scheme. Inline raster images
    (`data:image/png;...`) are allowed in image sources.
    """
    plain = _BLANKS.sub("", html.unescape(value))
    match = _SCHEME.match(plain)
    if match is None or match.group(1).lower() not in _UNSAFE_SCHEMES:
        return False
    return not (image and _SAFE_DATA_IMAGE.match(plain))


def alias_path(value: str, folder: str = "") -> str:
    """Return the site path an alias names: '/2019/old-slug' -> '/2019/old-slug/'.

    A relative alias (Hugo's `old-name`) is taken from `folder`, the content folder of its
    source ('post' gives '/post/old-name/'). Raises ValueError for anything but a safe
    site path, and for the front page.
    """
    path = given_path(value, "an alias", folder)
    if path == "/":
        raise ValueError("an alias cannot be the front page '/'")
    return path


def given_path(value: str, what: str, folder: str = "") -> str:
    """Return the site path a front-matter URL names (Hugo's `url`, an alias), with or
    without its leading '/', relative ones taken from `folder`. A last segment without a
    file extension is a folder, so the page is its index.html, which a static host serves
    for both spellings. Raises ValueError for anything but a safe site path."""
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or value.startswith("//"):
        raise ValueError(f"{what} must be a path on this site, not {value!r}")
    if parts.query or parts.fragment:
        raise ValueError(f"{what} cannot have a query or a fragment: {value!r}")
    path = value if value.startswith("/") else "/" + posixpath.join(folder, value)
    if ".." in path.split("/"):
        raise ValueError(f"unsafe site path {value!r}")
    if not path.endswith("/") and "." not in posixpath.basename(path):
        path += "/"
    output_path(path)  # raises ValueError for '.', '//' and other unsafe paths
    return path


# Editor and operating-system leftovers that are never content.
JUNK = (".DS_Store", "._*", "*.swp", "*.swo", "*~", ".#*", "#*#", "Thumbs.db", "desktop.ini")


# One pattern for all of JUNK: each name of content/ is checked, on every build.
_JUNK = re.compile("|".join(fnmatch.translate(pattern) for pattern in JUNK))


def is_junk(name: str) -> bool:
    """Return True for editor swap files, OS metadata and hidden files."""
    return name.startswith(".") or _JUNK.match(name) is not None


# Pelican's placeholders for links to other content files, and a link to a Markdown file.
PLACEHOLDERS = (
    "{filename}",
    "{static}",
    "{attach}",
    "|filename|",
    "|static|",
    "|attach|",
    # Written by markup/foreign.py for Jekyll's {% post_url %} and Hugo's ref and relref.
    "{post_url}",
    "{ref}",
)


MARKDOWN_LINK = re.compile(r"^[^:/?#][^:?#]*\.(?:md|markdown)(?:[?#].*)?$", re.IGNORECASE)


def served_path(output_path: str) -> str:
    """Return the site path served by an output file: 'a/index.html' -> '/a/'."""
    if output_path == "index.html" or output_path.endswith("/index.html"):
        return "/" + output_path[: -len("index.html")]
    return "/" + output_path


# Where feeds are published: the site's at the root, a listing's beside its first page.
FEED_PATH = "/feed.xml"


RSS_PATH = "/rss.xml"


FEED_NAME = "feed.xml"


def feed_path(listing_url: str) -> str:
    """Return the site path of the Atom feed of the listing at `listing_url` (/tags/iran/)."""
    return FEED_PATH if listing_url == "/" else listing_url + FEED_NAME


def relative_target(value: str, here: str) -> str | None:
    """Return where the relative URL `value` leads from the page at `here`; None for a
    root-relative or absolute URL, or one a browser would not follow either."""
    if value.startswith("/"):
        return None
    try:
        return None if urlsplit(value).scheme else urljoin(here, value)
    except ValueError:
        return None
