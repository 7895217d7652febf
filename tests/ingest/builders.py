"""A test-only builder of parsed exports in the exact shape of the reader contract
(`forms.reader.ParsedExport`, docs/reader_contract.md), so validation and storage are tested on
frames we control.

The rows are also written as CSV files (the `sources` an import stores), one per table, in a
temporary folder that lives as long as the built export, so a stored row's raw values can be
read back from them."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from opendtm.forms.reader import ISSUE_SCHEMA
from opendtm.forms.spec import Field, FormSpec

_TYPES: dict[str, Any] = {
    "integer": pl.Int64,
    "decimal": pl.Float64,
    "date": pl.Date,
    "text": pl.Utf8,
    "calculate": pl.Utf8,
    "select_one": pl.Utf8,
    "select_multiple": pl.List(pl.Utf8),
}


@dataclass
class BuiltExport:
    """Same fields as forms.reader.ParsedExport."""

    form: FormSpec
    file_name: str
    sha256: str
    main: pl.DataFrame
    repeats: dict[str, pl.DataFrame]
    issues: pl.DataFrame
    ignored_columns: list[str] = field(default_factory=list)
    sources: dict[str, Path] = field(default_factory=dict)
    folder: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)


def _value_columns(fields: tuple[Field, ...], rows: list[dict[str, Any]]) -> dict[str, pl.Series]:
    out: dict[str, pl.Series] = {}
    for f in fields:
        if f.type == "geopoint":
            points = [r.get(f.name) for r in rows]
            for i, part in enumerate(("lat", "lon", "alt", "acc")):
                out[f"{f.name}__{part}"] = pl.Series(
                    [p[i] if p is not None and i < len(p) else None for p in points],
                    dtype=pl.Float64,
                )
            continue
        dtype = _TYPES.get(f.type)
        if dtype is None:
            continue
        values = [r.get(f.name) for r in rows]
        if f.type == "date":
            values = [dt.date.fromisoformat(v) if isinstance(v, str) else v for v in values]
        if f.type == "select_multiple":
            values = [v.split() if isinstance(v, str) else v for v in values]
        out[f.name] = pl.Series(values, dtype=dtype)
    return out


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return " ".join(str(x) for x in value)
    return "" if value is None else str(value)


def _csv_write(path: Path, rows: list[dict[str, Any]]) -> Path:
    """The rows as a CSV export: one column per key (not the builder's `_` keys), as text."""
    headers: list[str] = []
    for row in rows:
        headers += [k for k in row if not k.startswith("_") and k not in headers]
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(headers or ["empty"])
        writer.writerows([[_text(r.get(h)) for h in headers] for r in rows])
    return path


def export_build(
    form: FormSpec,
    rows: list[dict[str, Any]],
    *,
    repeats: dict[str, list[dict[str, Any]]] | None = None,
    file_name: str = "export.csv",
    sheet: str | None = None,
    issues: list[dict[str, Any]] | None = None,
    ignored_columns: list[str] | None = None,
) -> BuiltExport:
    """Rows are {field: value} (geopoint: (lat, lon[, alt, acc])); `_submission_id` gives the
    ID (default `uuid-<n>`); repeat rows carry `_parent_row` (the parent's `_row`)."""
    sheet = sheet or file_name
    n = len(rows)
    sids = [r.get("_submission_id", f"uuid-{i + 1}") for i, r in enumerate(rows)]
    main = pl.DataFrame(
        {
            "_row": pl.Series(list(range(2, n + 2)), dtype=pl.Int64),
            "_sheet": pl.Series([sheet] * n, dtype=pl.Utf8),
            "_submission_id": pl.Series(sids, dtype=pl.Utf8),
            "_index": pl.Series(list(range(1, n + 1)), dtype=pl.Int64),
            "_submitted_at": pl.Series([None] * n, dtype=pl.Datetime("us")),
            **_value_columns(form.main_fields(), rows),
        }
    )
    built: dict[str, pl.DataFrame] = {}
    by_row = dict(zip(range(2, n + 2), sids, strict=True))
    for name in form.repeats:
        items = (repeats or {}).get(name, [])
        m = len(items)
        built[name] = pl.DataFrame(
            {
                "_row": pl.Series(list(range(2, m + 2)), dtype=pl.Int64),
                "_sheet": pl.Series([name] * m, dtype=pl.Utf8),
                "_parent_row": pl.Series([r.get("_parent_row") for r in items], dtype=pl.Int64),
                "_submission_id": pl.Series(
                    [by_row.get(r.get("_parent_row")) for r in items], dtype=pl.Utf8
                ),
                **_value_columns(form.repeat_fields(name), items),
            }
        )
    content = json.dumps([rows, repeats], sort_keys=True, default=str).encode()
    folder = tempfile.TemporaryDirectory(prefix="opendtm-built-")
    sources = {"main": _csv_write(Path(folder.name) / file_name, rows)}
    for name, items in (repeats or {}).items():
        sources[name] = _csv_write(Path(folder.name) / f"{name}.csv", items)
    return BuiltExport(
        form=form,
        file_name=file_name,
        sha256=hashlib.sha256(content).hexdigest(),
        main=main,
        repeats=built,
        issues=pl.DataFrame(issues or [], schema=ISSUE_SCHEMA),
        ignored_columns=list(ignored_columns or []),
        sources=sources,
        folder=folder,
    )


def site_form_unconstrained(field_name: str) -> FormSpec:
    """The shipped site form with one field's constraint dropped, as an operation's own form
    might be: a value the shipped form refuses then reaches the database's own checks."""
    from opendtm.forms.queries import form_spec_get

    shipped = form_spec_get(form_id="dtm_site")
    return type(shipped)(
        form_id=shipped.form_id,
        version="op-1",
        title=shipped.title,
        fields=tuple(
            Field(**{**f.__dict__, "constraint": None}) if f.name == field_name else f
            for f in shipped.fields
        ),
        choices=shipped.choices,
        repeats=shipped.repeats,
    )
