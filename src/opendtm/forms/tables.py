"""One table of an export (main sheet or a repeat) typed column-wise against the form.

`table_read` gives one typed column per field (docs/reader_contract.md) with the metadata the
reader joins on, and helper columns the reader drops: `__i` (row in the raw text frame) and
`__error__<field>` (cells given but unreadable). What KoboToolbox and ODK write parses with
plain casts; only a column holding something else goes through the full parsers of `values`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from opendtm.forms.headers import VALUE_TYPES, ColumnMap
from opendtm.forms.limits import INTEGER_MAX
from opendtm.forms.sources import RawTable
from opendtm.forms.spec import Field, FormSpec
from opendtm.forms.values import (
    GEO_PARTS,
    Parsed,
    cell,
    date_fast,
    date_parse,
    datetime_fast,
    datetime_parse,
    decimal_fast,
    decimal_parse,
    dictionary_parse,
    geopoint_parse,
    integer_bounded,
    integer_fast,
    integer_parse,
    onehot_fast,
    onehot_parse,
    select_multiple_parse,
    select_one_fast,
    select_one_parse,
)

DTYPES: dict[str, pl.DataType | type[pl.DataType]] = {
    "integer": pl.Int64,
    "decimal": pl.Float64,
    "date": pl.Date,
    "text": pl.Utf8,
    "calculate": pl.Utf8,
    "time": pl.Utf8,  # as written (ODK: 06:00:00.000+08:00); the validator reads the time
    "select_one": pl.Utf8,
    "select_multiple": pl.List(pl.Utf8),
}
SUBMITTED_AT = pl.Datetime("us")
FastParser = Callable[[pl.Expr], tuple[pl.Expr, pl.Expr]]
# Metadata read with a type: column alias -> (role, fast parser, full parser, type).
META_PARSERS: dict[str, tuple[str, FastParser, Callable[[pl.Expr], pl.Expr], pl.DataType]] = {
    "_index": ("index", integer_fast, integer_parse, pl.Int64()),
    "_submitted_at": ("submitted_at", datetime_fast, datetime_parse, SUBMITTED_AT),
    "__parent_index": ("parent_index", integer_fast, integer_parse, pl.Int64()),
}


@dataclass(frozen=True)
class Table:
    """One table read: its raw text, its column map and its typed frame (helpers still on)."""

    raw: RawTable
    columns: ColumnMap
    frame: pl.DataFrame


def table_read(
    form: FormSpec, fields: tuple[Field, ...], raw: RawTable, columns: ColumnMap
) -> Table:
    """Type one table column-wise, in up to two passes over its text.

    1. Every field through its fast parser (plain casts), with the metadata columns.
    2. Only the fields with a cell the fast parser could not read, through the full parsers
       (spaces, labels, letter case, other date forms...), which also say which cells are bad.
    Helper columns `__i` (row in the raw frame) and `__error__<field>` stay on the frame. The
    cells as received are not copied: `sources.rows_as_received` reads them back from the file.
    """
    frame = raw.frame
    meta = columns.meta
    exprs: list[pl.Expr] = [
        pl.int_range(pl.len(), dtype=pl.Int64).alias("__i"),
        (pl.int_range(pl.len(), dtype=pl.Int64) + raw.first_row).alias("_row"),
        pl.lit(raw.name, dtype=pl.Utf8).alias("_sheet"),
        _submission_id(meta).alias("_submission_id"),
        _meta_text(meta, "key").alias("__key"),
        _meta_text(meta, "parent_key").alias("__parent_key"),
        _meta_text(meta, "parent_uuid").alias("__parent_uuid"),
        _blank(raw).alias("__blank"),
    ]
    suspects: list[str] = []
    meta_parsed: dict[str, tuple[str, Callable[[pl.Expr], pl.Expr]]] = {}
    for alias, (role, fast, full, dtype) in META_PARSERS.items():
        if role not in meta:
            exprs.append(pl.lit(None, dtype).alias(alias))
            continue
        out, suspect = fast(pl.col(meta[role]))
        exprs += [out.alias(alias), suspect.alias(f"__suspect__{alias}")]
        meta_parsed[alias] = (meta[role], full)
        suspects.append(alias)
    valued = [f for f in fields if f.type in VALUE_TYPES]
    parsed_fast = {f.name: field_parse(form, f, columns, frame, fast=True) for f in valued}
    for f in valued:
        parsed = parsed_fast[f.name]
        if parsed is None:
            exprs.extend(missing_columns(f))
            continue
        exprs.extend(parsed.outputs)
        if parsed.error is not None:
            mask = "__error__" if parsed.final else "__suspect__"
            exprs.append(parsed.error.fill_null(False).alias(f"{mask}{f.name}"))
            if not parsed.final:
                suspects.append(f.name)
    typed = _staged(frame, [p for p in parsed_fast.values() if p is not None], exprs)
    flags = typed.select(pl.col(f"__suspect__{n}").any().alias(n) for n in suspects)
    redo = [name for name in suspects if flags[name].item()]
    typed = typed.drop(f"__suspect__{n}" for n in suspects)
    if redo:
        slow_exprs = [
            meta_parsed[n][1](cell(meta_parsed[n][0])).alias(n) for n in redo if n in meta_parsed
        ]
        slow = {
            n: field_parse(form, form.field(n), columns, frame, fast=False)
            for n in redo
            if n not in meta_parsed
        }
        for name, parsed in slow.items():
            assert parsed is not None and parsed.error is not None
            slow_exprs.extend(parsed.outputs)
            slow_exprs.append(parsed.error.fill_null(False).alias(f"__error__{name}"))
        redone = _staged(frame, [p for p in slow.values() if p is not None], slow_exprs)
        typed = typed.with_columns(redone.get_columns())
    # One chunk per column: a column typed again above comes back in the pieces the engine
    # worked in, beside one-piece columns, and Polars 2.1 panics on such a frame later
    # (`pl.format` after a filter: "assertion failed: i < self.len()"). A frame read from a
    # file is contiguous anyway; only the retyped columns are copied.
    frame = typed.filter(~pl.col("__blank")).drop("__blank").rechunk()
    return Table(raw=raw, columns=columns, frame=frame)


def _blank(raw: RawTable) -> pl.Expr:
    """Rows with no cell given; a row whose only cells hold Excel errors is not blank."""
    blank = pl.all_horizontal([pl.col(c).is_null() for c in raw.frame.columns])
    if raw.errors.height:
        rows = raw.errors.get_column("__i").unique().implode()
        blank = blank & ~pl.int_range(pl.len(), dtype=pl.Int64).is_in(rows)
    return blank


def _staged(frame: pl.DataFrame, parsed: list[Parsed], exprs: list[pl.Expr]) -> pl.DataFrame:
    """Compute the parsers' temporary columns stage by stage, then the outputs, in one query."""
    query = frame.lazy()
    depth = max((len(p.stages) for p in parsed), default=0)
    for level in range(depth):
        step = [e for p in parsed if level < len(p.stages) for e in p.stages[level]]
        query = query.with_columns(step)
    return query.select(exprs).collect()


def _meta_text(meta: dict[str, str], role: str) -> pl.Expr:
    return cell(meta[role]) if role in meta else pl.lit(None, pl.Utf8)


def field_parse(
    form: FormSpec, f: Field, columns: ColumnMap, frame: pl.DataFrame, *, fast: bool
) -> Parsed | None:
    """The typed columns of one field from whichever columns of the table hold it.

    `fast`: plain casts over the raw text, `error` marking cells they could not read.
    Otherwise the full parsers over the cleaned text, `error` marking cells that are bad.
    None when the table has no column for the field.
    """
    header = columns.values.get(f.name)
    choices = form.choices.get(f.list_name or "", ())
    if f.type == "geopoint":
        return _geopoint_parse(f, columns, fast=fast)
    if f.type == "select_multiple" and header is None and f.name in columns.onehot:
        if fast:
            chosen, odd = onehot_fast(columns.onehot[f.name])
            return Parsed(outputs=[chosen.alias(f.name)], error=odd, value=pl.lit(None))
        chosen, error, value = onehot_parse(columns.onehot[f.name])
        return Parsed(outputs=[chosen.alias(f.name)], error=error, value=value)
    if header is None:
        return None
    text = cell(header)
    if f.type in ("text", "calculate", "time") or (f.type == "select_one" and not choices):
        return Parsed(outputs=[text.alias(f.name)], error=None, value=text)
    if f.type == "select_multiple":
        if not choices:
            words = text.str.split(" ").list.eval(pl.element().filter(pl.element() != ""))
            return Parsed(outputs=[words.alias(f.name)], error=None, value=text)
        out, bad = dictionary_parse(
            frame.get_column(header),
            lambda e: select_multiple_parse(e, choices),
            pl.List(pl.Utf8),
        )
        return Parsed(outputs=[out.alias(f.name)], error=bad, value=text, final=True)
    if fast:
        raw = pl.col(header)
        if f.type == "select_one":
            out, suspect = select_one_fast(raw, tuple(c.name for c in choices))
        else:
            out, suspect = {"integer": integer_fast, "decimal": decimal_fast, "date": date_fast}[
                f.type
            ](raw)
        if f.type == "integer":
            out, outside = integer_bounded(out, field_bound(f))
            suspect = suspect | outside
        return Parsed(outputs=[out.alias(f.name)], error=suspect, value=raw)
    if f.type == "select_one":
        out = select_one_parse(text, choices)
    else:
        out = {"integer": integer_parse, "decimal": decimal_parse, "date": date_parse}[f.type](text)
    if f.type == "integer":
        out, _ = integer_bounded(out, field_bound(f))
    return Parsed(outputs=[out.alias(f.name)], error=text.is_not_null() & out.is_null(), value=text)


def field_bound(f: Field) -> int:
    """The largest whole number an integer field takes: its form's maximum, else INTEGER_MAX."""
    return INTEGER_MAX if f.maximum is None else min(f.maximum, INTEGER_MAX)


def _geopoint_parse(f: Field, columns: ColumnMap, *, fast: bool) -> Parsed | None:
    header = columns.values.get(f.name)
    parts = columns.geo_parts.get(f.name, {})
    if header is None and not parts:
        return None
    headers = [header] if header is not None else [parts.get(p) for p in GEO_PARTS]
    null = pl.lit(None, pl.Utf8)
    raws = [pl.col(h) if h else null for h in headers]
    texts = [cell(h) if h else null for h in headers]
    stages, numbers, valid, given = geopoint_parse(
        raws if fast else texts, single=header is not None, fast=fast, prefix=f"__geo__{f.name}__"
    )
    value = (
        texts[0] if header is not None else pl.concat_str(texts, separator=" ", ignore_nulls=True)
    )
    outputs = [
        pl.when(valid).then(n).alias(f"{f.name}__{p}")
        for n, p in zip(numbers, GEO_PARTS, strict=True)
    ]
    return Parsed(outputs=outputs, error=given & ~valid, value=value, stages=stages)


def field_columns(fields: tuple[Field, ...]) -> list[str]:
    names: list[str] = []
    for f in fields:
        if f.type == "geopoint":
            names.extend(f"{f.name}__{p}" for p in GEO_PARTS)
        elif f.type in VALUE_TYPES:
            names.append(f.name)
    return names


def missing_columns(f: Field) -> list[pl.Expr]:
    """A field with no column in the file: nulls of its type (the validator judges required)."""
    if f.type == "geopoint":
        return [pl.lit(None, pl.Float64).alias(f"{f.name}__{p}") for p in GEO_PARTS]
    return [pl.lit(None, DTYPES[f.type]).alias(f.name)]


def _submission_id(meta: dict[str, str]) -> pl.Expr:
    """Kobo `_uuid`, else ODK `instanceID`, else `KEY`, else `_id`: first one given per row."""
    parts = []
    if "uuid" in meta:
        parts.append(cell(meta["uuid"]))
    for role in ("instanceID", "key"):
        if role in meta:
            parts.append(cell(meta[role]).str.strip_prefix("uuid:"))
    if "id" in meta:
        parts.append(cell(meta["id"]))
    return pl.coalesce(parts) if parts else pl.lit(None, pl.Utf8)
