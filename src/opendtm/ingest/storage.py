"""Bulk writes of an import, inside the caller's transaction, and the comparison with what the
round already holds that makes a re-import idempotent and a correction logged.

Rows go in as plain tuples straight from Polars, a chunk at a time, through each driver's fast
path (`core.bulk`: executemany on SQLite, COPY on PostgreSQL), never as model instances;
stored rows of the file's submission IDs are read once and compared column-wise in Polars.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.db import connection, models

from opendtm.core.bulk import rows_insert as bulk_rows_insert
from opendtm.forms.spec import FormSpec
from opendtm.ingest.queries import frame_of
from opendtm.ingest.tables import Table, canonical, extra_struct
from opendtm.mobility.models import BaselineOrigin

# CPython's sqlite3 binds None through its adapter lookup, which misses and raises (and clears)
# an exception for every NULL; an adapter for None turns that into a dict hit, which makes rows
# with many empty answers insert about 40 % faster. It returns None: NULL is still what is bound.
sqlite3.register_adapter(type(None), lambda value: value)

CHUNK = 50_000  # rows turned into Python tuples at a time (memory stays flat)
ID_CHUNK = 5_000
COMPARE_ROWS = 20_000  # submissions compared with their stored rows at a time
LOG_SCHEMA: dict[str, Any] = {
    "submission_id": pl.Utf8,
    "field": pl.Utf8,
    "old_value": pl.Utf8,
    "new_value": pl.Utf8,
}


REMOVED_SCHEMA: dict[str, Any] = {
    "_submission_id": pl.Utf8,
    "_sheet": pl.Utf8,
    "_row": pl.Int64,
    "repeat": pl.Utf8,
    "removed": pl.Int64,
}


def _no_removals() -> pl.DataFrame:
    return pl.DataFrame(schema=REMOVED_SCHEMA)


@dataclass
class Plan:
    """Which accepted rows are new, which replace a stored row, which are already stored as is."""

    new: pl.DataFrame
    replaced: pl.DataFrame
    unchanged: int
    log: pl.DataFrame  # LOG_SCHEMA: one line per changed value
    # REMOVED_SCHEMA: replaced submissions whose stored repeat rows would all go, the file
    # bringing none for them (a missing repeat sheet, orphaned rows): how many each.
    repeats_removed: pl.DataFrame = field(default_factory=_no_removals)

    @property
    def repeat_rows_removed(self) -> int:
        return int(self.repeats_removed.get_column("removed").sum())


def _chunks(values: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def rows_insert(
    model: type[models.Model], frame: pl.DataFrame, *, order: pl.Series | None = None
) -> None:
    """INSERT every row of `frame` (columns named as the table's) into the model's table, in
    the row order `order` gives (row indexes) if any, a chunk at a time: the rows are never all
    Python tuples, nor the frame a sorted copy, at once.

    Booleans go as 0/1: CPython's sqlite3 binds a bool through its slow adapter path, and both
    databases read 0/1 into a boolean column.
    """
    if not frame.height:
        return
    frame = frame.with_columns(pl.col(pl.Boolean).cast(pl.Int8))
    columns = frame.columns
    # COPY goes through the driver's own cursor: its errors become Django's (IntegrityError...)
    # here, as they would through Django's cursor, so the import reports them as one line.
    with connection.wrap_database_errors:
        for start in range(0, frame.height, CHUNK):
            part = frame.slice(start, CHUNK) if order is None else frame[order.slice(start, CHUNK)]
            bulk_rows_insert(model, columns, part.rows())


def _compared(table: Table, form: FormSpec, frame: pl.DataFrame) -> list[tuple[str, str]]:
    """(name in the log, model field or extra key) of every value a correction may change."""
    pairs = [(f.name, f.name) for f in table.core_fields(form)]
    pairs += [("gps_lat", "gps_lat"), ("gps_lon", "gps_lon")]
    pairs += [(name, f"extra.{name}") for name in table.extra_fields(form, frame)]
    return pairs


def _new_side(frame: pl.DataFrame, table: Table, form: FormSpec) -> pl.DataFrame:
    """The accepted rows as canonical text, keyed by submission ID."""
    cols: list[pl.Expr] = [pl.col("_submission_id").alias("submission_id")]
    if table.key == "site":
        cols += [pl.col("_site_key").alias("site_id"), pl.col("_unit_pcode").alias("admin_unit")]
    else:
        cols.append(pl.col("_location_pcode").alias("location"))
    booleans = {f.name for f in table.core_fields(form) if isinstance(f, models.BooleanField)}
    for name, source in _compared(table, form, frame):
        column = source.removeprefix("extra.")
        if name in ("gps_lat", "gps_lon"):
            column = f"gps__{name[4:]}"
        if column not in frame.columns:
            cols.append(pl.lit(None, pl.Utf8).alias(name))
            continue
        cols.append(
            canonical(pl.col(column), frame.schema[column], boolean=name in booleans).alias(name)
        )
    return frame.select(cols)


def _stored_side(
    table: Table, form: FormSpec, frame: pl.DataFrame, *, round_id: int, ids: list[str]
) -> pl.DataFrame:
    """The stored rows of these submission IDs, as canonical text in the same columns."""
    pairs = _compared(table, form, frame)
    core = [source for _, source in pairs if not source.startswith("extra.")]
    key = ["site__site_id", "admin_unit__pcode"] if table.key == "site" else ["location__pcode"]
    key_names = ["site_id", "admin_unit"] if table.key == "site" else ["location"]
    rows: list[tuple[Any, ...]] = []
    for part in _chunks(ids, ID_CHUNK):
        rows += list(
            table.model.objects.filter(round_id=round_id, submission_id__in=part).values_list(
                "submission_id", *key, *core, "extra"
            )
        )
    names = ["submission_id", *key_names, *core, "extra"]
    if not rows:
        return pl.DataFrame(
            schema=dict.fromkeys(["submission_id", *key_names, *[n for n, _ in pairs]], pl.Utf8)
        )
    columns = list(zip(*rows, strict=True))
    data: dict[str, pl.Series] = {}
    fields = {f.name: f for f in table.model._meta.concrete_fields}
    for name, values in zip(names, columns, strict=True):
        if name == "extra":
            continue
        series = pl.Series(name, list(values), strict=False)
        field = fields.get(name)
        data[name] = (
            series.to_frame()
            .select(
                canonical(
                    pl.col(name), series.dtype, boolean=isinstance(field, models.BooleanField)
                )
            )
            .to_series()
        )
    stored = pl.DataFrame(data)
    extras = [n for n, s in pairs if s.startswith("extra.")]
    if extras:
        dtype = frame.select(extra_struct(frame, extras).alias("x")).schema["x"]
        decoded = pl.Series("extra", [json.dumps(e or {}) for e in columns[-1]]).str.json_decode(
            dtype
        )
        unnested = decoded.struct.unnest()
        for n in extras:
            column = unnested.get_column(n)
            stored = stored.with_columns(
                column.to_frame().select(canonical(pl.col(n), column.dtype)).to_series()
            )
    return stored


def _origins_text(frame: pl.DataFrame) -> pl.DataFrame:
    """Origins of each submission as one sorted text (`pcode hh ind; ...`), for comparison."""
    return (
        frame.with_columns(
            _line=pl.format(
                "{} {} {}",
                pl.col("pcode"),
                pl.col("origin_hh").cast(pl.Utf8).fill_null("-"),
                pl.col("origin_ind").cast(pl.Utf8).fill_null("-"),
            )
        )
        .group_by("submission_id")
        .agg(origins=pl.col("_line").sort().str.join("; "))
    )


def _origins_compare(
    origins: pl.DataFrame | None,
    units: pl.DataFrame,
    *,
    round_id: int,
    ids: list[str],
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The origins of both sides as one text per submission (baseline only), and the stored
    origins of the submissions for which the file brings none (`submission_id`, `removed`)."""
    schema = {
        "submission_id": pl.Utf8,
        "pcode": pl.Utf8,
        "origin_hh": pl.Int64,
        "origin_ind": pl.Int64,
    }
    if origins is None:
        fresh = pl.DataFrame(schema=schema)
    else:
        fresh = (
            origins.filter(pl.col("_accepted"))
            .join(
                units.select(pl.col("unit_id").alias("_origin_id"), "pcode"),
                on="_origin_id",
                how="left",
            )
            .select(
                pl.col("_submission_id").alias("submission_id"),
                "pcode",
                pl.col("origin_hh").cast(pl.Int64)
                if "origin_hh" in origins.columns
                else pl.lit(None, pl.Int64).alias("origin_hh"),
                pl.col("origin_ind").cast(pl.Int64)
                if "origin_ind" in origins.columns
                else pl.lit(None, pl.Int64).alias("origin_ind"),
            )
        )
    rows: list[tuple[Any, ...]] = []
    for part in _chunks(ids, ID_CHUNK):
        rows += list(
            BaselineOrigin.objects.filter(
                assessment__round_id=round_id, assessment__submission_id__in=part
            ).values_list("assessment__submission_id", "origin__pcode", "origin_hh", "origin_ind")
        )
    stored = pl.DataFrame(rows, schema=schema, orient="row")
    removed = (
        stored.group_by("submission_id")
        .agg(removed=pl.len().cast(pl.Int64))
        .join(fresh.select("submission_id").unique(), on="submission_id", how="anti")
    )
    return _origins_text(fresh), _origins_text(stored), removed


def _compare(
    part: pl.DataFrame,
    table: Table,
    form: FormSpec,
    round_id: int,
    origins: pl.DataFrame | None,
    units: pl.DataFrame | None,
) -> tuple[pl.DataFrame, pl.Series, pl.DataFrame, list[str]]:
    """One slice of the candidates against the stored rows of the same IDs: the changed
    values (cleaning-log lines), the IDs found stored, the stored origins that would go, and
    the compared fields in the order the log lists a row's changes."""
    ids = part.get_column("_submission_id").to_list()
    new_side = _new_side(part, table, form)
    stored = _stored_side(table, form, part, round_id=round_id, ids=ids)
    removed = pl.DataFrame(schema={"submission_id": pl.Utf8, "removed": pl.Int64})
    if table.key == "location" and units is not None:
        mine = None if origins is None else origins.filter(pl.col("_submission_id").is_in(ids))
        fresh_o, stored_o, removed = _origins_compare(mine, units, round_id=round_id, ids=ids)
        new_side = new_side.join(fresh_o, on="submission_id", how="left", maintain_order="left")
        stored = stored.join(stored_o, on="submission_id", how="left")
    fields = [c for c in new_side.columns if c != "submission_id"]
    both = new_side.join(stored, on="submission_id", how="inner", suffix="__old")
    log_parts = [
        both.filter(pl.col(name).ne_missing(pl.col(f"{name}__old"))).select(
            "submission_id",
            pl.lit(name).alias("field"),
            pl.col(f"{name}__old").alias("old_value"),
            pl.col(name).alias("new_value"),
        )
        for name in fields
        if f"{name}__old" in both.columns
    ]
    log = pl.concat(log_parts) if log_parts else pl.DataFrame(schema=LOG_SCHEMA)
    return log, stored.get_column("submission_id"), removed, fields


def plan_changes(
    accepted: pl.DataFrame,
    table: Table,
    form: FormSpec,
    *,
    round_id: int,
    origins: pl.DataFrame | None = None,
    units: pl.DataFrame | None = None,
) -> Plan:
    """Split the accepted rows into new, replaced and unchanged, and list every changed value."""
    known = frame_of(
        table.model.objects.filter(round_id=round_id).values_list("submission_id"),
        {"submission_id": pl.Utf8},
    ).get_column("submission_id")
    # Only the rows whose IDs the round already holds are compared (and read back): a first
    # import compares and reads nothing, and the accepted rows are not copied.
    sids = pl.col("_submission_id")
    candidates = accepted.filter(sids.is_in(known.implode()))
    if not candidates.height:
        return Plan(
            new=accepted,
            replaced=accepted.clear(),
            unchanged=0,
            log=pl.DataFrame(schema=LOG_SCHEMA),
        )
    # Compared COMPARE_ROWS submissions at a time: the stored rows come back as Python values
    # before they are columns, and a whole round of them (200,000 rows) took 0.8 GiB.
    log_parts: list[pl.DataFrame] = []
    stored_parts: list[pl.Series] = []
    removed_parts: list[pl.DataFrame] = []
    fields: list[str] = []
    for start in range(0, candidates.height, COMPARE_ROWS):
        part = candidates.slice(start, COMPARE_ROWS)
        log, stored_ids, removed, fields = _compare(part, table, form, round_id, origins, units)
        log_parts.append(log)
        stored_parts.append(stored_ids)
        removed_parts.append(removed)
    log = pl.concat(log_parts)
    removed = pl.concat(removed_parts)
    changed = log.get_column("submission_id").unique().implode()
    stored_ids = pl.concat(stored_parts).implode()
    order = {name: i for i, name in enumerate(fields)}
    log = (
        log.join(
            candidates.select(pl.col("_submission_id").alias("submission_id"), "_row"),
            on="submission_id",
        )
        .with_columns(_order=pl.col("field").replace_strict(order, return_dtype=pl.Int64))
        .sort("_row", "_order")
        .select(list(LOG_SCHEMA))
    )
    replaced = accepted.filter(sids.is_in(changed))
    return Plan(
        new=accepted.filter(~sids.is_in(stored_ids)),
        replaced=replaced,
        unchanged=int(candidates.filter(sids.is_in(stored_ids) & ~sids.is_in(changed)).height),
        log=log,
        repeats_removed=replaced.select("_submission_id", pl.col("_sheet").cast(pl.Utf8), "_row")
        .join(
            removed.rename({"submission_id": "_submission_id"}),
            on="_submission_id",
            how="inner",
            maintain_order="left",
        )
        .select("_submission_id", "_sheet", "_row", pl.lit("origins").alias("repeat"), "removed"),
    )


def rows_delete(table: Table, *, round_id: int, ids: list[str]) -> None:
    """Remove the stored rows a corrected file replaces (their origins go with them)."""
    for part in _chunks(ids, ID_CHUNK):
        if table.key == "location":
            BaselineOrigin.objects.filter(
                assessment__round_id=round_id, assessment__submission_id__in=part
            ).delete()
        table.model.objects.filter(round_id=round_id, submission_id__in=part).delete()


def origins_insert(origins: pl.DataFrame, *, table: Table, batch_id: int) -> int:
    """Insert the accepted origins of the rows just written by this batch."""
    ids = frame_of(
        table.model.objects.filter(batch_id=batch_id).values_list("submission_id", "id"),
        {"_submission_id": pl.Utf8, "assessment_id": pl.Int64},
    )
    rows = origins.filter(pl.col("_accepted")).join(ids, on="_submission_id", how="inner")
    frame = rows.select(
        "assessment_id",
        pl.col("_origin_id").alias("origin_id"),
        (pl.col("origin_hh") if "origin_hh" in rows.columns else pl.lit(None, pl.Int64)).alias(
            "origin_hh"
        ),
        (pl.col("origin_ind") if "origin_ind" in rows.columns else pl.lit(None, pl.Int64)).alias(
            "origin_ind"
        ),
        pl.col("_sheet").alias("source_sheet"),
        pl.col("_row").alias("source_row"),
    )
    rows_insert(BaselineOrigin, frame)
    return frame.height
