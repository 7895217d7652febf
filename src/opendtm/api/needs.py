"""Endpoints of the needs figures: severity and people in need by admin unit and sector,
priority needs by admin unit, and the severity of each site.

Thin, as the figures endpoints: access is checked first (`operation_for`: a private operation
is 404 to whoever may not see it), the parameters become one `FiguresRequest` of grouping
`needs` (checked as every figures request is), and the answer is `needs.queries` as it is
(the round must be one the requester may see; a published round hides small counts of people
unless an analyst asks `exact`). `?format=csv|hxl` on the figures by admin unit returns the
file of `opendtm figures --by needs` (`needs.exports`).
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from opendtm.api.access import operation_for, request_user
from opendtm.api.cache import json_response
from opendtm.api.schemas import NeedsOut, PriorityNeedsOut, SiteSeverityOut
from opendtm.figures.choices import Grouping
from opendtm.figures.request import FiguresRequest
from opendtm.gazetteer.models import MAX_LEVEL
from opendtm.needs.exports import export_bytes, json_body
from opendtm.needs.queries import (
    NeedsRound,
    needs_by_admin,
    needs_priority,
    needs_round,
    sector_check,
    site_severity,
)

router = Router(tags=["needs"])
CSV: dict[str, Any] = {"responses": {200: {"content": {"text/csv": {}}}}}

ROUND = Field(None, ge=1, description="Round number; default: the latest you may see.")
EXACT = Field(False, description="Analysts and up: published values without suppression.")
PCODE = Field(None, description="Only rows within this admin unit (P-code or alt. code).")


class NeedsQuery(Schema):
    round: int | None = ROUND
    level: int = Field(1, ge=0, le=MAX_LEVEL, description="Admin level of the rows.")
    pcode: str | None = PCODE
    sector: str | None = Field(
        None, description="Only this sector's rows (a rule set's code, or intersectoral)."
    )
    exact: bool = EXACT
    format: Literal["json", "csv", "hxl"] = Field(
        "json", description="json (default), csv, or hxl (CSV with an HXL tag row)."
    )


class PriorityQuery(Schema):
    round: int | None = ROUND
    level: int = Field(1, ge=0, le=MAX_LEVEL, description="Admin level of the rows.")
    pcode: str | None = PCODE
    exact: bool = EXACT


class SiteSeverityQuery(Schema):
    round: int | None = ROUND
    pcode: str | None = Field(None, description="Only the sites within this admin unit.")
    sector: str | None = Field(
        None, description="Only this sector's rows (a rule set's code, or intersectoral)."
    )


def _head(asked: FiguresRequest, read: NeedsRound) -> dict[str, Any]:
    return {
        "operation": asked.operation.code,
        "round": read.number,
        "round_status": read.status,
        "rules_version": read.rules.version,
    }


def _asked(request: HttpRequest, code: str, query: Schema) -> FiguresRequest:
    """The needs question of the parameters, checked (access first)."""
    operation = operation_for(request, code)
    given = query.model_dump()
    return FiguresRequest(
        operation=operation,
        grouping=Grouping.NEEDS,
        round_number=given.get("round"),
        level=given.get("level", 1),
        pcode=given.get("pcode"),
        sector=given.get("sector"),
        exact=given.get("exact", False),
    )


@router.get(
    "/operations/{code}/needs/admin",
    response=NeedsOut,
    summary="Needs figures by admin unit",
    openapi_extra=CSV,
)
def needs_admin(request: HttpRequest, code: str, query: Query[NeedsQuery]) -> HttpResponse:
    """Per admin unit at `level` and sector, and one `intersectoral` row per unit: places
    assessed, the area's severity (1-5) with the people at each level it comes from, people in
    need by group and by sex and age, and the change since the previous round. Intersectoral
    people in need are the highest sectoral figure per place, never a sum (docs/needs.md)."""
    asked = _asked(request, code, query)
    figures = needs_by_admin(
        user=request_user(request),
        operation=asked.operation,
        round_number=asked.round_number,
        level=asked.level,
        parent_pcode=asked.pcode,
        sector=asked.sector,
        exact=asked.exact,
    )
    if query.format != "json":
        response = HttpResponse(
            export_bytes(figures, query.format), content_type="text/csv; charset=utf-8"
        )
        name = f"{asked.operation.code}-r{figures.round_number}-needs{figures.level}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    return json_response(NeedsOut, json_body(figures))


@router.get(
    "/operations/{code}/needs/priority",
    response=PriorityNeedsOut,
    summary="Priority needs by admin unit",
)
def needs_priority_view(
    request: HttpRequest, code: str, query: Query[PriorityQuery]
) -> HttpResponse:
    """Per admin unit at `level` and need: the share of locations (and of their IDPs) naming
    it, and of sites' ranked needs (weighted 3, 2, 1), with the number of places behind each
    share. A published round hides small counts of people (null)."""
    asked = _asked(request, code, query)
    user = request_user(request)
    read = needs_round(
        user=user, operation=asked.operation, round_number=asked.round_number, exact=asked.exact
    )
    frame = needs_priority(
        user=user,
        operation=asked.operation,
        round_number=read.number,
        level=asked.level,
        parent_pcode=asked.pcode,
        exact=asked.exact,
    )
    rows = [{k: v for k, v in r.items() if k != "unit_id"} for r in frame.iter_rows(named=True)]
    body = _head(asked, read) | {"level": asked.level, "rows": rows}
    return json_response(PriorityNeedsOut, body)


@router.get(
    "/operations/{code}/needs/sites",
    response=SiteSeverityOut,
    summary="Severity of each site",
)
def needs_sites(request: HttpRequest, code: str, query: Query[SiteSeverityQuery]) -> HttpResponse:
    """Sector and overall (`intersectoral`) severity of every site assessed in the round, with
    the indicator behind each score (for the overall row: the worst sector), most severe
    first."""
    asked = _asked(request, code, query)
    user = request_user(request)
    read = needs_round(user=user, operation=asked.operation, round_number=asked.round_number)
    sector_check(read.rules, asked.sector)
    frame = site_severity(
        user=user,
        operation=asked.operation,
        round_number=read.number,
        parent_pcode=asked.pcode,
    )
    if asked.sector is not None:
        frame = frame.filter(frame["sector"] == asked.sector)
    body = _head(asked, read) | {"rows": frame.to_dicts()}
    return json_response(SiteSeverityOut, body)
