"""What the portfolio writes: the import template (with its notes sheet) and the overview as a
table, CSV or JSON. Every cell goes through core.spreadsheets (text never runs as a formula)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from opendtm.core.errors import InvalidInput
from opendtm.core.spreadsheets import CsvWriter, xlsx_write_cell
from opendtm.portfolio.imports import OPTIONAL, REQUIRED
from opendtm.portfolio.queries import Overview

NOTES: dict[str, str] = {
    "project_code": "The project's code (e.g. BD10P0001). A project's rows all repeat it.",
    "title": "The project's title, the same on every row of the project.",
    "country_iso3": "ISO 3166 alpha-3 code of the country this row's money and spending are in.",
    "programme_type": "emergency, post_crisis or preparedness.",
    "sector": "MCOF sector(s): number, code or name, several separated by ; "
    "(see `opendtm mcof sectors`).",
    "donor": "The donor of this row's contribution, as it should be listed.",
    "year": "The year of the contribution and expenditure (e.g. 2020).",
    "budget_usd": "The donor's contribution for the year, in USD, as the source states it. "
    "Empty or - reads as 0 (with a warning).",
    "expenditure_usd": "What was spent in the country in the year from this row, in USD.",
    "start_date": "YYYY-MM-DD or dd/mm/yyyy (or an Excel date).",
    "end_date": "YYYY-MM-DD or dd/mm/yyyy, not before start_date.",
    "status": "draft, submitted, under_review, returned, endorsed, active or closed.",
    "currency": "Optional: the contribution's original currency (ISO 4217, e.g. AUD).",
    "amount": "Optional: the contribution in its original currency.",
    "exchange_rate": "Optional: the rate the source used (original units per USD). Stored as "
    "given; never used to recompute budget_usd (a difference is reported).",
    "contribution_date": "Optional: the date of the contribution.",
    "phase": "Optional: MCOF phase before, during or after.",
    "office_iso3": "Optional: the country office that owns the project (default: country_iso3 "
    "of its first row).",
    "implementing_partners": "Optional: partner names separated by ;.",
    "priorities": "Optional: cross-cutting priorities separated by ; (protection, gbv, aap, "
    "resilience, social_cohesion, conflict_sensitivity).",
    "operations": "Optional: codes of the OpenDTM operations the project serves, separated by ;.",
}
EXAMPLE = {
    "project_code": "BD10P0001",
    "title": "Shelter and NFI support in Cox's Bazar",
    "country_iso3": "BGD",
    "programme_type": "emergency",
    "sector": "2; 1",
    "donor": "United States",
    "year": 2020,
    "budget_usd": 1000000,
    "expenditure_usd": 750000,
    "start_date": "2020-01-01",
    "end_date": "2021-06-30",
    "status": "active",
}


def template_write(path: Path) -> Path:
    """The import template: a `portfolio` sheet (the columns, one example row) and `notes`."""
    import xlsxwriter

    path = Path(path).expanduser()
    if path.suffix.lower() != ".xlsx":
        raise InvalidInput(f"{path.name}: the template is an .xlsx workbook.")
    if not path.parent.is_dir():
        raise InvalidInput(f"Cannot write {path}: folder {path.parent} does not exist.")
    columns = [*REQUIRED, *OPTIONAL]
    book = xlsxwriter.Workbook(str(path))
    try:
        bold = book.add_format({"bold": True})
        sheet = book.add_worksheet("portfolio")
        for j, name in enumerate(columns):
            xlsx_write_cell(sheet, 0, j, name, bold)
            xlsx_write_cell(sheet, 1, j, EXAMPLE.get(name))
        notes = book.add_worksheet("notes")
        for j, name in enumerate(("column", "required", "meaning")):
            xlsx_write_cell(notes, 0, j, name, bold)
        for i, name in enumerate(columns, start=1):
            xlsx_write_cell(notes, i, 0, name)
            xlsx_write_cell(notes, i, 1, "yes" if name in REQUIRED else "no")
            xlsx_write_cell(notes, i, 2, NOTES[name])
        last = len(columns) + 2
        xlsx_write_cell(
            notes, last, 0,
            "One row per project x donor x year; a project's other rows repeat its code. "
            "Import: opendtm portfolio import FILE [--dry-run] [--report PATH].",
        )  # fmt: skip
        sheet.autofit()
        notes.autofit()
    finally:
        book.close()
    return path


def overview_rows(overview: Overview) -> list[tuple[str, str, Any]]:
    """The overview as (measure, key, value) rows: the table and CSV shapes."""
    data = overview.as_json()
    rows: list[tuple[str, str, Any]] = [("total_value_usd", "", data["total_value_usd"])]
    for kind, counts in data["projects_by_type"].items():
        rows.append(("projects", kind, counts["projects"]))
        rows.append(("countries", kind, counts["countries"]))
    rows += [("expenditure_usd", k, v) for k, v in data["expenditure_by_country"].items()]
    rows.append(("donors", "", data["donors"]))
    rows += [("top_donor_usd", d["donor"], d["usd"]) for d in data["top_donors"]]
    rows += [("projects_in_sector", k, v) for k, v in data["by_sector"].items()]
    return rows


def overview_text(overview: Overview, fmt: str) -> str:
    """The overview as `json` or `csv` (the CLI prints the rows as a table itself)."""
    if fmt == "json":
        return json.dumps(overview.as_json(), indent=2) + "\n"
    out = io.StringIO()
    writer = CsvWriter(out)
    writer.writerow(("measure", "key", "value"))
    writer.writerows(overview_rows(overview))
    return out.getvalue()


# The contributions export: column -> HXL hashtag (the HDX funding shape).
CONTRIBUTION_COLUMNS = {
    "project_code": "#activity+code",
    "title": "#activity+name",
    "country_iso3": "#country+code",
    "programme_type": "#activity+type",
    "sector": "#sector",
    "donor": "#org+funder",
    "year": "#date+year",
    "amount_usd": "#value+funding+usd",
}
EXPORT_FORMATS = ("csv", "xlsx", "hxl")


def contribution_rows(contributions: list[dict[str, Any]]) -> list[list[Any]]:
    """The export's rows in CONTRIBUTION_COLUMNS order (money as numbers, as stored)."""
    return [[row[c] for c in CONTRIBUTION_COLUMNS] for row in contributions]


def contributions_write(contributions: list[dict[str, Any]], fmt: str, out: Path) -> int:
    """Write the contributions as CSV, HXL (CSV with the hashtag row) or XLSX; the rows written.

    Every text cell goes through core.spreadsheets, so a donor or title starting with `=`
    cannot run as a formula."""
    if fmt not in EXPORT_FORMATS:
        raise InvalidInput(f"Unknown format {fmt!r}.", hint=f"Use {', '.join(EXPORT_FORMATS)}.")
    out = Path(out).expanduser()
    if not out.parent.is_dir():
        raise InvalidInput(f"Cannot write {out}: folder {out.parent} does not exist.")
    rows = contribution_rows(contributions)
    if fmt == "xlsx":
        import xlsxwriter

        book = xlsxwriter.Workbook(str(out))
        try:
            sheet = book.add_worksheet("contributions")
            bold = book.add_format({"bold": True})
            for j, name in enumerate(CONTRIBUTION_COLUMNS):
                xlsx_write_cell(sheet, 0, j, name, bold)
            for i, values in enumerate(rows, start=1):
                for j, value in enumerate(values):
                    xlsx_write_cell(sheet, i, j, value)
        finally:
            book.close()
        return len(rows)
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = CsvWriter(handle)
        writer.writerow(CONTRIBUTION_COLUMNS)
        if fmt == "hxl":
            writer.writerow(CONTRIBUTION_COLUMNS.values())
        writer.writerows(rows)
    return len(rows)
