"""CSV text the way Polars can read it, and Polars' CSV errors said in the officer's words.

Polars reads UTF-8 with LF or CRLF line ends. A UTF-16 file (Excel's "Unicode text") and a file
whose lines end in a bare CR (old Mac, some Excel saves) are converted as a stream, a chunk at a
time, into UTF-8 with LF line ends; a damaged UTF-16 file is refused with what is wrong. When
Polars cannot parse the text, the file is read again with Python's csv module to find the row
and say what is wrong with it; Polars' own words go to the log, without the cell they quote.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
from pathlib import Path

from opendtm.core.errors import InvalidInput

logger = logging.getLogger(__name__)

CONVERT_CHUNK = 1 << 24  # bytes of a UTF-16 or bare-CR file converted at a time
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
AGAIN_HINT = (
    "Copy or download the file again; if it still fails, export it again from KoboToolbox or "
    "ODK Central, or save it from Excel as 'CSV UTF-8 (comma delimited)', and import that."
)
QUOTING_HINT = (
    "Open the file in a text editor at that row: a cell holding the delimiter, a quote mark or "
    'a line break must be in double quotes, with any quote mark inside it doubled (""). '
    "Or export it again from KoboToolbox or ODK Central and import that."
)
_QUOTED = re.compile(r"`[^`]*`")  # a cell Polars quotes in its message: not for the log


def csv_text(path: Path, head: bytes) -> tuple[Path | bytes, bytes]:
    """What Polars parses (the file itself, or its text as UTF-8 with LF line ends) and the
    first bytes of that text (the header line is judged and the delimiter found on them)."""
    utf16 = head.startswith(UTF16_BOMS)
    start = head if not utf16 else _utf16_head(head)
    bare_cr = _bare_cr(start)
    if not utf16 and not bare_cr:
        return path, head
    data = _converted(path, utf16=utf16, bare_cr=bare_cr)
    return data, data[: len(head)]


def _utf16_head(head: bytes) -> bytes:
    """The head of a UTF-16 file as UTF-8, to look at its line ends (damage is judged later)."""
    decoder = codecs.getincrementaldecoder("utf-16")(errors="replace")
    return decoder.decode(head, final=False).encode("utf-8")


def _bare_cr(head: bytes) -> bool:
    """Whether lines end in a lone CR: a CR not followed by LF comes before any LF."""
    cr = head.find(b"\r")
    if cr < 0:
        return False
    lf = head.find(b"\n")
    return (lf < 0 or cr < lf) and head[cr + 1 : cr + 2] != b"\n"


def _converted(path: Path, *, utf16: bool, bare_cr: bool) -> bytes:
    """The file as UTF-8 (decoded from UTF-16 when `utf16`) with every CR or CRLF as LF when
    `bare_cr`, read a chunk at a time."""
    decoder = codecs.getincrementaldecoder("utf-16")() if utf16 else None
    pieces: list[bytes] = []
    carry = b""  # a CR at the end of a chunk: its LF may start the next one
    offset = 0
    with path.open("rb") as stream:
        while True:
            chunk = stream.read(CONVERT_CHUNK)
            final = not chunk
            piece = chunk
            if decoder is not None:
                try:
                    piece = decoder.decode(chunk, final=final).encode("utf-8")
                except UnicodeDecodeError as exc:
                    raise _utf16_damaged(path.name, exc, offset, final=final) from None
            if bare_cr:
                piece = carry + piece
                carry = b"\r" if piece.endswith(b"\r") and not final else b""
                piece = piece[: len(piece) - len(carry)]
                piece = piece.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
            pieces.append(piece)
            if final:
                return b"".join(pieces)
            offset += len(chunk)


def _utf16_damaged(name: str, exc: UnicodeDecodeError, offset: int, *, final: bool) -> InvalidInput:
    if final or exc.reason in ("truncated data", "unexpected end of data"):
        return InvalidInput(
            f"{name} is UTF-16 text (Excel's 'Unicode text') that is cut short: it ends in the "
            "middle of a character, so the copy is incomplete.",
            hint=AGAIN_HINT,
        )
    return InvalidInput(
        f"{name} is UTF-16 text (Excel's 'Unicode text') with a damaged character at byte "
        f"{offset + exc.start}: half of a two-part character (an unpaired surrogate), which no "
        "export writes.",
        hint=AGAIN_HINT,
    )


def csv_refusal(name: str, data: Path | bytes, separator: str, exc: Exception) -> InvalidInput:
    """Polars could not parse the CSV: find the first row Python's csv module finds wrong and
    say what it is; Polars' message goes to the log (without the cells it quotes)."""
    detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    logger.info("CSV %s not parsed by Polars: %s", name, _QUOTED.sub("`…`", detail))
    found = _first_bad_row(data, separator)
    if found is None:
        return InvalidInput(
            f"{name} cannot be read as CSV: its quoting or its columns are damaged.",
            hint=QUOTING_HINT,
        )
    row, what = found
    return InvalidInput(f"{name}: row {row} {what}.", hint=QUOTING_HINT)


def _first_bad_row(data: Path | bytes, separator: str) -> tuple[int, str] | None:
    """(row as a spreadsheet numbers it, what is wrong) of the first row with more cells than
    the header or broken quoting; None when Python's csv module reads every row."""
    raw = data.open("rb") if isinstance(data, Path) else io.BytesIO(data)
    with io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="") as text:
        reader = csv.reader(text, delimiter=separator, quotechar='"', strict=True)
        number = 1  # the row being read
        try:
            width = len(next(reader, []))
            number = 2
            for cells in reader:  # only on a file Polars refused, to name the row
                if len(cells) > width:
                    return number, (
                        f"has {len(cells)} cells but the header has {width} columns (a "
                        f"'{_shown(separator)}' inside a cell that is not in quotes, or a row "
                        "from another file)"
                    )
                number += 1
        except csv.Error as exc:
            what = _quoting(str(exc))
            return (number, what) if what else None
    return None


def _quoting(message: str) -> str | None:
    """What Python's csv module found, in words; None for what is not about quoting."""
    if "expected after" in message:
        return "has a cell with text after its closing quote mark"
    if "unexpected end of data" in message or "EOF" in message:
        return "opens a quote mark that is never closed, so the rest of the file would be one cell"
    return None


def _shown(separator: str) -> str:
    return {"\t": "tab"}.get(separator, separator)
