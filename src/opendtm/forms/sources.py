"""Export files as text tables: XLSX/XLS workbooks and CSV, every cell read as text.

Whole-file problems are refused here with one message naming the file: missing, empty, an
image or PDF under an export's name, a password-protected workbook, text that is not UTF-8.
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from opendtm.core.errors import InvalidInput
from opendtm.forms import limits
from opendtm.forms.delimited import csv_refusal, csv_text
from opendtm.forms.workbook_child import CFB_MAGIC  # OLE compound file: .xls or encrypted .xlsx
from opendtm.forms.workbooks import ERROR_SCHEMA, Workbook, cfb_encrypted, workbook_read

ZIP_MAGIC = b"PK\x03\x04"
UTF8_BOM = codecs.BOM_UTF8
OTHER_MAGIC = {
    b"\x89PNG\r\n\x1a\n": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF87a": "a GIF image",
    b"GIF89a": "a GIF image",
    b"%PDF": "a PDF document",
    b"\x1f\x8b": "a gzip archive",
    b"Rar!": "a RAR archive",
    b"7z\xbc\xaf\x27\x1c": "a 7-Zip archive",
}
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")
DELIMITERS = (",", ";", "\t")
HEAD_BYTES = 65536
BATCH_ROWS = 50_000  # rows of a CSV parsed and typed at a time
FIRST_ROW = 2  # spreadsheet row of a table's first data row (the header is row 1)
# Every cell as text, as received; the same options for reading a table and its rows again.
CSV_OPTIONS: dict[str, Any] = {"infer_schema": False, "has_header": True, "quote_char": '"'}
RESAVE_HINT = (
    "Export it again from KoboToolbox or ODK Central, or save it from Excel as "
    "'CSV UTF-8 (comma delimited)' or as an Excel workbook, and import that."
)


@dataclass(frozen=True)
class RawTable:
    """One sheet (or CSV file) as text columns under their original headers."""

    name: str  # sheet name, or the file name for a CSV
    frame: pl.DataFrame
    first_row: int = FIRST_ROW  # spreadsheet row of the frame's first row (the header is row 1)
    # A workbook's Excel error cells (#N/A...), null in `frame`: forms.workbooks.ERROR_SCHEMA.
    errors: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=ERROR_SCHEMA))


@dataclass
class Source:
    """An export file opened for reading: a workbook (sheets read on demand) or a CSV file
    (read whole for a repeat, or in batches of rows for the main table)."""

    path: Path
    workbook: Workbook | None
    head: bytes = b""
    csv_input: tuple[Path | bytes, str] | None = None  # what Polars parses, and the delimiter
    _sheets: dict[str, RawTable] = field(default_factory=dict, repr=False)

    @property
    def sheet_names(self) -> list[str]:
        if self.workbook is not None:
            return list(self.workbook.sheet_names)
        return [self.path.name]

    def headers(self, name: str) -> list[str]:
        """The column headers of a sheet (of the CSV), without reading a CSV's rows."""
        if self.workbook is not None:
            return self.table(name).frame.columns
        assert self.csv_input is not None
        data, separator = self.csv_input
        with _csv_errors(self.path, data, self.head, separator):
            return pl.scan_csv(data, separator=separator, **CSV_OPTIONS).collect_schema().names()

    def table(self, name: str) -> RawTable:
        """The sheet called `name` (the CSV itself for a CSV file), whole."""
        if self.workbook is None:
            assert self.csv_input is not None
            return _csv_table(self.path, self.head, self.csv_input)
        if name not in self._sheets:
            sheet = self.workbook.sheet(name)
            self._sheets[name] = RawTable(
                name=name, frame=sheet.frame, first_row=sheet.first_row, errors=sheet.errors
            )
        return self._sheets[name]

    def batches(self, name: str, rows: int = BATCH_ROWS) -> Iterator[RawTable]:
        """The table in batches of `rows` rows, each numbered where it is in the file.

        A CSV is parsed as a stream, so its text is never whole in memory: a million-row Kobo
        export is ~1 GB of Polars strings, more than every typed column together. A workbook
        sheet is read whole anyway (one batch).
        """
        if self.workbook is not None:
            yield self.table(name)
            return
        assert self.csv_input is not None
        data, separator = self.csv_input
        first = FIRST_ROW
        with _csv_errors(self.path, data, self.head, separator):
            scan = pl.scan_csv(data, separator=separator, **CSV_OPTIONS)
            for frame in scan.collect_batches(chunk_size=rows):
                yield RawTable(name=self.path.name, frame=frame, first_row=first)
                first += frame.height


def source_read(path: Path) -> Source:
    """Open an export file, deciding XLSX/XLS or CSV by its first bytes, not its name.

    Large files are not loaded into Python: Polars and fastexcel read them from disk.
    """
    path, head, workbook = _checked(Path(path))
    if workbook:
        return Source(path=path, workbook=workbook_read(path))
    # The header is checked at once: a header that is not UTF-8 is refused here.
    return Source(path=path, workbook=None, head=head, csv_input=_csv_input(path, head))


def rows_as_received(path: Path, sheet: str, rows: Iterable[int]) -> dict[int, dict[str, str]]:
    """The cells of these rows exactly as the file has them: row number (as a spreadsheet shows
    it, the header is row 1) -> {header: cell text}, an empty cell as "".

    The file is read the way `source_read` reads it, so the numbers are those of the report and
    of the stored rows; a CSV is streamed, keeping only the rows asked for. `sheet` is ignored
    for a CSV. Rows the sheet does not have are left out.
    """
    path, head, workbook = _checked(Path(path))
    if workbook:
        table = Source(path=path, workbook=workbook_read(path, sheets=[sheet])).table(sheet)
        first = table.first_row
        wanted = sorted({int(r) - first for r in rows if int(r) >= first})
        picked = table.frame.with_row_index("__i").filter(pl.col("__i").is_in(wanted))
        rows_first = first
    else:
        wanted = sorted({int(r) - FIRST_ROW for r in rows if int(r) >= FIRST_ROW})
        rows_first = FIRST_ROW
        data, separator = _csv_input(path, head)
        picked = (
            pl.scan_csv(data, separator=separator, **CSV_OPTIONS)
            .with_row_index("__i")
            .filter(pl.col("__i").is_in(wanted))
            .collect(engine="streaming")
        )
    headers = [c for c in picked.columns if c != "__i"]
    return {
        int(row["__i"]) + rows_first: {h: "" if row[h] is None else str(row[h]) for h in headers}
        for row in picked.iter_rows(named=True)
    }


def _checked(path: Path) -> tuple[Path, bytes, bool]:
    """Refuse what is not an export file; (path, its first bytes, whether it is a workbook)."""
    if not path.exists():
        raise InvalidInput(f"{path} does not exist.", hint="Check the file name and folder.")
    if not path.is_file():
        raise InvalidInput(f"{path} is a folder, not an export file.")
    name = path.name
    size = path.stat().st_size
    with path.open("rb") as stream:
        head = stream.read(HEAD_BYTES)
    if size == 0 or (size <= len(head) and not head.strip()):
        raise InvalidInput(
            f"{name} is empty.", hint="Export the form again; the download may have failed."
        )
    if head.startswith(CFB_MAGIC):
        if cfb_encrypted(path):
            raise InvalidInput(
                f"{name} is a password-protected (encrypted) workbook, which cannot be read.",
                hint="Open it in Excel, remove the password, save it and import it again.",
            )
        return path, head, True
    if head.startswith(ZIP_MAGIC):
        return path, head, True
    for magic, what in OTHER_MAGIC.items():
        if head.startswith(magic):
            raise InvalidInput(f"{name} is {what}, not an XLSX or CSV export.", hint=RESAVE_HINT)
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        raise InvalidInput(
            f"{name} is named like an Excel workbook but is not one (it starts with {head[:8]!r}).",
            hint=RESAVE_HINT,
        )
    return path, head, False


def sha256_of(paths: list[Path]) -> str:
    """SHA-256 of the files' bytes one after the other, read in chunks."""
    digest = hashlib.sha256()
    for path in paths:
        with path.open("rb") as stream:
            while chunk := stream.read(1 << 22):
                digest.update(chunk)
    return digest.hexdigest()


def _csv_input(path: Path, head: bytes) -> tuple[Path | bytes, str]:
    """What Polars reads (the file, or the UTF-8 text with LF line ends of a UTF-16 or bare-CR
    file: `delimited.csv_text`) and the delimiter.

    Polars would replace bad bytes in a header silently, so the header line is checked first;
    a header longer than the head read may end inside a character, so only a complete line is
    judged.
    """
    source, head = csv_text(path, head)
    start = len(UTF8_BOM) if head.startswith(UTF8_BOM) else 0
    line, newline, _ = head[start:].partition(b"\n")
    _check_utf8(path.name, head[: start + len(line)], start, final=bool(newline))
    separator = _delimiter(head[start:])
    _header_bound(path.name, source, separator)
    return source, separator


def _header_bound(name: str, source: Path | bytes, separator: str) -> None:
    """Refuse a header of more columns than a spreadsheet has (Excel's 16,384), before Polars
    allocates a column for each: 100,000 columns of a few rows took more than 1 GiB. Counted on
    the header line's bytes (a delimiter inside quotes counts too: no real header is near)."""
    if isinstance(source, bytes):
        first = source[: limits.CSV_HEADER_MAX_BYTES + 1]
    else:
        with source.open("rb") as stream:
            first = stream.read(limits.CSV_HEADER_MAX_BYTES + 1)
    line, newline, _ = first.partition(b"\n")
    if not newline and len(first) > limits.CSV_HEADER_MAX_BYTES:
        raise InvalidInput(
            f"{name}: the header line is longer than {limits.CSV_HEADER_MAX_BYTES >> 20} MiB, "
            "more than any export's header.",
            hint="Check that the file is an export of the form; " + RESAVE_HINT,
        )
    columns = line.count(separator.encode()) + 1
    if columns > limits.SHEET_MAX_COLUMNS:
        raise InvalidInput(
            f"{name}: the header has {columns:,} columns, more than the "
            f"{limits.SHEET_MAX_COLUMNS:,} a spreadsheet holds.",
            hint="Check that the file is an export of the form; " + RESAVE_HINT,
        )


def _csv_table(path: Path, head: bytes, csv_input: tuple[Path | bytes, str]) -> RawTable:
    data, separator = csv_input
    with _csv_errors(path, data, head, separator):
        # Polars skips a UTF-8 BOM itself, and refuses cells that are not UTF-8
        frame = pl.read_csv(data, separator=separator, raise_if_empty=True, **CSV_OPTIONS)
    return RawTable(name=path.name, frame=frame)


@contextmanager
def _csv_errors(path: Path, data: Path | bytes, head: bytes, separator: str) -> Iterator[None]:
    """Polars' errors (and panics) while parsing a CSV as one InvalidInput naming the file and
    saying what is wrong in the officer's words (`delimited.csv_refusal`): for text that is
    not UTF-8, the first bad byte."""
    name = path.name
    try:
        yield
    except pl.exceptions.NoDataError:
        raise InvalidInput(f"{name} is empty.") from None
    except InvalidInput:
        raise
    except (Exception, pl.exceptions.PanicException) as exc:
        if "utf-8" in str(exc).lower() or "utf8" in str(exc).lower():
            start = len(UTF8_BOM) if head.startswith(UTF8_BOM) else 0
            _check_utf8(name, data if isinstance(data, bytes) else path.read_bytes(), start)
        raise csv_refusal(name, data, separator, exc) from None


def _check_utf8(name: str, data: bytes, start: int, *, final: bool = True) -> None:
    """Decode in chunks (no copy of a large file) and name the first byte that is not UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    chunk = 1 << 24
    for offset in range(start, len(data), chunk):
        piece = data[offset : offset + chunk]
        pending = len(decoder.getstate()[0])  # bytes of a character cut by the last chunk
        try:
            decoder.decode(piece, final=final and offset + chunk >= len(data))
        except UnicodeDecodeError as exc:
            position = offset - pending + exc.start
            bad = data[max(position, 0)]
            raise InvalidInput(
                f"{name} is not UTF-8 text: byte 0x{bad:02X} at offset {position} cannot be "
                "decoded (the file was probably saved as Latin-1 / Windows-1252).",
                hint=RESAVE_HINT,
            ) from None


def _delimiter(head: bytes) -> str:
    """Comma, semicolon or tab: whichever occurs most in the header line outside quotes."""
    line = head.split(b"\n", 1)[0].decode("utf-8", errors="replace")
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
