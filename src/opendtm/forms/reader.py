"""The form-driven reader of KoboToolbox / ODK exports (contract: docs/reader_contract.md).

`read_export` turns an export file (XLSX or CSV, names or labels as headers, any group path)
into typed Polars frames, one column per field of the form, plus the cell problems it found.
It judges cells only by their type and choice list; the validator of the ingest app applies
the form's rules (required, constraints) and the gazetteer. Whole-file problems raise
InvalidInput; a bad cell never does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from opendtm.core.errors import InvalidInput
from opendtm.forms.headers import VALUE_TYPES, ColumnMap, columns_match, form_in_headers_language
from opendtm.forms.limits import INTEGER_MAX
from opendtm.forms.sources import RawTable, Source, sha256_of, source_read
from opendtm.forms.spec import Field, FormSpec
from opendtm.forms.tables import (
    DTYPES,
    Table,
    field_bound,
    field_columns,
    field_parse,
    table_read,
)
from opendtm.forms.values import GEO_PARTS, INTEGER_RE, controls_shown_text

# The shape of a report line, for the reader's cell problems and the ingest rules' results alike
# (`ingest.issues` builds on it): the one definition of the import report's columns.
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
    # The files read, as given: "main", and each repeat read from a file of its own. The import
    # keeps them (compressed) so that any row's cells as received can be read back from them
    # (`sources.rows_as_received`) instead of a copy of every row.
    sources: dict[str, Path] = field(default_factory=dict)


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
    headers = source.headers(main_sheet)
    if not headers:
        raise InvalidInput(f"{path.name} is empty: sheet {main_sheet!r} has no columns.")
    form = form_in_headers_language(headers, form)
    main_fields = form.main_fields()
    main_columns = columns_match(headers, form, main_fields)
    _check_is_export(form, main_fields, main_columns, path.name, main_sheet)
    # A batch of rows at a time: its text is dropped once typed and its bad cells reported.
    frames: list[pl.DataFrame] = []
    main_issues: list[pl.DataFrame] = []
    for part in source.batches(main_sheet):
        batch = table_read(form, main_fields, part, main_columns)
        main_issues += _table_issues(form, main_fields, batch, batch.frame)
        main_issues += _error_cell_issues(batch, batch.frame)
        frames.append(batch.frame)
        del part, batch  # this batch's text goes before the next batch is parsed
    if not frames:  # a header and no rows
        empty = RawTable(
            name=main_sheet, frame=pl.DataFrame(schema=dict.fromkeys(headers, pl.Utf8))
        )
        frames.append(table_read(form, main_fields, empty, main_columns).frame)
    main = _contiguous(frames)
    main_name = str(main_sheet)

    ignored = [controls_shown_text(h) for h in main_columns.ignored]
    issues = [_by_row(main_issues)]
    repeats: dict[str, pl.DataFrame] = {}
    for repeat in form.repeats:
        raw = None
        if repeat in extra:
            repeat_source = extra[repeat]
            raw = repeat_source.table(repeat_source.sheet_names[0])
        elif repeat in repeat_sheets:
            raw = source.table(repeat_sheets[repeat])
        fields = form.repeat_fields(repeat)
        if raw is not None and not raw.frame.columns:
            raw = None  # a sheet without even a header brings no rows of the repeat either
        if raw is None:
            repeats[repeat] = _empty_repeat(fields)
            if main.height:
                issues.append(_repeat_missing(form, repeat, source, main_name))
            continue
        columns = columns_match(raw.frame.columns, form, fields)
        shown = [controls_shown_text(h) for h in columns.ignored]
        ignored.extend(h for h in shown if h not in ignored)
        table = table_read(form, fields, raw, columns)
        joined, orphan_issues = _repeat_join(repeat, table, main, main_name)
        cells = [*_table_issues(form, fields, table, joined), *_error_cell_issues(table, joined)]
        issues.append(_by_row([*orphan_issues, *cells]))
        repeats[repeat] = joined.select(
            "_row", "_sheet", "_parent_row", "_submission_id", *field_columns(fields)
        )

    return ParsedExport(
        form=form,
        file_name=path.name,
        sha256=sha256,
        main=_main_columns(main, main_fields),
        repeats=repeats,
        issues=pl.concat(issues, how="vertical"),
        ignored_columns=ignored,
        sources={"main": path, **{name: extra[name].path for name in sorted(extra)}},
    )


def _contiguous(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """The batches as one frame whose every column is one chunk, built a column at a time so
    that each column's batch pieces are freed as soon as it is copied (peak: one column more).

    The rules attach one-chunk columns (joins) beside these: a frame whose columns are cut
    differently can make Polars 2.1 panic ("assertion failed: i < self.len()" in `pl.format`).
    """
    if len(frames) == 1:
        return frames[0]
    columns = []
    for name in frames[0].columns:
        columns.append(pl.concat([f.get_column(name) for f in frames], rechunk=True))
        frames[:] = [f.drop(name) for f in frames]  # the caller's list too: pieces freed
    return pl.DataFrame(columns)


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


def _repeat_missing(form: FormSpec, repeat: str, source: Source, main_sheet: str) -> pl.DataFrame:
    """A note that the file brings no rows of a repeat: no sheet of that name, or a CSV."""
    if source.workbook is not None:
        names = " or ".join(
            repr(n) for n in dict.fromkeys((repeat, form.group_labels.get(repeat))) if n
        )
        message = (
            f"the workbook has no sheet {names} (its sheets: {', '.join(source.sheet_names)}): "
            f"no {repeat} rows were read"
        )
    else:
        message = (
            f"a CSV file holds one table: no {repeat} rows were read (give them as a file of "
            f"their own: --repeat {repeat}=FILE)"
        )
    return pl.DataFrame(
        [
            {
                "sheet": main_sheet,
                "row": None,
                "submission_id": None,
                "field": repeat,
                "value": None,
                "rule": "repeat.missing",
                "severity": "warning",
                "message": message,
            }
        ],
        schema=ISSUE_SCHEMA,
    )


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


def _table_issues(
    form: FormSpec, fields: tuple[Field, ...], table: Table, typed: pl.DataFrame
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
        shown = pl.col("value").fill_null("")
        rules, messages = pl.lit(rule, pl.Utf8), pl.format(message, shown)
        if f.type == "integer":
            rules, messages = _integer_issue(f, shown, rules, messages)
        issues.append(
            pl.concat([bad, values], how="horizontal").select(
                pl.col("_sheet").alias("sheet"),
                pl.col("_row").alias("row"),
                pl.col("_submission_id").alias("submission_id"),
                pl.lit(f.name, pl.Utf8).alias("field"),
                pl.col("value"),
                rules.alias("rule"),
                pl.lit("error", pl.Utf8).alias("severity"),
                messages.alias("message"),
            )
        )
    return issues


def _integer_issue(
    f: Field, shown: pl.Expr, rule: pl.Expr, message: pl.Expr
) -> tuple[pl.Expr, pl.Expr]:
    """A whole number the field cannot take is `value.out_of_range`, saying its bound."""
    whole = shown.str.contains(INTEGER_RE)
    low = whole & shown.str.starts_with("-")
    most = field_bound(f)
    whose = "number the form allows" if f.maximum is not None else "whole number a form holds"
    return (
        pl.when(whole).then(pl.lit("value.out_of_range")).otherwise(rule),
        pl.when(low)
        .then(
            pl.format(
                f"{f.name} {{}} is less than {-INTEGER_MAX:,}, the smallest whole number a form "
                "holds",
                shown,
            )
        )
        .when(whole)
        .then(pl.format(f"{f.name} {{}} is more than {most:,}, the largest {whose}", shown))
        .otherwise(message),
    )


def _error_cell_issues(table: Table, typed: pl.DataFrame) -> list[pl.DataFrame]:
    """One error per cell holding an Excel error (#N/A, #REF!...) in a column the form reads:
    the cell is null in the frame, and the row is rejected like a row with an unreadable cell
    (its `form.required` line, if any, is dropped as for any cell the reader reported)."""
    errors = table.raw.errors
    if not errors.height:
        return []
    columns = table.columns
    fields = {header: name for name, header in columns.values.items()}
    for name, parts in (*columns.onehot.items(), *columns.geo_parts.items()):
        fields.update(dict.fromkeys(parts.values(), name))
    fields.update({header: header for header in columns.meta.values()})
    rows = typed.select("__i", "_row", "_sheet", "_submission_id")
    lines = errors.filter(pl.col("header").is_in(list(fields))).join(rows, on="__i", how="inner")
    if not lines.height:
        return []
    field_name = pl.col("header").replace_strict(fields, return_dtype=pl.Utf8)
    return [
        lines.select(
            pl.col("_sheet").alias("sheet"),
            pl.col("_row").alias("row"),
            pl.col("_submission_id").alias("submission_id"),
            field_name.alias("field"),
            pl.col("error").alias("value"),
            pl.lit("type.excel_error", pl.Utf8).alias("rule"),
            pl.lit("error", pl.Utf8).alias("severity"),
            pl.format(
                "{}: the cell holds Excel's error {}, not a value; replace the formula by the "
                "value",
                field_name,
                pl.col("error"),
            ).alias("message"),
        )
    ]


def _repeat_join(
    repeat: str, table: Table, main: pl.DataFrame, main_sheet: str
) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """Attach each repeat row to its submission: `_parent_index` = main `_index` (Kobo),
    `PARENT_KEY` = main `KEY` (ODK Central), else `_submission__uuid` = main submission ID."""
    meta = table.columns.meta
    has = main.select(
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
        main.select(
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
        .with_columns(__orphan=pl.col("_parent_row").is_null())
    )
    uuid_header = meta.get("parent_uuid")
    if role != "parent_uuid" and uuid_header is not None and has["id"]:
        joined = _orphans_by_uuid(joined, main)
    header = meta[role]
    orphans = joined.filter(pl.col("__orphan"))
    issues = []
    if orphans.height:
        value = pl.col(left).cast(pl.Utf8)
        missing = (
            pl.when(value.is_null())
            .then(pl.lit(f"{header} is empty"))
            .otherwise(pl.format(f"{header} '{{}}' matches no {target} in {main_sheet}", value))
        )
        issues.append(
            orphans.select(
                pl.col("_sheet").alias("sheet"),
                pl.col("_row").alias("row"),
                pl.col("_submission_id").alias("submission_id"),
                pl.lit(header, pl.Utf8).alias("field"),
                value.alias("value"),
                pl.lit("repeat.orphan", pl.Utf8).alias("rule"),
                pl.lit("error", pl.Utf8).alias("severity"),
                pl.when(pl.col("_submission_id").is_not_null())
                .then(
                    # Its submission is known all the same: the row is an error of it.
                    pl.format(
                        f"{repeat} row points at no submission: {{}}, but its {uuid_header} is "
                        f"submission {{}} (row {{}}), which is rejected with it",
                        missing,
                        pl.col("_submission_id"),
                        pl.col("_parent_row"),
                    )
                )
                .otherwise(pl.format(f"{repeat} row has no parent submission: {{}}", missing))
                .alias("message"),
            )
        )
    return joined, issues


def _orphans_by_uuid(joined: pl.DataFrame, main: pl.DataFrame) -> pl.DataFrame:
    """Repeat rows whose parent index or key matches nothing, attached to their submission by
    `_submission__uuid` where it names one: they stay orphans (an error), but of a known
    submission, which they reject, instead of leaving it without its repeat rows."""
    by_uuid = (
        main.select(pl.col("_submission_id").alias("__uuid"), pl.col("_row").alias("__uuid_row"))
        .filter(pl.col("__uuid").is_not_null())
        .unique("__uuid", keep="first", maintain_order=True)
    )
    found = joined.join(
        by_uuid, left_on="__parent_uuid", right_on="__uuid", how="left", maintain_order="left"
    )
    orphan = pl.col("__orphan")
    return found.with_columns(
        _parent_row=pl.when(orphan).then(pl.col("__uuid_row")).otherwise(pl.col("_parent_row")),
        _submission_id=pl.when(orphan & pl.col("__uuid_row").is_not_null())
        .then(pl.col("__parent_uuid"))
        .otherwise(pl.col("_submission_id")),
    ).drop("__uuid_row")


def _main_columns(frame: pl.DataFrame, fields: tuple[Field, ...]) -> pl.DataFrame:
    return frame.select(
        "_row",
        "_sheet",
        "_submission_id",
        "_index",
        "_submitted_at",
        *field_columns(fields),
    )


def _empty_repeat(fields: tuple[Field, ...]) -> pl.DataFrame:
    schema: dict[str, pl.DataType | type[pl.DataType]] = {
        "_row": pl.Int64,
        "_sheet": pl.Utf8,
        "_parent_row": pl.Int64,
        "_submission_id": pl.Utf8,
    }
    for f in fields:
        if f.type == "geopoint":
            schema.update({f"{f.name}__{p}": pl.Float64 for p in GEO_PARTS})
        elif f.type in VALUE_TYPES:
            schema[f.name] = DTYPES[f.type]
    return pl.DataFrame(schema=schema)
