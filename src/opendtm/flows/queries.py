"""Flow figures: movements observed at flow monitoring points, read with Polars.

Every figure counts movements observed at the points during their observation hours; it is
never a total of all movements and never extrapolated, and every result says so in its
`Coverage` ("observed at 2 points during 36 observation hours; not a total of all movements").
Readers are those who may see the operation's unpublished figures (flow data have no
publication step yet). docs/flows.md explains each figure with a worked example.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from opendtm.accounts.choices import Action
from opendtm.accounts.roles import authorize
from opendtm.core.choices import choice_parse
from opendtm.core.errors import InvalidInput
from opendtm.flows.choices import Period
from opendtm.flows.models import FlowMonitoringPoint, FlowRecord
from opendtm.operations.models import Operation

AnyUser = AbstractBaseUser | AnonymousUser | None

RECORD_SCHEMA = {
    "fmp_code": pl.Utf8,
    "obs_date": pl.Date,
    "start_min": pl.Int64,
    "end_min": pl.Int64,
    "scheduled_hours": pl.Float64,
    "direction": pl.Utf8,
    "movements": pl.Int64,
    "prev_country": pl.Utf8,
    "prev_adm1": pl.Utf8,
    "next_country": pl.Utf8,
    "next_adm1": pl.Utf8,
    "final_country": pl.Utf8,
    "final_adm1": pl.Utf8,
}
TRUNCATE = {Period.DAY: "1d", Period.WEEK: "1w", Period.MONTH: "1mo"}
HXL = {
    "period_start": "#date+start",
    "fmp_code": "#loc+fmp+code",
    "direction": "#indicator+direction",
    "movements": "#indicator+movements+num",
    "days_observed": "#indicator+days_observed+num",
    "hours_observed": "#indicator+hours_observed+num",
    "daily_average": "#indicator+movements+daily_avg",
    "previous_movements": "#indicator+movements+previous",
    "change": "#indicator+movements+change",
    "change_pct": "#indicator+movements+change_pct",
    "incoming": "#indicator+movements+incoming",
    "outgoing": "#indicator+movements+outgoing",
    "transit": "#indicator+movements+transit",
    "net": "#indicator+movements+net",
    "origin_country": "#country+origin+code",
    "origin_adm1": "#adm1+origin+code",
    "destination_country": "#country+destination+code",
    "destination_adm1": "#adm1+destination+code",
    "share_pct": "#indicator+share+pct",
    "coverage": "#meta+coverage",
}


@dataclass(frozen=True)
class Coverage:
    """Where and how long the figures were observed: the points with at least one record,
    the days they were observed (point-days) and the observation hours of those days."""

    points: int
    point_days: int
    hours: float
    first: date | None
    last: date | None

    @property
    def statement(self) -> str:
        hours = f"{self.hours:,.1f}".removesuffix(".0")
        return (
            f"observed at {self.points} point{'' if self.points == 1 else 's'} during {hours} "
            "observation hours; not a total of all movements"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "points": self.points,
            "point_days": self.point_days,
            "hours": self.hours,
            "first": self.first.isoformat() if self.first else None,
            "last": self.last.isoformat() if self.last else None,
            "statement": self.statement,
        }


@dataclass
class FlowFigures:
    """One flow figure: its rows (columns in order) and its coverage."""

    rows: pl.DataFrame
    coverage: Coverage
    title: str
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class FlowFilter:
    """What a flow figure reads: an operation's records between two dates (both included),
    optionally at one point."""

    operation: Operation
    date_from: date | None = None
    date_to: date | None = None
    fmp_code: str | None = None


def flow_records(*, user: AnyUser, where: FlowFilter) -> pl.DataFrame:
    """The records a figure reads (RECORD_SCHEMA), for a reader who may see them. One query
    for the records, one for the points."""
    operation = where.operation
    authorize(user, Action.VIEW_UNPUBLISHED, operation)
    if where.date_from and where.date_to and where.date_to < where.date_from:
        raise InvalidInput(
            f"--to {where.date_to} is before --from {where.date_from}.", hint="Swap them."
        )
    points = FlowMonitoringPoint.objects.filter(operation=operation)
    if where.fmp_code:
        points = points.filter(code=where.fmp_code.strip())
        if not points.exists():
            raise InvalidInput(
                f"Operation {operation.code} has no flow monitoring point {where.fmp_code!r}.",
                hint=f"List them with `opendtm fmp list --operation {operation.code}`.",
            )
    by_pk = {p.pk: (p.code, p.daily_hours) for p in points}
    records = FlowRecord.objects.filter(operation=operation, point_id__in=list(by_pk))
    if where.date_from:
        records = records.filter(obs_date__gte=where.date_from)
    if where.date_to:
        records = records.filter(obs_date__lte=where.date_to)
    rows = []
    for r in records.order_by().values_list(
        "point_id", "obs_date", "window_start", "window_end", "direction", "group_size",
        "prev_country", "prev_adm1", "next_country", "next_adm1", "final_country", "final_adm1",
    ):  # fmt: skip
        code, hours = by_pk[r[0]]
        start = None if r[2] is None else r[2].hour * 60 + r[2].minute
        end = None if r[3] is None else r[3].hour * 60 + r[3].minute
        rows.append((code, r[1], start, end, hours, *r[4:]))
    return pl.DataFrame(rows, schema=RECORD_SCHEMA, orient="row")


def coverage_of(records: pl.DataFrame, by: list[str] | None = None) -> pl.DataFrame:
    """Point-days observed and their hours, per `by` (none: one row). A point-day's hours
    are its records' window (earliest start to latest end) when they give one, else the
    point's scheduled daily hours."""
    days = records.group_by("fmp_code", "obs_date", *(by or [])).agg(
        start=pl.col("start_min").min(),
        end=pl.col("end_min").max(),
        scheduled=pl.col("scheduled_hours").first(),
    )
    days = days.with_columns(
        hours=pl.when(pl.col("start").is_not_null() & pl.col("end").is_not_null())
        .then((pl.col("end") - pl.col("start")) / 60)
        .otherwise(pl.col("scheduled"))
    )
    keys = by or []
    aggs = [
        pl.col("fmp_code").n_unique().alias("points"),
        pl.len().alias("point_days"),
        pl.col("hours").sum().alias("hours"),
        pl.col("obs_date").min().alias("first"),
        pl.col("obs_date").max().alias("last"),
    ]
    return days.group_by(keys).agg(aggs) if keys else days.select(aggs)


def coverage(records: pl.DataFrame) -> Coverage:
    if not records.height:
        return Coverage(points=0, point_days=0, hours=0.0, first=None, last=None)
    row = coverage_of(records).row(0, named=True)
    return Coverage(
        points=int(row["points"]),
        point_days=int(row["point_days"]),
        hours=float(row["hours"]),
        first=row["first"],
        last=row["last"],
    )


def _with_period(records: pl.DataFrame, period: Period) -> pl.DataFrame:
    return records.with_columns(period_start=pl.col("obs_date").dt.truncate(TRUNCATE[period]))


def _previous(period: Period) -> pl.Expr:
    start = pl.col("period_start")
    if period == Period.MONTH:
        return start.dt.offset_by("-1mo")
    return start - pl.duration(days=1 if period == Period.DAY else 7)


def flow_movements(*, user: AnyUser, where: FlowFilter, period: str = "week") -> FlowFigures:
    """Movements by period, point and direction, with the days and hours the point was
    observed in the period, the daily average over the days actually observed, and the
    change against the previous period (null when the point was not observed then; 0
    movements when it was but saw none in that direction)."""
    grain = choice_parse(Period, period, field="period")
    records = flow_records(user=user, where=where)
    dated = _with_period(records, grain)
    counts = dated.group_by("period_start", "fmp_code", "direction").agg(
        movements=pl.col("movements").sum()
    )
    observed = (
        dated.group_by("period_start", "fmp_code", "obs_date")
        .agg(
            start=pl.col("start_min").min(),
            end=pl.col("end_min").max(),
            scheduled=pl.col("scheduled_hours").first(),
        )
        .with_columns(
            hours=pl.when(pl.col("start").is_not_null() & pl.col("end").is_not_null())
            .then((pl.col("end") - pl.col("start")) / 60)
            .otherwise(pl.col("scheduled"))
        )
        .group_by("period_start", "fmp_code")
        .agg(days_observed=pl.len(), hours_observed=pl.col("hours").sum())
    )
    rows = counts.join(observed, on=["period_start", "fmp_code"], how="left")
    before = rows.select(
        "fmp_code",
        "direction",
        period_start=pl.col("period_start"),
        previous_movements=pl.col("movements"),
    )
    seen_before = observed.select("fmp_code", "period_start", was_observed=pl.lit(True))
    rows = (
        rows.with_columns(_prev=_previous(grain))
        .join(
            before.rename({"period_start": "_prev"}),
            on=["fmp_code", "direction", "_prev"],
            how="left",
        )
        .join(seen_before.rename({"period_start": "_prev"}), on=["fmp_code", "_prev"], how="left")
        .with_columns(
            previous_movements=pl.when(pl.col("was_observed"))
            .then(pl.col("previous_movements").fill_null(0))
            .otherwise(None),
            daily_average=(pl.col("movements") / pl.col("days_observed")).round(1),
        )
        .with_columns(change=pl.col("movements") - pl.col("previous_movements"))
        .with_columns(
            change_pct=pl.when(pl.col("previous_movements") > 0)
            .then((pl.col("change") * 100 / pl.col("previous_movements")).round(1))
            .otherwise(None)
        )
        .select(
            "period_start",
            "fmp_code",
            "direction",
            "movements",
            "days_observed",
            "hours_observed",
            "daily_average",
            "previous_movements",
            "change",
            "change_pct",
        )
        .sort("period_start", "fmp_code", "direction")
    )
    return FlowFigures(
        rows=rows,
        coverage=coverage(records),
        title=f"Movements observed by {grain.value}, point and direction",
    )


def flow_net(*, user: AnyUser, where: FlowFilter, period: str = "week") -> FlowFigures:
    """Net flow by period and point: incoming - outgoing (transit shown, not netted)."""
    grain = choice_parse(Period, period, field="period")
    records = flow_records(user=user, where=where)
    dated = _with_period(records, grain)
    wide = dated.group_by("period_start", "fmp_code").agg(
        *(
            pl.col("movements").filter(pl.col("direction") == d).sum().alias(d)
            for d in ("incoming", "outgoing", "transit")
        )
    )
    rows = wide.with_columns(net=pl.col("incoming") - pl.col("outgoing")).sort(
        "period_start", "fmp_code"
    )
    return FlowFigures(
        rows=rows, coverage=coverage(records), title=f"Net flow by {grain.value} and point"
    )


def flow_corridors(
    *, user: AnyUser, where: FlowFilter, destination: str = "next", top: int | None = None
) -> FlowFigures:
    """The origin → destination matrix by country and admin 1: previous location → next
    destination (or intended final destination), movements and share of the movements
    observed, the main corridors first. Places not recorded stay empty, as their own row."""
    if destination not in ("next", "final"):
        raise InvalidInput(
            f"Destination {destination!r} is not next or final.", hint="Use next or final."
        )
    records = flow_records(user=user, where=where)
    total = int(records.get_column("movements").sum() or 0)
    rows = (
        records.group_by(
            origin_country=pl.col("prev_country"),
            origin_adm1=pl.col("prev_adm1"),
            destination_country=pl.col(f"{destination}_country"),
            destination_adm1=pl.col(f"{destination}_adm1"),
        )
        .agg(movements=pl.col("movements").sum())
        .with_columns(share_pct=(pl.col("movements") * 100 / total).round(1) if total else None)
        .sort(
            ["movements", "origin_country", "origin_adm1", "destination_country"],
            descending=[True, False, False, False],
        )
    )
    notes = []
    if top is not None:
        if top < 1:
            raise InvalidInput(f"--top {top} is not a number of corridors.", hint="Give 1 or more.")
        if rows.height > top:
            notes.append(f"the {top} main corridors of {rows.height}")
        rows = rows.head(top)
    to = "next destination" if destination == "next" else "intended final destination"
    return FlowFigures(
        rows=rows,
        coverage=coverage(records),
        title=f"Corridors: previous location -> {to} (country, admin 1)",
        notes=notes,
    )
