"""How a validated frame maps onto the assessment tables: column per core field, the rest in
`extra`, and the canonical text of every stored value used to compare a re-import with the round.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db import connection, models

from opendtm.core.errors import InvalidInput
from opendtm.forms.spec import FormSpec
from opendtm.mobility.choices import AssessmentForm
from opendtm.mobility.models import BaselineAssessment, SiteAssessment

# Columns filled from the file's metadata or from resolved codes, not from a same-named field.
_DERIVED = frozenset(
    {
        "id",
        "round",
        "batch",
        "submission_id",
        "submitted_at",
        "flagged",
        "extra",
        "source_sheet",
        "source_row",
    }
)
# Form fields that become a foreign key or a pair of columns rather than a column of their own.
_FOLDED = frozenset({"adm1_pcode", "adm2_pcode", "adm3_pcode", "adm4_pcode", "site_id", "gps"})
YES, NO = "yes", "no"
# Django keeps datetimes in SQLite as naive UTC text; PostgreSQL takes an explicit offset.
DATETIME_FORMAT = {True: "%Y-%m-%d %H:%M:%S%.f", False: "%Y-%m-%d %H:%M:%S%.f+00:00"}


@dataclass(frozen=True)
class Table:
    """One assessment table: its model and the column that names the site or location."""

    form_id: str
    model: Any  # BaselineAssessment or SiteAssessment
    key: str  # the FK that is unique per round: "site" or "location"
    people: str  # the population field compared round over round

    def core_fields(self, form: FormSpec) -> list[models.Field]:
        """Model columns that hold a form field of the same name, in model order."""
        names = {f.name for f in form.main_fields()}
        return [
            f
            for f in self.model._meta.concrete_fields
            if f.name in names and f.name not in _DERIVED and f.name not in _FOLDED
        ]

    def extra_fields(self, form: FormSpec, frame: pl.DataFrame) -> list[str]:
        """Main form fields without a column: an operation's own questions, kept in `extra`."""
        columns = {f.name for f in self.model._meta.concrete_fields}
        return [
            f.name
            for f in form.main_fields()
            if f.name not in columns
            and f.name not in _FOLDED
            and f.name in frame.columns
            and f.type not in ("geopoint",)
        ]


TABLES = {
    AssessmentForm.BASELINE.value: Table(
        AssessmentForm.BASELINE.value, BaselineAssessment, "location", "idp_ind"
    ),
    AssessmentForm.SITE.value: Table(AssessmentForm.SITE.value, SiteAssessment, "site", "ind"),
}


def table_for(form_id: str) -> Table:
    try:
        return TABLES[form_id]
    except KeyError:
        raise InvalidInput(
            f"Form {form_id!r} is not an assessment form OpenDTM stores.",
            hint=f"Use one of: {', '.join(TABLES)}.",
        ) from None


def _yes_no(expr: pl.Expr) -> pl.Expr:
    text = expr.cast(pl.Utf8).str.to_lowercase()
    return pl.when(text == YES).then(True).when(text == NO).then(False).otherwise(None)


def _json_list(expr: pl.Expr) -> pl.Expr:
    """A List(Utf8) of choice names as JSON text (choice names need no escaping)."""
    joined = expr.cast(pl.List(pl.Utf8)).list.join('","')
    return (
        pl.when(expr.is_null())
        .then(None)
        .when(expr.list.len() == 0)
        .then(pl.lit("[]"))
        .otherwise(pl.format('["{}"]', joined))
    )


def _jsonable(frame: pl.DataFrame, name: str) -> pl.Expr:
    dtype = frame.schema[name]
    if dtype in (pl.Date, pl.Datetime) or isinstance(dtype, pl.Datetime):
        return pl.col(name).cast(pl.Utf8)
    return pl.col(name)


def extra_struct(frame: pl.DataFrame, names: list[str]) -> pl.Expr:
    return pl.struct([_jsonable(frame, n).alias(n) for n in names])


def db_columns(
    frame: pl.DataFrame, table: Table, form: FormSpec, *, round_id: int, batch_id: int
) -> pl.DataFrame:
    """The rows to insert, one column per database column, typed for the driver:
    ints, floats, text; yes/no as 0/1, dates as ISO text and JSON as text, on SQLite and
    PostgreSQL. Each row keeps its place in the batch's file (`source_sheet`, `source_row`).
    """
    out: list[pl.Expr] = [
        pl.lit(round_id, pl.Int64).alias("round_id"),
        pl.lit(batch_id, pl.Int64).alias("batch_id"),
        pl.col("_submission_id").alias("submission_id"),
        (
            pl.col("_submitted_at")
            .cast(pl.Datetime("us", "UTC"))
            .dt.strftime(DATETIME_FORMAT[connection.vendor == "sqlite"])
            if "_submitted_at" in frame.columns
            else pl.lit(None, pl.Utf8)
        ).alias("submitted_at"),
    ]
    if table.key == "site":
        out += [pl.col("_site_pk").alias("site_id"), pl.col("_unit_id").alias("admin_unit_id")]
    else:
        out.append(pl.col("_location_id").alias("location_id"))
    for name in ("gps_lat", "gps_lon"):
        source = f"gps__{name[4:]}"
        out.append(
            (pl.col(source) if source in frame.columns else pl.lit(None, pl.Float64)).alias(name)
        )
    for f in table.core_fields(form):
        column = pl.col(f.name)
        if isinstance(f, models.BooleanField):
            out.append(_yes_no(column).cast(pl.Int8).alias(f.name))
        elif isinstance(f, models.JSONField):
            out.append(_json_list(column).alias(f.name))
        elif isinstance(f, models.DateField):
            out.append(column.cast(pl.Date).cast(pl.Utf8).alias(f.name))
        else:
            out.append(column.alias(f.name))
    extras = table.extra_fields(form, frame)
    out.append(
        (extra_struct(frame, extras).struct.json_encode() if extras else pl.lit("{}")).alias(
            "extra"
        )
    )
    out += [
        pl.col("_flagged").cast(pl.Int8).alias("flagged"),
        pl.col("_sheet").alias("source_sheet"),
        pl.col("_row").alias("source_row"),
    ]
    return frame.select(out)


def canonical(expr: pl.Expr, dtype: pl.DataType, *, boolean: bool = False) -> pl.Expr:
    """A value as text, the same way for a parsed cell and for a stored one."""
    if (boolean or dtype == pl.Boolean) and dtype != pl.Utf8:
        flag = expr.cast(pl.Boolean)
        return pl.when(flag).then(pl.lit(YES)).when(~flag).then(pl.lit(NO))
    if boolean:
        return expr.str.to_lowercase()
    if isinstance(dtype, pl.List):
        return expr.cast(pl.List(pl.Utf8)).list.join(" ")
    return expr.cast(pl.Utf8)
