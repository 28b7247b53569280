"""The preview: watching files (`watch`), the rebuild loop (`loop`), the HTTP server and its
live-reload stream (`server`, `events`, `live.js`), the page of an edited article ahead of
its rebuild (`quick`), the preview as a whole (`preview`) and `build.py new` (`scaffold`).

May import: anything but cli.
"""
