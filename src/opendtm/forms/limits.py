"""What an import file may claim, declared once (listed in docs/import.md, "Limits").

A file is measured against these before any library allocates for it, so that a file that
claims a million rows, a gigabyte of text or a huge rectangle of cells is refused with one line
instead of exhausting the memory. The workbook reader also runs in a child process whose memory
is capped (READ_MEMORY_BYTES), so a file that slips past them is refused too, never a crash.
Any file under 100 MB is imported, or refused, within 1 GiB (tests/ingest/test_memory.py).
"""

from __future__ import annotations

MiB = 1 << 20
GiB = 1 << 30

# An XLSX workbook is a zip archive of XML parts.
ZIP_MAX_ENTRIES = 10_000  # an export has about a dozen
ZIP_ENTRY_MAX_BYTES = 512 * MiB  # one part, unpacked (a 300,000-cell sheet is ~10 MiB)
ZIP_TOTAL_MAX_BYTES = 1 * GiB  # every part, unpacked
ZIP_MAX_RATIO = 200  # unpacked / packed size of a part, checked on parts of ZIP_RATIO_FROM_BYTES
ZIP_RATIO_FROM_BYTES = 1 * MiB
XML_PART_MAX_BYTES = 16 * MiB  # workbook.xml, its relationships: read whole, so kept small
XML_ROW_MAX_BYTES = 32 * MiB  # one row of a sheet's XML (16,384 cells of long text)
XLS_MAX_BYTES = 100 * MiB  # a legacy .xls (not compressed: its size bounds what it holds)

# What the sheets hold.
SHEET_MAX_ROWS = 1_048_576  # Excel's own limits: row 1,048,576 and column XFD
SHEET_MAX_COLUMNS = 16_384  # also the most columns a CSV header may have
CSV_HEADER_MAX_BYTES = 4 * MiB  # a CSV's header line (an export's is a few kB)
CELL_TEXT_MAX_CHARS = 32_767  # Excel's limit for one cell's text
SHARED_STRINGS_MAX = 5_000_000  # distinct texts of a workbook
# Cells of every sheet's rectangle (rows x columns from its first to its last value, empty
# cells included: the reader allocates them all, ~90 bytes each while read). 5.4 million
# cells (100,000 rows of 54 columns) took 0.50 GiB in the reader and 0.37 GiB here once read:
# 6 million keep the two within 1 GiB. A larger export is imported as CSV, in batches.
WORKBOOK_MAX_CELLS = 6_000_000
ERROR_CELLS_MAX = 100_000  # cells holding an Excel error (#N/A...), one report line each

# The child process that reads a workbook.
READ_MEMORY_BYTES = 1 * GiB  # its data segment (RLIMIT_DATA)
READ_TIMEOUT_SECONDS = 600

# What the values may be.
# The largest whole number an integer question holds anywhere: XForms' `int` (ODK Collect,
# Enketo) and the database's integer columns are 32-bit. A cell beyond it (or beyond the
# field's own maximum, the `. <= N` of its constraint) is the row error `value.out_of_range`.
INTEGER_MAX = 2_147_483_647

# Rows one form may hold in one round (sites, or locations). With every count at most
# INTEGER_MAX, a figure adding up every count of a round stays far inside 64-bit integers
# (tests/figures/test_bounds.py).
ROUND_ROWS_MAX = 10_000_000
