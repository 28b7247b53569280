"""Markdown to HTML: one configured Python-Markdown instance, reset between documents."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import markdown
from markupsafe import Markup
from pygments.formatters.html import HtmlFormatter

from generator.markup.foreign import ForeignSyntaxExtension
from generator.markup.sanitize import SafetyExtension
from generator.markup.sitepaths import SitePathsExtension
from generator.markup.speedups import applicable as speedups_tested
from generator.markup.speedups import install as install_speedups
from generator.markup.typography import TypographyExtension, smarten
from generator.urls import slugify

MORE = re.compile(r"<!--\s*more\s*-->", re.IGNORECASE)
# Pelican's summary plugin marks the summary between these two comments.
_PELICAN_BEGIN = re.compile(r"<!--\s*PELICAN_BEGIN_SUMMARY\s*-->")
_PELICAN_END = re.compile(r"<!--\s*PELICAN_END_SUMMARY\s*-->")
# A Hugo shortcode written without spaces ({{<figure src="x">}}) passes through Markdown as a
# raw HTML tag; escaping it keeps it the text it is everywhere else.
_SHORTCODE = re.compile(r"\{\{<(.*?)>\}\}", re.DOTALL)
# Code is written as typed: `{{<` there is C++ or Go (`{{1, 2}, {3, 4}}`), never a shortcode.
_CODE = re.compile(r"(<pre\b.*?</pre>|<code\b.*?</code>)", re.DOTALL)
_FOOTNOTE_REF = re.compile(r'<sup id="fnref[^"]*"><a class="footnote-ref"[^>]*>[^<]*</a></sup>')
_FIRST_PARAGRAPH = re.compile(r"<p\b[^>]*>.*?</p>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
# Tags inside a line of text: removing them must not part a word from its punctuation.
_INLINE_TAG = re.compile(
    r"</?(?:a|abbr|b|bdi|cite|code|del|dfn|em|i|ins|kbd|mark|q|s|samp|small|span|strong|sub|sup"
    r"|time|u|var)\b[^>]*>",
    re.IGNORECASE,
)
_SPACE = re.compile(r"\s+")
# Text in which Markdown finds nothing to do: it starts with a letter (not a list, heading or
# quote) and has no character that could open inline markup, an entity or a line break.
_PLAIN = re.compile(r"[^\W\d_][^\W_]*(?:[ ,.;:?!'\"()%/-][^\W_]*)*")
_TOC_MARKER = "[TOC]"


@dataclass(frozen=True)
class Rendered:
    html: str
    toc: str
    # (line, tag) of each Liquid tag or shortcode left as typed, lines counted from 1.
    foreign: tuple[tuple[int, str], ...] = ()
    # The values of the attributes where a content link may be written, in order.
    links: tuple[str, ...] = ()


def _heading_id(value: str, separator: str) -> str:
    # Anchors keep non-ASCII letters readable (#azərbaycan-seçkiləri) rather than dropping them.
    return slugify(value, keep_unicode=True)


class _CodeFormatter(HtmlFormatter):
    """Pygments' HTML formatter, made for each code block, with the table of its style's
    classes built once per converter rather than once per block."""

    stylesheets: dict[tuple, tuple[dict, dict]]

    def _create_stylesheet(self) -> None:
        key = (self.style, self.classprefix)
        if key not in self.stylesheets:
            super()._create_stylesheet()
            self.stylesheets[key] = (self.ttype2class, self.class2style)
        self.ttype2class, self.class2style = self.stylesheets[key]


class Converter:
    """Converts Markdown bodies with the site's extensions; one per process, never shared.

    `speedups` puts the faster stand-ins for Python-Markdown's internals in place; by default
    they are used on the releases they were tested on, and the differential tests build a
    converter without them to compare with.
    """

    def __init__(self, smart_typography: bool, raw_html: bool = True, speedups: bool | None = None):
        self._smart = smart_typography
        self.speedups = speedups_tested() if speedups is None else speedups
        self._md = self._markdown(raw_html)
        self._toc = self._md.treeprocessors["toc"]
        self._foreign = self._md.preprocessors["gazette-foreign"]
        self._site_paths = self._md.treeprocessors["gazette-site-paths"]
        # Front-matter text (a summary) is shown on every listing and in feeds, where no one
        # reviews it as a body: its raw HTML is always text. Made when first needed.
        self._front: markdown.Markdown | None = None

    def _markdown(self, raw_html: bool) -> markdown.Markdown:
        """Return a Python-Markdown instance with the site's extensions."""
        formatter = type("CodeFormatter", (_CodeFormatter,), {"stylesheets": {}})
        extensions: list = [
            "extra",
            "sane_lists",
            "codehilite",
            "toc",
            SafetyExtension(raw_html),
            ForeignSyntaxExtension(),
            SitePathsExtension(),
        ]
        if self._smart:
            extensions.append(TypographyExtension())
        md = markdown.Markdown(
            extensions=extensions,
            extension_configs={
                "codehilite": {
                    "css_class": "highlight",
                    "guess_lang": False,
                    "pygments_formatter": formatter,
                },
                "toc": {"slugify": _heading_id, "toc_depth": "2-4"},
                "footnotes": {"UNIQUE_IDS": False},
            },
            output_format="html",
        )
        if self.speedups:
            install_speedups(md)
        return md

    def _reset(self, text: str, base_path: str) -> markdown.Markdown:
        # The table of contents looks for its marker in every element of every document;
        # a document without the marker anywhere in its text cannot have it in its tree.
        self._toc.marker = _TOC_MARKER if _TOC_MARKER in text else ""
        self._site_paths.base_path = base_path
        return self._md.reset()

    def convert(self, text: str, base_path: str = "") -> Rendered:
        """Return the HTML of `text` and its table of contents (empty without headings),
        with root-relative links under `base_path` (the site's sub-path, '' at a root)."""
        md = self._reset(text, base_path)
        body = md.convert(text)
        if "{{<" in body:
            body = _escape_shortcodes(body)
        toc = md.toc if getattr(md, "toc_tokens", None) else ""
        return Rendered(body, toc, tuple(self._foreign.left), tuple(self._site_paths.links))

    def inline(self, text: str, base_path: str = "") -> Markup:
        """Return front-matter `text` (a summary) as HTML without the surrounding paragraph,
        its links under `base_path`; raw HTML in it is shown as text whatever `raw_html`
        says of bodies."""
        if _PLAIN.fullmatch(text):  # most summaries: a sentence Markdown would only wrap in <p>
            return Markup(smarten(text, " ") if self._smart else text)
        if self._front is None:
            self._front = self._markdown(raw_html=False)
            self._front.treeprocessors["toc"].marker = ""
        self._front.treeprocessors["gazette-site-paths"].base_path = base_path
        body = self._front.reset().convert(text).strip()
        if body.startswith("<p>") and body.endswith("</p>") and body.count("<p>") == 1:
            body = body[3:-4]
        return Markup(body)


def _escape_shortcodes(body: str) -> str:
    """Return `body` with `{{<...>}}` outside code escaped as the text it is."""
    pieces = _CODE.split(body)
    for i in range(0, len(pieces), 2):  # the odd pieces are code
        if "{{<" in pieces[i]:
            pieces[i] = _SHORTCODE.sub(lambda m: "{{&lt;" + m.group(1) + "&gt;}}", pieces[i])
    return "".join(pieces)


def summary_of(body_html: str) -> Markup:
    """Return the HTML before a `<!--more-->` marker or between Pelican's summary markers,
    else the first paragraph; footnote references are left out, as their notes are not."""
    marker = MORE.search(body_html) or _PELICAN_END.search(body_html)
    if marker:
        begin = _PELICAN_BEGIN.search(body_html, 0, marker.start())
        head = body_html[begin.end() if begin else 0 : marker.start()].strip()
        if head.count("<p>") + head.count("<p ") > head.count("</p>"):  # a marker mid-paragraph
            head += "</p>"
    else:
        first = _FIRST_PARAGRAPH.search(body_html)
        head = first.group(0) if first else ""
    return Markup(_FOOTNOTE_REF.sub("", head) if "footnote-ref" in head else head)


def plain_text(fragment: str) -> str:
    """Return the text of an HTML fragment, tags removed and white space collapsed."""
    text = _TAG.sub(" ", _INLINE_TAG.sub("", fragment))
    return _SPACE.sub(" ", html.unescape(text)).strip()


def word_count(body_html: str) -> int:
    """Return the number of words a reader sees in `body_html`."""
    # plain_text without collapsing white space, which split() does not need.
    return len(html.unescape(_TAG.sub(" ", _INLINE_TAG.sub("", body_html))).split())
