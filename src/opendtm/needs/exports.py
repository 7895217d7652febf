"""Needs figures as files and screens: CSV with human headers, HXL (tag row under the header),
XLSX, JSON, and the aligned terminal table. CSV and HXL go through the one formula-neutralising
writer (`core.spreadsheets.CsvWriter`), XLSX through its cell writer
(`core.spreadsheets.xlsx_write_cell`: numbers as numbers, text never a formula), as the
displacement figures' files do; a hidden count is written empty (null in JSON).

HXL tags (docs/needs.md): `#sector+code`, `#severity` (the area's, by the rule set's area
rule), `#population+ind+severity1`..`5` (its distribution), `#population+ind+assessed`,
`#inneed+ind` (people in need), `+sites`/`+host`/`+returnees` for the groups, and
`#inneed+f+age0_1`... for sex and age (sites that gave all ten groups), `+previous` and
`+change` for the change since the previous round.
"""

from __future__ import annotations

import io
import json
from typing import IO, Any

from opendtm.core.errors import InvalidInput
from opendtm.core.spreadsheets import CsvWriter, xlsx_write_cell
from opendtm.figures.exports import Column, number
from opendtm.figures.measures import SEX_AGE
from opendtm.needs.areas import PIN_SEX_AGE
from opendtm.needs.queries import NeedsFigures

FORMATS = ("table", "csv", "hxl", "json", "xlsx")
HIDDEN = "(hidden)"


def columns_of(figures: NeedsFigures) -> list[Column]:
    level = figures.level
    sex_age = [
        Column(name, f"In need: {m.label}", m.hxl.replace("#affected+idps", "#inneed"))
        for name, m in zip(PIN_SEX_AGE, SEX_AGE, strict=True)
    ]
    return [
        Column("pcode", f"Admin {level} P-code", f"#adm{level}+code"),
        Column("name", f"Admin {level} name", f"#adm{level}+name"),
        Column("sector", "Sector", "#sector+code"),
        Column("places", "Places assessed", "#indicator+places+num"),
        Column("severity", "Severity (1-5)", "#severity"),
        *(
            Column(f"pop_l{k}", f"People at severity {k}", f"#population+ind+severity{k}")
            for k in range(1, 6)
        ),
        Column("assessed", "People assessed", "#population+ind+assessed"),
        Column("pin_ind", "People in need", "#inneed+ind"),
        Column("pin_sites", "In need: IDPs in sites", "#inneed+ind+idps+sites"),
        Column("pin_host", "In need: IDPs in host communities", "#inneed+ind+idps+host"),
        Column("pin_returnees", "In need: returnees", "#inneed+ind+returnees"),
        *sex_age,
        Column("pin_method", "How people in need are counted", "#description+method"),
        Column("severity_previous", "Severity, previous round", "#severity+previous"),
        Column("severity_change", "Severity change", "#severity+change"),
        Column("pin_ind_previous", "People in need, previous round", "#inneed+ind+previous"),
        Column("pin_ind_change", "People in need, change", "#inneed+ind+change"),
        Column("change_note", "Gazetteer change", "#meta+change_note"),
        Column("suppressed", "Suppressed cells", "#meta+suppressed+num"),
    ]


def _rows(figures: NeedsFigures) -> list[dict[str, Any]]:
    rows = figures.rows.to_dicts()
    for row in rows:
        row.setdefault("suppressed", 0)
    return rows


def write_csv(figures: NeedsFigures, out: IO[str], *, hxl: bool = False) -> int:
    writer = CsvWriter(out)
    columns = columns_of(figures)
    writer.writerow(c.header for c in columns)
    if hxl:
        writer.writerow(c.hxl for c in columns)
    rows = _rows(figures)
    writer.writerows([("" if r[c.key] is None else r[c.key]) for c in columns] for r in rows)
    return len(rows)


def _about(figures: NeedsFigures) -> list[tuple[str, str]]:
    return [
        ("Operation", figures.operation),
        ("Round", f"{figures.round_number} ({figures.round_status})"),
        ("Rule set", figures.rules_version),
        ("Admin level", str(figures.level)),
        ("Compared with round", str(figures.previous_round_number or "")),
        (
            "Suppression",
            f"Counts of people from 1 to {figures.threshold - 1} are empty, and so are the "
            "cells that would give them back."
            if figures.threshold is not None
            else "None: exact values.",
        ),
        ("Intersectoral", "Highest sectoral figure per place and group, never a sum."),
    ]


def write_xlsx(figures: NeedsFigures, out: IO[bytes]) -> int:
    """A workbook: sheet "Needs" (bold header row, one row per unit and sector; a hidden count
    is an empty cell) and sheet "About" (the round, the rule set, the suppression)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("Needs")
    bold = book.add_format({"bold": True})
    columns = columns_of(figures)
    for j, column in enumerate(columns):
        xlsx_write_cell(sheet, 0, j, column.header, bold)
    rows = _rows(figures)
    for i, row in enumerate(rows, start=1):
        for j, column in enumerate(columns):
            xlsx_write_cell(sheet, i, j, row[column.key])
    about = book.add_worksheet("About")
    for i, (key, value) in enumerate(_about(figures)):
        xlsx_write_cell(about, i, 0, key, bold)
        xlsx_write_cell(about, i, 1, value)
    book.close()
    return len(rows)


def write_json(figures: NeedsFigures, out: IO[str]) -> int:
    """{"operation", "round", "round_status", "rules_version", "level", "threshold",
    "previous_round", "rows"};
    each row carries pcode, name, sector, severity, severity_distribution, pin_ind, ..."""
    head = json_body(figures)
    json.dump(head, out, ensure_ascii=False, indent=1)
    out.write("\n")
    return len(head["rows"])


def json_body(figures: NeedsFigures) -> dict[str, Any]:
    """The JSON answer of `figures` (the file of `write_json`, the API's body)."""
    rows = [
        {k: v for k, v in row.items() if k not in ("unit_id", "level")} for row in _rows(figures)
    ]
    return {
        "operation": figures.operation,
        "round": figures.round_number,
        "round_status": figures.round_status,
        "rules_version": figures.rules_version,
        "level": figures.level,
        "threshold": figures.threshold,
        "previous_round": figures.previous_round_number,
        "rows": rows,
    }


_TABLE = (
    ("pcode", "P-code"),
    ("name", "Name"),
    ("sector", "Sector"),
    ("places", "Places"),
    ("severity", "Severity"),
    ("distribution", "People at 1/2/3/4/5"),
    ("pin_ind", "In need"),
    ("pin_sites", "Sites"),
    ("pin_host", "Host"),
    ("pin_returnees", "Returnees"),
)


def write_table(figures: NeedsFigures, out: IO[str]) -> int:
    rows = _rows(figures)
    threshold = figures.threshold

    def cell(row: dict[str, Any], key: str) -> str:
        if key == "distribution":
            return " / ".join(cell(row, f"pop_l{k}") for k in range(1, 6))
        value = row[key]
        if value is None and key not in ("severity", "name") and threshold is not None:
            return HIDDEN
        return number(value) if isinstance(value, int) else str(value if value is not None else "-")

    cells = [[cell(r, key) for key, _ in _TABLE] for r in rows]
    heads = [head for _, head in _TABLE]
    widths = [max(len(x) for x in column) for column in zip(heads, *cells, strict=False)]
    for line in [heads, *cells]:
        out.write("  ".join(x.ljust(w) for x, w in zip(line, widths, strict=True)).rstrip() + "\n")
    note = f"Rule set {figures.rules_version}; round {figures.round_number} of {figures.operation}"
    if threshold is not None:
        note += f"; counts of people below {threshold} hidden"
    out.write(f"\n{note}. Intersectoral: highest sectoral figure per place, never a sum.\n")
    return len(rows)


def export_write(figures: NeedsFigures, fmt: str, out: IO[str]) -> int:
    """Write `figures` in `fmt` (table, csv, hxl, json; xlsx: `export_bytes`); returns the
    rows written."""
    if fmt == "json":
        return write_json(figures, out)
    if fmt in ("csv", "hxl"):
        return write_csv(figures, out, hxl=fmt == "hxl")
    if fmt == "table":
        return write_table(figures, out)
    raise InvalidInput(
        f"Needs figures have no {fmt} form.", hint=f"Use --format {', '.join(FORMATS)}."
    )


def export_bytes(figures: NeedsFigures, fmt: str) -> bytes:
    """The file of `figures` in `fmt` (csv, hxl, json, xlsx), as bytes (UTF-8 for text)."""
    if fmt == "xlsx":
        out = io.BytesIO()
        write_xlsx(figures, out)
        return out.getvalue()
    text = io.StringIO()
    export_write(figures, fmt, text)
    return text.getvalue().encode()
