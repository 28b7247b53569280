"""Faster versions of Python-Markdown internals: the inline pass skipping patterns that
cannot match (`inline`), the block parser asking only processors that could apply (`blocks`)
and the search for the end of a link's text (`brackets`). Each makes the same tree as
upstream; the differential tests compare them with a converter built without them.

They replace upstream's private classes and methods, so they are used only on the releases
they were tested on; on any other Python-Markdown the converter runs stock (correct, slower).
Their modules are imported only then: on other releases the internals they name may not exist.

May import: nothing of this package but the standard library and Python-Markdown.
"""

from __future__ import annotations

import os

import markdown

# The Python-Markdown releases the speed-ups are tested on (tests/test_inline.py,
# test_blocks.py, test_brackets.py). Add a release only after those pass on it.
TESTED_RELEASES = frozenset({"3.11.4"})


def applicable(release: str = markdown.__version__) -> bool:
    """Return whether to use the speed-ups: on a release they were tested on, unless the
    environment sets GAZETTE_SPEEDUPS=off (to compare a build with a stock one)."""
    if os.environ.get("GAZETTE_SPEEDUPS", "").lower() in ("0", "off", "false", "no"):
        return False
    return release in TESTED_RELEASES


def mode() -> str:
    """Return a line saying which Python-Markdown runs and whether the speed-ups are on."""
    if applicable():
        state = "on"
    elif markdown.__version__ in TESTED_RELEASES:
        state = "off (GAZETTE_SPEEDUPS)"
    else:
        state = f"off (tested on {', '.join(sorted(TESTED_RELEASES))} only)"
    return f"Python-Markdown {markdown.__version__}, speed-ups {state}"


def install(md: markdown.Markdown) -> None:
    """Put the speed-ups into `md`; only for a release where `applicable()`."""
    from generator.markup.speedups import blocks, brackets, inline

    blocks.install(md)
    brackets.install(md)
    inline.install(md)
