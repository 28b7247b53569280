"""What survives between builds: the persistent cache (`cache`), whether a build would
change nothing (`uptodate`), what the dev server keeps in memory for quick pages (`warm`)
and processed images kept as files (`imagestore`).

May import: the vocabulary and the stages (it stores their memos).
"""
