"""The import report a person opens: one line per problem, as CSV or XLSX by file extension.

A report says what happened, never more: it is written under a temporary name beside its place
and renamed into place (`os.replace`, atomic) only once the outcome is known, after the import
committed. An import killed or refused before that leaves no report, or the one an earlier run
left; a dry run's report says in its first line that nothing was imported.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from opendtm.core.errors import InvalidInput
from opendtm.core.spreadsheets import frame_csv_text, frame_write_csv, frame_write_xlsx
from opendtm.forms.reader import ISSUE_SCHEMA
from opendtm.ingest.issues import ERROR, ISSUE_COLUMNS, NOTE_RULES, file_note, issues_concat

DRY_RUN_RULE = "import.dry_run"
DRY_RUN_MESSAGE = (
    "dry run: nothing was imported; these are the lines an import of this file would report"
)
FORMATS = (".csv", ".xlsx")
CHANGE_COLUMNS = ("submission_id", "field", "old_value", "new_value")


def report_path_default(path: Path) -> Path:
    """Beside the input: `<input stem>.report.csv`."""
    return path.with_name(f"{path.stem}.report.csv")


def changes_path(report: Path) -> Path:
    """Beside a dry run's report, in its format: the stored values the import would change
    (`x.report.csv` -> `x.changes.csv`), written only when there are any."""
    name, suffix = report.name, report.suffix
    stem = name[: -len(suffix)] if suffix else name
    stem = stem.removesuffix(".report")
    return report.with_name(f"{stem}.changes{suffix}")


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
    _changes: Path | None = None  # the temporary changes file, if the dry run found changes

    def __post_init__(self) -> None:
        _checked(self.path)

    def write(
        self, issues: pl.DataFrame, *, dry_run: bool = False, changes: pl.DataFrame | None = None
    ) -> None:
        """Write the lines (a dry run's first line says so) and, if given and not empty, the
        values that would change (`changes_path`); nothing is in place yet."""
        frame = issues.select(ISSUE_COLUMNS)
        if dry_run:
            note = file_note(sheet="", field="", rule=DRY_RUN_RULE, message=DRY_RUN_MESSAGE)
            note = note.with_columns(sheet=pl.lit(None, pl.Utf8), field=pl.lit(None, pl.Utf8))
            frame = issues_concat([note, frame]).select(ISSUE_COLUMNS)
        self.discard()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._temp = self._write(frame, self.path, "report")
            if changes is not None and changes.height:
                self._changes = self._write(changes, changes_path(self.path), "changes")
        except OSError as exc:
            self.discard()
            raise _cannot(self.path, exc) from None

    def _write(self, frame: pl.DataFrame, final: Path, sheet: str) -> Path:
        temp = final.with_name(f".{final.name}.{secrets.token_hex(4)}.part")
        try:
            if final.suffix.lower() == ".xlsx":
                frame_write_xlsx(frame, temp, worksheet=sheet)
            else:
                frame_write_csv(frame, temp)
        except OSError:
            temp.unlink(missing_ok=True)
            raise
        return temp

    def publish(self) -> Path:
        """Put the written report in place, replacing any earlier one in one step (and the
        changes beside it: an earlier run's are removed when this one found none)."""
        assert self._temp is not None, "write the report before publishing it"
        try:
            if self._changes is not None:
                self._changes.replace(changes_path(self.path))
                self._changes = None
            else:
                changes_path(self.path).unlink(missing_ok=True)
            self._temp.replace(self.path)  # os.replace: atomic within the folder
        except OSError as exc:
            self.discard()
            raise _cannot(self.path, exc) from None
        self._temp = None
        return self.path

    def discard(self) -> None:
        """Remove a written report that was not published (nothing happened)."""
        for temp in (self._temp, self._changes):
            if temp is not None:
                temp.unlink(missing_ok=True)
        self._temp = self._changes = None


def report_write(issues: pl.DataFrame, path: Path, *, dry_run: bool = False) -> Path:
    """Write the report in one step; the columns are the same whatever the format, and the
    text (site names, values from the file) cannot run as a formula in the spreadsheet that
    opens it."""
    draft = ReportDraft(path)
    draft.write(issues, dry_run=dry_run)
    return draft.publish()


# How the page shows a report: a page of lines at a time, each line's kind, and a legend.
PAGE_LINES = 100
KINDS = ("error", "warning", "note")


def _kind() -> pl.Expr:
    """error (rejects its row), warning (flags its row) or note (says something, flags
    nothing): the notes are the warnings of NOTE_RULES."""
    return (
        pl.when(pl.col("severity") == ERROR)
        .then(pl.lit("error"))
        .when(pl.col("rule").is_in(list(NOTE_RULES)))
        .then(pl.lit("note"))
        .otherwise(pl.lit("warning"))
    )


@dataclass
class ReportPage:
    """One page of a report's lines (filtered), and where it stands among the others."""

    lines: list[dict[str, object]]
    matched: int  # lines that pass the filters, on every page
    page: int
    pages: int
    counts: dict[str, int]  # lines of each kind in the whole report (the legend)

    @property
    def first(self) -> int:
        return (self.page - 1) * PAGE_LINES + 1 if self.matched else 0

    @property
    def last(self) -> int:
        return min(self.page * PAGE_LINES, self.matched)


def report_lines(path: Path) -> pl.LazyFrame:
    """The lines of a written CSV report, each with its kind."""
    return pl.scan_csv(path, infer_schema=False).with_columns(kind=_kind())


def report_page(path: Path, *, kind: str = "", rule: str = "", page: int = 1) -> ReportPage:
    """Lines of page `page` (from 1; past the last page, the last) of the report at `path`."""
    if not path.exists():
        return ReportPage([], 0, 1, 1, dict.fromkeys(KINDS, 0))
    lines = report_lines(path)
    found = dict(lines.group_by("kind").agg(pl.len()).collect().iter_rows())
    counts = {k: int(found.get(k, 0)) for k in KINDS}
    if kind:
        lines = lines.filter(pl.col("kind") == kind)
    if rule:
        lines = lines.filter(pl.col("rule") == rule)
    matched = int(lines.select(pl.len()).collect().item())
    pages = max(1, -(-matched // PAGE_LINES))
    page = min(max(1, page), pages)
    shown = lines.slice((page - 1) * PAGE_LINES, PAGE_LINES).collect()
    return ReportPage(list(shown.iter_rows(named=True)), matched, page, pages, counts)


def report_rules(path: Path) -> list[str]:
    """The rules a report names, for the page's filter."""
    if not path.exists():
        return []
    rules = pl.scan_csv(path, infer_schema=False).select("rule").unique().collect()
    return sorted(rules.get_column("rule").drop_nulls().to_list())


def changes_read(report: Path) -> pl.DataFrame:
    """The values a dry run found the import would change (empty when none)."""
    path = changes_path(report)
    if not path.exists():
        return pl.DataFrame(schema=dict.fromkeys(CHANGE_COLUMNS, pl.Utf8))
    return pl.read_csv(path, infer_schema=False)


def report_as_xlsx(report: Path) -> Path:
    """The CSV report as a workbook beside it (written once), through the formula-neutralising
    writer like every export."""
    target = report.with_suffix(".xlsx")
    if not target.exists():
        frame = pl.read_csv(report, infer_schema=False)
        temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
        frame_write_xlsx(frame, temp, worksheet="report")
        temp.replace(target)
    return target


def report_frame(rows: Iterable[Sequence[object]]) -> pl.DataFrame:
    """Stored report lines (values in ISSUE_COLUMNS order) as the report's frame; a stored ""
    is an empty cell, as in the file the import wrote."""
    frame = pl.DataFrame(list(rows), schema=ISSUE_SCHEMA, orient="row")
    text = [c for c in ISSUE_COLUMNS if c != "row"]
    return frame.with_columns(pl.when(pl.col(c) != "").then(pl.col(c)).alias(c) for c in text)


def report_bytes(frame: pl.DataFrame, fmt: str) -> bytes:
    """A report frame as a CSV or XLSX download, through the formula-neutralising writer."""
    if fmt == "csv":
        return frame_csv_text(frame).encode("utf-8")
    with tempfile.TemporaryDirectory(prefix="opendtm-report-") as folder:
        path = Path(folder) / "report.xlsx"
        frame_write_xlsx(frame, path, worksheet="report")
        return path.read_bytes()
