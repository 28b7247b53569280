"""Full-text search: which rendered pages are indexed, and Pagefind's index of them as files
of the site (handed to the writer like every other output).

May import the vocabulary (generator/*.py) only.
"""
