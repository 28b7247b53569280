"""Parsed documents into the Site: what is published and in which order, tags, authors,
sections and years (`assembly`), and links between content files rewritten to the URLs
their targets are published at (`links`), documents that would share an address
(`collisions`), summaries' relative links anchored for listings (`summaries`). Pure
functions over frozen data.

May import: the vocabulary.
"""
