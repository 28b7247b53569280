"""Faster versions of Python-Markdown internals: the inline pass skipping patterns that
cannot match (`inline`), the block parser asking only processors that could apply (`blocks`)
and the search for the end of a link's text (`brackets`). Each makes the same tree as
upstream; the differential tests compare them with stock Python-Markdown.

May import: nothing of this package but the standard library and Python-Markdown.
"""
