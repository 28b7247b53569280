"""`build()`: the one place where the stages meet (`build`), and the articles a build holds
back, for `build.py list` (`held`).

May import: the vocabulary, the stages and incremental.
"""
