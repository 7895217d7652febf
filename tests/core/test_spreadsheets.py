"""Spreadsheet safety: text a spreadsheet would run gets one leading apostrophe; numbers,
ordinary text and non-text values are untouched; XLSX text cells are strings, never formulas."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from opendtm.core.spreadsheets import (
    TRIGGERS,
    CsvWriter,
    cell_text_safe,
    frame_csv_text,
    frame_text_safe,
    frame_write_xlsx,
)

LINK = '=HYPERLINK("http://x","Click me")'
CMD = "@SUM(1+1)*cmd|' /C calc'!A0"


def test_formulas_get_an_apostrophe_numbers_and_text_do_not() -> None:
    assert [
        cell_text_safe(v)
        for v in (LINK, CMD, "=cmd|' /C calc'!A0", "+1+1", "-1+1", "\t=1", "\r=1", "-", "@")
    ] == [
        "'" + LINK,
        "'" + CMD,
        "'=cmd|' /C calc'!A0",
        "'+1+1",
        "'-1+1",
        "'\t=1",
        "'\r=1",
        "'-",
        "'@",
    ]
    assert [cell_text_safe(v) for v in ("-12", "+3.5", "-.5", "1e-3", "-2E+4", "Camp = 3", "")] == [
        "-12",
        "+3.5",
        "-.5",
        "1e-3",
        "-2E+4",
        "Camp = 3",
        "",
    ]
    assert [cell_text_safe(v) for v in (-12, 3.5, None, True)] == [-12, 3.5, None, True]
    # A number followed by a newline is not a number (Python's `$` would say it is).
    assert cell_text_safe("-12\n") == "'-12\n"


def test_csv_writer_and_frames_write_the_same_bytes() -> None:
    out = io.StringIO()
    CsvWriter(out).writerows([["name", "n"], [LINK, -12], [CMD, "+3.5"]])
    expected = (
        'name,n\n"\'=HYPERLINK(""http://x"",""Click me"")",-12\n'
        "'@SUM(1+1)*cmd|' /C calc'!A0,+3.5\n"
    )
    assert out.getvalue() == expected
    frame = pl.DataFrame({"name": [LINK, CMD], "n": ["-12", "+3.5"], "k": [1, 2]})
    assert frame_csv_text(frame) == (
        'name,n,k\n"\'=HYPERLINK(""http://x"",""Click me"")",-12,1\n'
        "'@SUM(1+1)*cmd|' /C calc'!A0,+3.5,2\n"
    )


def test_xlsx_text_is_a_string_cell_and_numbers_are_numbers(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    frame = pl.DataFrame({"name": [LINK, "-12"], "n": [-12, 3]})
    frame_write_xlsx(frame, path, worksheet="report")
    sheet = openpyxl.load_workbook(path)["report"]
    cells = [(c.value, c.data_type) for row in sheet.iter_rows(min_row=2) for c in row]
    assert cells == [("'" + LINK, "s"), (-12, "n"), ("-12", "s"), (3, "n")]


@given(st.text())
def test_neutralised_text_never_starts_a_formula_and_loses_nothing(text: str) -> None:
    safe = cell_text_safe(text)
    number = safe == text and text.startswith(TRIGGERS)
    assert not safe.startswith(TRIGGERS) or number
    if number:
        assert float(text) == float(text)  # it really is a number
    assert safe == text or ("'" + text == safe)
    # Column-wise, Polars says the same.
    assert frame_text_safe(pl.DataFrame({"t": [text]}))["t"].to_list() == [safe]


@given(st.sampled_from(TRIGGERS), st.text())
def test_any_text_after_a_trigger_is_neutralised_unless_a_number(first: str, rest: str) -> None:
    text = first + rest
    safe = cell_text_safe(text)
    try:
        float(text)
        looks_numeric = True
    except ValueError:
        looks_numeric = False
    assert safe[1:] == text if safe != text else looks_numeric
    assert frame_text_safe(pl.DataFrame({"t": [text]}))["t"].to_list() == [safe]
