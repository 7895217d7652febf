"""The import report a person opens: one line per problem, as CSV or XLSX by file extension."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from opendtm.core.errors import InvalidInput
from opendtm.core.spreadsheets import frame_write_csv, frame_write_xlsx
from opendtm.ingest.issues import ISSUE_COLUMNS


def report_path_default(path: Path) -> Path:
    """Beside the input: `<input stem>.report.csv`."""
    return path.with_name(f"{path.stem}.report.csv")


def report_write(issues: pl.DataFrame, path: Path) -> Path:
    """Write the report; the columns are the same whatever the format, and the text (site
    names, values from the file) cannot run as a formula in the spreadsheet that opens it."""
    frame = issues.select(ISSUE_COLUMNS)
    suffix = path.suffix.lower()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if suffix == ".xlsx":
            frame_write_xlsx(frame, path, worksheet="report")
        elif suffix == ".csv":
            frame_write_csv(frame, path)
        else:
            raise InvalidInput(
                f"Report {path.name}: unknown format {suffix or '(none)'}.",
                hint="Name the report .csv or .xlsx.",
            )
    except OSError as exc:
        raise InvalidInput(
            f"Cannot write the report {path}: {exc.strerror}.",
            hint="Choose another place with --report.",
        ) from None
    return path
