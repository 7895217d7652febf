"""Re-imports of the stored baseline whose origins cannot be joined: the origins sheet renamed,
missing, first, doubled or empty; `_parent_index` values that match nothing; repeat files that
are missing, images, another table, or given for a form without repeats. Each runs after the
seed baseline (three submissions, six origins) is imported again, and none may remove a stored
origin: it is refused, or the origins it cannot join are errors of their submission."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from tests.forms.workbooks import xlsx_write
from tests.ingest.corpus import Case, Cases
from tests.ingest.corpus.shapes import (
    BASELINE_SHEET,
    ORIGINS,
    Exports,
    Rows,
    column,
    csv_text,
    typed,
)

CATEGORY = "repeat"


def _parents(rows: Rows, values: list[str]) -> Rows:
    """The origins with `_parent_index` set to `values` (the last one for the rest)."""
    at = column(rows, "_parent_index")
    out = [list(rows[0])]
    for i, row in enumerate(rows[1:]):
        out.append([*row[:at], values[min(i, len(values) - 1)], *row[at + 1 :]])
    return out


def cases(ex: Exports, folder: Path) -> list[Case]:
    out = Cases(folder, CATEGORY)
    main = typed(ex.baseline_rows)
    origins = ex.origins_rows
    scratch = folder / "repeat-scratch.xlsx"
    keep = {"kind": "baseline", "before": ("baseline",), "keeps_origins": True}

    def book(name: str, sheets: dict[str, Rows], what: str) -> None:
        """A workbook of these sheets; the main sheet (given as []) holds the stored rows."""
        cells = {
            n: main if n == BASELINE_SHEET else typed(r) if r else [] for n, r in sheets.items()
        }
        out.add(name, xlsx_write(scratch, cells), ".xlsx", what, **keep)

    for renamed in ("origins_old", "Sheet2", "origin", "idp_origins", "Origins of IDPs"):
        book(
            f"sheet_renamed_{renamed}",
            {BASELINE_SHEET: [], renamed: origins},
            f"the origins sheet renamed {renamed!r}",
        )
    book("sheet_missing", {BASELINE_SHEET: []}, "the origins sheet left out")
    book("sheet_first", {ORIGINS: origins, BASELINE_SHEET: []}, "the origins sheet first")
    book(
        "sheet_twice",
        {BASELINE_SHEET: [], ORIGINS: origins, "ORIGINS ": origins},
        "two origins sheets",
    )
    book(
        "sheet_headers_only",
        {BASELINE_SHEET: [], ORIGINS: origins[:1]},
        "the origins sheet has its header only",
    )
    book("sheet_empty", {BASELINE_SHEET: [], ORIGINS: []}, "the origins sheet is empty")
    book("only_origins", {ORIGINS: origins}, "a workbook of the origins sheet alone")
    for label, values in (
        ("none_match", ["999"]),
        ("empty", [""]),
        ("abc", ["abc"]),
        ("minus_1", ["-1"]),
        ("2p63", [str(2**63)]),
        ("zero", ["0"]),
        ("one_orphan", ["1", "1", "2", "2", "3", "77"]),
        ("all_first", ["1"]),
    ):
        book(
            f"parent_index_{label}",
            {BASELINE_SHEET: [], ORIGINS: _parents(origins, values)},
            f"_parent_index {values} in the origins sheet",
        )
    no_index = [
        [c for c, h in zip(r, origins[0], strict=True) if h != "_parent_index"] for r in origins
    ]
    uuid = column(no_index, "_submission__uuid")
    book(
        "uuid_only_mismatch",
        {
            BASELINE_SHEET: [],
            ORIGINS: [no_index[0], *[[*r[:uuid], "nobody", *r[uuid + 1 :]] for r in no_index[1:]]],
        },
        "no _parent_index, and _submission__uuid naming no submission",
    )
    book(
        "origins_x5",
        {BASELINE_SHEET: [], ORIGINS: [origins[0], *origins[1:] * 5]},
        "every origin five times",
    )

    def csv_case(
        name: str, repeat: bytes | None, what: str, file_name: str = "", **kw: object
    ) -> None:
        side = file_name or out.side(f"{name}_origins.csv", repeat or b"")
        out.add(name, ex.baseline_csv, ".csv", what, repeats=((ORIGINS, side),), **{**keep, **kw})

    out.add(
        "csv_without_repeat", ex.baseline_csv, ".csv", "the baseline CSV without --repeat", **keep
    )
    csv_case(
        "csv_parent_none_match",
        csv_text(_parents(origins, ["999"])).encode(),
        "an origins CSV whose _parent_index matches nothing",
    )
    csv_case("csv_repeat_empty", b"", "an empty origins CSV")
    csv_case("csv_repeat_headers_only", csv_text(origins[:1]).encode(), "origins CSV, header only")
    csv_case("csv_repeat_png", b"\x89PNG\r\n\x1a\n" + bytes(100), "an image given as origins")
    csv_case(
        "csv_repeat_is_main",
        None,
        "the main CSV given as its own origins",
        file_name=f"../seed/{ex.baseline_csv.name}",
    )
    csv_case(
        "csv_repeat_missing",
        None,
        "--repeat naming a file that does not exist",
        file_name="no-such-origins.csv",
    )
    csv_case(
        "csv_repeat_no_parent_column",
        csv_text(no_index).encode(),
        "an origins CSV without _parent_index",
    )
    side = out.side("unknown_repeat.csv", ex.origins_csv.read_bytes())
    out.add(
        "csv_unknown_repeat",
        ex.baseline_csv,
        ".csv",
        "--repeat households=... (no such repeat)",
        repeats=(("households", side),),
        **keep,
    )
    out.add(
        "site_with_repeat",
        ex.site_csv,
        ".csv",
        "a site import given an origins file",
        repeats=((ORIGINS, side),),
        before=("baseline",),
        keeps_origins=True,
    )
    # The main table is the stored baseline's three rows (or the site export's), read whole.
    return [c if c.id == f"{CATEGORY}/only_origins" else replace(c, reads=3) for c in out.items]
