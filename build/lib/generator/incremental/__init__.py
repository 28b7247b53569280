"""What survives between builds: the persistent cache (`cache`), whether a build would
change nothing (`uptodate`) and what the dev server keeps in memory for quick pages (`warm`).

May import: the vocabulary and the stages (it stores their memos).
"""
