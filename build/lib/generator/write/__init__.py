"""The only writer of output/: staging, the all-or-nothing commit, the manifest and the lock
(`staging`), and the JSON report of a run (`report`).

May import: the vocabulary.
"""
