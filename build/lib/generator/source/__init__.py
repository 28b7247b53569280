"""The only reader of content/: finding files, decoding them, front matter in three dialects,
the fields other generators use, dates, and parsing one file into an Article or a Page
(`parse_document`), on every core for a large site (`parallel`).

Pure once the bytes are read: a document depends on its source and the settings alone.
May import: the vocabulary and markup.
"""
