"""Text inside XML documents (feeds, the sitemap): escaped character data, attributes, times."""

from __future__ import annotations

import re
from datetime import datetime

# Characters XML 1.0 cannot hold at all, not even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# What xml.sax.saxutils does, written out: importing it imports urllib.request, and with it
# http.client and ssl, at the start of every build.
def escape(text: str) -> str:
    """Return `text` escaped for XML character data."""
    text = _NOT_XML.sub("", text)
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def quoteattr(text: str) -> str:
    """Return `text` as a quoted XML attribute value, in double quotes unless it holds
    them and no single quote."""
    text = escape(text).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' not in text:
        return f'"{text}"'
    if "'" not in text:
        return f"'{text}'"
    return '"' + text.replace('"', "&quot;") + '"'


def stamp(moment: datetime) -> str:
    """Return `moment` as an RFC 3339 timestamp."""
    # isoformat() shows seconds when there are no microseconds, faster than asking for them.
    return moment.isoformat() if not moment.microsecond else moment.isoformat(timespec="seconds")
