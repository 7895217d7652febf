"""The form-driven reader of KoboToolbox / ODK exports (contract: notes/reader_contract.md).

`read_export` turns an export file (XLSX or CSV, names or labels as headers, any group path)
into typed Polars frames, one column per field of the form, plus the cell problems it found.
It judges cells only by their type and choice list; the validator of the ingest app applies
the form's rules (required, constraints) and the gazetteer. Whole-file problems raise
InvalidInput; a bad cell never does.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from opendtm.core.errors import InvalidInput
from opendtm.forms.headers import VALUE_TYPES, ColumnMap, columns_match
from opendtm.forms.sources import RawTable, Source, sha256_of, source_read
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
    integer_fast,
    integer_parse,
    onehot_fast,
    onehot_parse,
    select_multiple_parse,
    select_one_fast,
    select_one_parse,
)

ISSUE_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "sheet": pl.Utf8,
    "row": pl.Int64,
    "submission_id": pl.Utf8,
    "field": pl.Utf8,
    "value": pl.Utf8,
    "rule": pl.Utf8,
    "severity": pl.Utf8,  # "error" | "warning"
    "message": pl.Utf8,
}
DTYPES: dict[str, pl.DataType | type[pl.DataType]] = {
    "integer": pl.Int64,
    "decimal": pl.Float64,
    "date": pl.Date,
    "text": pl.Utf8,
    "calculate": pl.Utf8,
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
MESSAGES = {
    "integer": ("type.integer", "{name} must be a whole number; got '{{}}'"),
    "decimal": ("type.decimal", "{name} must be a number; got '{{}}'"),
    "date": (
        "type.date",
        "{name} must be a date (YYYY-MM-DD, dd/mm/yyyy or an Excel date number); got '{{}}'",
    ),
    "geopoint": (
        "type.geopoint",
        "{name} must be 'latitude longitude [altitude accuracy]' with latitude between -90 and "
        "90 and longitude between -180 and 180; got '{{}}'",
    ),
    "select_one": (
        "choice.unknown",
        "{name} must be a name or label of the choices in list '{list}'; got '{{}}'",
    ),
    "select_multiple": (
        "choice.unknown",
        "{name} must be names or labels of the choices in list '{list}', separated by spaces "
        "(or 0/1 in one column per choice); got '{{}}'",
    ),
}


@dataclass
class ParsedExport:
    """An export read against its form: typed rows, repeat rows and cell problems."""

    form: FormSpec
    file_name: str  # the main file's name as given
    sha256: str  # of the main file, then the repeat files in repeat-name order
    main: pl.DataFrame  # one row per submission read, in file order
    repeats: dict[str, pl.DataFrame]  # repeat name (e.g. "origins") -> its rows
    issues: pl.DataFrame  # problems found in cells (ISSUE_SCHEMA)
    ignored_columns: list[str] = field(default_factory=list)  # columns the form does not know


@dataclass(frozen=True)
class _Table:
    """One table read: its raw text, its column map and its typed frame (helpers still on)."""

    raw: RawTable
    columns: ColumnMap
    frame: pl.DataFrame


def read_export(
    *, form: FormSpec, path: Path, repeat_files: dict[str, Path] | None = None
) -> ParsedExport:
    """Read one export of `form`; repeats from the workbook's sheets or from `repeat_files`."""
    path = Path(path)
    repeat_files = dict(repeat_files or {})
    unknown = sorted(set(repeat_files) - set(form.repeats))
    if unknown:
        raise InvalidInput(
            f"Form {form.form_id} has no repeat {', '.join(map(repr, unknown))}.",
            hint=f"Its repeats are: {', '.join(form.repeats) or 'none'}.",
        )
    source = source_read(path)
    extra = {name: source_read(Path(p)) for name, p in sorted(repeat_files.items())}
    sha256 = sha256_of([path, *(extra[name].path for name in sorted(extra))])

    repeat_sheets = _repeat_sheets(form, source)
    main_sheet = next((s for s in source.sheet_names if s not in repeat_sheets.values()), None)
    if main_sheet is None:
        raise InvalidInput(
            f"{path.name} has only repeat sheets ({', '.join(source.sheet_names)}), "
            "no sheet of submissions.",
            hint="Export the whole form again, with its main sheet.",
        )
    main_raw = source.table(main_sheet)
    if main_raw.frame.width == 0:
        raise InvalidInput(f"{path.name} is empty: sheet {main_sheet!r} has no columns.")
    main_fields = form.main_fields()
    main_columns = columns_match(main_raw.frame.columns, form, main_fields)
    _check_is_export(form, main_fields, main_columns, path.name, main_raw.name)
    main = _table_read(form, main_fields, main_raw, main_columns)

    ignored = list(main_columns.ignored)
    issues = [_by_row(_table_issues(form, main_fields, main, main.frame))]
    repeats: dict[str, pl.DataFrame] = {}
    for repeat in form.repeats:
        raw = None
        if repeat in extra:
            repeat_source = extra[repeat]
            raw = repeat_source.table(repeat_source.sheet_names[0])
        elif repeat in repeat_sheets:
            raw = source.table(repeat_sheets[repeat])
        fields = form.repeat_fields(repeat)
        if raw is None:
            repeats[repeat] = _empty_repeat(fields)
            continue
        columns = columns_match(raw.frame.columns, form, fields)
        ignored.extend(h for h in columns.ignored if h not in ignored)
        table = _table_read(form, fields, raw, columns)
        joined, orphan_issues = _repeat_join(repeat, table, main, main_raw.name)
        issues.append(_by_row([*orphan_issues, *_table_issues(form, fields, table, joined)]))
        repeats[repeat] = joined.select(
            "_row", "_sheet", "_parent_row", "_submission_id", "_raw", *_field_columns(fields)
        )

    return ParsedExport(
        form=form,
        file_name=path.name,
        sha256=sha256,
        main=_main_columns(main.frame, main_fields),
        repeats=repeats,
        issues=pl.concat(issues, how="vertical"),
        ignored_columns=ignored,
    )


def _by_row(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """One table's issues in row order (within a row, in form order)."""
    if not frames:
        return pl.DataFrame(schema=ISSUE_SCHEMA)
    return pl.concat(frames, how="vertical").sort("row", maintain_order=True)


def _repeat_sheets(form: FormSpec, source: Source) -> dict[str, str]:
    """Repeat name -> workbook sheet named after it (or its label), as Kobo truncates: 31."""
    if source.workbook is None:
        return {}
    by_key = {name.strip().lower(): name for name in source.sheet_names}
    found = {}
    for repeat in form.repeats:
        for key in (repeat, form.group_labels.get(repeat, "")):
            sheet = by_key.get(key[:31].strip().lower()) if key else None
            if sheet is not None:
                found[repeat] = sheet
                break
    return found


def _check_is_export(
    form: FormSpec, fields: tuple[Field, ...], columns: ColumnMap, file_name: str, sheet: str
) -> None:
    """Refuse a file in which none of the form's required questions has a column."""
    valued = [f for f in fields if f.type in VALUE_TYPES]
    expected = [f for f in valued if f.required] or valued
    if not any(columns.has_field(f.name) for f in expected):
        where = "" if sheet == file_name else f" (sheet {sheet!r})"
        raise InvalidInput(
            f"{file_name}{where} is not an export of form {form.form_id}: none of its required "
            f"questions ({', '.join(f.name for f in expected)}) has a column.",
            hint="Check that the file is an export of this form, with names or labels as headers.",
        )


def _table_read(
    form: FormSpec, fields: tuple[Field, ...], raw: RawTable, columns: ColumnMap
) -> _Table:
    """Type one table column-wise, in up to three passes over its text.

    1. Every field through its fast parser (plain casts), with the metadata columns.
    2. Only the fields with a cell the fast parser could not read, through the full parsers
       (spaces, labels, letter case, other date forms...), which also say which cells are bad.
    3. `_raw`, JSON-escaping only the columns that hold characters JSON must escape.
    Helper columns `__i` (row in the raw frame) and `__error__<field>` stay on the frame.
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
        pl.all_horizontal([pl.col(c).is_null() for c in frame.columns]).alias("__blank"),
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
            exprs.extend(_missing(f))
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
    clean = _clean_columns(form, valued, columns, redo)
    typed = typed.with_columns(frame.select(_raw_json(frame, clean)).to_series())
    return _Table(raw=raw, columns=columns, frame=typed.filter(~pl.col("__blank")).drop("__blank"))


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


def _clean_columns(
    form: FormSpec, fields: list[Field], columns: ColumnMap, redo: list[str]
) -> set[str]:
    """Headers whose every cell the fast parsers read: digits, dates, choice names only.

    Such cells hold nothing JSON must escape, so `_raw` copies them without a check.
    """
    clean: set[str] = set()
    for f in fields:
        if f.name in redo or f.type in ("text", "calculate", "select_multiple"):
            continue  # select_multiple answers are parsed per distinct value, never redone
        if f.type == "select_one" and not form.choices.get(f.list_name or ""):
            continue
        if f.name in columns.values:
            clean.add(columns.values[f.name])
        elif f.type == "geopoint":
            clean.update(columns.geo_parts.get(f.name, {}).values())
    return clean


def _raw_json(frame: pl.DataFrame, clean: set[str]) -> pl.Expr:
    """`_raw`: {"original header": "cell text", ...} for every column, an empty cell as "".

    Built by concatenation rather than a JSON encoder, which is several times slower on a
    million rows; columns with quotes, backslashes or control characters are escaped by
    Polars' JSON encoder, one column at a time.
    """
    needs_check = [c for c in frame.columns if c not in clean]
    escaped = set()
    if needs_check:
        found = frame.select(
            pl.col(c).str.contains(r'["\\\x00-\x1f]').any().alias(c) for c in needs_check
        ).row(0, named=True)
        escaped = {c for c, hit in found.items() if hit}
    pieces: list[pl.Expr] = []
    text = "{"  # literal text waiting to be joined to the next column's value
    for header in frame.columns:
        text += json.dumps(header, ensure_ascii=False) + ":"
        value = pl.col(header)
        if header in escaped:
            encoded = pl.struct(value.fill_null("").alias("v")).struct.json_encode()
            pieces += [pl.lit(text), encoded.str.strip_prefix('{"v":').str.strip_suffix("}")]
            text = ","
        else:
            pieces += [pl.lit(text + '"'), value]
            text = '",'
    pieces.append(pl.lit(text.removesuffix(",") + "}"))
    # An empty cell adds nothing between its quotes: "header":"" (ignore_nulls).
    return pl.concat_str(pieces, ignore_nulls=True).alias("_raw")


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
    if f.type in ("text", "calculate") or (f.type == "select_one" and not choices):
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
        return Parsed(outputs=[out.alias(f.name)], error=suspect, value=raw)
    if f.type == "select_one":
        out = select_one_parse(text, choices)
    else:
        out = {"integer": integer_parse, "decimal": decimal_parse, "date": date_parse}[f.type](text)
    return Parsed(outputs=[out.alias(f.name)], error=text.is_not_null() & out.is_null(), value=text)


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


def _table_issues(
    form: FormSpec, fields: tuple[Field, ...], table: _Table, typed: pl.DataFrame
) -> list[pl.DataFrame]:
    """One issue per cell that was given but could not be read, from the error masks.

    `typed` is the table's frame, or for a repeat the frame joined to its submissions.
    """
    issues = []
    for f in fields:
        mask = f"__error__{f.name}"
        if mask not in typed.columns or not typed[mask].any():
            continue
        parsed = field_parse(form, f, table.columns, table.raw.frame, fast=False)
        assert parsed is not None
        bad = typed.filter(pl.col(mask)).select("__i", "_row", "_sheet", "_submission_id")
        values = table.raw.frame[bad["__i"]].lazy().select(parsed.value.alias("value")).collect()
        rule, template = MESSAGES[f.type]
        message = template.format(name=f.name, list=f.list_name or "")
        issues.append(
            pl.concat([bad, values], how="horizontal").select(
                pl.col("_sheet").alias("sheet"),
                pl.col("_row").alias("row"),
                pl.col("_submission_id").alias("submission_id"),
                pl.lit(f.name, pl.Utf8).alias("field"),
                pl.col("value"),
                pl.lit(rule, pl.Utf8).alias("rule"),
                pl.lit("error", pl.Utf8).alias("severity"),
                pl.format(message, pl.col("value").fill_null("")).alias("message"),
            )
        )
    return issues


def _repeat_join(
    repeat: str, table: _Table, main: _Table, main_sheet: str
) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """Attach each repeat row to its submission: `_parent_index` = main `_index` (Kobo),
    `PARENT_KEY` = main `KEY` (ODK Central), else `_submission__uuid` = main submission ID."""
    meta = table.columns.meta
    has = main.frame.select(
        pl.col("_index").is_not_null().any().alias("index"),
        pl.col("__key").is_not_null().any().alias("key"),
        pl.col("_submission_id").is_not_null().any().alias("id"),
    ).row(0, named=True)
    if "parent_index" in meta and has["index"]:
        left, right, role, target = "__parent_index", "_index", "parent_index", "_index"
    elif "parent_key" in meta and has["key"]:
        left, right, role, target = "__parent_key", "__key", "parent_key", "KEY"
    elif "parent_uuid" in meta and has["id"]:
        left, right, role, target = "__parent_uuid", "_submission_id", "parent_uuid", "_uuid"
    else:
        raise InvalidInput(
            f"{table.raw.name}: the rows of repeat {repeat!r} cannot be joined to their "
            "submissions.",
            hint=(
                "It needs a _parent_index column matching the main sheet's _index (KoboToolbox) "
                "or a PARENT_KEY column matching the main file's KEY (ODK Central)."
            ),
        )
    parents = (
        main.frame.select(
            pl.col(right).alias("__join"),
            pl.col("_row").alias("_parent_row"),
            pl.col("_submission_id").alias("__parent_submission"),
        )
        .filter(pl.col("__join").is_not_null())
        .unique("__join", keep="first", maintain_order=True)
    )
    joined = (
        table.frame.drop("_submission_id")
        .join(parents, left_on=left, right_on="__join", how="left", maintain_order="left")
        .rename({"__parent_submission": "_submission_id"})
    )
    header = meta[role]
    orphans = joined.filter(pl.col("_parent_row").is_null())
    issues = []
    if orphans.height:
        value = pl.col(left).cast(pl.Utf8)
        issues.append(
            orphans.select(
                pl.col("_sheet").alias("sheet"),
                pl.col("_row").alias("row"),
                pl.lit(None, pl.Utf8).alias("submission_id"),
                pl.lit(header, pl.Utf8).alias("field"),
                value.alias("value"),
                pl.lit("repeat.orphan", pl.Utf8).alias("rule"),
                pl.lit("error", pl.Utf8).alias("severity"),
                pl.when(value.is_null())
                .then(pl.lit(f"{repeat} row has no parent submission: {header} is empty"))
                .otherwise(
                    pl.format(
                        f"{repeat} row has no parent submission: {header} '{{}}' matches no "
                        f"{target} in {main_sheet}",
                        value,
                    )
                )
                .alias("message"),
            )
        )
    return joined, issues


def _main_columns(frame: pl.DataFrame, fields: tuple[Field, ...]) -> pl.DataFrame:
    return frame.select(
        "_row",
        "_sheet",
        "_submission_id",
        "_index",
        "_submitted_at",
        "_raw",
        *_field_columns(fields),
    )


def _field_columns(fields: tuple[Field, ...]) -> list[str]:
    names: list[str] = []
    for f in fields:
        if f.type == "geopoint":
            names.extend(f"{f.name}__{p}" for p in GEO_PARTS)
        elif f.type in VALUE_TYPES:
            names.append(f.name)
    return names


def _missing(f: Field) -> list[pl.Expr]:
    """A field with no column in the file: nulls of its type (the validator judges required)."""
    if f.type == "geopoint":
        return [pl.lit(None, pl.Float64).alias(f"{f.name}__{p}") for p in GEO_PARTS]
    return [pl.lit(None, DTYPES[f.type]).alias(f.name)]


def _empty_repeat(fields: tuple[Field, ...]) -> pl.DataFrame:
    schema: dict[str, pl.DataType | type[pl.DataType]] = {
        "_row": pl.Int64,
        "_sheet": pl.Utf8,
        "_parent_row": pl.Int64,
        "_submission_id": pl.Utf8,
        "_raw": pl.Utf8,
    }
    for f in fields:
        if f.type == "geopoint":
            schema.update({f"{f.name}__{p}": pl.Float64 for p in GEO_PARTS})
        elif f.type in VALUE_TYPES:
            schema[f.name] = DTYPES[f.type]
    return pl.DataFrame(schema=schema)


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
