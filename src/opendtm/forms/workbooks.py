"""XLSX/XLS workbooks read so that no file can crash the process, exhaust its memory, or be
misread.

A workbook is first measured (`workbook_check`: sizes, shared texts, every cell reference); a
child process then reads its sheets with fastexcel, its memory capped at
`limits.READ_MEMORY_BYTES`, and hands each sheet over as an Arrow IPC file. A child that runs
out of memory, panics, dies or hangs is a refusal naming the file; a library's own words go to
the log (level INFO), never to the officer. The child is a fresh interpreter (not a fork: the
parent holds database connections and threads).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import polars as pl

import opendtm
from opendtm.core.errors import InvalidInput
from opendtm.forms import limits
from opendtm.forms.workbook_cells import DAMAGED_HINT, SheetFacts, cell_name, size_text
from opendtm.forms.workbook_check import (
    WorkbookFacts,
    file_tag,
    scrubbed,
    workbook_check,
    workbook_damaged,
)
from opendtm.forms.workbook_child import CFB_MAGIC, EXIT_UNREADABLE

log = logging.getLogger(__name__)

ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")  # in one: an encrypted .xlsx
FIRST_ROW = 2  # spreadsheet row of a sheet's first data row when its values start at A1
# The Excel error cells of a sheet: row in the frame, column header, the error (#N/A).
ERROR_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "__i": pl.Int64,
    "header": pl.Utf8,
    "error": pl.Utf8,
}


@dataclass(frozen=True)
class Sheet:
    """One sheet, every cell as text under the header row's names."""

    name: str
    frame: pl.DataFrame
    first_row: int  # spreadsheet row of the frame's first row (its header is the row above)
    errors: pl.DataFrame  # ERROR_SCHEMA; the cells are null in `frame`


@dataclass(frozen=True)
class Workbook:
    """A workbook read: its sheet names in order and the sheets read."""

    path: Path
    sheet_names: list[str]
    sheets: dict[str, Sheet]
    failed: dict[str, str]  # sheet -> the library's words: refused when asked for

    def sheet(self, name: str) -> Sheet:
        if name in self.failed:
            raise workbook_damaged(self.path, f"sheet {name!r}: {self.failed[name]}")
        if name not in self.sheets:
            raise InvalidInput(f"{self.path.name} has no sheet {name!r}.")
        return self.sheets[name]


def cfb_encrypted(path: Path) -> bool:
    """Whether an OLE compound file holds an encrypted workbook, searched in chunks."""
    tail = b""
    with Path(path).open("rb") as stream:
        while chunk := stream.read(1 << 22):
            if ENCRYPTED_STREAM in tail + chunk:
                return True
            tail = chunk[-len(ENCRYPTED_STREAM) :]
    return False


def workbook_read(path: Path, *, sheets: list[str] | None = None) -> Workbook:
    """Measure the workbook, then read its sheets (or only `sheets`) in a child process.

    The child starts first and loads its libraries while the workbook is measured; it opens
    the file only once the measure passed.
    """
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="opendtm-workbook-") as name:
        folder = Path(name)
        child = _child_start(path, folder, sheets)
        try:
            facts = _measured(path)
        except BaseException:
            child.kill()
            child.wait()
            raise
        names, frames, failed, legacy = _child_finish(path, folder, child)
    sheet_facts = {**facts.sheets, **legacy}
    read = {name: _sheet(path, name, frame, sheet_facts.get(name)) for name, frame in frames}
    return Workbook(path=path, sheet_names=names, sheets=read, failed=failed)


def _measured(path: Path) -> WorkbookFacts:
    with path.open("rb") as stream:
        legacy = stream.read(len(CFB_MAGIC)) == CFB_MAGIC
    if not legacy:
        return workbook_check(path)
    size = path.stat().st_size
    if size > limits.XLS_MAX_BYTES:
        raise InvalidInput(
            f"{path.name} is a legacy Excel workbook (.xls) of {size_text(size)}, more than the "
            f"{size_text(limits.XLS_MAX_BYTES)} OpenDTM reads.",
            hint="Save it from Excel as an Excel workbook (.xlsx) or as CSV, and import that.",
        )
    return WorkbookFacts(sheets={})  # a compound file: its size bounds it, the child the rest


def _sheet(path: Path, name: str, frame: pl.DataFrame, facts: SheetFacts | None) -> Sheet:
    """The sheet numbered as the spreadsheet shows it, with its error cells placed on it.

    fastexcel's frame starts at the sheet's first value (the header) and is exactly as wide and
    as high as the values' rectangle the check measured; when it is not (a cell the two read
    differently), rows are numbered from 2 as before and error cells cannot be placed.
    """
    empty = pl.DataFrame(schema=ERROR_SCHEMA)
    if facts is None or facts.first_row < 0:
        return Sheet(name=name, frame=frame, first_row=FIRST_ROW, errors=empty)
    height = facts.last_row - facts.first_row
    width = facts.last_col - facts.first_col + 1
    if (frame.height, frame.width) != (height, width):
        if facts.errors:
            cells = ", ".join(f"{cell_name(r, c)} ({e})" for r, c, e in facts.errors[:5])
            raise InvalidInput(
                f"{path.name}: sheet {name!r} has cells holding an Excel error ({cells}).",
                hint="Replace each formula that failed by its value (or clear the cell), save, "
                "and import again.",
            )
        return Sheet(name=name, frame=frame, first_row=FIRST_ROW, errors=empty)
    placed = [
        (row - facts.first_row - 1, frame.columns[col - facts.first_col], error)
        for row, col, error in facts.errors
        if row > facts.first_row  # an error in the header row leaves its column unnamed
    ]
    errors = pl.DataFrame(placed, schema=ERROR_SCHEMA, orient="row")
    return Sheet(name=name, frame=frame, first_row=facts.first_row + 2, errors=errors)


def _child_start(path: Path, folder: Path, sheets: list[str] | None) -> subprocess.Popen[bytes]:
    request = {"path": str(path.resolve()), "sheets": sheets, "memory": limits.READ_MEMORY_BYTES}
    (folder / "request.json").write_text(json.dumps(request))
    env = dict(os.environ)
    root = str(Path(opendtm.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    env.setdefault("POLARS_MAX_THREADS", "2")  # each thread's stack counts in its memory
    return subprocess.Popen(
        [sys.executable, "-m", "opendtm.forms.workbook_child", str(folder)],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )


def _child_finish(
    path: Path, folder: Path, child: subprocess.Popen[bytes]
) -> tuple[list[str], list[tuple[str, pl.DataFrame]], dict[str, str], dict[str, SheetFacts]]:
    """Let the child read; its sheet names, the sheets it read in order, those it could not,
    and the facts of a legacy .xls's sheets (an .xlsx's are measured before it is read)."""
    try:
        _, stderr = child.communicate(b"go\n", timeout=limits.READ_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
        log.info("workbook read timed out (%s)", file_tag(path))
        raise InvalidInput(
            f"{path.name} took more than {limits.READ_TIMEOUT_SECONDS} s to read, more than "
            "any export needs: it is damaged or built to be slow.",
            hint=DAMAGED_HINT,
        ) from None
    if child.returncode == 0:
        listing = json.loads((folder / "sheets.json").read_text())
        frames = [(str(sheet), pl.read_ipc(folder / file)) for sheet, file in listing["read"]]
        failed = {str(k): str(v) for k, v in listing["failed"].items()}
        legacy = {
            str(name): SheetFacts(
                name=str(name),
                first_row=int(f["first_row"]),
                last_row=int(f["last_row"]),
                first_col=int(f["first_col"]),
                last_col=int(f["last_col"]),
                errors=[(int(r), int(c), str(e)) for r, c, e in f["errors"]],
            )
            for name, f in listing.get("facts", {}).items()
        }
        return [str(n) for n in listing["names"]], frames, failed, legacy
    raise _child_failure(path, folder, child.returncode, stderr)


def _child_failure(path: Path, folder: Path, code: int, stderr_bytes: bytes) -> InvalidInput:
    failure = {"kind": "died", "detail": ""}
    if (folder / "failure.json").exists():
        failure = json.loads((folder / "failure.json").read_text())
    stderr = stderr_bytes.decode("utf-8", errors="replace")[-1000:]
    if code == EXIT_UNREADABLE or failure["kind"] == "panic":
        return workbook_damaged(path, f"{failure['kind']}: {failure['detail']}")
    log.info(
        "workbook reader failed (%s): exit %s, %s: %s; %s",
        file_tag(path),
        code,
        failure["kind"],
        scrubbed(failure["detail"], path),
        scrubbed(stderr, path),
    )
    return InvalidInput(
        f"{path.name} is too large or too damaged to read within the memory limit of "
        f"{size_text(limits.READ_MEMORY_BYTES)}.",
        hint="Check that it is the export you meant, export it again (or as CSV), and import that.",
    )
