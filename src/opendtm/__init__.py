"""OpenDTM: displacement tracking and crisis-response information system."""

import os

__version__ = "0.1.0"

# Polars allocates through its own jemalloc, which by default keeps freed pages for 10 s: an
# import frees the text of each batch it has typed, and those pages stayed counted against the
# process until the end (a 100 MB CSV read peaked at 0.83 GiB; returned at once, 0.54 GiB).
# Read by jemalloc when Polars first allocates, so it is set before anything imports Polars; an
# operator's own setting wins.
os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:0,muzzy_decay_ms:0")
