"""Markdown to HTML: the one configured Python-Markdown converter (`converter`), smart
typography and the safety pass (`sanitize`). `speedups/` holds the replacements of
Python-Markdown internals that make conversion faster.

May import: the vocabulary.
"""
