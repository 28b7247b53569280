"""Liquid tags and Hugo shortcodes, before Markdown reads the lines.

Understood: highlight blocks (fenced code), `{% raw %}`, links that name a content file
(`{% link %}`, `{% post_url %}`, `{{< ref >}}`, `{{< relref >}}`, turned into placeholders
the links stage resolves), `{{ site.url }}` / `{{ site.baseurl }}` opening a link, and the
figure, youtube and vimeo shortcodes. Every other tag is stashed as the text it was typed
as, so that attr_list never reads it as attributes nor emphasis as markup. Code (fenced,
indented, spans) is never touched.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from xml.etree import ElementTree as etree

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

from generator.urls import is_unsafe_url

# The placeholders the links stage resolves (generator/urls.py PLACEHOLDERS).
FILENAME, POST_URL, REF = "{filename}", "{post_url}", "{ref}"

# An opening fence as upstream's fenced_code reads one: at the start of the line.
_FENCE = re.compile(r"^(`{3,}|~{3,})[ ]*(?:\{[^\n]*\}|\.?[\w#.+-]*[ ]*(?:hl_lines=.*)?)[ ]*$")
_BLANK = re.compile(r"^[ ]*$")
_LIST_ITEM = re.compile(r"^[ ]{0,3}(?:[*+-]|\d+\.)[ ]+\S")
_BACKTICKS = re.compile(r"`+")
_LANGUAGE = r"""["']?(?P<lang>[\w#.+-]+)["']?"""
# A highlight block opening a line: Liquid `{% highlight ruby linenos %}` and Hugo
# `{{< highlight go "linenos=table" >}}` (or `{{% %}}`); what follows it is code.
_HIGHLIGHT = re.compile(
    r"^[ ]{0,3}(?:\{%-?[ ]*highlight[ ]+" + _LANGUAGE + r"[^%\n]*?-?%\}"
    r"|\{\{(?P<mark>[<%])[ ]*highlight[ ]+" + _LANGUAGE.replace("lang", "hlang") + r".*?[>%]\}\})"
)
_END_LIQUID = re.compile(r"\{%-?[ ]*endhighlight[ ]*-?%\}")
_END_HUGO = re.compile(r"\{\{[<%][ ]*/highlight[ ]*[>%]\}\}")
_RAW_TAG = re.compile(r"\{%-?[ ]*(?:end)?raw[ ]*-?%\}")

# One tag: a Hugo comment `{{</* x */>}}` (Hugo's way to show a shortcode), a shortcode, a
# Liquid tag or a Liquid output. Within one line.
_TAG = re.compile(
    r"\{\{(?P<cmark>[<%])/\*(?P<comment>.*?)\*/[>%]\}\}"
    r"|\{\{(?P<mark>[<%])[ ]*(?P<short>/?[\w.-]+)(?P<sargs>.*?)[>%]\}\}"
    r"|\{%-?[ ]*(?P<liquid>\w*)(?P<largs>.*?)-?%\}"
    r"|\{\{(?![<%]).*?\}\}"
)
_SITE_ROOT = r"(?:\{\{-?[ ]*site\.(?:url|baseurl)[ ]*-?\}\}[ ]*)"
# A link's target as Markdown or HTML writes it, opened by the site's root or a tag naming
# a content file. Jekyll renders the tag wherever it is, and its sites write it after the
# root (`{{ site.baseurl }}{% link x.md %}`; before Jekyll 4 also `{{ site.baseurl }}/{%
# post_url x %}`, a slash the tag's own URL begins with), in HTML attributes (href, src,
# data-src, xlink:href) and reference definitions as in inline links.
_LINK_TARGET = re.compile(
    r"(?P<open>\]\([ ]*<?|^[ ]{0,3}\[[^\]\n]+\]:[ ]*<?|\b(?:href|src)[ ]*=[ ]*[\"']?)"
    r"(?P<root>" + _SITE_ROOT + r"*)"
    r"(?:/?(?P<tag>\{%-?[ ]*(?:link|post_url)[ ]+[^%{}\s]+[ ]*-?%\}"
    r"|\{\{[<%][ ]*(?:rel)?ref[ ]+[^{}\n]*?[>%]\}\}))?"
)
_ARGUMENT = re.compile(
    r"""(?:(?P<key>\w+)[ ]*=[ ]*)?(?P<value>"(?:[^"\\]|\\.)*"|`[^`]*`|[^\s"`]+)"""
)
_VIDEO_ID = re.compile(r"[\w-]+")
_VIDEOS = {"youtube": "https://www.youtube.com/watch?v=", "vimeo": "https://vimeo.com/"}


def _arguments(text: str) -> tuple[list[str], dict[str, str]]:
    """Return a shortcode's positional and named arguments, unquoted."""
    positional: list[str] = []
    named: dict[str, str] = {}
    for match in _ARGUMENT.finditer(text):
        value = match.group("value")
        if value[:1] == '"':
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        elif value[:1] == "`":
            value = value[1:-1]
        if match.group("key"):
            named[match.group("key").lower()] = value
        else:
            positional.append(value)
    return positional, named


def _figure(named: dict[str, str]) -> str | None:
    """Return the HTML of a figure shortcode, or None when it names no safe image."""
    src = named.get("src", "")
    if not src or is_unsafe_url(src, image=True):
        return None
    caption, title = named.get("caption", ""), named.get("title", "")
    alt = named.get("alt", caption)
    image = f'<img src="{html.escape(src)}" alt="{html.escape(alt)}">'
    link = named.get("link", "")
    if link and not is_unsafe_url(link):
        image = f'<a href="{html.escape(link)}">{image}</a>'
    words = [f"<strong>{html.escape(title)}</strong>"] if title else []
    words += [html.escape(caption)] if caption else []
    below = f"<figcaption>{' '.join(words)}</figcaption>" if words else ""
    return f"<figure>{image}{below}</figure>"


def _video(name: str, positional: list[str], named: dict[str, str]) -> str | None:
    """Return a link to the video of a youtube or vimeo shortcode, or None without an id."""
    video = named.get("id") or (positional[0] if positional else "")
    if not _VIDEO_ID.fullmatch(video):
        return None
    url = _VIDEOS[name] + video
    return f'<a href="{url}">{html.escape(named.get("title") or url)}</a>'


def _link_tag(tag: str) -> str | None:
    """Return the placeholder target a link, post_url, ref or relref tag names."""
    if tag.startswith("{%"):
        name, _, argument = tag.strip("{%}- ").partition(" ")
        argument = argument.strip()
        if name == "link":
            return FILENAME + "/" + argument.lstrip("/")
        return POST_URL + argument
    positional, named = _arguments(tag[3:-3].strip().partition(" ")[2])
    path = named.get("path") or (positional[0] if positional else "")
    return REF + path if path else None


def _code_spans(line: str) -> Iterator[tuple[int, int]]:
    """Yield where each code span of `line` starts and ends (its backticks included)."""
    runs = list(_BACKTICKS.finditer(line))
    i = 0
    while i < len(runs):
        opening = runs[i]
        closing = next(
            (j for j in range(i + 1, len(runs)) if runs[j].group() == opening.group()), None
        )
        if closing is None:
            i += 1
            continue
        yield opening.start(), runs[closing].end()
        i = closing + 1


class _Foreign(Preprocessor):
    def __init__(self, md: Markdown):
        super().__init__(md)
        # (line, tag) of every tag left as typed in the last document, for the -v notes.
        self.left: list[tuple[int, str]] = []
        # The stash placeholders of the figures made in the last document: blocks, which
        # _Figures takes out of the paragraphs they were written in.
        self.figures: set[str] = set()

    def run(self, lines: list[str]) -> list[str]:
        self.left = []
        self.figures = set()
        if not any("{" in line for line in lines):  # most documents: nothing to do
            return lines
        out: list[str] = []
        fence = ""
        in_code = in_list = raw = False
        previous_blank = True
        i = 0
        while i < len(lines):
            line = lines[i]
            i += 1
            if fence:
                out.append(line)
                if line.rstrip(" ") == fence:
                    fence = ""
                continue
            blank = bool(_BLANK.match(line))
            indent = len(line) - len(line.lstrip(" "))
            code_indent = 8 if in_list else 4
            if not blank and indent < code_indent:
                in_code = False
                if indent < 4:
                    if _LIST_ITEM.match(line):
                        in_list = True
                    elif previous_blank:
                        in_list = False
            elif not blank and (in_code or previous_blank) and indent >= code_indent:
                in_code = True
            previous_blank = blank
            if in_code or blank or "{" not in line:
                out.append(line)
                if (opening := _FENCE.match(line)) and any(
                    rest.rstrip(" ") == opening.group(1) for rest in lines[i:]
                ):
                    fence = opening.group(1)
                continue
            if not raw and (highlight := _HIGHLIGHT.match(line)):
                ending = _END_LIQUID if highlight.group("lang") else _END_HUGO
                block = self._highlight(highlight, lines, i - 1, ending)
                if block is not None:
                    code, i, after = block
                    out.extend(code)
                    if after.strip():
                        lines[i - 1 : i] = [after]  # read again as a line of its own
                        i -= 1
                    continue
            line, raw = self._line(line, raw, len(out) + 1)
            out.append(line)
        return out

    def _highlight(
        self, opening: re.Match[str], lines: list[str], start: int, ending: re.Pattern[str]
    ) -> tuple[list[str], int, str] | None:
        """Return a highlight block as fenced code, the index after its last line and what
        follows its end tag; None when it is not closed."""
        body = [lines[start][opening.end() :]]
        for j in range(start, len(lines)):
            text = body[-1] if j == start else lines[j]
            end = ending.search(text)
            if end is None:
                if j > start:
                    body.append(text)
                continue
            if j == start:
                body[-1] = text[: end.start()]
            else:
                body.append(text[: end.start()])
            # Jekyll runs Liquid inside the block: {% raw %} there only keeps Liquid out.
            code = [_RAW_TAG.sub("", b) for b in body]
            code = [c for k, c in enumerate(code) if c.strip() or 0 < k < len(code) - 1]
            fence = "```"
            while any(c.rstrip(" ") == fence for c in code):
                fence += "`"
            language = opening.group("lang") or opening.group("hlang")
            return [fence + language, *code, fence], j + 1, text[end.end() :]
        return None

    def _line(self, line: str, raw: bool, number: int) -> tuple[str, bool]:
        """Return `line` with its tags outside code spans read, and whether a raw block
        is still open after it."""
        if not raw:
            spans = list(_code_spans(line))
            line = _LINK_TARGET.sub(lambda m: m[0] if _inside(m, spans) else _link(m), line)
        spans = list(_code_spans(line))
        pieces: list[str] = []
        at = 0
        for match in _TAG.finditer(line):
            if _inside(match, spans):
                continue
            pieces.append(line[at : match.start()])
            at = match.end()
            liquid = match.group("liquid")
            if liquid in ("raw", "endraw"):
                raw = liquid == "raw"
                continue
            shown = None if raw else _shortcode(match)
            if shown is None:
                if not raw and match.group("cmark") is None:  # (both mean to show it)
                    self.left.append((number, match.group()))
                shown = html.escape(_as_typed(match), quote=False)
            placeholder = self.md.htmlStash.store(shown)
            if shown.startswith("<figure"):
                self.figures.add(placeholder)
            pieces.append(placeholder)
        pieces.append(line[at:])
        return "".join(pieces), raw


def _inside(match: re.Match[str], spans: list[tuple[int, int]]) -> bool:
    """Return whether `match` overlaps one of the code `spans`."""
    return any(start < match.end() and match.start() < end for start, end in spans)


def _as_typed(match: re.Match[str]) -> str:
    """Return a tag as the page shows it: a Hugo comment `{{</* x */>}}` as `{{< x >}}`."""
    mark = match.group("cmark")
    if mark is None:
        return match.group()
    return "{{" + mark + match.group("comment") + (">" if mark == "<" else "%") + "}}"


def _link(match: re.Match[str]) -> str:
    """Return a link target without its site root, its tag read as a placeholder."""
    tag = match.group("tag")
    if tag:
        target = _link_tag(tag)
        return match.group() if target is None else match.group("open") + target
    if not match.group("root"):
        return match.group()
    starts_path = match.string[match.end() : match.end() + 1] == "/"
    return match.group("open") + ("" if starts_path else "/")


def _shortcode(match: re.Match[str]) -> str | None:
    """Return the HTML of an understood shortcode; None for any other tag."""
    name = match.group("short")
    if name is None:
        return None
    positional, named = _arguments(match.group("sargs"))
    if name == "figure":
        return _figure(named)
    if name in _VIDEOS:
        return _video(name, positional, named)
    return None


# What holds only phrasing content, where a figure may be written in Markdown.
_TEXT_BLOCKS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6"})


class _Figures(Treeprocessor):
    """Takes each figure out of the paragraph (or heading) it was written in: a <figure>
    inside a <p> is not HTML (browsers end the paragraph before it and leave an empty one
    after it)."""

    def __init__(self, md: Markdown, foreign: _Foreign):
        super().__init__(md)
        self.foreign = foreign

    def run(self, root: etree.Element) -> None:
        figures = self.foreign.figures
        if not figures:
            return
        split = re.compile("(" + "|".join(re.escape(f) for f in sorted(figures)) + ")")
        for parent in list(root.iter()):
            for index in range(len(parent) - 1, -1, -1):
                paragraph = parent[index]
                if paragraph.tag not in _TEXT_BLOCKS or not _holds(paragraph, split):
                    continue
                if paragraph.tag == "p":
                    parent[index : index + 1] = _split(paragraph, split, figures)
                else:  # a heading keeps its words whole; its figures follow it
                    parent[index : index + 1] = _after(paragraph, split)


def _holds(paragraph: etree.Element, split: re.Pattern[str]) -> bool:
    """Return whether a figure placeholder is written in `paragraph` (a paragraph: beside
    other content, as a paragraph of only a figure is written as the figure)."""
    texts = [paragraph.text or "", *(child.tail or "" for child in paragraph)]
    if not any(split.search(text) for text in texts):
        return False
    alone = len(paragraph) == 0 and split.fullmatch((paragraph.text or "").strip())
    return paragraph.tag != "p" or not alone


def _after(heading: etree.Element, split: re.Pattern[str]) -> list[etree.Element]:
    """Return `heading` without its figures (dropped if nothing else is in it), and after
    it each figure as a paragraph of its own."""
    found: list[str] = []

    def without(text: str | None) -> str | None:
        if not text:
            return text
        found.extend(split.findall(text))
        return re.sub("[ ]{2,}", " ", split.sub("", text))

    heading.text = without(heading.text)
    for child in heading:
        child.tail = without(child.tail)
    heading.text = (heading.text or "").lstrip()
    if len(heading):
        heading[-1].tail = (heading[-1].tail or "").rstrip()
    else:
        heading.text = heading.text.rstrip()
    made = [heading] if len(heading) or heading.text else []
    for placeholder in found:
        figure = etree.Element("p")
        figure.text = placeholder
        figure.tail = "\n"
        made.append(figure)
    made[-1].tail, heading.tail = heading.tail, "\n"
    return made


def _split(
    paragraph: etree.Element, split: re.Pattern[str], figures: set[str]
) -> list[etree.Element]:
    """Return the paragraphs (or headings) before, between and after the figures of
    `paragraph`, each figure a paragraph of its own (which the stash writes as the figure
    alone)."""
    made: list[etree.Element] = []
    current = etree.Element(paragraph.tag, paragraph.attrib)

    def add_text(text: str) -> None:
        if len(current):
            current[-1].tail = (current[-1].tail or "") + text
        else:
            current.text = (current.text or "") + text

    def close() -> None:
        nonlocal current
        if len(current) or (current.text or "").strip():
            current.text = (current.text or "").lstrip()
            if len(current):
                current[-1].tail = (current[-1].tail or "").rstrip()
            else:
                current.text = current.text.rstrip()
            made.append(current)
        current = etree.Element(paragraph.tag, paragraph.attrib)

    pieces: list[str | etree.Element] = [paragraph.text or ""]
    for child in paragraph:
        tail, child.tail = child.tail or "", None
        pieces += [child, tail]
    for piece in pieces:
        if not isinstance(piece, str):
            current.append(piece)
            continue
        for part in split.split(piece):
            if part in figures:
                close()
                figure = etree.Element("p")
                figure.text = part
                made.append(figure)
            else:
                add_text(part)
    close()
    for element in made:
        element.tail = "\n"
    made[-1].tail = paragraph.tail
    return made


class ForeignSyntaxExtension(Extension):
    """Reads Liquid tags and Hugo shortcodes before Markdown does (see the module)."""

    def extendMarkdown(self, md: Markdown) -> None:
        # After whitespace is normalised (30) and fences checked (28), before fenced code is
        # stashed (25): the highlight blocks made here are fenced code then.
        foreign = _Foreign(md)
        md.preprocessors.register(foreign, "gazette-foreign", 27)
        # After the inline pass (20) has read the paragraphs' text, before they are indented
        # (prettify, 10).
        md.treeprocessors.register(_Figures(md, foreign), "gazette-figures", 15)
