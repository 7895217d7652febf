"""The import report a person opens: one line per problem, as CSV or XLSX by file extension.

A report says what happened, never more: it is written under a temporary name beside its place
and renamed into place (`os.replace`, atomic) only once the outcome is known, after the import
committed. An import killed or refused before that leaves no report, or the one an earlier run
left; a dry run's report says in its first line that nothing was imported.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from opendtm.core.errors import InvalidInput
from opendtm.core.spreadsheets import frame_write_csv, frame_write_xlsx
from opendtm.ingest.issues import ISSUE_COLUMNS, file_note, issues_concat

DRY_RUN_RULE = "import.dry_run"
DRY_RUN_MESSAGE = (
    "dry run: nothing was imported; these are the lines an import of this file would report"
)
FORMATS = (".csv", ".xlsx")


def report_path_default(path: Path) -> Path:
    """Beside the input: `<input stem>.report.csv`."""
    return path.with_name(f"{path.stem}.report.csv")


def _checked(path: Path) -> Path:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise InvalidInput(
            f"Report {path.name}: unknown format {suffix or '(none)'}.",
            hint="Name the report .csv or .xlsx.",
        )
    return path


def _cannot(path: Path, exc: OSError) -> InvalidInput:
    return InvalidInput(
        f"Cannot write the report {path}: {exc.strerror or exc}.",
        hint="Choose another place with --report.",
    )


@dataclass
class ReportDraft:
    """The report of one import, written beside `path` under a hidden temporary name
    (`write`), put in place once the import committed (`publish`) or removed (`discard`)."""

    path: Path
    _temp: Path | None = None

    def __post_init__(self) -> None:
        _checked(self.path)

    def write(self, issues: pl.DataFrame, *, dry_run: bool = False) -> None:
        """Write the lines (a dry run's first line says so); the file is not in place yet."""
        frame = issues.select(ISSUE_COLUMNS)
        if dry_run:
            note = file_note(sheet="", field="", rule=DRY_RUN_RULE, message=DRY_RUN_MESSAGE)
            note = note.with_columns(sheet=pl.lit(None, pl.Utf8), field=pl.lit(None, pl.Utf8))
            frame = issues_concat([note, frame]).select(ISSUE_COLUMNS)
        self.discard()
        temp = self.path.with_name(f".{self.path.name}.{secrets.token_hex(4)}.part")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._temp = temp
            if self.path.suffix.lower() == ".xlsx":
                frame_write_xlsx(frame, temp, worksheet="report")
            else:
                frame_write_csv(frame, temp)
        except OSError as exc:
            self.discard()
            raise _cannot(self.path, exc) from None

    def publish(self) -> Path:
        """Put the written report in place, replacing any earlier one in one step."""
        assert self._temp is not None, "write the report before publishing it"
        try:
            self._temp.replace(self.path)  # os.replace: atomic within the folder
        except OSError as exc:
            self.discard()
            raise _cannot(self.path, exc) from None
        self._temp = None
        return self.path

    def discard(self) -> None:
        """Remove a written report that was not published (nothing happened)."""
        if self._temp is not None:
            self._temp.unlink(missing_ok=True)
            self._temp = None


def report_write(issues: pl.DataFrame, path: Path, *, dry_run: bool = False) -> Path:
    """Write the report in one step; the columns are the same whatever the format, and the
    text (site names, values from the file) cannot run as a formula in the spreadsheet that
    opens it."""
    draft = ReportDraft(path)
    draft.write(issues, dry_run=dry_run)
    return draft.publish()
