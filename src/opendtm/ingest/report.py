"""The import report a person opens: one line per problem, as CSV or XLSX by file extension."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from opendtm.core.errors import InvalidInput
from opendtm.ingest.issues import ISSUE_COLUMNS


def report_path_default(path: Path) -> Path:
    """Beside the input: `<input stem>.report.csv`."""
    return path.with_name(f"{path.stem}.report.csv")


def report_write(issues: pl.DataFrame, path: Path) -> Path:
    """Write the report; the columns are the same whatever the format."""
    frame = issues.select(ISSUE_COLUMNS)
    suffix = path.suffix.lower()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if suffix == ".xlsx":
            frame.write_excel(path, worksheet="report", autofit=True)
        elif suffix == ".csv":
            frame.write_csv(path)
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
