"""Spreadsheet safety: every CSV, HXL and XLSX the project writes goes through here.

A site name, a cleaning-log value or a field from a form is text people typed. Opened in a
spreadsheet, text that starts with `=`, `+`, `-` or `@` (or a tab or carriage return in front
of one) runs as a formula: `=HYPERLINK(...)` becomes a link, `=cmd|' /C calc'!A0` asks to run a
program. As OWASP's CSV-injection guidance advises, such text gets a leading apostrophe, which a
spreadsheet shows as text and does not store. A value that is a plain number ("-12", "+3.5")
is left alone: it cannot run and must stay a number. XLSX text is written with `write_string`,
never with xlsxwriter's `write()`, which turns text starting with `=` into a formula cell.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

import polars as pl

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Polars (Rust regex): `$` is the end of the text. Python's `re` is used with fullmatch below.
NUMBER = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_NUMBER = re.compile(NUMBER)


def cell_text_safe(value: Any) -> Any:
    """The value as a spreadsheet may safely read it: text that would run gets a leading `'`."""
    if isinstance(value, str) and value.startswith(TRIGGERS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def column_text_safe(column: pl.Expr) -> pl.Expr:
    """`cell_text_safe` for a Utf8 column, column-wise."""
    runs = column.str.contains(r"^[=+\-@\t\r]") & ~column.str.contains(f"^{NUMBER}$")
    return pl.when(runs).then(pl.lit("'") + column).otherwise(column)


def frame_text_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with every Utf8 column made safe; other columns are untouched."""
    return frame.with_columns(
        column_text_safe(pl.col(name)).alias(name)
        for name, dtype in frame.schema.items()
        if dtype == pl.String
    )


class CsvWriter:
    """`csv.writer` whose every cell goes through `cell_text_safe`."""

    def __init__(self, out: IO[str]) -> None:
        self._writer = csv.writer(out, lineterminator="\n")

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow(cell_text_safe(v) for v in row)

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def frame_write_csv(frame: pl.DataFrame, out: str | Path | IO[str] | IO[bytes]) -> None:
    """Polars `write_csv`, text made safe first."""
    frame_text_safe(frame).write_csv(out)


def frame_csv_text(frame: pl.DataFrame) -> str:
    """The frame as CSV text, text made safe first."""
    return frame_text_safe(frame).write_csv()


def xlsx_write_cell(sheet: Any, row: int, col: int, value: Any, style: Any = None) -> None:
    """One XLSX cell: numbers as numbers, everything else as safe text (never a formula)."""
    if value is None:
        return
    if isinstance(value, bool):
        sheet.write_string(row, col, "yes" if value else "no", style)
    elif isinstance(value, int | float):
        sheet.write_number(row, col, value, style)
    else:
        text = value.isoformat() if isinstance(value, dt.date) else str(value)
        sheet.write_string(row, col, cell_text_safe(text), style)


def frame_write_xlsx(frame: pl.DataFrame, path: Path, *, worksheet: str) -> None:
    """A one-sheet workbook: bold header row, then the rows, every cell via `xlsx_write_cell`."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    try:
        sheet = book.add_worksheet(worksheet)
        bold = book.add_format({"bold": True})
        for j, name in enumerate(frame.columns):
            xlsx_write_cell(sheet, 0, j, name, bold)
        for i, values in enumerate(frame.iter_rows(), start=1):
            for j, value in enumerate(values):
                xlsx_write_cell(sheet, i, j, value)
        sheet.autofit()
    finally:
        book.close()
