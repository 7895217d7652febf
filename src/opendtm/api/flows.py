"""Endpoints of the flow monitoring point registry. Thin: read through `flows.registry`,
which lets those read who may see the operation's unpublished figures (others: 403)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from opendtm.api.access import operation_for, request_user
from opendtm.api.schemas import FlowPointDetail, FlowPointPage
from opendtm.flows.models import FlowMonitoringPoint
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
