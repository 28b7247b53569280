"""The Site through the theme: finding a theme and its Jinja environment (`themes`), what
each template pulls in (`templatetree`), templates compiled by a forked process while the
build reads (`ahead`), the `{% cache %}` tag (`fragments`), which template makes which
page and pagination (`pages`), page keys (`pagekeys`), feeds, the sitemap, news metadata
(`seo`) and redirect pages. Returns outputs; writes nothing.

May import: the vocabulary.
"""
