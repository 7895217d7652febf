"""Endpoints of the registry: operations, rounds, admin units and sites. Thin: read through
the query modules, which start from what the requester may see."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch
from django.http import HttpRequest
from ninja import Query, Router

from opendtm.api.access import operation_for, request_user
from opendtm.api.schemas import AdminUnitPage, OperationPage, RoundPage, SitePage
from opendtm.core.periods import date_range_check, reported_within
from opendtm.figures.request import MAX_OFFSET
from opendtm.gazetteer.countries import country_get
from opendtm.gazetteer.models import MAX_LEVEL, AdminUnitCode
from opendtm.gazetteer.queries import current_units
from opendtm.operations.queries import admin_unit_for_code, operation_list, rounds_of, sites_of

router = Router(tags=["registry"])

MAX_LIMIT = 10_000
Limit = Query(100, ge=0, le=MAX_LIMIT, description="Rows per page (at most 10,000).")
Offset = Query(0, ge=0, le=MAX_OFFSET, description="Rows to skip.")
DATE_FROM = Query(None, description="Reporting date on or after (YYYY-MM-DD).")
DATE_TO = Query(None, description="Reporting date on or before (YYYY-MM-DD).")


@router.get("/operations", response=OperationPage, summary="Operations you may see")
def operations(
    request: HttpRequest,
    country: str | None = Query(None, description="ISO3 country code, e.g. PHL."),
) -> dict[str, object]:
    """Public operations, and the private ones you hold a role on, by code."""
    found = operation_list(user=request_user(request))
    if country:
        found = found.filter(country_iso3=country_get(country).iso3)
    rows = list(found)
    return {"count": len(rows), "results": rows}


@router.get("/operations/{code}/rounds", response=RoundPage, summary="Rounds of an operation")
def rounds(
    request: HttpRequest,
    code: str,
    date_from: dt.date | None = DATE_FROM,
    date_to: dt.date | None = DATE_TO,
) -> dict[str, object]:
    """The rounds you may see (published only, unless you may see unpublished ones)."""
    date_range_check(date_from, date_to)
    operation = operation_for(request, code)
    rows = []
    for round_ in rounds_of(operation=operation, user=request_user(request)):
        reported = round_.reporting_date
        if not reported_within(reported, date_from, date_to):
            continue
        rows.append(
            {
                "number": round_.number,
                "status": round_.status,
                "start_date": round_.start_date,
                "end_date": round_.end_date,
                "reporting_date": reported,
                "published_at": round_.published_at,
            }
        )
    return {"count": len(rows), "results": rows}


@router.get("/admin-units", response=AdminUnitPage, summary="Admin units of a country")
def admin_units(
    request: HttpRequest,
    country: str = Query(..., description="ISO3 country code, e.g. PHL."),
    level: int | None = Query(None, ge=0, le=MAX_LEVEL, description="Admin level (0-4)."),
    parent: str | None = Query(None, description="P-code (or alternative code) of the parent."),
    limit: int = Limit,
    offset: int = Offset,
) -> dict[str, object]:
    """Current (not retired) units by level then P-code, with their alternative codes."""
    iso3 = country_get(country).iso3
    units = current_units(country_iso3=iso3).select_related("parent")
    if level is not None:
        units = units.filter(level=level)
    if parent:
        units = units.filter(parent=admin_unit_for_code(country_iso3=iso3, code=parent))
    count = units.count()
    page = units.prefetch_related(
        Prefetch("codes", queryset=AdminUnitCode.objects.order_by("kind", "code"))
    )[offset : offset + limit]
    results = [
        {
            "country_iso3": unit.country_iso3,
            "pcode": unit.pcode,
            "name": unit.name,
            "level": unit.level,
            "parent_pcode": unit.parent.pcode if unit.parent else None,
            "latitude": unit.latitude,
            "longitude": unit.longitude,
            "alternative_codes": [{"code": c.code, "kind": c.kind} for c in unit.codes.all()],
        }
        for unit in page
    ]
    return {"count": count, "limit": limit, "offset": offset, "results": results}


@router.get("/operations/{code}/sites", response=SitePage, summary="Sites of an operation")
def sites(
    request: HttpRequest,
    code: str,
    status: str | None = Query(None, description="planned, open, closing or closed."),
    site_type: str | None = Query(None, description="e.g. evacuation_centre."),
    pcode: str | None = Query(None, description="Sites in this admin unit or below it."),
    limit: int = Limit,
    offset: int = Offset,
) -> dict[str, object]:
    """The site registry by site ID: the sites with an assessment in a round you may see
    (every registered site if you may see unpublished rounds), with their status as the
    latest such assessment reports it."""
    operation = operation_for(request, code)
    found = sites_of(
        user=request_user(request),
        operation=operation,
        status=status,
        site_type=site_type,
        admin_pcode=pcode,
    )
    count = found.count()
    results = [
        {
            "site_id": site.site_id,
            "name": site.name,
            "site_type": site.site_type,
            "status": site.current_status,
            "status_round": site.status_round,
            "status_on": site.status_on,
            "admin_pcode": site.admin_unit.pcode,
            "admin_name": site.admin_unit.name,
            "latitude": site.latitude,
            "longitude": site.longitude,
            "opened_on": site.opened_on,
            "closed_on": site.current_closed_on,
        }
        for site in found[offset : offset + limit]
    ]
    return {"count": count, "limit": limit, "offset": offset, "results": results}
