"""Endpoints of the regional project portfolio: the overview, the projects a requester may see,
one project. Thin: read through portfolio.queries, which start from what the requester may see
(the regional unit every country office, a country office its own). Money is not suppressed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from opendtm.accounts.choices import PortfolioAction
from opendtm.accounts.roles import portfolio_scopes
from opendtm.api.access import AnyUser, request_user
from opendtm.api.errors import NotAuthenticated
from opendtm.core.choices import choice_parse
from opendtm.core.errors import PermissionDenied
from opendtm.operations.choices import McofPhase
from opendtm.portfolio.queries import portfolio_overview, project_detail, projects_visible

router = Router(tags=["portfolio"])


class TypeCounts(Schema):
    projects: int
    countries: int


class DonorOut(Schema):
    donor: str
    usd: float


class OverviewOut(Schema):
    year: int | None
    subregion: str | None
    total_value_usd: float
    projects_by_type: dict[str, TypeCounts]
    expenditure_by_country: dict[str, float]
    donors: int
    top_donors: list[DonorOut]
    by_sector: dict[str, int]
    expenditure_by_country_year: dict[str, dict[str, float]]


class ProjectOut(Schema):
    code: str
    title: str
    office_iso3: str
    programme_type: str
    phase: str
    status: str
    version: int
    start_date: dt.date | None
    end_date: dt.date | None


class ProjectPage(Schema):
    count: int
    results: list[ProjectOut]


class ContributionOut(Schema):
    donor: str
    year: int
    amount_usd: float
    amount: float | None
    currency: str
    exchange_rate: float | None


class ExpenditureOut(Schema):
    iso3: str
    year: int
    amount_usd: float


class ProjectDetailOut(ProjectOut):
    countries: list[str]
    sectors: list[int]
    contributions: list[ContributionOut]
    expenditures: list[ExpenditureOut]


def _reader(request: HttpRequest) -> AnyUser:
    user = request_user(request)
    if portfolio_scopes(user, PortfolioAction.VIEW) == set():
        if not user.is_authenticated:
            raise NotAuthenticated("The project portfolio needs a login or a token.")
        raise PermissionDenied("You have no role on the project portfolio.")
    return user


def _project(project: Any) -> dict[str, Any]:
    return {
        "code": project.code,
        "title": project.title,
        "office_iso3": project.office_iso3,
        "programme_type": project.programme_type,
        "phase": project.phase,
        "status": project.status,
        "version": project.version,
        "start_date": project.start_date,
        "end_date": project.end_date,
    }


@router.get("/portfolio/overview", response=OverviewOut, summary="The portfolio's overview")
def overview(
    request: HttpRequest,
    year: int | None = Query(None, ge=1990, le=2100, description="Only this year."),
    subregion: str | None = Query(None, max_length=64, description="e.g. Pacific."),
    phase: str | None = Query(None, max_length=16, description="before, during or after."),
) -> dict[str, Any]:
    """Total value, projects and countries by programme type, expenditure per country, donors
    (endorsed, active and closed projects you may see)."""
    user = _reader(request)
    chosen = choice_parse(McofPhase, phase, field="phase") if phase else ""
    return portfolio_overview(user, year=year, subregion=subregion, phase=chosen).as_json()


@router.get("/portfolio/projects", response=ProjectPage, summary="Projects you may see")
def projects(request: HttpRequest) -> dict[str, Any]:
    """Every project and proposal of the country offices you may see, by code."""
    rows = [_project(p) for p in projects_visible(_reader(request)).order_by("code")]
    return {"count": len(rows), "results": rows}


@router.get("/portfolio/projects/{project_code}", response=ProjectDetailOut, summary="One project")
def project(request: HttpRequest, project_code: str) -> dict[str, Any]:
    """A project with its countries, MCOF sectors, contributions (as the source states them)
    and expenditure."""
    detail = project_detail(_reader(request), project_code)
    return _project(detail["project"]) | {
        "countries": detail["countries"],
        "sectors": [number for number, _name in detail["sectors"]],
        "contributions": [
            {
                "donor": c.donor.name,
                "year": c.year,
                "amount_usd": float(c.amount_usd),
                "amount": None if c.amount is None else float(c.amount),
                "currency": c.currency,
                "exchange_rate": None if c.exchange_rate is None else float(c.exchange_rate),
            }
            for c in detail["contributions"]
        ],
        "expenditures": [
            {"iso3": e.iso3, "year": e.year, "amount_usd": float(e.amount_usd)}
            for e in detail["expenditures"]
        ],
    }
