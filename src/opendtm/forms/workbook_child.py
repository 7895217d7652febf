"""The child process that reads a workbook's sheets, run by `forms.workbooks`.

`python -m opendtm.forms.workbook_child FOLDER` reads FOLDER/request.json ({"path", "sheets",
"memory"}), caps its own memory, loads its libraries, waits for "go" on its input (the parent
measures the file meanwhile), reads the sheets with fastexcel (calamine), every cell as text,
and writes each as an Arrow IPC file in FOLDER, listed in FOLDER/sheets.json with the sheets
that failed (and, for a legacy .xls, which the parent cannot measure, where each sheet's
values and error cells are). A failure of the whole is written to FOLDER/failure.json
({"kind", "detail"}) with a non-zero exit; an allocation that fails aborts the process, which
the parent sees as a signal. Nothing here touches a database.
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

from opendtm.forms.limits import READ_MEMORY_BYTES

CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE compound file: a legacy .xls
EXIT_UNREADABLE = 2  # the library refused the file: it is damaged or not a workbook
EXIT_TOO_LARGE = 3  # out of memory, or the library panicked


def memory_cap(limit: int) -> None:
    """Cap this process's data segment (heap and anonymous maps), where the platform can."""
    try:
        import resource
    except ImportError:  # Windows: no cap; the limits checked before still hold
        return
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    cap = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (cap, hard))


def main(folder: Path) -> int:
    request = json.loads((folder / "request.json").read_text())
    memory_cap(int(request.get("memory", READ_MEMORY_BYTES)))
    try:
        import fastexcel
        import polars as pl

        if sys.stdin.readline().strip() != "go":  # the parent refused the file meanwhile
            return 0
        # From its bytes, so that calamine decides the format by content, not by the name.
        reader = fastexcel.read_excel(Path(request["path"]).read_bytes())
        names = [str(n) for n in reader.sheet_names]
        wanted = request.get("sheets")
        read, failed = [], {}
        for number, name in enumerate(names):
            if wanted is not None and name not in wanted:
                continue
            try:  # a sheet that cannot be read fails only if the import asks for it
                sheet = reader.load_sheet(name, header_row=0, dtypes="string")
                frame = sheet.to_polars().cast(pl.Utf8)  # a column with no value comes as Null
            except Exception as exc:
                failed[name] = f"{type(exc).__name__}: {exc}"[:2000]
                continue
            file = f"{number}.arrow"
            frame.write_ipc(folder / file, compression="lz4")  # /tmp may be memory (tmpfs)
            read.append([name, file])
            del sheet, frame
        listing = {"names": names, "read": read, "failed": failed, "facts": {}}
        if Path(request["path"]).read_bytes()[: len(CFB_MAGIC)] == CFB_MAGIC:
            listing["facts"] = legacy_facts(Path(request["path"]), [n for n, _ in read])
        (folder / "sheets.json").write_text(json.dumps(listing))
        return 0
    except MemoryError:
        return _failure(folder, "memory", "MemoryError", EXIT_TOO_LARGE)
    except Exception as exc:  # fastexcel's errors: the file's problem, in the library's words
        return _failure(folder, "unreadable", f"{type(exc).__name__}: {exc}", EXIT_UNREADABLE)
    except BaseException as exc:  # pyo3's PanicException: a Rust panic on the file's data
        return _failure(folder, "panic", f"{type(exc).__name__}: {exc}", EXIT_TOO_LARGE)


def legacy_facts(path: Path, sheets: list[str]) -> dict[str, dict[str, object]]:
    """Where a legacy .xls sheet's values are and its Excel error cells (`#N/A`...), which
    calamine reads as empty: xlrd keeps each cell's type. 0-based, as `SheetFacts`."""
    import xlrd

    book = xlrd.open_workbook(str(path), on_demand=True)
    facts: dict[str, dict[str, object]] = {}
    for name in sheets:
        sheet = book.sheet_by_name(name)
        rows: list[int] = []
        cols: list[int] = []
        errors: list[list[object]] = []
        for r in range(sheet.nrows):
            for c, (kind, value) in enumerate(
                zip(sheet.row_types(r), sheet.row_values(r), strict=True)
            ):
                if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                    continue
                rows.append(r)
                cols.append(c)
                if kind == xlrd.XL_CELL_ERROR:
                    errors.append([r, c, xlrd.error_text_from_code.get(value, "#ERROR")])
        bounds = (min(rows), max(rows), min(cols), max(cols)) if rows else (-1, -1, -1, -1)
        first_row, last_row, first_col, last_col = bounds
        facts[name] = {
            "first_row": first_row,
            "last_row": last_row,
            "first_col": first_col,
            "last_col": last_col,
            "errors": errors,
        }
        book.unload_sheet(name)
    return facts


def _failure(folder: Path, kind: str, detail: str, code: int) -> int:
    with contextlib.suppress(OSError, MemoryError):
        (folder / "failure.json").write_text(json.dumps({"kind": kind, "detail": detail[:2000]}))
    return code


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
