"""Valid exports of the shipped forms, in the shape KoboToolbox writes them, for the hostile
corpus to spoil: the site and baseline forms as Kobo XLSX (the demo's writer, inline strings),
the same rows as an XLSX with a shared-string table (as Excel and openpyxl save it) and as
Kobo CSV. The rows are tests/ingest/conftest.py's valid rows, placed in its small gazetteer.

Also the byte-level tools the categories use: a workbook's parts as a dict and back, CSV text
in any dialect and encoding.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opendtm.demo.kobo_export import kobo_xlsx_write
from opendtm.forms.queries import form_spec_get
from tests.forms.workbooks import xlsx_write
from tests.ingest.conftest import baseline_row, site_row

Rows = list[list[str]]
NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
SITE_SHEET = "DTM site assessment"
BASELINE_SHEET = "DTM baseline (location) assessm"  # the title cut to 31 characters, as Kobo
ORIGINS = "origins"
# Three baselines, one per location of the test gazetteer at the operation's level (4).
LOCATIONS = (
    ("PH01", "PH01028", "PH0102801", "PH0102801001"),
    ("PH01", "PH01028", "PH0102802", "PH0102802001"),
    ("PH03", "PH03008", "PH0300801", "PH0300801001"),
)


def site_records() -> list[dict[str, object]]:
    """Three valid site assessments; the second has a name with non-ASCII letters (a cut may
    land inside one of its characters)."""
    names = {2: "Niño Jesús \u2013 évacuation"}
    return [
        {
            **site_row(n, site_name=names.get(n, f"Site {n}")),
            "_uuid": f"site-{n}",
            "gps": (18.46, 120.91),
        }
        for n in (1, 2, 3)
    ]


def baseline_records() -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Three valid baselines (one per location) and two origins each."""
    records = []
    origins = []
    for n, (a1, a2, a3, a4) in enumerate(LOCATIONS, start=1):
        uuid = f"ba-{n}"
        records.append(
            {
                **baseline_row(n, adm1_pcode=a1, adm2_pcode=a2, adm3_pcode=a3, adm4_pcode=a4),
                "_uuid": uuid,
            }
        )
        origins += [
            {"_parent_uuid": uuid, "origin_pcode": "PH0300801", "origin_hh": 10, "origin_ind": 50},
            {"_parent_uuid": uuid, "origin_pcode": "PH0102802", "origin_hh": 5, "origin_ind": 20},
        ]
    return records, origins


@dataclass(frozen=True)
class Exports:
    """The valid files every category starts from, and their rows as text."""

    site_xlsx: Path  # Kobo's writer: inline strings
    site_shared_xlsx: Path  # the same rows with a shared-string table
    site_csv: Path
    baseline_xlsx: Path  # main sheet and the origins sheet
    baseline_shared_xlsx: Path
    baseline_csv: Path  # main table only
    origins_csv: Path  # the origins repeat of baseline_csv, joined by _parent_index
    site_rows: Rows  # header first
    baseline_rows: Rows
    origins_rows: Rows


def exports_build(folder: Path) -> Exports:
    """Write the valid exports into `folder` (the seed the runner imports first, too)."""
    folder.mkdir(parents=True, exist_ok=True)
    site_form = form_spec_get(form_id="dtm_site")
    baseline_form = form_spec_get(form_id="dtm_baseline")
    site_xlsx = kobo_xlsx_write(
        form=site_form, records=site_records(), path=folder / "seed_sites.xlsx"
    )
    records, origins = baseline_records()
    baseline_xlsx = kobo_xlsx_write(
        form=baseline_form,
        records=records,
        repeats={ORIGINS: origins},
        path=folder / "seed_baseline.xlsx",
    )
    site_rows = sheet_text(site_xlsx, SITE_SHEET)
    baseline_rows = sheet_text(baseline_xlsx, BASELINE_SHEET)
    origins_rows = sheet_text(baseline_xlsx, ORIGINS)
    return Exports(
        site_xlsx=site_xlsx,
        site_shared_xlsx=xlsx_write(
            folder / "seed_sites_shared.xlsx", {SITE_SHEET: typed(site_rows)}
        ),
        site_csv=text_write(folder / "seed_sites.csv", csv_text(site_rows)),
        baseline_xlsx=baseline_xlsx,
        baseline_shared_xlsx=xlsx_write(
            folder / "seed_baseline_shared.xlsx",
            {BASELINE_SHEET: typed(baseline_rows), ORIGINS: typed(origins_rows)},
        ),
        baseline_csv=text_write(folder / "seed_baseline.csv", csv_text(baseline_rows)),
        origins_csv=text_write(folder / "seed_origins.csv", csv_text(origins_rows)),
        site_rows=site_rows,
        baseline_rows=baseline_rows,
        origins_rows=origins_rows,
    )


def typed(rows: Rows) -> list[list[Any]]:
    """Numbers and dates as number and date cells (as Excel saves a CSV it opened), the rest as
    text; the header stays text."""

    def cell(text: str) -> Any:
        if NUMBER.fullmatch(text):
            return float(text) if "." in text else int(text)
        if DATE.fullmatch(text):
            return dt.date.fromisoformat(text)
        return text

    return [rows[0], *[[cell(v) for v in row] for row in rows[1:]]]


def sheet_text(path: Path, sheet: str) -> Rows:
    """A sheet's cells as the text a CSV export holds ("" for empty)."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    try:
        return [
            ["" if v is None else str(v) for v in row]
            for row in book[sheet].iter_rows(values_only=True)
        ]
    finally:
        book.close()


def column(rows: Rows, header: str) -> int:
    """The index of the column whose header is `header` or ends with `/header`."""
    for i, name in enumerate(rows[0]):
        if name == header or name.endswith("/" + header):
            return i
    raise KeyError(header)


def with_cell(rows: Rows, row: int, header: str, value: str) -> Rows:
    """A copy of `rows` with one cell changed (`row` 1 is the first data row)."""
    out = [list(r) for r in rows]
    out[row][column(rows, header)] = value
    return out


def with_cells(rows: Rows, row: int, values: dict[str, str]) -> Rows:
    for header, value in values.items():
        rows = with_cell(rows, row, header, value)
    return rows


def swap(data: Any, old: Any, new: Any) -> Any:
    """`data` with the first `old` replaced by `new` (text or bytes); `old` must be there, so
    a case never silently holds the valid file."""
    assert old in data, f"{old!r} is not in the file"
    return data.replace(old, new, 1)


def csv_text(rows: Rows, *, delimiter: str = ",", newline: str = "\n") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator=newline).writerows(rows)
    return out.getvalue()


def text_write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def parts_read(path: Path) -> dict[str, bytes]:
    """A workbook's zip members, in order."""
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def parts_write(path: Path, parts: dict[str, bytes], **kw: Any) -> Path:
    """A zip of these members (deflated), as a workbook is."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, **kw) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def sheet_part(parts: dict[str, bytes], n: int = 1) -> str:
    return f"xl/worksheets/sheet{n}.xml"


def cell_sub(xml: bytes, ref: str, new: str) -> bytes:
    """Replace the whole `<c r="REF" ...>...</c>` element of one cell."""
    pattern = re.compile(rb'<c r="' + ref.encode() + rb'"[^>]*?(/>|>.*?</c>)', re.S)
    out, n = pattern.subn(new.encode(), xml, count=1)
    assert n == 1, f"no cell {ref}"
    return out


def col_letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
