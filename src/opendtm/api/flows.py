"""Endpoints of flow monitoring: the registry of points and the flow figures. Thin: read
through `flows.registry` and `flows.queries`, which let those read who may see the
operation's unpublished figures (others: 403)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from opendtm.api.access import operation_for, request_user
from opendtm.api.schemas import FlowFiguresOut, FlowPointDetail, FlowPointPage
from opendtm.flows.models import FlowMonitoringPoint
from opendtm.flows.queries import (
    FlowFigures,
    FlowFilter,
    flow_corridors,
    flow_movements,
    flow_net,
)
from opendtm.flows.registry import fmp_get, fmp_history, fmp_list

router = Router(tags=["flow monitoring"])


def _point(p: FlowMonitoringPoint) -> dict[str, Any]:
    return {
        "code": p.code,
        "name": p.name,
        "fmp_type": p.fmp_type,
        "status": p.status,
        "admin_pcode": p.admin_unit.pcode,
        "admin_name": p.admin_unit.name,
        "latitude": p.latitude,
        "longitude": p.longitude,
        "neighbour_iso3": p.neighbour_iso3,
        "observation_days": p.observation_days,
        "observed_from": f"{p.observed_from:%H:%M}",
        "observed_to": f"{p.observed_to:%H:%M}",
        "exclusions": p.exclusions,
        "services": list(p.services),
        "organisations": list(p.organisations),
    }


@router.get(
    "/operations/{code}/flow-points",
    response=FlowPointPage,
    summary="Flow monitoring points of an operation",
)
def flow_points(
    request: HttpRequest,
    code: str,
    status: str | None = Query(None, description="active, inactive, resumed or closed."),
    fmp_type: str | None = Query(None, description="e.g. port, official_land_border."),
) -> dict[str, object]:
    """The registry of flow monitoring points by code, with their current status."""
    operation = operation_for(request, code)
    found = fmp_list(
        user=request_user(request), operation=operation, status=status, fmp_type=fmp_type
    )
    rows = [_point(p) for p in found]
    return {"count": len(rows), "results": rows}


@router.get(
    "/operations/{code}/flow-points/{fmp_code}",
    response=FlowPointDetail,
    summary="One flow monitoring point",
)
def flow_point(request: HttpRequest, code: str, fmp_code: str) -> dict[str, object]:
    """A point's registry fields and its activity status history, oldest first."""
    operation = operation_for(request, code)
    user = request_user(request)
    point = fmp_get(user=user, operation=operation, code=fmp_code)
    history = [
        {"on": c.on, "from_status": c.from_status, "to_status": c.to_status, "reason": c.reason}
        for c in fmp_history(user=user, point=point)
    ]
    return {**_point(point), "history": history}


DATE_FROM = Query(None, description="First day observed, YYYY-MM-DD.")
DATE_TO = Query(None, description="Last day observed, YYYY-MM-DD.")
FMP = Query(None, description="Only this flow monitoring point (its code).")


def _figures(figures: FlowFigures) -> dict[str, object]:
    return {
        "title": figures.title,
        "coverage": figures.coverage.as_dict(),
        "notes": figures.notes,
        "rows": figures.rows.to_dicts(),
    }


@router.get(
    "/operations/{code}/flows",
    response=FlowFiguresOut,
    summary="Movements observed at flow monitoring points",
)
def flows(
    request: HttpRequest,
    code: str,
    period: str = Query("week", description="day, week or month."),
    date_from: dt.date | None = DATE_FROM,
    date_to: dt.date | None = DATE_TO,
    fmp: str | None = FMP,
    net: bool = Query(False, description="Net flow by point (incoming - outgoing) instead."),
) -> dict[str, object]:
    """Movements by period, point and direction, with the days and hours observed, the daily
    average over the days observed and the change against the previous period; or the net
    flow. Never a total of all movements: `coverage` says what was observed."""
    where = FlowFilter(
        operation=operation_for(request, code), date_from=date_from, date_to=date_to, fmp_code=fmp
    )
    read = flow_net if net else flow_movements
    return _figures(read(user=request_user(request), where=where, period=period))


@router.get(
    "/operations/{code}/flows/corridors",
    response=FlowFiguresOut,
    summary="Origin -> destination corridors of the movements observed",
)
def corridors(
    request: HttpRequest,
    code: str,
    date_from: dt.date | None = DATE_FROM,
    date_to: dt.date | None = DATE_TO,
    fmp: str | None = FMP,
    destination: str = Query("next", description="next or final destination."),
    top: int | None = Query(None, ge=1, le=10_000, description="Only the N main corridors."),
) -> dict[str, object]:
    """Previous location -> next (or intended final) destination by country and admin 1,
    the main corridors first."""
    where = FlowFilter(
        operation=operation_for(request, code), date_from=date_from, date_to=date_to, fmp_code=fmp
    )
    return _figures(
        flow_corridors(user=request_user(request), where=where, destination=destination, top=top)
    )
