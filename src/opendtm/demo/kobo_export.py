"""Write records the way KoboToolbox's XLSX export does (XML names, group paths).

The layout follows Kobo's export writer (formpack): the main sheet is named after the form title,
headers are `group/subgroup/field`; a select_multiple is one space-separated column plus one 0/1
column per choice (`group/field/choice`); a geopoint is one `lat lon alt precision` column plus
`group/_field_latitude`, `_longitude`, `_altitude`, `_precision`; Kobo's metadata columns follow;
each repeat gets its own sheet joined to the main one by `_parent_index` = main `_index`.

With `language`, it is Kobo's "labels" export in that language of a multi-language form
(formpack's `lang`): headers are the group and question labels (`Group label/Question label`,
`Question label/Choice label` for a one-hot column, `Group label/_Question label_latitude`),
and the answers of selects are their choices' labels, space-separated for a select_multiple.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path

import xlsxwriter

from opendtm.forms.spec import Field, FormSpec

MAIN_META = (
    "_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status",
    "_submitted_by", "__version__", "_tags", "_index",
)  # fmt: skip
REPEAT_META = (
    "_index", "_parent_table_name", "_parent_index", "_submission__id", "_submission__uuid",
    "_submission__submission_time", "_submission__validation_status", "_submission__notes",
    "_submission__status", "_submission__submitted_by", "_submission___version__",
    "_submission__tags",
)  # fmt: skip
EXPORTED_TYPES = {
    "integer", "decimal", "text", "date", "select_one", "select_multiple", "geopoint", "calculate",
}  # fmt: skip


def _path(form: FormSpec, f: Field, labels: bool) -> str:
    if labels:
        return "/".join(form.label_path(f))
    return "/".join((*f.group_path, f.name))


def _columns(
    form: FormSpec, fields: Sequence[Field], labels: bool = False
) -> list[tuple[str, Field, str]]:
    """(header, field, part) for every exported column; part says which piece of the value."""
    cols: list[tuple[str, Field, str]] = []
    for f in fields:
        if f.type not in EXPORTED_TYPES:
            continue
        path = _path(form, f, labels)
        cols.append((path, f, "value"))
        if f.type == "select_multiple" and f.list_name:
            cols.extend(
                (f"{path}/{c.label if labels else c.name}", f, c.name)
                for c in form.choices[f.list_name]
            )
        elif f.type == "geopoint":
            groups = form.label_path(f)[:-1] if labels else f.group_path
            prefix = "/".join(groups)
            for part in ("latitude", "longitude", "altitude", "precision"):
                header = f"_{f.label if labels else f.name}_{part}"
                cols.append((f"{prefix}/{header}" if prefix else header, f, part))
    return cols


def _cell(value: object, f: Field, part: str, shown: dict[str, str] | None = None) -> object:
    """The cell of `part` of the value; `shown` maps a choice name to its label (labels export)."""
    if value is None:
        return None
    if f.type == "select_one" and shown is not None:
        return shown.get(str(value), value)
    if f.type == "select_multiple":
        chosen = value.split() if isinstance(value, str) else list(value)  # type: ignore[call-overload]
        if part == "value":
            return (
                " ".join(shown.get(c, c) for c in chosen) if shown is not None else " ".join(chosen)
            )
        return "1" if part in chosen else "0"
    if f.type == "geopoint":
        if isinstance(value, str):
            return value if part == "value" else None
        assert isinstance(value, tuple)
        lat, lon = value
        return {
            "value": f"{lat} {lon} 0 0",
            "latitude": lat,
            "longitude": lon,
            "altitude": 0,
            "precision": 0,
        }[part]
    if isinstance(value, date):
        return value.isoformat()
    return value


def kobo_xlsx_write(
    *,
    form: FormSpec,
    records: Sequence[dict[str, object]],
    path: Path,
    repeats: dict[str, Sequence[dict[str, object]]] | None = None,
    first_id: int = 100_001,
    language: str | None = None,
) -> Path:
    """Write one Kobo-style XLSX export. Records carry `_uuid`; repeat rows `_parent_uuid`.
    `language` (an XLSForm language name of the form): the labels export in that language."""
    labels = language is not None
    if language is not None:
        form = form.in_language(language)
    # list name -> choice name -> label; lists share names ("other") with labels of their own
    shown = {n: {c.name: c.label for c in options} for n, options in form.choices.items()}
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    main = book.add_worksheet(form.title[:31])
    cols = _columns(form, form.main_fields(), labels)
    headers = ["start", "end", *(c[0] for c in cols), *MAIN_META]
    main.write_row(0, 0, headers)
    index_of: dict[str, int] = {}
    meta_of: dict[str, tuple[int, str]] = {}
    for i, record in enumerate(records, start=1):
        uuid = str(record["_uuid"])
        when = record.get("assessment_date")
        day = when if isinstance(when, date) else date(2026, 1, 1)
        started = datetime.combine(day, time(8, 0)) + timedelta(minutes=7 * (i % 60))
        submitted = started + timedelta(hours=6)
        values: list[object] = [
            started.isoformat() + "+08:00",
            (started + timedelta(minutes=25)).isoformat() + "+08:00",
        ]
        values.extend(
            _cell(record.get(f.name), f, part, shown.get(f.list_name or "") if labels else None)
            for _h, f, part in cols
        )
        values.extend(
            [
                first_id + i,
                uuid,
                submitted.isoformat(),
                "",
                "",
                "submitted_via_web",
                "",
                form.version,
                "",
                i,
            ]
        )
        main.write_row(i, 0, values)
        index_of.setdefault(uuid, i)
        meta_of.setdefault(uuid, (first_id + i, submitted.isoformat()))
    for repeat, rows in (repeats or {}).items():
        sheet = book.add_worksheet(repeat[:31])
        rcols = _columns(form, form.repeat_fields(repeat), labels)
        sheet.write_row(0, 0, [*(c[0] for c in rcols), *REPEAT_META])
        for j, row in enumerate(rows, start=1):
            parent = str(row["_parent_uuid"])
            sub_id, sub_time = meta_of.get(parent, (None, None))
            values = [
                _cell(row.get(f.name), f, part, shown.get(f.list_name or "") if labels else None)
                for _h, f, part in rcols
            ]
            values.extend(
                [j, form.title[:31], index_of.get(parent), sub_id, parent, sub_time, "", "",
                 "submitted_via_web", "", form.version, ""]
            )  # fmt: skip
            sheet.write_row(j, 0, values)
    book.close()
    return path
