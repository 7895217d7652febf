"""Workbooks that crashed the import (issue 11, items 1 and 7): each refused with one line,
within 1 GiB, each read in a process of its own (the reader before issue 11 aborted, panicked
or took gigabytes on them)."""

from __future__ import annotations

import base64
import random
import zipfile
from pathlib import Path

import pytest

from opendtm.core.errors import InvalidInput
from opendtm.forms import limits
from opendtm.forms.queries import form_spec_get
from opendtm.forms.reader import read_export
from opendtm.forms.sources import rows_as_received
from opendtm.forms.workbook_cells import DAMAGED_HINT, cell_name
from tests.forms.workbooks import read_measured, row_xml, text_row, xlsx_parts_write

FIXTURES = Path(__file__).parent / "fixtures"
SITE = form_spec_get(form_id="dtm_site")
HEADER = ["site_id", "site_name", "hh", "ind", "_uuid"]
GIB = 1 << 30
STRETCHED = (
    " A value far below or to the right of the data stretches the sheet: delete the empty rows "
    "under the data and the empty columns to its right (or copy the data to a new workbook), "
    "save, and import again. A larger export can be imported as CSV."
)


def export(path: Path, extra: str = "", columns: int = 0) -> Path:
    """A site export (header, one row) plus the rows of `extra`."""
    strings: list[str] = []
    header = HEADER + [f"note_{i}" for i in range(columns)]
    rows = text_row(1, header, strings) + text_row(2, ["S-1", "Hall", 3, 10, "u1"], strings)
    return xlsx_parts_write(path, {"data": rows + extra}, strings)


def refused_within_a_gibibyte(path: Path) -> str:
    out = read_measured(path)
    assert "crashed" not in out, out["crashed"]
    assert out["peak_bytes"] < GIB, out["peak_bytes"]
    return str(out.get("refused"))


def test_one_value_at_the_last_cell_of_excel(tmp_path: Path) -> None:
    path = export(tmp_path / "xfd.xlsx", row_xml(1048576, [("XFD1048576", "><v>1</v>")]))
    assert refused_within_a_gibibyte(path) == (
        "xfd.xlsx: sheet 'data' spans 1,048,576 rows by 16,384 columns, from A1 to XFD1048576: "
        "17,179,869,184 cells, more than the 6,000,000 OpenDTM reads from one workbook." + STRETCHED
    )


def test_a_cell_reference_beyond_the_last_column(tmp_path: Path) -> None:
    path = export(tmp_path / "zz.xlsx", row_xml(3, [("ZZZZZZ3", "><v>1</v>")]))
    assert refused_within_a_gibibyte(path) == (
        "zz.xlsx: sheet 'data', cell ZZZZZZ3: column ZZZZZZ is beyond Excel's last column, XFD "
        "(column 16,384); no spreadsheet program writes such a cell. " + DAMAGED_HINT
    )


def test_a_million_empty_rows(tmp_path: Path) -> None:
    far = row_xml(1048576, [("A1048576", "><v>1</v>")])
    narrow = read_measured(export(tmp_path / "narrow.xlsx", far))  # 5 columns: 5.2 million cells
    assert (narrow.get("read"), narrow["peak_bytes"] < GIB) == (2, True), narrow
    path = export(tmp_path / "rows.xlsx", far, 7)
    assert refused_within_a_gibibyte(path) == (
        "rows.xlsx: sheet 'data' spans 1,048,576 rows by 12 columns, from A1 to L1048576: "
        "12,582,912 cells, more than the 6,000,000 OpenDTM reads from one workbook." + STRETCHED
    )


def test_columns_up_to_excel_s_last_are_read_a_hundred_thousand_are_refused(
    tmp_path: Path,
) -> None:
    strings: list[str] = []
    rows = text_row(1, HEADER, strings) + text_row(2, ["S-1", "Hall", 3, 10, "u1"], strings)
    legal = rows + row_xml(3, [(cell_name(2, i), f"><v>{i}</v>") for i in range(16_000)])
    out = read_measured(xlsx_parts_write(tmp_path / "legal.xlsx", {"data": legal}, strings))
    assert (out.get("read"), out["peak_bytes"] < GIB) == (2, True), out
    cells = [(cell_name(2, 5 + i), f"><v>{i}</v>") for i in range(100_000)]
    path = export(tmp_path / "wide.xlsx", row_xml(3, cells))
    assert refused_within_a_gibibyte(path) == (
        "wide.xlsx: sheet 'data', cell XFE3: column XFE is beyond Excel's last column, XFD "
        "(column 16,384); no spreadsheet program writes such a cell. " + DAMAGED_HINT
    )


def test_one_long_shared_text_in_333_cells(tmp_path: Path) -> None:
    strings: list[str] = []
    rows = text_row(1, HEADER, strings)
    strings.append(base64.b64encode(random.Random(0).randbytes(6 << 20)).decode())  # 8 MiB
    rows += "".join(
        row_xml(r, [(f"A{r}", f't="s"><v>{len(strings) - 1}</v>'), (f"C{r}", "><v>1</v>")])
        for r in range(2, 335)
    )
    path = xlsx_parts_write(tmp_path / "long.xlsx", {"data": rows}, strings)
    assert refused_within_a_gibibyte(path) == (
        "long.xlsx: a text of the workbook is longer than Excel's 32,767 characters for a cell "
        "(8.0 MiB of XML or more): the workbook was not written by Excel, or is damaged. "
        + DAMAGED_HINT
    )


@pytest.mark.slow
def test_a_gibibyte_of_shared_text_in_a_megabyte(tmp_path: Path) -> None:
    path = export(tmp_path / "bomb.xlsx", row_xml(3, [("A3", 't="s"><v>7</v>')]))
    with zipfile.ZipFile(path) as old:
        kept = [(i.filename, old.read(i)) for i in old.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as new:
        for name, data in kept:
            if name != "xl/sharedStrings.xml":
                new.writestr(name, data)
                continue
            with new.open(name, "w", force_zip64=True) as part:
                part.write(data.replace(b"</sst>", b"<si><t>"))
                for _ in range(64):
                    part.write(b"a" * (1 << 24))
                part.write(b"</t></si></sst>")
    assert path.stat().st_size < 8 << 20
    assert refused_within_a_gibibyte(path) == (
        "bomb.xlsx: part 'xl/sharedStrings.xml' unpacks to 1.0 GiB, more than the 512.0 MiB "
        "OpenDTM reads from one part. Export it as CSV (which has no such limit) or split it, "
        "and import that."
    )


def test_a_damaged_xls_that_panics_the_reader_is_refused(tmp_path: Path) -> None:
    data = bytearray((FIXTURES / "site_legacy.xls").read_bytes())
    data[1424] = 128  # one byte changed in a record's length: calamine panics (slice index)
    path = tmp_path / "damaged.xls"
    path.write_bytes(bytes(data))
    with pytest.raises(InvalidInput) as error:
        read_export(form=SITE, path=path)
    assert str(error.value) == "damaged.xls is damaged or is not an Excel workbook. " + DAMAGED_HINT


def test_a_child_out_of_memory_is_a_refusal(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(limits, "READ_MEMORY_BYTES", 32 * limits.MiB)
    path = export(tmp_path / "small.xlsx")
    with pytest.raises(InvalidInput) as error:
        read_export(form=SITE, path=path)
    assert str(error.value) == (
        "small.xlsx is too large or too damaged to read within the memory limit of 32.0 MiB. "
        "Check that it is the export you meant, export it again (or as CSV), and import that."
    )


def test_a_legacy_xls_over_its_size_limit_is_refused_unread(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(limits, "XLS_MAX_BYTES", 4096)
    with pytest.raises(InvalidInput) as error:
        read_export(form=SITE, path=FIXTURES / "site_legacy.xls")
    assert str(error.value) == (
        "site_legacy.xls is a legacy Excel workbook (.xls) of 5,632 bytes, more than the 4,096 "
        "bytes OpenDTM reads. Save it from Excel as an Excel workbook (.xlsx) or as CSV, and "
        "import that."
    )


def test_a_sheet_the_reader_cannot_read_is_refused_only_when_asked_for(tmp_path: Path) -> None:
    strings: list[str] = []
    rows = text_row(1, HEADER, strings) + text_row(2, ["S-1", "Hall", 3, 10, "u1"], strings)
    notes = text_row(1, ["note"], strings) + row_xml(2, [("A2", 't="n"><v>--</v>')])  # no number
    path = xlsx_parts_write(tmp_path / "two.xlsx", {"data": rows, "notes": notes}, strings)
    assert read_export(form=SITE, path=path).main["site_id"].to_list() == ["S-1"]
    with pytest.raises(InvalidInput) as error:
        rows_as_received(path, "notes", [2])
    assert str(error.value) == "two.xlsx is damaged or is not an Excel workbook. " + DAMAGED_HINT
