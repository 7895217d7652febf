"""A test-only builder of parsed exports in the exact shape of the reader contract
(`forms.reader.ParsedExport`), so validation and storage are tested on frames we control."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from opendtm.forms.spec import Field, FormSpec
from opendtm.ingest.issues import ISSUE_SCHEMA

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


def _raw(row: dict[str, Any]) -> str:
    def text(v: Any) -> str:
        if isinstance(v, (list, tuple)):
            return " ".join(str(x) for x in v)
        return "" if v is None else str(v)

    return json.dumps({k: text(v) for k, v in row.items() if not k.startswith("_")})


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
            "_raw": pl.Series([_raw(r) for r in rows], dtype=pl.Utf8),
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
                "_raw": pl.Series([_raw(r) for r in items], dtype=pl.Utf8),
                **_value_columns(form.repeat_fields(name), items),
            }
        )
    content = json.dumps([rows, repeats], sort_keys=True, default=str).encode()
    return BuiltExport(
        form=form,
        file_name=file_name,
        sha256=hashlib.sha256(content).hexdigest(),
        main=main,
        repeats=built,
        issues=pl.DataFrame(issues or [], schema=ISSUE_SCHEMA),
        ignored_columns=list(ignored_columns or []),
    )
