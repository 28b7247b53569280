"""Findings over the rendered site: the levels of the checks and document checks
(`findings`), the checks' names and the summary a build prints (`summary`), links, images
and anchors (`links`, over `refs`), the source line that wrote a URL (`locate`), links to
other sites (`external`) and `build.py check` over a finished folder (`audit`). Never
changes what a build writes.

May import: the vocabulary, markup, source (source texts for line numbers) and render
(the theme's templates, to point at the line that wrote a link).
"""
