"""CSV dialects read or refused in the officer's words (issue 11 items 1, 4 and 5)."""

from __future__ import annotations

import codecs
import csv
import io
import logging
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opendtm.core.errors import InvalidInput
from opendtm.forms import delimited
from opendtm.forms.queries import form_spec_get
from opendtm.forms.reader import read_export
from opendtm.forms.sources import rows_as_received, source_read

SITE = form_spec_get(form_id="dtm_site")
UNICODE_TEXT = "site_id\tsite_name\thh\r\nS-1\tSto. Niño\t3\r\nS-2\tBañadero\t4\r\n"
AGAIN = (
    " Copy or download the file again; if it still fails, export it again from KoboToolbox or "
    "ODK Central, or save it from Excel as 'CSV UTF-8 (comma delimited)', and import that."
)
QUOTING = (
    " Open the file in a text editor at that row: a cell holding the delimiter, a quote mark "
    'or a line break must be in double quotes, with any quote mark inside it doubled (""). Or '
    "export it again from KoboToolbox or ODK Central and import that."
)


def refused(path: Path) -> str:
    with pytest.raises(InvalidInput) as error:
        read_export(form=SITE, path=path)
    return str(error.value)


def read(path: Path) -> list[tuple[object, ...]]:
    return read_export(form=SITE, path=path).main.select("_row", "site_id", "hh").rows()


def test_a_utf16_file_cut_by_one_byte_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "cut.txt"
    path.write_bytes(UNICODE_TEXT.encode("utf-16")[:-1])
    assert refused(path) == (
        "cut.txt is UTF-16 text (Excel's 'Unicode text') that is cut short: it ends in the "
        "middle of a character, so the copy is incomplete." + AGAIN
    )


@pytest.mark.parametrize("half", ["\ud83d", "\ude00"], ids=["high", "low"])
def test_a_utf16_file_with_an_unpaired_surrogate_is_refused(tmp_path: Path, half: str) -> None:
    before = codecs.BOM_UTF16_LE + "site_id\thh\r\nS-".encode("utf-16-le")
    path = tmp_path / "broken.txt"
    path.write_bytes(
        before + half.encode("utf-16-le", "surrogatepass") + "1\t3\r\n".encode("utf-16-le")
    )
    assert refused(path) == (
        f"broken.txt is UTF-16 text (Excel's 'Unicode text') with a damaged character at byte "
        f"{len(before)}: half of a two-part character (an unpaired surrogate), which no export "
        "writes." + AGAIN
    )


def test_a_big_endian_utf16_file_with_bare_cr_lines_reads_as_rows(tmp_path: Path) -> None:
    path = tmp_path / "mac.txt"
    path.write_bytes(
        UNICODE_TEXT.replace("\r\n", "\r").encode("utf-16-be").join([codecs.BOM_UTF16_BE, b""])
    )
    assert read(path) == [(2, "S-1", 3), (3, "S-2", 4)]
    assert rows_as_received(path, "mac.txt", [3]) == {
        3: {"site_id": "S-2", "site_name": "Bañadero", "hh": "4"}
    }


def test_bare_cr_line_ends_read_as_rows_not_one_header(tmp_path: Path) -> None:
    """An old-Mac or Excel save with lone CRs was one header of every cell: 'read 0'."""
    rows = [f"S-{i},{i},u{i}" for i in range(1, 2001)]
    path = tmp_path / "mac.csv"
    path.write_bytes("\r".join(["site_id,hh,_uuid", *rows, ""]).encode())
    parsed = read_export(form=SITE, path=path)
    assert parsed.main.height == 2000
    assert parsed.main.select("_row", "site_id", "hh").row(1999) == (2001, "S-2000", 2000)
    assert parsed.ignored_columns == []


def test_bare_cr_split_across_conversion_chunks(tmp_path: Path, monkeypatch) -> None:
    """A CR ending one chunk and the LF starting the next are one line end, not two."""
    monkeypatch.setattr(delimited, "CONVERT_CHUNK", 7)
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"site_id,hh\rS-1,3\r\nS-2,4\rS-3,5\r")
    assert read(path) == [(2, "S-1", 3), (3, "S-2", 4), (4, "S-3", 5)]


def test_a_row_with_more_cells_than_the_header_is_named(tmp_path: Path, caplog) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("site_id;hh;_uuid\nS-1;3;u1\n\nS-2;4;u2;Maria Santos\n", encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="opendtm.forms.delimited"):
        message = refused(path)
    assert message == (
        "ragged.csv: row 4 has 4 cells but the header has 3 columns (a ';' inside a cell that "
        "is not in quotes, or a row from another file)." + QUOTING
    )
    assert "Schema" not in message
    assert caplog.messages == [
        "CSV ragged.csv not parsed by Polars: found more fields than defined in 'Schema'"
    ]


def test_text_after_a_closing_quote_is_named_and_not_logged(tmp_path: Path, caplog) -> None:
    path = tmp_path / "quotes.csv"
    path.write_text('site_id,hh,_uuid\nS-1,3,u1\n"Maria" Santos,4,u2\n', encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="opendtm.forms.delimited"):
        message = refused(path)
    assert (
        message == "quotes.csv: row 3 has a cell with text after its closing quote mark." + QUOTING
    )
    assert "dtype" not in message
    assert len(caplog.messages) == 1 and "Maria" not in caplog.text
    assert caplog.messages[0].startswith("CSV quotes.csv not parsed by Polars: could not parse `…`")


def test_a_quote_never_closed_is_named(tmp_path: Path) -> None:
    path = tmp_path / "open.csv"
    path.write_text('site_id,hh,_uuid\nS-1,3,u1\n"S-2,4,u2\nS-3,5,u3\n', encoding="utf-8")
    assert refused(path) == (
        "open.csv: row 3 opens a quote mark that is never closed, so the rest of the file "
        "would be one cell." + QUOTING
    )


# --- any dialect ---------------------------------------------------------------------------
# A table written in a random dialect reads back exactly; a damaged one reads or is refused
# with InvalidInput, never another exception.

HEADERS = st.lists(
    st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True), min_size=1, max_size=5, unique=True
).map(lambda names: ["site_id", *(n for n in names if n != "site_id")])
CELLS = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\r\n"), max_size=12)
DIALECTS = st.fixed_dictionaries(
    {
        "delimiter": st.sampled_from([",", ";", "\t"]),
        "lineterminator": st.sampled_from(["\n", "\r\n", "\r"]),
        "quoting": st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
        "encoding": st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le-bom"]),
    }
)


def dialect_bytes(rows: list[list[str]], dialect: dict[str, Any]) -> bytes:
    out = io.StringIO()
    options = {k: v for k, v in dialect.items() if k != "encoding"}
    csv.writer(out, **options).writerows(rows)
    text = out.getvalue()
    if dialect["encoding"] == "utf-16-le-bom":  # Excel's "Unicode text"
        return codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    return text.encode(dialect["encoding"])


@st.composite
def tables(draw: st.DrawFn) -> list[list[str]]:
    headers = draw(HEADERS)
    rows = draw(st.lists(st.lists(CELLS, min_size=len(headers), max_size=len(headers)), max_size=6))
    return [headers, *rows]


def raw_cells(path: Path) -> list[list[str]]:
    source = source_read(path)
    name = source.sheet_names[0]
    frames = [b.frame for b in source.batches(name)]
    rows = [list(r) for f in frames for r in f.rows()]
    return [source.headers(name), *([("" if c is None else c) for c in r] for r in rows)]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(table=tables(), dialect=DIALECTS)
def test_a_table_in_any_dialect_reads_back_exactly(
    tmp_path: Path, table: list[list[str]], dialect: dict[str, Any]
) -> None:
    path = tmp_path / "any.csv"
    path.write_bytes(dialect_bytes(table, dialect))
    # A row of one empty cell is a blank line, which a CSV cannot tell from no row.
    expected = [table[0], *(r for r in table[1:] if r != [""])]
    assert raw_cells(path) == expected


DAMAGE = st.lists(
    st.tuples(
        st.sampled_from(["cut", "insert", "replace", "repeat"]),
        st.floats(min_value=0, max_value=1),
        st.binary(min_size=1, max_size=4),
    ),
    min_size=1,
    max_size=3,
)


def damaged(data: bytes, damage: list[tuple[str, float, bytes]]) -> bytes:
    for kind, where, junk in damage:
        at = int(where * len(data))
        if kind == "cut":
            data = data[:at]
        elif kind == "insert":
            data = data[:at] + junk + data[at:]
        elif kind == "replace":
            data = data[:at] + junk + data[at + len(junk) :]
        else:
            data = data[:at] + data[at : at + 40] * 3 + data[at + 40 :]
    return data


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(table=tables(), dialect=DIALECTS, damage=DAMAGE)
def test_a_damaged_csv_in_any_dialect_reads_or_is_refused(
    tmp_path: Path,
    table: list[list[str]],
    dialect: dict[str, Any],
    damage: list[tuple[str, float, bytes]],
) -> None:
    path = tmp_path / "damaged.csv"
    path.write_bytes(
        damaged(
            dialect_bytes([[*table[0], "hh"], *([*r, "3"] for r in table[1:])], dialect), damage
        )
    )
    try:
        read_export(form=SITE, path=path)
        rows_as_received(path, "damaged.csv", [2, 3])
    except InvalidInput as refused:
        assert "\n" not in str(refused)
