"""The files partners use: CSV and XLSX with human headers, HXL (a tag row under the header,
docs/domain.md §6), JSON, GeoJSON points, and the aligned table printed in a terminal.

Exports hold aggregates only (the query results: no submission ID, enumerator code or raw
value ever reaches them). A suppressed cell is written empty (null in JSON and GeoJSON), never
0, and the row's "Suppressed cells" column names the hidden columns. Answers are written page
by page (`answer_pages`), so an export of a million rows streams to its file in constant memory.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any, TypeVar

import polars as pl

from opendtm.core.spreadsheets import CsvWriter, xlsx_write_cell
from opendtm.figures.choices import ExportFormat
from opendtm.figures.measures import (
    ADMIN_MEASURES,
    CHANGE_MEASURES,
    ORIGIN_MEASURES,
    SITE_MEASURES,
    Measure,
)
from opendtm.figures.results import (
    SITE_CHANGE_MEASURES,
    AdminFigures,
    OriginMatrix,
    Provenance,
    SiteFigures,
    TimeSeries,
)
from opendtm.figures.suppression import MASK

Answer = AdminFigures | SiteFigures | OriginMatrix | TimeSeries
A = TypeVar("A", bound=AdminFigures | SiteFigures | OriginMatrix)
PAGE_SIZE = 50_000
SUPPRESSED_NOTE = (
    "Empty cells marked in 'Suppressed cells' are hidden: counts of people below {t}, and "
    "cells hidden with them so that no hidden count can be worked out from a total."
)
OVER_BASELINE_NOTE = (
    "1 on a location whose sites hold more individuals than the IDPs its baseline reports, or "
    "more sites (not closed) than its sites_count: the two assessments disagree, review them. "
    "A coarser unit counts its locations so flagged."
)


@dataclass(frozen=True)
class Column:
    """One column of an export: its key (JSON name), human header and HXL tag."""

    key: str
    header: str
    hxl: str


def answer_pages(fetch: Callable[[int, int], A], page_size: int = PAGE_SIZE) -> Iterator[A]:
    """The pages of an answer: `fetch(limit, offset)` until every row has been read."""
    offset = 0
    while True:
        page = fetch(page_size, offset)
        yield page
        offset += page.rows.height
        if not page.rows.height or offset >= page.total_rows:
            return


# --- columns --------------------------------------------------------------------------------

_META = [
    Column("country", "Country", "#country+code"),
    Column("operation", "Operation", "#activity+code"),
    Column("round", "Round", "#round+code"),
    Column("reporting_date", "Reporting date", "#date+reported"),
]


def _admin_labels(levels: Iterable[int], prefix: str = "", *, origin: bool = False) -> list[Column]:
    word, tag = ("Origin admin", "+origin") if origin else ("Admin", "")
    return [
        column
        for k in levels
        for column in (
            Column(f"{prefix}adm{k}_pcode", f"{word} {k} P-code", f"#adm{k}{tag}+code"),
            Column(f"{prefix}adm{k}_name", f"{word} {k} name", f"#adm{k}{tag}+name"),
        )
    ]


def _measures(measures: Iterable[Measure]) -> list[Column]:
    return [Column(m.name, m.label, m.hxl) for m in measures]


def _changes(measures: Iterable[Measure], names: tuple[str, ...]) -> list[Column]:
    """Previous value, change and % change of the measures in `names`. Tagged `#indicator`,
    so that a pattern naming the measure (`#affected+idps+ind`) never matches them."""
    columns = []
    for m in measures:
        if m.name not in names:
            continue
        tag = "#indicator+" + m.hxl.split("+", 1)[1]
        columns += [
            Column(f"{m.name}_previous", f"{m.label}, previous round", f"{tag}+previous+num"),
            Column(f"{m.name}_change", f"{m.label}, change", f"{tag}+change+num"),
            Column(f"{m.name}_change_pct", f"{m.label}, change %", f"{tag}+change+pct"),
        ]
    return columns


_POINT = [Column("latitude", "Latitude", "#geo+lat"), Column("longitude", "Longitude", "#geo+lon")]
_SUPPRESSED = Column("suppressed", "Suppressed cells", "#meta+suppressed")
_CHANGE_NOTE = Column("change_note", "Change across gazetteer versions", "#meta+change+note")


def columns_of(answer: Answer) -> list[Column]:
    """The columns an export of this answer has, in order."""
    if isinstance(answer, AdminFigures):
        return [
            *_META,
            *_admin_labels(range(1, answer.level + 1)),
            *_POINT,
            *_measures(ADMIN_MEASURES),
            *_changes(ADMIN_MEASURES, CHANGE_MEASURES),
            _CHANGE_NOTE,
            _SUPPRESSED,
        ]
    if isinstance(answer, SiteFigures):
        return [
            *_META,
            Column("site_code", "Site ID", "#loc+site+code"),
            Column("site_name", "Site name", "#loc+site+name"),
            Column("site_type", "Site type", "#loc+site+type"),
            Column("site_status", "Site status", "#status+site"),
            *_admin_labels(range(1, 5)),
            *_POINT,
            Column("flagged", "Flagged for review", "#meta+flagged"),
            Column("sadd", "Sex and age reported", "#meta+sadd"),
            *_measures(SITE_MEASURES),
            *_changes(SITE_MEASURES, SITE_CHANGE_MEASURES),
            _SUPPRESSED,
        ]
    if isinstance(answer, OriginMatrix):
        return [
            *_META,
            *_admin_labels(range(1, answer.origin_level + 1), "origin_", origin=True),
            Column("origin_level", "Origin admin level", "#meta+origin+level"),
            *_admin_labels(range(1, answer.destination_level + 1)),
            *_POINT,
            *_measures(ORIGIN_MEASURES),
            _SUPPRESSED,
        ]
    return [
        *_META,
        *_admin_labels(range(1, int(answer.unit["level"]) + 1)),
        *_POINT,
        Column("round_status", "Round status", "#status+round"),
        Column("source", "Source", "#meta+source"),
        *_measures(ADMIN_MEASURES),
        *_changes(ADMIN_MEASURES, CHANGE_MEASURES),
        _CHANGE_NOTE,
        _SUPPRESSED,
    ]


def _hidden_names(measures: Iterable[Measure]) -> pl.Expr:
    """The keys of the hidden measures of a row, as a list."""
    names = [m.name for m in measures]
    return pl.concat_list(
        pl.when((pl.col(MASK) // (1 << i)) % 2 == 1).then(pl.lit(n)).otherwise(None)
        for i, n in enumerate(names)
    ).list.drop_nulls()


def export_frame(answer: Answer) -> pl.DataFrame:
    """The answer's rows under the export's column keys (`suppressed`: list of hidden keys)."""
    rows = answer.rows
    if isinstance(answer, TimeSeries):
        first = answer.provenance[0] if answer.provenance else None
        rows = rows.with_columns(
            pl.col("round_number").alias("round"),
            pl.lit(first.operation if first else None).alias("operation"),
            pl.lit(first.country_iso3 if first else None).alias("country"),
            *(pl.lit(v).alias(k) for k, v in answer.unit.items() if k not in rows.columns),
        )
        measures: tuple[Measure, ...] = ADMIN_MEASURES
    else:
        p = answer.provenance
        rows = rows.with_columns(
            pl.lit(p.country_iso3).alias("country"),
            pl.lit(p.operation).alias("operation"),
            pl.lit(p.round_number).alias("round"),
            pl.lit(p.reporting_date).alias("reporting_date"),
        )
        measures = (
            SITE_MEASURES
            if isinstance(answer, SiteFigures)
            else ORIGIN_MEASURES
            if isinstance(answer, OriginMatrix)
            else ADMIN_MEASURES
        )
    if isinstance(answer, SiteFigures):
        rows = rows.with_columns(
            pl.col("site_latitude").alias("latitude"), pl.col("site_longitude").alias("longitude")
        )
    if isinstance(answer, OriginMatrix):
        rows = rows.with_columns(
            pl.col("destination_latitude").alias("latitude"),
            pl.col("destination_longitude").alias("longitude"),
            *(
                pl.col(f"destination_adm{k}_{part}").alias(f"adm{k}_{part}")
                for k in range(1, 5)
                for part in ("pcode", "name")
            ),
        )
    rows = rows.with_columns(_hidden_names(measures).alias("suppressed"))
    return rows.select(c.key for c in columns_of(answer))


# --- writers --------------------------------------------------------------------------------


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return " ".join(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _text(value: Any, column: Column, headers: dict[str, str]) -> Any:
    if column.key == "suppressed" and isinstance(value, list):
        return "; ".join(headers[v] for v in value)
    return _cell(value)


def write_csv(pages: Iterable[Answer], out: IO[str], *, hxl: bool = False) -> int:
    """CSV with a header row (and, for HXL, the tag row under it); returns the rows written."""
    writer = CsvWriter(out)
    columns: list[Column] = []
    headers: dict[str, str] = {}
    written = 0
    for page in pages:
        if not columns:
            columns = columns_of(page)
            headers = _headers(columns)
            writer.writerow(c.header for c in columns)
            if hxl:
                writer.writerow(c.hxl for c in columns)
        for row in export_frame(page).iter_rows():
            writer.writerow(_text(v, c, headers) for v, c in zip(row, columns, strict=True))
            written += 1
    return written


def _headers(columns: list[Column]) -> dict[str, str]:
    """Measure key -> header, as the export's own columns name it (`ind_f_lt1` is "Female
    under 1 in sites" in a unit's row, "Female under 1" in a site's)."""
    every = _measures((*ADMIN_MEASURES, *SITE_MEASURES, *ORIGIN_MEASURES))
    return {c.key: c.header for c in (*every, *columns)}


def _provenance_of(answer: Answer) -> list[Provenance]:
    return list(answer.provenance) if isinstance(answer, TimeSeries) else [answer.provenance]


def write_xlsx(pages: Iterable[Answer], out: IO[bytes]) -> int:
    """A workbook: sheet "Figures" (bold header row, one row per answer row) and sheet "About"
    (where the figures came from and what an empty cell means). Written row by row."""
    import xlsxwriter

    book = xlsxwriter.Workbook(out, {"constant_memory": True, "in_memory": False})
    sheet = book.add_worksheet("Figures")
    bold = book.add_format({"bold": True})
    columns: list[Column] = []
    headers: dict[str, str] = {}
    first: Answer | None = None
    written = 0
    for page in pages:
        if first is None:
            first, columns = page, columns_of(page)
            headers = _headers(columns)
            for j, column in enumerate(columns):
                xlsx_write_cell(sheet, 0, j, column.header, bold)
        for row in export_frame(page).iter_rows():
            written += 1
            for j, (value, column) in enumerate(zip(row, columns, strict=True)):
                if value is not None and value != []:
                    xlsx_write_cell(sheet, written, j, _text(value, column, headers))
    about = book.add_worksheet("About")
    lines = _about(first) if first is not None else []
    for i, (key, value) in enumerate(lines):
        xlsx_write_cell(about, i, 0, key, bold)
        xlsx_write_cell(about, i, 1, value)
    book.close()
    return written


def _about(answer: Answer) -> list[tuple[str, str]]:
    lines: list[tuple[str, str]] = []
    for p in _provenance_of(answer):
        lines += [
            ("Operation", p.operation),
            ("Round", f"{p.round_number} ({p.round_status}, reported {p.reporting_date})"),
            ("Computed from", "published snapshot" if p.source == "snapshot" else "live data"),
            ("Gazetteer version", p.gazetteer_version or ""),
            ("Import batches", " ".join(str(b) for b in p.batch_ids)),
            ("Compared with round", str(p.previous_round_number or "")),
            (
                "Suppression",
                SUPPRESSED_NOTE.format(t=p.threshold)
                if p.threshold is not None
                else "None: exact values.",
            ),
        ]
    if isinstance(answer, AdminFigures | TimeSeries):
        lines.append(("Locations whose sites exceed their baseline", OVER_BASELINE_NOTE))
    return lines


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _head(answer: Answer) -> dict[str, Any]:
    head: dict[str, Any] = {"provenance": [p.as_dict() for p in _provenance_of(answer)]}
    if isinstance(answer, TimeSeries):
        head["unit"] = answer.unit
        return head
    head |= {"total_rows": answer.total_rows, "totals": answer.totals}
    if isinstance(answer, AdminFigures):
        head |= {"level": answer.level, "within": answer.within}
    if isinstance(answer, SiteFigures):
        head["within"] = answer.within
    if isinstance(answer, OriginMatrix):
        head |= {
            "origin_level": answer.origin_level,
            "destination_level": answer.destination_level,
            "within": answer.within,
            "coarser_rows": answer.coarser_rows,
        }
    return head


def write_json(pages: Iterable[Answer], out: IO[str]) -> int:
    """{"provenance": [...], ..., "suppressed_marker": ..., "rows": [{...}, ...]}, streamed."""
    written = 0
    started = False  # the head is written once, from the first page, even an empty one
    for page in pages:
        if not started:
            head = _head(page) | {
                "suppressed_marker": "null, with the key listed in the row's 'suppressed'"
            }
            out.write(json.dumps(head, default=_json_value)[:-1] + ', "rows": [')
            started = True
        for row in export_frame(page).iter_rows(named=True):
            out.write(("," if written else "") + "\n" + json.dumps(row, default=_json_value))
            written += 1
    if not started:
        out.write('{"rows": [')
    out.write("\n]}\n")
    return written


def write_geojson(pages: Iterable[Answer], out: IO[str]) -> int:
    """A FeatureCollection of points (unit centroids, site coordinates, current unit of an
    origin row); a row without coordinates has a null geometry. Streamed."""
    written = 0
    started = False
    for page in pages:
        if not started:
            head = {"type": "FeatureCollection"} | _head(page)
            out.write(json.dumps(head, default=_json_value)[:-1] + ', "features": [')
            started = True
        for row in export_frame(page).iter_rows(named=True):
            lat, lon = row["latitude"], row["longitude"]
            point = {"type": "Point", "coordinates": [lon, lat]} if None not in (lat, lon) else None
            feature = {"type": "Feature", "geometry": point, "properties": row}
            out.write(("," if written else "") + "\n" + json.dumps(feature, default=_json_value))
            written += 1
    if not started:
        out.write('{"type": "FeatureCollection", "features": [')
    out.write("\n]}\n")
    return written


# --- the terminal table -----------------------------------------------------------------

# (header, key, kind) per answer: kind "n" a count, "c" a signed change, "p" a % change.
_TABLE: dict[type, list[tuple[str, str, str]]] = {
    AdminFigures: [
        ("P-code", "pcode", "t"),
        ("Name", "name", "t"),
        ("Locations", "locations", "n"),
        ("IDP HH", "idp_hh", "n"),
        ("IDP ind", "idp_ind", "n"),
        ("Change", "idp_ind_change", "c"),
        ("%", "idp_ind_change_pct", "p"),
        ("Returned IDP ind", "returnee_idp_ind", "n"),
        ("From abroad", "returnee_abroad_ind", "n"),
        ("Sites", "sites", "n"),
        ("Ind in sites", "site_ind", "n"),
    ],
    SiteFigures: [
        ("Site ID", "site_code", "t"),
        ("Name", "site_name", "t"),
        ("Status", "site_status", "t"),
        ("P-code", "pcode", "t"),
        ("HH", "hh", "n"),
        ("Ind", "ind", "n"),
        ("Change", "ind_change", "c"),
        ("%", "ind_change_pct", "p"),
    ],
    OriginMatrix: [
        ("Origin", "origin_pcode", "t"),
        ("Origin name", "origin_name", "t"),
        ("Current", "destination_pcode", "t"),
        ("Current name", "destination_name", "t"),
        ("Locations", "locations", "n"),
        ("IDP HH", "origin_hh", "n"),
        ("IDP ind", "origin_ind", "n"),
    ],
    TimeSeries: [
        ("Round", "round_number", "t"),
        ("Status", "round_status", "t"),
        ("Reported", "reporting_date", "t"),
        ("Locations", "locations", "n"),
        ("IDP HH", "idp_hh", "n"),
        ("IDP ind", "idp_ind", "n"),
        ("Change", "idp_ind_change", "c"),
        ("%", "idp_ind_change_pct", "p"),
        ("Returned IDP ind", "returnee_idp_ind", "n"),
        ("From abroad", "returnee_abroad_ind", "n"),
        ("Sites", "sites", "n"),
        ("Ind in sites", "site_ind", "n"),
    ],
}
HIDDEN = "*"


def number(value: Any, kind: str = "n", *, hidden: bool = False) -> str:
    """A value as the terminal shows it: thousands separators, signed changes, HIDDEN for a
    suppressed count and "-" for a change that does not exist."""
    if hidden:
        return HIDDEN
    if value is None:
        return "-"
    if kind == "n":
        return f"{value:,}"
    if kind == "c":
        return f"{value:+,}"
    if kind == "p":
        return f"{value:+.1f}%"
    return _cell(value) if not isinstance(value, str) else value


def _table_cells(answer: Answer) -> list[list[str]]:
    spec = _TABLE[type(answer)]
    rows = answer.rows
    out = []
    for row in rows.iter_rows(named=True):
        out.append(
            [
                number(row[key], kind, hidden=kind == "n" and row[key] is None)
                if kind != "t"
                else str(_cell(row[key]) if row[key] is not None else "-")
                for _h, key, kind in spec
            ]
        )
    return out


def _aligned(
    spec: list[tuple[str, str, str]], cells: list[list[str]], widths: list[int]
) -> list[str]:
    return [
        "  ".join(
            c.ljust(w) if kind == "t" else c.rjust(w)
            for c, w, (_h, _k, kind) in zip(row, widths, spec, strict=True)
        ).rstrip()
        for row in cells
    ]


def provenance_line(p: Provenance) -> str:
    """One line saying where a round's figures came from."""
    source = "published snapshot" if p.source == "snapshot" else "computed live"
    batches = ", ".join(str(b) for b in p.batch_ids) or "none"
    return (
        f"{p.operation} round {p.round_number} ({p.round_status}, reported "
        f"{p.reporting_date}): {source}; gazetteer {p.gazetteer_version or 'unknown'}; "
        f"import batches {batches}"
    )


def _total_cells(answer: Answer, spec: list[tuple[str, str, str]]) -> list[str] | None:
    totals = getattr(answer, "totals", None)
    if totals is None:
        return None
    cells = [
        number(totals[k], kind, hidden=totals[k] is None) if kind == "n" and k in totals else ""
        for _h, k, kind in spec
    ]
    cells[0] = "Total"
    return cells


def write_table(pages: Iterable[Answer], out: IO[str]) -> int:
    """An aligned table for a terminal (column widths taken from the first page), a total line
    when the answer has totals, and where the figures came from."""
    written = 0
    first: Answer | None = None
    widths: list[int] = []
    spec: list[tuple[str, str, str]] = []
    total: list[str] | None = None
    for page in pages:
        cells = _table_cells(page)
        if first is None:
            first, spec = page, _TABLE[type(page)]
            header = [h for h, _k, _kind in spec]
            total = _total_cells(page, spec)
            widths = [
                max(len(cell) for cell in column)
                for column in zip(header, *cells, *([total] if total else []), strict=True)
            ]
            out.write(_aligned(spec, [header], widths)[0] + "\n")
        for line in _aligned(spec, cells, widths):
            out.write(line + "\n")
            written += 1
    if first is None:
        return 0
    if total is not None:
        out.write(_aligned(spec, [total], widths)[0] + "\n")
    for p in _provenance_of(first)[-1:]:
        out.write(provenance_line(p) + "\n")
        if p.threshold is not None:
            note = SUPPRESSED_NOTE.format(t=p.threshold).split(": ", 1)[1]
            out.write(f"{HIDDEN} suppressed: {note}\n")
    return written


def export_write(pages: Iterable[Answer], fmt: str, out: IO[bytes]) -> int:
    """Write the answer in one of the file formats to a binary stream; returns rows written."""
    if fmt == ExportFormat.XLSX:
        return write_xlsx(pages, out)
    if fmt == ExportFormat.TABLE:
        text = io.TextIOWrapper(out, encoding="utf-8", newline="")
        try:
            return write_table(pages, text)
        finally:
            text.flush()
            text.detach()
    text = io.TextIOWrapper(out, encoding="utf-8", newline="")
    try:
        if fmt in (ExportFormat.CSV, ExportFormat.HXL):
            return write_csv(pages, text, hxl=fmt == ExportFormat.HXL)
        if fmt == ExportFormat.JSON:
            return write_json(pages, text)
        if fmt == ExportFormat.GEOJSON:
            return write_geojson(pages, text)
        raise ValueError(f"not a file format: {fmt}")
    finally:
        text.flush()
        text.detach()
