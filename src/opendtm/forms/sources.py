"""Export files as text tables: XLSX/XLS workbooks and CSV, every cell read as text.

Whole-file problems are refused here with one message naming the file: missing, empty, an
image or PDF under an export's name, a password-protected workbook, text that is not UTF-8.
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fastexcel
import polars as pl

from opendtm.core.errors import InvalidInput

ZIP_MAGIC = b"PK\x03\x04"
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE compound file: .xls or encrypted .xlsx
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
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


@dataclass
class Source:
    """An export file opened for reading: a workbook (sheets read on demand) or a CSV table."""

    path: Path
    workbook: fastexcel.ExcelReader | None
    csv: RawTable | None

    @property
    def sheet_names(self) -> list[str]:
        if self.workbook is not None:
            return list(self.workbook.sheet_names)
        assert self.csv is not None
        return [self.csv.name]

    def table(self, name: str) -> RawTable:
        """The sheet called `name` (the CSV itself for a CSV file)."""
        if self.workbook is None:
            assert self.csv is not None
            return self.csv
        try:
            sheet = self.workbook.load_sheet(name, header_row=0, dtypes="string")
            frame = sheet.to_polars()
        except Exception as exc:  # fastexcel raises its own error classes per problem
            raise InvalidInput(
                f"{self.path.name}: sheet {name!r} cannot be read ({_first_line(exc)}).",
                hint=RESAVE_HINT,
            ) from None
        return RawTable(name=name, frame=frame.cast(pl.Utf8))


def source_read(path: Path) -> Source:
    """Open an export file, deciding XLSX/XLS or CSV by its first bytes, not its name.

    Large files are not loaded into Python: Polars and fastexcel read them from disk.
    """
    path, head, workbook = _checked(Path(path))
    if workbook:
        return Source(path=path, workbook=_workbook(path), csv=None)
    return Source(path=path, workbook=None, csv=_csv_table(path, head))


def rows_as_received(path: Path, sheet: str, rows: Iterable[int]) -> dict[int, dict[str, str]]:
    """The cells of these rows exactly as the file has them: row number (as a spreadsheet shows
    it, the header is row 1) -> {header: cell text}, an empty cell as "".

    The file is read the way `source_read` reads it, so the numbers are those of the report and
    of the stored rows; a CSV is streamed, keeping only the rows asked for. `sheet` is ignored
    for a CSV. Rows the sheet does not have are left out.
    """
    path, head, workbook = _checked(Path(path))
    wanted = sorted({int(r) - FIRST_ROW for r in rows if int(r) >= FIRST_ROW})
    if workbook:
        frame = Source(path=path, workbook=_workbook(path), csv=None).table(sheet).frame
        picked = frame.with_row_index("__i").filter(pl.col("__i").is_in(wanted))
    else:
        data, separator = _csv_input(path, head)
        picked = (
            pl.scan_csv(data, separator=separator, **CSV_OPTIONS)
            .with_row_index("__i")
            .filter(pl.col("__i").is_in(wanted))
            .collect(engine="streaming")
        )
    headers = [c for c in picked.columns if c != "__i"]
    return {
        int(row["__i"]) + FIRST_ROW: {h: "" if row[h] is None else str(row[h]) for h in headers}
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
        if ENCRYPTED_STREAM in path.read_bytes():
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


def _workbook(path: Path) -> fastexcel.ExcelReader:
    try:
        return fastexcel.read_excel(str(path))
    except Exception as exc:
        raise InvalidInput(
            f"{path.name} is not a readable Excel workbook ({_first_line(exc)}).", hint=RESAVE_HINT
        ) from None


def _csv_input(path: Path, head: bytes) -> tuple[Path | bytes, str]:
    """What Polars reads (the file, or UTF-8 bytes of a UTF-16 file) and the delimiter.

    Polars would replace bad bytes in a header silently, so the header line is checked first;
    a header longer than the head read may end inside a character, so only a complete line is
    judged.
    """
    source: Path | bytes = path
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        source = path.read_bytes().decode("utf-16").encode("utf-8")  # Excel's "Unicode text"
        head = source[:HEAD_BYTES]
    start = len(UTF8_BOM) if head.startswith(UTF8_BOM) else 0
    line, newline, _ = head[start:].partition(b"\n")
    _check_utf8(path.name, head[: start + len(line)], start, final=bool(newline))
    return source, _delimiter(head[start:])


def _csv_table(path: Path, head: bytes) -> RawTable:
    name = path.name
    source, separator = _csv_input(path, head)
    start = len(UTF8_BOM) if head.startswith(UTF8_BOM) else 0
    try:
        # Polars skips a UTF-8 BOM itself, and refuses cells that are not UTF-8
        frame = pl.read_csv(source, separator=separator, raise_if_empty=True, **CSV_OPTIONS)
    except pl.exceptions.NoDataError:
        raise InvalidInput(f"{name} is empty.") from None
    except Exception as exc:
        if "utf-8" in str(exc).lower() or "utf8" in str(exc).lower():
            data = source if isinstance(source, bytes) else path.read_bytes()
            _check_utf8(name, data, start)  # names the first bad byte
        raise InvalidInput(
            f"{name} cannot be read as CSV ({_first_line(exc)}).", hint=RESAVE_HINT
        ) from None
    return RawTable(name=name, frame=frame)


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
