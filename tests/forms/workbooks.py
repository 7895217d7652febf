"""Write small XLSX files from literal rows, the way export writers lay them out.

Cells keep their Python type: numbers become numeric cells and dates date cells (as Kobo writes
them unless "store numbers and dates as text" is ticked); strings stay text; None stays empty.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import xlsxwriter

Rows = list[list[Any]]


def xlsx_write(path: Path, sheets: dict[str, Rows]) -> Path:
    """One sheet per entry, in order; row 0 is the header."""
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, dt.date):
                    sheet.write_datetime(r, c, value, date_format)
                elif isinstance(value, str):
                    sheet.write_string(r, c, value)
                else:
                    sheet.write(r, c, value)
    book.close()
    return path


def sheet_rows(path: Path, sheet: str) -> list[list[object]]:
    """The cells of one sheet as openpyxl reads them (None for empty), for checking a write."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    try:
        return [list(row) for row in book[sheet].iter_rows(values_only=True)]
    finally:
        book.close()
