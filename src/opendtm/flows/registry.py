"""Reads of the flow monitoring point registry, always for a reader (`user`).

Flow data have no publication step yet (they are dated, not tied to a round): the registry
and its records are read by those who may see an operation's unpublished figures.
"""

from __future__ import annotations

from datetime import date

import polars as pl
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from opendtm.accounts.choices import Action
from opendtm.accounts.roles import authorize
from opendtm.core.choices import choice_parse
from opendtm.core.errors import NotFound
from opendtm.flows.choices import OBSERVING, FmpStatus, FmpType
from opendtm.flows.models import FlowMonitoringPoint, FmpStatusChange
from opendtm.operations.models import Operation

AnyUser = AbstractBaseUser | AnonymousUser | None

# One row per status period of a point: [start, end) with end null for the current one.
PERIOD_SCHEMA = {
    "point_id": pl.Int64,
    "status": pl.Utf8,
    "start": pl.Date,
    "end": pl.Date,
    "reason": pl.Utf8,
}


def fmp_list(
    *,
    user: AnyUser,
    operation: Operation,
    status: str | None = None,
    fmp_type: str | None = None,
) -> QuerySet[FlowMonitoringPoint]:
    """The operation's points by code, with their admin unit, optionally filtered."""
    authorize(user, Action.VIEW_UNPUBLISHED, operation)
    points = FlowMonitoringPoint.objects.filter(operation=operation).select_related("admin_unit")
    if status:
        points = points.filter(status=choice_parse(FmpStatus, status, field="point status"))
    if fmp_type:
        points = points.filter(fmp_type=choice_parse(FmpType, fmp_type, field="point type"))
    return points.order_by("code")


def fmp_get(*, user: AnyUser, operation: Operation, code: str) -> FlowMonitoringPoint:
    """The point with this code in the operation; NotFound saying how to list them."""
    authorize(user, Action.VIEW_UNPUBLISHED, operation)
    point = (
        FlowMonitoringPoint.objects.filter(operation=operation, code=(code or "").strip())
        .select_related("admin_unit")
        .first()
    )
    if point is None:
        raise NotFound(
            f"Operation {operation.code} has no flow monitoring point {code!r}.",
            hint=f"List them with `opendtm fmp list --operation {operation.code}`.",
        )
    point.operation = operation
    return point


def fmp_history(*, user: AnyUser, point: FlowMonitoringPoint) -> QuerySet[FmpStatusChange]:
    """The point's status changes, oldest first, with who recorded each."""
    authorize(user, Action.VIEW_UNPUBLISHED, point.operation)
    return FmpStatusChange.objects.filter(point=point).select_related("by").order_by("on", "id")


def status_periods(*, operation: Operation) -> pl.DataFrame:
    """Every status period of the operation's points (PERIOD_SCHEMA), from their histories:
    a change on day D opens a period from D to the next change (exclusive). For the rules
    and figures, which have authorised their reader already. One query."""
    rows = (
        FmpStatusChange.objects.filter(point__operation=operation)
        .order_by("point_id", "on", "id")
        .values_list("point_id", "to_status", "on", "reason")
    )
    frame = pl.DataFrame(
        list(rows),
        schema={"point_id": pl.Int64, "status": pl.Utf8, "start": pl.Date, "reason": pl.Utf8},
        orient="row",
    )
    return frame.with_columns(end=pl.col("start").shift(-1).over("point_id")).select(
        list(PERIOD_SCHEMA)
    )


def status_on(periods: pl.DataFrame, point_id: int, day: date) -> str | None:
    """The point's status on `day`, or None before its first entry."""
    found = periods.filter(
        (pl.col("point_id") == point_id)
        & (pl.col("start") <= day)
        & (pl.col("end").is_null() | (pl.col("end") > day))
    )
    return str(found.item(0, "status")) if found.height else None


def observing(status: str | None) -> bool:
    return status in OBSERVING
