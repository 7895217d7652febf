"""Events as files and screens: CSV with human headers, HXL (tag row under the header, the tags
of the `dtm_ett` form), JSON and the aligned terminal table. CSV and HXL go through the one
formula-neutralising writer (`core.spreadsheets.CsvWriter`). Every output says the events are
not verified and not a round figure.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import IO, Any

from opendtm.core.spreadsheets import CsvWriter
from opendtm.events.models import Event
from opendtm.figures.exports import Column, number

FORMATS = ("table", "csv", "json", "hxl")
NOT_A_ROUND = "Event tracking: reported, not verified; never added to a round's figures."

COLUMNS = [
    Column("submission_id", "Event ID", "#event+id"),
    Column("event_type", "Event type", "#event+type"),
    Column("event_date", "Event date", "#date+event"),
    Column("report_date", "Report date", "#date+reported"),
    Column("area_pcode", "Area P-code", "#adm+code"),
    Column("area_name", "Area", "#adm+name"),
    Column("count_method", "Counted or estimated", "#meta+count+method"),
    Column("displaced_hh", "Households displaced", "#affected+displaced+hh"),
    Column("displaced_ind", "Individuals displaced", "#affected+displaced+ind"),
    Column("from_pcode", "Displaced from (P-code)", "#adm2+origin+code"),
    Column("from_site_id", "Displaced from (site)", "#loc+site+origin+code"),
    Column("to_pcode", "Displaced to (P-code)", "#adm2+destination+code"),
    Column("to_site_id", "Displaced to (site)", "#loc+site+destination+code"),
    Column("shelter", "Shelter arrangement", "#indicator+shelter+type"),
    Column("nationality", "Nationality", "#affected+nationality"),
    Column("dead", "Dead", "#affected+killed"),
    Column("injured", "Injured", "#affected+injured"),
    Column("missing", "Missing", "#affected+missing"),
    Column("vulnerabilities", "Vulnerable groups", "#indicator+vulnerabilities+list"),
    Column("priority_need_1", "First need", "#sector+needs+priority1"),
    Column("priority_need_2", "Second need", "#sector+needs+priority2"),
    Column("priority_need_3", "Third need", "#sector+needs+priority3"),
    Column("source_type", "Source", "#meta+source+type"),
    Column("source_reliability", "Source reliability", "#meta+source+reliability"),
    Column("confirmed_rounds", "Confirmed by the baseline of round(s)", "#meta+confirmed+round"),
]


def event_row(event: Event) -> dict[str, Any]:
    """One event as plain values (the JSON object, the CSV row)."""
    rounds = sorted({c.round.number for c in event.confirmations.all()})
    return {
        "submission_id": event.submission_id,
        "event_type": event.event_type,
        "event_date": event.event_date.isoformat(),
        "report_date": event.report_date.isoformat(),
        "area_pcode": event.admin_unit.pcode,
        "area_name": event.admin_unit.name,
        "count_method": event.count_method,
        "displaced_hh": event.displaced_hh,
        "displaced_ind": event.displaced_ind,
        "from_pcode": event.from_unit.pcode if event.from_unit else None,
        "from_site_id": event.from_site.site_id if event.from_site else None,
        "to_pcode": event.to_unit.pcode if event.to_unit else None,
        "to_site_id": event.to_site.site_id if event.to_site else None,
        "shelter": event.shelter or None,
        "nationality": event.nationality or None,
        "dead": event.dead,
        "injured": event.injured,
        "missing": event.missing,
        "vulnerabilities": list(event.vulnerabilities),
        "priority_need_1": event.priority_need_1 or None,
        "priority_need_2": event.priority_need_2 or None,
        "priority_need_3": event.priority_need_3 or None,
        "source_type": event.source_type,
        "source_reliability": event.source_reliability,
        "confirmed_rounds": rounds,
    }


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return value


def write_csv(rows: list[dict[str, Any]], out: IO[str], *, hxl: bool = False) -> int:
    writer = CsvWriter(out)
    writer.writerow(c.header for c in COLUMNS)
    if hxl:
        writer.writerow(c.hxl for c in COLUMNS)
    writer.writerows([_cell(r[c.key]) for c in COLUMNS] for r in rows)
    return len(rows)


def write_json(rows: list[dict[str, Any]], out: IO[str], *, head: dict[str, Any]) -> int:
    json.dump({**head, "note": NOT_A_ROUND, "events": rows}, out, ensure_ascii=False, indent=1)
    out.write("\n")
    return len(rows)


_TABLE = (
    ("event_date", "Date"),
    ("submission_id", "Event"),
    ("event_type", "Type"),
    ("area_pcode", "Area"),
    ("displaced_hh", "Households"),
    ("displaced_ind", "Individuals"),
    ("count_method", "How"),
    ("source_reliability", "Reliability"),
)


def write_table(rows: list[dict[str, Any]], out: IO[str]) -> int:
    def cell(row: dict[str, Any], key: str) -> str:
        value = row[key]
        if value is None:
            return "-"
        return number(value) if isinstance(value, int) else str(value)

    cells = [[cell(r, key) for key, _ in _TABLE] for r in rows]
    heads = [head for _, head in _TABLE]
    widths = [max(len(x) for x in column) for column in zip(heads, *cells, strict=False)]
    for line in [heads, *cells]:
        out.write("  ".join(x.ljust(w) for x, w in zip(line, widths, strict=True)).rstrip() + "\n")
    out.write(f"\n{NOT_A_ROUND}\n")
    return len(rows)


def export_write(
    events: Iterable[Event], fmt: str, out: IO[str], *, head: dict[str, Any] | None = None
) -> int:
    """Write the events in `fmt` (table, csv, json, hxl); returns the rows written."""
    rows = [event_row(e) for e in events]
    if fmt == "json":
        return write_json(rows, out, head=head or {})
    if fmt in ("csv", "hxl"):
        return write_csv(rows, out, hxl=fmt == "hxl")
    return write_table(rows, out)
