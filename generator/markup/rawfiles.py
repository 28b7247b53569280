"""Which content files a browser would run as markup, and whether an SVG is only a picture.

With `raw_html: false` a writer cannot put HTML into a page, and must not get it onto the
site's domain as a file either: an `.html` or `.xml` file is served as it is and runs its
scripts there. An SVG is an image when a page shows it with `<img>`, but a document when
opened directly, so it is published only if a real XML parser (the standard library's expat,
which never loads an external entity or DTD) finds nothing in it that runs or reaches out:

- no `<script>`, `<foreignObject>`, `<handler>` or `<listener>`, and no XHTML or XML Events
  element or attribute, whatever the case or the namespace prefix;
- no `on...` attribute, no `<set>` or `<animate...>` that targets one or an `href`;
- references (`href`, `xlink:href`, `url(...)` in styles and attributes) only to a
  `#fragment` of the same file or to an inline raster image (`data:image/png` ...);
  no `javascript:` anywhere, however it is spelled; no `xml:base`, `@import` or
  `<?xml-stylesheet?>`;
- no DOCTYPE with an internal subset (entity declarations), so no entity is expanded.

`.svgz` (a gzipped SVG) is refused outright: it cannot be checked without inflating it.
"""

from __future__ import annotations

import html
import re
import xml.parsers.expat

# What servers send as text/html, application/xhtml+xml, XML or SVG: markup a browser runs.
MARKUP_SUFFIXES = (".html", ".htm", ".shtml", ".xhtml", ".xht", ".xml", ".svg", ".svgz")
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
_FORBIDDEN_NAMESPACES = {
    "http://www.w3.org/1999/xhtml": "an XHTML",
    "http://www.w3.org/2001/xml-events": "an XML Events",
}
_FORBIDDEN_ELEMENTS = {"script", "foreignobject", "handler", "listener"}
_ANIMATIONS = {"set", "animate", "animatecolor", "animatemotion", "animatetransform"}
_XML_NAMESPACE = "http://www.w3.org/XML/1998/namespace"
_SAFE_REFERENCE = re.compile(r"^(#|data:image/(png|gif|jpeg|webp|avif);)", re.IGNORECASE)
_CSS_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)
_CSS_IMPORT = re.compile(r"@import", re.IGNORECASE)
_BLANKS = re.compile(r"[\x00-\x20\x7f-\x9f]+")  # what browsers drop inside a URL's scheme
MAX_PROBLEMS = 10  # reasons given for one file; the rest would only flood the log
REFUSED = "refused because raw_html is false"
HINT = "an SVG is published as it is and runs when opened; remove it, or set raw_html: true"
REFERENCE_HINT = (
    "an SVG may refer only to a #fragment of itself and to inline raster images "
    "(data:image/png ...); or set raw_html: true"
)


def is_markup_file(name: str) -> bool:
    """Return True if a file called `name` is served as markup a browser runs."""
    return name.lower().endswith(MARKUP_SUFFIXES)


def markup_file_problems(name: str, data: bytes) -> list[tuple[int | None, str, str]]:
    """Return (line, message, hint) for each reason the file `name` holding `data` may not
    be published when raw HTML is refused; an empty list for a clean SVG."""
    lowered = name.lower()
    if lowered.endswith(".svgz"):
        hint = "publish it as a plain .svg, which can be checked, or set raw_html: true"
        return [(None, f"a compressed SVG (.svgz) is {REFUSED}", hint)]
    if not lowered.endswith(".svg"):
        kind = "an HTML" if ".htm" in lowered[-6:] or lowered.endswith(".xht") else "an XML"
        hint = (
            "a browser runs its scripts on the site's domain; link to it elsewhere, "
            "or set raw_html: true if every contributor is trusted"
        )
        return [(None, f"{kind} file is {REFUSED}", hint)]
    return _SvgCheck().run(data)


class _Stop(Exception):
    """Parsing goes no further: what follows cannot be read safely."""


class _SvgCheck:
    def __init__(self) -> None:
        self.problems: list[tuple[int | None, str, str]] = []
        self.parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
        self.depth = 0
        self.style_depth: int | None = None  # depth of an open <style>, whose text is CSS
        self.style_text: list[str] = []
        self.style_line = 0

    def add(self, message: str, line: int | None = None, hint: str = HINT) -> None:
        where = self.parser.CurrentLineNumber if line is None else line
        self.problems.append((where, f"an SVG with {message} is {REFUSED}", hint))
        if len(self.problems) >= MAX_PROBLEMS:
            raise _Stop

    def run(self, data: bytes) -> list[tuple[int | None, str, str]]:
        parser = self.parser
        # expat never fetches an external DTD or entity (no handler is set for them); a
        # document whose DOCTYPE declares anything is stopped before it is expanded.
        parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = self.doctype
        parser.EntityDeclHandler = self.entity
        parser.ProcessingInstructionHandler = self.instruction
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.text
        try:
            parser.Parse(data, True)
        except _Stop:
            pass
        except xml.parsers.expat.ExpatError as exc:
            reason = xml.parsers.expat.errors.messages.get(exc.code, "bad XML") if exc.code else ""
            message = f"an SVG whose XML cannot be read ({reason or exc}) is {REFUSED}"
            self.problems.append((exc.lineno, message, HINT))
        return self.problems

    def doctype(self, name: str, system_id, public_id, has_internal_subset: int) -> None:
        if has_internal_subset:
            self.add("a DOCTYPE that declares entities")
            raise _Stop

    def entity(self, name: str, *_args) -> None:
        self.add(f"an entity declaration ('{name}')")
        raise _Stop

    def instruction(self, target: str, _data: str) -> None:
        self.add(f"a processing instruction (<?{target}?>)")

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        namespace, _, local = tag.rpartition(" ")
        name = local.lower()
        if self.depth == 0 and (namespace != SVG_NAMESPACE or local != "svg"):
            self.add(f"a root element <{local}> that is not <svg> in the SVG namespace")
        self.depth += 1
        if namespace in _FORBIDDEN_NAMESPACES:
            self.add(f"{_FORBIDDEN_NAMESPACES[namespace]} element <{local}>")
        elif name in _FORBIDDEN_ELEMENTS:
            self.add(f"<{local}>")
        if name == "style":
            self.style_depth, self.style_text = self.depth, []
            self.style_line = self.parser.CurrentLineNumber
        for key, value in attributes.items():
            self.attribute(name, key, value)

    def attribute(self, element: str, key: str, value: str) -> None:
        namespace, _, local = key.rpartition(" ")
        name = local.lower()
        plain = _BLANKS.sub("", html.unescape(value)).lower()
        if namespace in _FORBIDDEN_NAMESPACES:
            self.add(f"{_FORBIDDEN_NAMESPACES[namespace]} attribute '{local}'")
        elif name.startswith("on"):
            self.add(f"an event handler attribute '{local}'")
        elif namespace == _XML_NAMESPACE and name == "base":
            self.add("an xml:base attribute")
        elif name == "href" and not _SAFE_REFERENCE.match(value.strip()):
            self.add(f"a reference to {_shown(value)}", hint=REFERENCE_HINT)
        elif "javascript:" in plain or "vbscript:" in plain:
            self.add(f"a script URL in '{local}'")
        elif element in _ANIMATIONS and name == "attributename":
            target = value.strip().rpartition(":")[2].lower()
            if target.startswith("on") or target == "href":
                self.add(f"<{element}> changing '{value.strip()}'")
        else:
            self.css(value, f"'{local}'")

    def css(self, text: str, where: str, line: int | None = None) -> None:
        if _CSS_IMPORT.search(text):
            self.add(f"an @import in {where}", line)
        for match in _CSS_URL.finditer(text):
            if not _SAFE_REFERENCE.match(match.group(2).strip()):
                shown = _shown(match.group(2))
                self.add(f"a reference to {shown} in {where}", line, REFERENCE_HINT)

    def text(self, data: str) -> None:
        if self.style_depth is not None:
            self.style_text.append(data)

    def end(self, _tag: str) -> None:
        if self.style_depth == self.depth:
            self.css("".join(self.style_text), "<style>", self.style_line)
            self.style_depth = None
        self.depth -= 1


def _shown(value: str) -> str:
    """Return a URL as a message quotes it: at most 60 characters."""
    value = value.strip()
    return repr(value if len(value) <= 60 else value[:57] + "...")
