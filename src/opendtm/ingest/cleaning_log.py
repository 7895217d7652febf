"""The cleaning log as people read it: its columns and one line of text per correction.

Defined once here so the CLI (`opendtm cleaning-log`, table or CSV) and the web's CSV download
give the same columns with the same values; the entries come from `queries.cleaning_log`.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence

from opendtm.core.spreadsheets import CsvWriter
from opendtm.ingest.models import CleaningLogEntry

CLEANING_LOG_COLUMNS = (
    "changed_at",
    "changed_by",
    "form_id",
    "submission_id",
    "field",
    "old_value",
    "new_value",
    "reason",
    "file",
)


def cleaning_log_rows(entries: Iterable[CleaningLogEntry]) -> Iterator[tuple[str, ...]]:
    """One row of text per entry, in CLEANING_LOG_COLUMNS order (a missing value as "")."""
    for e in entries:
        yield (
            e.changed_at.strftime("%Y-%m-%d %H:%M:%S"),
            e.changed_by.username if e.changed_by else "",
            e.form_id,
            e.submission_id,
            e.field,
            "" if e.old_value is None else e.old_value,
            "" if e.new_value is None else e.new_value,
            e.reason,
            e.batch.file_name,
        )


def cleaning_log_as_csv(rows: Iterable[Sequence[str]]) -> str:
    """Rows of `cleaning_log_rows` as CSV text, the header line first, safe to open in a
    spreadsheet (values are text people typed)."""
    buffer = io.StringIO()
    writer = CsvWriter(buffer)
    writer.writerow(CLEANING_LOG_COLUMNS)
    writer.writerows(rows)
    return buffer.getvalue()
