"""The flow monitoring pages: the list of an operation's points and a point's profile
(its registry fields, activity history and the movements observed there, each figure with
its coverage statement). Read through `opendtm.flows`; for those who may see unpublished
figures, like the figures themselves."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from opendtm.accounts.choices import Action
from opendtm.core.errors import InvalidInput
from opendtm.flows.choices import WEEKDAYS, FmpStatus, FmpType
from opendtm.flows.queries import FlowFilter, flow_movements, flow_net
from opendtm.flows.registry import fmp_get, fmp_history, fmp_list
from opendtm.web.access import OperationRequest, operation_view

_DAY_NAMES = {number: name for name, number in WEEKDAYS.items()}


@require_GET
@operation_view(Action.VIEW_UNPUBLISHED)
def fmp_list_page(request: OperationRequest) -> HttpResponse:
    """The operation's flow monitoring points, optionally of one status or type."""
    status = request.GET.get("status") or None
    fmp_type = request.GET.get("type") or None
    error = ""
    try:
        points = list(
            fmp_list(
                user=request.user, operation=request.operation, status=status, fmp_type=fmp_type
            )
        )
    except InvalidInput as exc:
        error, points = str(exc), list(fmp_list(user=request.user, operation=request.operation))
    return render(
        request,
        "web/fmps.html",
        {
            "operation": request.operation,
            "points": points,
            "error": error,
            "statuses": FmpStatus.choices,
            "types": FmpType.choices,
            "status": status or "",
            "type": fmp_type or "",
        },
    )


@require_GET
@operation_view(Action.VIEW_UNPUBLISHED)
def fmp_profile_page(request: OperationRequest, fmp_code: str) -> HttpResponse:
    """One point: registry fields, profile, status history, weekly movements and net flow."""
    point = fmp_get(user=request.user, operation=request.operation, code=fmp_code)
    where = FlowFilter(operation=request.operation, fmp_code=point.code)
    movements = flow_movements(user=request.user, where=where, period="week")
    net = flow_net(user=request.user, where=where, period="week")
    return render(
        request,
        "web/fmp.html",
        {
            "operation": request.operation,
            "point": point,
            "type_label": FmpType(point.fmp_type).label,
            "status_label": FmpStatus(point.status).label,
            "days": ", ".join(_DAY_NAMES[int(d)] for d in point.observation_days),
            "history": list(fmp_history(user=request.user, point=point)),
            "movements": movements.rows.rows(named=True),
            "net": net.rows.rows(named=True),
            "coverage": movements.coverage.statement,
        },
    )
