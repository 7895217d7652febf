"""Every cell reference of one sheet of an XLSX workbook, scanned in bounded memory.

Part of `workbook_check`: where the sheet's values are (the rectangle calamine will allocate),
which shared texts its cells point to, and its Excel error cells. The plain layout that Excel,
KoboToolbox (xlsxwriter), openpyxl and LibreOffice write (`<c r="A1" t="s"><v>0</v></c>`) is
scanned column-wise with Polars, a chunk of rows at a time; any other (prefixed names,
attributes in another order, cells without references) goes through expat, exactly and more
slowly, following calamine's reading.
"""

from __future__ import annotations

import re
import xml.parsers.expat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import polars as pl

from opendtm.core.errors import InvalidInput
from opendtm.forms import limits

DAMAGED_HINT = (
    "Export it again (or open it in Excel and save it again as an Excel workbook) and import that."
)
LARGE_HINT = "Export it as CSV (which has no such limit) or split it, and import that."
# The error values calamine reads; it refuses a workbook holding any other (#SPILL!, #CALC!).
EXCEL_ERRORS = frozenset({"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!"})
ROOT = re.compile(rb"<(?:([A-Za-z_][\w.-]*):)?(worksheet|sst|workbook|Relationships)[\s>/]")
# The fast path: one match per cell, its start tag, its formula and the start of its value.
_CELL = r'<c r="[^"]*"[^>]*>(?:<f[^<]*(?:</f>|/>))?(?:<v>[^<]*|<is)?'
# Every tag that matters, however written; equal to the plain forms' count in the plain layout.
_ANY_TAG = r"<(?:[A-Za-z_][\w.-]*:)?(?:c|v|is)[\s/>]|\st\s*="


@dataclass
class SheetFacts:
    """Where a sheet's values are (0-based; -1 when it has none) and its Excel error cells."""

    name: str
    first_row: int = -1
    last_row: int = -1
    first_col: int = -1
    last_col: int = -1
    errors: list[tuple[int, int, str]] = field(default_factory=list)  # (row, column, "#N/A")

    @property
    def cells(self) -> int:
        if self.first_row < 0:
            return 0
        return (self.last_row - self.first_row + 1) * (self.last_col - self.first_col + 1)

    def extend(self, rows: tuple[int, int], cols: tuple[int, int]) -> None:
        if self.first_row < 0:
            self.first_row, self.last_row = rows
            self.first_col, self.last_col = cols
            return
        self.first_row, self.last_row = min(self.first_row, rows[0]), max(self.last_row, rows[1])
        self.first_col, self.last_col = min(self.first_col, cols[0]), max(self.last_col, cols[1])


def cell_name(row: int, col: int) -> str:
    """A 0-based position as Excel names it: (0, 0) -> A1."""
    letters = ""
    col += 1
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row + 1}"


def size_text(n: int) -> str:
    """A size as the messages give it: 1.5 GiB, 200.0 MiB, 1,234 bytes."""
    if n >= limits.GiB:
        return f"{n / limits.GiB:,.1f} GiB"
    return f"{n / limits.MiB:,.1f} MiB" if n >= limits.MiB else f"{n:,} bytes"


def column_number(letters: str) -> int | None:
    """Column letters as a number (A -> 1, XFD -> 16,384); None for what is not letters."""
    if not letters or not letters.isascii() or not letters.isalpha():
        return None
    number = 0
    for ch in letters.upper():
        number = number * 26 + ord(ch) - 64
    return number


def too_many_cells(file: str, sheet: SheetFacts, total: int) -> InvalidInput:
    """The refusal of a sheet whose rectangle of cells is more than the reader may allocate."""
    rows = sheet.last_row - sheet.first_row + 1
    cols = sheet.last_col - sheet.first_col + 1
    first = cell_name(sheet.first_row, sheet.first_col)
    last = cell_name(sheet.last_row, sheet.last_col)
    more = "" if total == sheet.cells else f" ({total:,} with the sheets before it)"
    return InvalidInput(
        f"{file}: sheet {sheet.name!r} spans {rows:,} rows by {cols:,} columns, from {first} to "
        f"{last}: {sheet.cells:,} cells{more}, more than the "
        f"{limits.WORKBOOK_MAX_CELLS:,} OpenDTM reads from one workbook.",
        hint=(
            "A value far below or to the right of the data stretches the sheet: delete the "
            "empty rows under the data and the empty columns to its right (or copy the data "
            "to a new workbook), save, and import again. A larger export can be imported as "
            "CSV."
        ),
    )


class SheetScan:
    """Every cell reference of one sheet, its value rectangle and its error cells."""

    def __init__(
        self, file: str, name: str, chunks: Callable[[], Iterator[bytes]], strings: int
    ) -> None:
        self.file = file
        self.name = name
        self.chunks = chunks  # the sheet's XML, unpacked, from its start
        self.strings = strings

    def facts(self) -> SheetFacts:
        facts = SheetFacts(self.name)
        if self._fast(facts):
            return facts
        facts = SheetFacts(self.name)
        self._slow(facts)
        return facts

    def refuse(self, what: str, hint: str = DAMAGED_HINT) -> InvalidInput:
        return InvalidInput(f"{self.file}: sheet {self.name!r}, {what}", hint=hint)

    # -- cell references

    def column(self, letters: str, ref: str) -> int:
        number = column_number(letters)
        if number is None:
            raise self.refuse(f"cell reference {ref[:20]!r} is not a cell reference.")
        if number > limits.SHEET_MAX_COLUMNS:
            raise self.refuse(
                f"cell {ref[:20]}: column {letters[:20]} is beyond Excel's last column, XFD "
                f"(column {limits.SHEET_MAX_COLUMNS:,}); no spreadsheet program writes such a cell."
            )
        return number - 1

    def row(self, digits: str, ref: str) -> int:
        if not digits.isascii() or not digits.isdigit() or int(digits) < 1:
            raise self.refuse(f"cell reference {ref[:20]!r} is not a cell reference.")
        if int(digits) > limits.SHEET_MAX_ROWS:
            raise self.refuse(
                f"cell {ref[:20]} is beyond Excel's last row ({limits.SHEET_MAX_ROWS:,}); no "
                "spreadsheet program writes such a cell."
            )
        return int(digits) - 1

    def position(self, ref: str) -> tuple[int, int]:
        letters = ref.rstrip("0123456789")
        return self.row(ref[len(letters) :], ref), self.column(letters, ref)

    # -- what a valued cell may hold

    def shared_text_check(self, ref: str, value: str) -> None:
        if value.isascii() and value.isdigit() and len(value) <= 9 and int(value) < self.strings:
            return
        raise self.refuse(
            f"cell {ref}: the cell points to shared text {value[:20]!r}, which the workbook does "
            "not have (it has texts 0 to "
            f"{self.strings - 1:,}): the workbook is damaged or was not written by Excel.",
        )

    def error_add(self, facts: SheetFacts, row: int, col: int, value: str) -> None:
        if value not in EXCEL_ERRORS:
            raise self.refuse(
                f"cell {cell_name(row, col)} holds Excel's error {value[:20]}, which OpenDTM "
                "cannot read.",
                hint="Replace the formula in that cell by its value (or clear the cell), save, "
                "and import again.",
            )
        facts.errors.append((row, col, value))
        if len(facts.errors) > limits.ERROR_CELLS_MAX:
            raise self.refuse(
                f"more than {limits.ERROR_CELLS_MAX:,} cells hold an Excel error (#N/A, #REF!...): "
                "the formulas of the sheet failed.",
                hint="Fix the formulas (or replace them by their values), save, and import again.",
            )

    def bound(self, facts: SheetFacts) -> None:
        if facts.cells > limits.WORKBOOK_MAX_CELLS:
            raise too_many_cells(self.file, facts, facts.cells)

    # -- the fast path: Polars over the plain layout

    def _fast(self, facts: SheetFacts) -> bool:
        """Scan in the plain layout; False (nothing decided) when the sheet is written
        otherwise."""
        carry = b""
        first = True
        for chunk in self.chunks():
            if first:
                first = False
                root = ROOT.search(chunk)
                if root is None or root.group(1) or b"\x00" in chunk[:200]:
                    return False  # prefixed names, UTF-16: expat reads them
            buffer = carry + chunk
            cut = buffer.rfind(b"</row>")
            if cut < 0:
                if len(buffer) > limits.XML_ROW_MAX_BYTES:
                    raise self._row_too_large()
                carry = buffer
                continue
            piece, carry = buffer[: cut + 6], buffer[cut + 6 :]
            if not self._fast_piece(piece, facts):
                return False
        if len(carry) > limits.XML_ROW_MAX_BYTES:
            raise self._row_too_large()
        return self._fast_piece(carry, facts)

    def _row_too_large(self) -> InvalidInput:
        return self.refuse(
            f"a row is more than {size_text(limits.XML_ROW_MAX_BYTES)} of XML, more than OpenDTM "
            "reads.",
            hint=LARGE_HINT,
        )

    def _fast_piece(self, piece: bytes, facts: SheetFacts) -> bool:
        """One chunk of whole rows: its cells as one Polars column, summed up in one query;
        the cells themselves are looked at only when one is wrong or holds an error."""
        if b"='" in piece:  # single-quoted attributes: expat reads them
            return False
        text = pl.Series([piece.decode("latin-1")])
        tags = int(text.str.count_matches(_ANY_TAG).item() or 0)
        m, head = pl.col("m"), pl.col("head")
        cells = (
            pl.DataFrame({"m": text.str.extract_all(_CELL).explode().drop_nulls()})
            .lazy()
            .with_columns(head=m.str.slice(0, m.str.find(">", literal=True)))
            .select(
                "m",
                "head",
                ref=m.str.slice(6).str.split_exact('"', 1).struct.field("field_0"),
                shared=head.str.contains(' t="s"', literal=True),
                error=head.str.contains(' t="e"', literal=True),
                # as calamine: a value, or a formula's text result even empty, or inline text
                valued=(
                    m.str.contains("<v>", literal=True)
                    & (
                        ~m.str.ends_with("<v>")
                        | head.str.contains(' t="str"', literal=True)
                        | head.str.contains(' t="d"', literal=True)
                    )
                )
                | m.str.ends_with("<is"),
            )
            .with_columns(letters=pl.col("ref").str.strip_chars_end("0123456789"))
            .with_columns(
                # the trailing digits of the reference: its row, or null
                number=pl.col("ref")
                .str.slice(pl.col("letters").str.len_bytes())
                .cast(pl.Int64, strict=False),
            )
        )
        number, valued = pl.col("number"), pl.col("valued")
        # a shared-text cell with a <v>, even empty: an empty number points to no text either
        pointing = pl.col("shared") & m.str.contains("<v>", literal=True)
        error = valued & pl.col("error")
        v = m.str.slice(m.str.find("<v>", literal=True) + 3)  # the value, on valued cells
        bad_text = (
            (v.str.strip_chars("0123456789").str.len_bytes() > 0)
            | (v.str.len_bytes() > 9)
            | (v.cast(pl.Int64, strict=False) >= self.strings)
        ).fill_null(True)
        bad_row = number.is_null() | (number < 1) | (number > limits.SHEET_MAX_ROWS)
        sums = cells.select(
            v=m.str.contains("<v>", literal=True).sum(),
            inline=m.str.ends_with("<is").sum(),
            twice=(
                (head.str.count_matches(' t="', literal=True) > 1)
                | (head.str.count_matches(' r="', literal=True) > 1)
            ).any(),
            letters=pl.col("letters").unique(maintain_order=True).implode(),
            valued_letters=pl.col("letters").filter(valued).unique().implode(),
            first=number.filter(valued).min(),
            last=number.filter(valued).max(),
            bad_row=bad_row.any(),
            bad_text=bad_text.filter(pointing).any(),
            errors=error.sum(),
        ).collect()
        found = sums.row(0, named=True)
        plain = piece.count(b'<c r="') + piece.count(b"<v>") + piece.count(b' t="')
        if tags != plain + found["inline"] or found["v"] != piece.count(b"<v>"):
            return False  # a tag the plain layout does not explain
        if found["twice"]:
            return False
        numbers = {x: column_number(x) for x in found["letters"]}
        if any(n is None or n > limits.SHEET_MAX_COLUMNS for n in numbers.values()):
            firsts = cells.filter(pl.col("letters").is_first_distinct()).select("letters", "ref")
            for letters, first in firsts.collect().iter_rows():
                self.column(letters, first)  # raises, naming the first such cell
        if found["bad_row"]:
            self.position(str(cells.filter(bad_row).select("ref").first().collect().item()))
        if found["first"] is not None:
            cols = [int(numbers[x] or 0) - 1 for x in found["valued_letters"]]
            facts.extend((found["first"] - 1, found["last"] - 1), (min(cols), max(cols)))
            self.bound(facts)
        if found["bad_text"]:
            bad = cells.filter(pointing & bad_text).select("ref", v.alias("v"))
            ref, value = bad.first().collect().row(0)
            self.shared_text_check(str(ref), str(value))
        if found["errors"]:
            for letters, row, value in (
                cells.filter(error).select("letters", number - 1, v).collect().iter_rows()
            ):
                self.error_add(facts, row, int(numbers[letters] or 0) - 1, value)
        return True

    # -- the exact path: expat, for any other layout

    def _slow(self, facts: SheetFacts) -> None:
        cells = _Cells(self, facts)
        parser = xml.parsers.expat.ParserCreate()
        parser.buffer_text = True
        parser.StartElementHandler = cells.start
        parser.EndElementHandler = cells.end
        parser.CharacterDataHandler = cells.text
        for chunk in self.chunks():  # an ExpatError is the workbook's damage (workbook_check)
            parser.Parse(chunk, False)
        parser.Parse(b"", True)


class _Cells:
    """expat handlers following calamine's reading: a cell without a reference is the next
    one of its row, a row without one the next row."""

    def __init__(self, scan: SheetScan, facts: SheetFacts) -> None:
        self.scan = scan
        self.facts = facts
        self.row = 0
        self.col = 0
        self.cell: tuple[int, int] | None = None
        self.kind: str | None = None
        self.value: str | None = None
        self.inline = False
        self.in_value = False
        self.seen = 0

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = name.rpartition(":")[2]
        if local == "row":
            if "r" in attrs:
                self.row = self.scan.row(attrs["r"], attrs["r"])
        elif local == "c":
            ref = attrs.get("r")
            if ref is not None:
                self.cell = self.scan.position(ref)
                self.col = self.cell[1]
            else:
                self.cell = (self.row, self.col)
            self.kind, self.value, self.inline = attrs.get("t"), None, False
        elif self.cell is not None and local == "v":
            self.in_value, self.value = True, ""
        elif self.cell is not None and local == "is":
            self.inline = True

    def text(self, data: str) -> None:
        if self.in_value and self.value is not None and len(self.value) < 64:
            self.value += data[:64]

    def end(self, name: str) -> None:
        local = name.rpartition(":")[2]
        if local == "v":
            self.in_value = False
        elif local == "c" and self.cell is not None:
            self._cell_done(*self.cell)
            self.cell = None
            self.col += 1
        elif local == "row":
            self.row += 1
            self.col = 0

    def _cell_done(self, row: int, col: int) -> None:
        value = self.value
        valued = self.inline or (value is not None and (value != "" or self.kind in ("str", "d")))
        if self.kind == "s" and value == "":
            self.scan.shared_text_check(cell_name(row, col), value)  # points to no text: refused
        if not valued:
            return
        facts = self.facts
        facts.extend((row, row), (col, col))
        self.seen += 1
        if self.seen % 65_536 == 0:
            self.scan.bound(facts)
        if self.kind == "s" and value:
            self.scan.shared_text_check(cell_name(row, col), value)
        elif self.kind == "e" and value:
            self.scan.error_add(facts, row, col, value)
