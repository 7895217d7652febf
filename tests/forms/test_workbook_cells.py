"""The cell scan agrees with calamine, whatever the sheet: the rectangle it measures is the one
fastexcel reads (so rows are numbered and error cells placed exactly), and the Polars scan of
the plain layout finds what expat finds in any other."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import fastexcel
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opendtm.forms.workbook_cells import SheetFacts, SheetScan

VALUES = st.one_of(
    st.text(alphabet="abcXYZ <>&\"'=-", min_size=1, max_size=8).map(lambda s: ("text", s)),
    st.integers(-5, 10**6).map(lambda n: ("number", n)),
    st.booleans().map(lambda b: ("bool", b)),
    st.sampled_from(["#N/A", "#REF!", "#DIV/0!", "#VALUE!"]).map(lambda e: ("error", e)),
    st.just(("styled empty", None)),
    st.text(alphabet="ab", max_size=3).map(lambda s: ("formula text", s)),
)
CELLS = st.dictionaries(
    st.tuples(st.integers(0, 40), st.integers(0, 30)), VALUES, min_size=1, max_size=40
)


def write(path: Path, cells: dict[tuple[int, int], tuple[str, object]]) -> Path:
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    sheet = book.add_worksheet("data")
    bold = book.add_format({"bold": True})
    for (row, col), (kind, value) in cells.items():
        if kind == "text":
            sheet.write_string(row, col, str(value))
        elif kind == "number":
            sheet.write_number(row, col, value)  # type: ignore[arg-type]
        elif kind == "bool":
            sheet.write_boolean(row, col, bool(value))
        elif kind == "error":
            sheet.write_formula(row, col, "=1/0", None, str(value))
        elif kind == "formula text":
            sheet.write_formula(row, col, '=""', None, str(value))
        else:
            sheet.write_blank(row, col, None, bold)
    book.close()
    return path


def scanned(xml: bytes) -> SheetFacts:
    return SheetScan("f.xlsx", "data", lambda: iter([xml]), strings=10**6).facts()


def prefixed(xml: bytes) -> bytes:
    return re.sub(rb"<(/?)(worksheet|sheetData|row|c|v|f|is|t)\b", rb"<\1x:\2", xml).replace(
        b"<x:worksheet xmlns=", b"<x:worksheet xmlns:x="
    )


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cells=CELLS)
def test_the_scan_measures_what_fastexcel_reads(tmp_path: Path, cells) -> None:
    path = write(tmp_path / "w.xlsx", cells)
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml")
    facts = scanned(xml)
    assert scanned(prefixed(xml)) == facts  # the expat path finds the same
    frame = fastexcel.read_excel(path).load_sheet("data", header_row=None, dtypes="string")
    table = frame.to_polars()
    if facts.first_row < 0:
        assert table.height == 0 or table.width == 0
        return
    assert (facts.last_row - facts.first_row + 1, facts.last_col - facts.first_col + 1) == (
        table.height,
        table.width,
    )
    errors = sorted((r, c, str(v)) for (r, c), (kind, v) in cells.items() if kind == "error")
    assert sorted(facts.errors) == errors
