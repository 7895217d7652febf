"""The one table renderer of the CLI: widths, alignment, empty cells, the header."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from opendtm.cli.tables import table_lines


def test_whole_numbers_stand_right_text_and_dates_left_and_empty_cells_show_a_dash() -> None:
    rows = [
        ("PH01", 9, date(2026, 1, 5), None, True),
        ("PH0100101", 1234, date(2026, 11, 20), "", False),
    ]
    assert table_lines(rows, header=["pcode", "idp", "on", "note", "ok"]) == [
        "pcode       idp  on          note  ok",
        "PH01          9  2026-01-05  -     True",
        "PH0100101  1234  2026-11-20  -     False",
    ]


def test_without_a_header_and_with_a_mixed_column() -> None:
    assert table_lines([(1, "open", 2), (10, "validated", "n/a")]) == [
        " 1  open       2",
        "10  validated  n/a",
    ]


def test_no_row_no_line_even_with_a_header() -> None:
    assert table_lines([], header=["a", "b"]) == []
    assert table_lines(iter([])) == []


def test_rows_from_a_generator_and_trailing_blanks_trimmed() -> None:
    assert table_lines(((name, "") for name in ("ab", "c")), header=["n", "x"]) == [
        "n   x",
        "ab  -",
        "c   -",
    ]


words = st.text(alphabet="abcxyz-", min_size=1, max_size=8)


@given(st.lists(st.tuples(words, st.integers(-999, 99_999), words), min_size=1, max_size=6))
def test_lines_split_back_into_the_cells(rows: list[tuple[str, int, str]]) -> None:
    lines = table_lines(rows, header=["name", "n", "tail"])
    assert [line.split() for line in lines] == [
        ["name", "n", "tail"],
        *([a, str(n), b] for a, n, b in rows),
    ]
    ends = {
        line.index(f" {n} ") + 1 + len(str(n))
        for line, (_, n, _) in zip(lines[1:], rows, strict=True)
    }
    assert len(ends) == 1  # the numbers' last digits line up
