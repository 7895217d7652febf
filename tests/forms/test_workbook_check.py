"""What a workbook may claim (issue 11, items 1, 4, 5): refused with one line naming the file,
the sheet and the cell, or read exactly; the same in the plain layout (the Polars scan) and in
any other (prefixed names, cells without references: the expat scan)."""

from __future__ import annotations

import base64
import logging
import random
import re
import struct
import zipfile
from pathlib import Path

import polars as pl
import pytest

from opendtm.core.errors import InvalidInput
from opendtm.forms.queries import form_spec_get
from opendtm.forms.reader import read_export
from opendtm.forms.sources import rows_as_received
from opendtm.forms.workbook_cells import DAMAGED_HINT
from tests.forms.workbooks import MAIN_NS, row_xml, text_row, xlsx_parts_write

SITE = form_spec_get(form_id="dtm_site")
HEADER = ["site_id", "site_name", "hh", "ind", "_uuid"]
LAYOUTS = ["plain", "prefixed", "unreferenced"]


def laid_out(rows: str, layout: str) -> str:
    """The `<sheetData>` content in another layout: names prefixed `x:`, or cells and rows
    without their `r` (read by position, as calamine does)."""
    if layout == "prefixed":
        return re.sub(r"<(/?)(row|c|v|f|is|t)\b", r"<\1x:\2", rows)
    if layout == "unreferenced":
        return re.sub(r' r="[A-Z]*[0-9]+"', "", rows)
    return rows


def workbook(path: Path, rows: str, strings: list[str], layout: str = "plain") -> Path:
    if layout != "prefixed":
        return xlsx_parts_write(path, {"data": laid_out(rows, layout)}, strings)
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8"?><x:worksheet xmlns:x="{MAIN_NS}">'
        f"<x:sheetData>{laid_out(rows, layout)}</x:sheetData></x:worksheet>"
    )
    return xlsx_parts_write(path, {"data": ""}, strings, parts={"xl/worksheets/sheet1.xml": sheet})


def refused(path: Path) -> str:
    with pytest.raises(InvalidInput) as error:
        read_export(form=SITE, path=path)
    return str(error.value)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("value", ["-1", "abc", "3", " 1", "99999999999", ""])
def test_a_shared_text_number_the_workbook_lacks_is_refused(
    tmp_path: Path, layout: str, value: str
) -> None:
    strings: list[str] = []
    rows = text_row(1, ["site_id", "site_name", "hh"], strings) + row_xml(
        2, [("A2", 't="s"><v>0</v>'), ("B2", f't="s"><v>{value}</v>'), ("C2", "><v>3</v>")]
    )
    path = workbook(tmp_path / "s.xlsx", rows, strings, layout)
    assert refused(path) == (
        f"s.xlsx: sheet 'data', cell B2: the cell points to shared text {value!r}, which the "
        "workbook does not have (it has texts 0 to 2): the workbook is damaged or was not "
        "written by Excel. " + DAMAGED_HINT
    )


def error_export(path: Path, layout: str) -> Path:
    strings: list[str] = []
    rows = text_row(1, [*HEADER, "remarks"], strings)
    rows += row_xml(
        2,
        [
            ("A2", f't="s"><v>{len(strings)}</v>'),
            ("B2", f't="s"><v>{len(strings) + 1}</v>'),
            ("C2", 't="e"><f>1/0</f><v>#DIV/0!</v>'),
            ("D2", "><v>10</v>"),
            ("E2", f't="s"><v>{len(strings) + 2}</v>'),
            ("F2", 't="e"><v>#N/A</v>'),
        ],
    )
    strings += ["S-1", "Hall", "u1", "u2", "Gym"]
    rows += row_xml(
        3,
        [
            ("A3", 't="e"><f>#REF!</f><v>#REF!</v>'),
            ("B3", 't="s"><v>10</v>'),
            ("C3", "><v>4</v>"),
            ("D3", "><v>12</v>"),
            ("E3", 't="s"><v>9</v>'),
        ],
    )
    # A row of nothing but an error (after three styled empty cells).
    rows += '<row r="4"><c r="A4" s="1"/><c r="B4" s="1"/><c r="C4" s="1"/>'
    rows += '<c r="D4" t="e"><v>#VALUE!</v></c></row>'
    return workbook(path, rows, strings, layout)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_excel_error_cells_are_report_lines_of_their_rows(tmp_path: Path, layout: str) -> None:
    parsed = read_export(form=SITE, path=error_export(tmp_path / "e.xlsx", layout))
    assert parsed.main.select("_row", "_submission_id", "site_id", "hh", "ind").rows() == [
        (2, "u1", "S-1", None, 10),
        (3, "u2", None, 4, 12),
        (4, None, None, None, None),
    ]
    lines = parsed.issues.filter(pl.col("rule") == "type.excel_error")
    assert lines.drop("rule").rows() == [
        ("data", 2, "u1", "hh", "#DIV/0!", "error",
         "hh: the cell holds Excel's error #DIV/0!, not a value; replace the formula by the value"),
        ("data", 3, "u2", "site_id", "#REF!", "error",
         "site_id: the cell holds Excel's error #REF!, not a value; replace the formula by the "
         "value"),
        ("data", 4, None, "ind", "#VALUE!", "error",
         "ind: the cell holds Excel's error #VALUE!, not a value; replace the formula by the "
         "value"),
    ]  # fmt: skip


def test_excel_error_cells_of_a_legacy_xls_are_report_lines_too(tmp_path: Path) -> None:
    """calamine reads a .xls error cell as empty ("required but empty" would be the wrong
    reason): the reading child finds them with xlrd. Written by xlwt, as Excel 97-2003 does."""
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("data")
    for col, header in enumerate(["site_id", "hh", "ind", "_uuid"]):
        sheet.write(0, col, header)
    sheet.write(1, 0, "S-1")
    sheet.row(1).set_cell_error(1, "#DIV/0!")
    sheet.write(1, 2, 10)
    sheet.write(1, 3, "u1")
    sheet.write(2, 0, "S-2")
    sheet.write(2, 1, 4)
    sheet.row(2).set_cell_error(2, 42)  # #N/A, which xlwt knows by its code only
    sheet.write(2, 3, "u2")
    path = tmp_path / "e.xls"
    book.save(str(path))
    parsed = read_export(form=SITE, path=path)
    assert parsed.main.select("_row", "_submission_id", "site_id", "hh", "ind").rows() == [
        (2, "u1", "S-1", None, 10),
        (3, "u2", "S-2", 4, None),
    ]
    lines = parsed.issues.filter(pl.col("rule") == "type.excel_error")
    assert lines.select("row", "field", "value").rows() == [
        (2, "hh", "#DIV/0!"),
        (3, "ind", "#N/A"),
    ]


def test_rows_are_numbered_where_the_sheet_has_them(tmp_path: Path) -> None:
    strings: list[str] = []
    rows = text_row(1, [], strings) + row_xml(
        3, [("B3", 't="s"><v>0</v>'), ("C3", 't="s"><v>1</v>'), ("D3", 't="s"><v>2</v>')]
    )
    rows += row_xml(4, [("B4", 't="s"><v>3</v>'), ("C4", "><v>5</v>"), ("D4", "><v>9</v>")])
    path = xlsx_parts_write(tmp_path / "low.xlsx", {"data": rows}, ["site_id", "hh", "ind", "S-1"])
    parsed = read_export(form=SITE, path=path)
    assert parsed.main.select("_row", "site_id", "hh", "ind").rows() == [(4, "S-1", 5, 9)]
    assert rows_as_received(path, "data", [4]) == {4: {"site_id": "S-1", "hh": "5", "ind": "9"}}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_an_error_value_calamine_cannot_read_is_refused_naming_the_cell(
    tmp_path: Path, layout: str
) -> None:
    strings: list[str] = []
    rows = text_row(1, HEADER, strings) + row_xml(2, [("A2", 't="e"><v>#SPILL!</v>')])
    assert refused(workbook(tmp_path / "s.xlsx", rows, strings, layout)) == (
        "s.xlsx: sheet 'data', cell A2 holds Excel's error #SPILL!, which OpenDTM cannot read. "
        "Replace the formula in that cell by its value (or clear the cell), save, and import "
        "again."
    )


@pytest.mark.parametrize("layout", ["plain", "prefixed"])
@pytest.mark.parametrize(
    ("ref", "what"),
    [
        ("XFE1", "cell XFE1: column XFE is beyond Excel's last column, XFD (column 16,384); no "
                 "spreadsheet program writes such a cell."),
        ("A1048577", "cell A1048577 is beyond Excel's last row (1,048,576); no spreadsheet "
                     "program writes such a cell."),
        ("1A", "cell reference '1A' is not a cell reference."),
        ("A0", "cell reference 'A0' is not a cell reference."),
    ],
)  # fmt: skip
def test_a_cell_reference_beyond_excel_or_not_one_is_refused(
    tmp_path: Path, layout: str, ref: str, what: str
) -> None:
    strings: list[str] = []
    rows = text_row(1, HEADER, strings) + f'<row r="2"><c r="{ref}" s="1"/></row>'
    path = workbook(tmp_path / "r.xlsx", rows, strings, layout)
    assert refused(path) == f"r.xlsx: sheet 'data', {what} {DAMAGED_HINT}"


def test_a_text_longer_than_excel_allows_is_refused(tmp_path: Path) -> None:
    strings: list[str] = []
    rows = text_row(1, HEADER, strings) + row_xml(2, [("A2", 't="s"><v>5</v>')])
    strings.append(base64.b64encode(random.Random(1).randbytes(30_000)).decode())  # 40,000
    strings.append("after it")
    assert refused(xlsx_parts_write(tmp_path / "t.xlsx", {"data": rows}, strings)) == (
        "t.xlsx: a text of the workbook is longer than Excel's 32,767 characters for a cell "
        f"({40_000 + len('><t></t></si>'):,} bytes of XML or more): the workbook was not "
        "written by Excel, or is damaged. " + DAMAGED_HINT
    )


def test_a_text_of_excel_s_longest_is_read(tmp_path: Path) -> None:
    strings: list[str] = []
    rows = text_row(1, HEADER, strings) + row_xml(2, [("B2", 't="s"><v>5</v>')])
    strings.append("&" * 32_767)  # 163,835 bytes of XML: counted exactly
    path = xlsx_parts_write(tmp_path / "t.xlsx", {"data": rows}, strings)
    assert read_export(form=SITE, path=path).main["site_name"].to_list() == ["&" * 32_767]
    strings[-1] += "&"
    assert refused(xlsx_parts_write(tmp_path / "t.xlsx", {"data": rows}, strings)).startswith(
        "t.xlsx: a text of the workbook is longer than Excel's 32,767 characters for a cell "
    )


def test_a_truncated_workbook_is_damaged_and_the_log_says_why(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    strings: list[str] = []
    path = xlsx_parts_write(tmp_path / "cut.xlsx", {"data": text_row(1, HEADER, strings)}, strings)
    path.write_bytes(path.read_bytes()[:-30])
    with caplog.at_level(logging.INFO, logger="opendtm.forms.workbook_check"):
        assert refused(path) == "cut.xlsx is damaged or is not an Excel workbook. " + DAMAGED_HINT
    (record,) = caplog.records
    assert record.levelno == logging.INFO
    assert "BadZipFile: File is not a zip file" in record.getMessage()
    assert "cut.xlsx" not in record.getMessage()


def test_a_part_that_lies_about_its_size_is_damaged(tmp_path: Path) -> None:
    strings: list[str] = []
    rows = text_row(1, HEADER, strings) + text_row(2, ["S-1", "Hall", 3, 10, "u1"], strings)
    path = xlsx_parts_write(tmp_path / "lie.xlsx", {"data": rows}, strings)
    data = bytearray(path.read_bytes())
    name = b"xl/sharedStrings.xml"
    # The unpacked size in its local header and in the central directory, made 40 bytes.
    for signature, name_at, size_at in ((b"PK\x03\x04", 30, 22), (b"PK\x01\x02", 46, 24)):
        for found in re.finditer(re.escape(signature), data):
            if data[found.start() + name_at :].startswith(name):
                data[found.start() + size_at : found.start() + size_at + 4] = struct.pack("<I", 40)
    path.write_bytes(bytes(data))
    assert refused(path) == "lie.xlsx is damaged or is not an Excel workbook. " + DAMAGED_HINT


def test_too_many_parts_a_zip_bomb_and_a_dtd_are_refused(tmp_path: Path) -> None:
    strings: list[str] = []
    rows = text_row(1, HEADER, strings) + text_row(2, ["S-1", "Hall", 3, 10, "u1"], strings)
    many = {f"xl/media/image{i}.png": b"" for i in range(10_000)}
    path = xlsx_parts_write(tmp_path / "many.xlsx", {"data": rows}, strings, parts=many)
    assert refused(path) == (
        "many.xlsx: the workbook holds 10,006 parts, more than the 10,000 an Excel workbook may "
        "have here. " + DAMAGED_HINT
    )
    bomb = {"xl/media/blob.bin": bytes(4 << 20)}
    path = xlsx_parts_write(tmp_path / "bomb.xlsx", {"data": rows}, strings, parts=bomb)
    with zipfile.ZipFile(path) as archive:
        packed = archive.getinfo("xl/media/blob.bin").compress_size
    assert refused(path) == (
        f"bomb.xlsx: part 'xl/media/blob.bin' unpacks from {packed:,} bytes to 4.0 MiB "
        f"({(4 << 20) / packed:,.0f} times), more than the 200 times of any real workbook: it "
        "is a zip bomb or is damaged. " + DAMAGED_HINT
    )
    dtd = '<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "aaaa">]><sst><si><t>&a;</t></si></sst>'
    path = xlsx_parts_write(
        tmp_path / "dtd.xlsx", {"data": rows}, strings, parts={"xl/sharedStrings.xml": dtd}
    )
    assert refused(path) == (
        "dtd.xlsx: part 'xl/sharedStrings.xml' declares a DTD, which no workbook has. "
        + DAMAGED_HINT
    )
