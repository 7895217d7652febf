"""Reads of the portfolio, always for an acting user: the regional unit (a grant without a
country, or an administrator) sees every country office's projects, a country office its own.

Money figures are not suppressed (they are not about people) and are summed as stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Q, QuerySet, Sum

from opendtm.accounts.choices import PortfolioAction
from opendtm.accounts.roles import portfolio_scopes
from opendtm.core.errors import NotFound
from opendtm.operations.choices import McofPhase
from opendtm.portfolio.choices import PORTFOLIO_STATUSES, ProgrammeType
from opendtm.portfolio.models import (
    Contribution,
    Expenditure,
    Project,
    ProjectCountry,
    SubRegion,
    SubRegionCountry,
)

TOP_DONORS = 5

User = AbstractBaseUser | AnonymousUser | None


def projects_visible(user: User) -> QuerySet[Project]:
    """The projects the user may see (none without a portfolio role)."""
    scopes = portfolio_scopes(user, PortfolioAction.VIEW)
    projects = Project.objects.all()
    return projects if scopes is None else projects.filter(office_iso3__in=sorted(scopes))


def project_get(user: User, code: str) -> Project:
    """A visible project by code; NotFound otherwise (an invisible one is not revealed)."""
    found = projects_visible(user).filter(code=(code or "").strip()).first()
    if found is None:
        raise NotFound(f"No project {code!r} you may see.")
    return found


def project_history(user: User, code: str) -> dict[str, Any]:
    """A project's moves and comments by version, oldest first."""
    project = project_get(user, code)
    moves = [
        {
            "version": t.version,
            "from": t.from_status,
            "to": t.to_status,
            "by": t.by.username,
            "at": t.at.isoformat(),
            "reason": t.reason,
        }
        for t in project.transitions.select_related("by")
    ]
    comments = [
        {"version": c.version, "by": c.author.username, "at": c.at.isoformat(), "text": c.text}
        for c in project.comments.select_related("author")
    ]
    return {"code": project.code, "status": project.status, "version": project.version,
            "moves": moves, "comments": comments}  # fmt: skip


def subregion_countries(name: str) -> list[str]:
    """The ISO3 codes of a sub-region named by name or code, any case; NotFound listing them."""
    text = (name or "").strip().lower()
    for region in SubRegion.objects.all():
        if text in (region.name.lower(), region.code, region.name.lower().replace("-", "")):
            return list(region.countries.values_list("iso3", flat=True))
    names = ", ".join(SubRegion.objects.values_list("name", flat=True))
    raise NotFound(f"No sub-region {name!r}.", hint=f"Use one of: {names}.")


def subregion_list() -> list[dict[str, Any]]:
    """Every sub-region with its countries (reference data: no acting user needed)."""
    countries: dict[int, list[str]] = {}
    for iso3, region_id in SubRegionCountry.objects.values_list("iso3", "subregion_id"):
        countries.setdefault(region_id, []).append(iso3)
    return [
        {"code": r.code, "name": r.name, "countries": sorted(countries.get(r.pk, []))}
        for r in SubRegion.objects.all()
    ]


@dataclass
class Overview:
    """The regional overview's figures (docs/portfolio.md, "Overview")."""

    year: int | None
    subregion: str | None
    total_value_usd: Decimal
    projects_by_type: dict[str, dict[str, int]]
    expenditure_by_country: dict[str, Decimal]
    donors: int
    top_donors: list[dict[str, Any]] = field(default_factory=list)
    by_sector: dict[str, int] = field(default_factory=dict)
    # ISO3 -> year -> USD: the expenditure table (and map) across years.
    expenditure_by_country_year: dict[str, dict[int, Decimal]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        def money(value: Decimal) -> int | float:
            return int(value) if value == value.to_integral_value() else float(value)

        return {
            "year": self.year,
            "subregion": self.subregion,
            "total_value_usd": money(self.total_value_usd),
            "projects_by_type": self.projects_by_type,
            "expenditure_by_country": {k: money(v) for k, v in self.expenditure_by_country.items()},
            "donors": self.donors,
            "top_donors": [{"donor": d["donor"], "usd": money(d["usd"])} for d in self.top_donors],
            "by_sector": self.by_sector,
            "expenditure_by_country_year": {
                iso3: {str(y): money(v) for y, v in years.items()}
                for iso3, years in self.expenditure_by_country_year.items()
            },
        }


def portfolio_overview(
    user: User, *, year: int | None = None, subregion: str | None = None, phase: str = ""
) -> Overview:
    """Total value, projects and countries by programme type, expenditure per country, donors.

    Counted: the portfolio's projects (endorsed, active or closed, not proposals in review)
    that the user may see, with a contribution or an expenditure in `year` (any year if none),
    in a country of the sub-region. Total value and donors sum contributions; expenditure sums
    the expenditure rows; both for the year and the countries chosen.
    """
    projects = projects_visible(user).filter(status__in=PORTFOLIO_STATUSES)
    if phase:
        projects = projects.filter(phase=McofPhase(phase))
    countries = subregion_countries(subregion) if subregion else None
    money_filter = Q()
    spent_filter = Q()
    if year is not None:
        money_filter &= Q(year=year)
        spent_filter &= Q(year=year)
        projects = projects.filter(
            Q(contributions__year=year) | Q(expenditures__year=year)
        ).distinct()
    if countries is not None:
        projects = projects.filter(countries__iso3__in=countries).distinct()
        spent_filter &= Q(iso3__in=countries)
    ids = list(projects.values_list("pk", flat=True))
    contributions = Contribution.objects.filter(money_filter, project_id__in=ids)
    total = contributions.aggregate(s=Sum("amount_usd"))["s"] or Decimal(0)
    by_type: dict[str, dict[str, int]] = {}
    place = ProjectCountry.objects.filter(project_id__in=ids)
    if countries is not None:
        place = place.filter(iso3__in=countries)
    for kind in ProgrammeType.values:
        of_kind = projects.filter(programme_type=kind)
        count = of_kind.count()
        if count:
            by_type[kind] = {
                "projects": count,
                "countries": place.filter(project__programme_type=kind)
                .values("iso3")
                .distinct()
                .count(),
            }
    spent_rows = Expenditure.objects.filter(spent_filter, project_id__in=ids)
    spent = spent_rows.values("iso3").annotate(s=Sum("amount_usd")).order_by("iso3")
    by_year: dict[str, dict[int, Decimal]] = {}
    for row in (
        spent_rows.values("iso3", "year").annotate(s=Sum("amount_usd")).order_by("iso3", "year")
    ):
        by_year.setdefault(row["iso3"], {})[row["year"]] = row["s"]
    donors = (
        contributions.values("donor__name")
        .annotate(s=Sum("amount_usd"))
        .order_by("-s", "donor__name")
    )
    sectors = (
        Project.sectors.through.objects.filter(project_id__in=ids)
        .values("sector__code")
        .annotate(n=Count("project_id"))
    )
    return Overview(
        year=year,
        subregion=subregion,
        total_value_usd=total,
        projects_by_type=by_type,
        expenditure_by_country={row["iso3"]: row["s"] for row in spent},
        donors=donors.count(),
        top_donors=[{"donor": d["donor__name"], "usd": d["s"]} for d in donors[:TOP_DONORS]],
        by_sector={row["sector__code"]: row["n"] for row in sectors},
        expenditure_by_country_year=by_year,
    )


def contributions_list(user: User, *, year: int | None = None) -> list[dict[str, Any]]:
    """The contributions of the visible portfolio projects (as overview counts them), one row
    each, with the project's country office and the HXL codes of its sectors' groups."""
    projects = projects_visible(user).filter(status__in=PORTFOLIO_STATUSES)
    rows = Contribution.objects.filter(project__in=projects)
    if year is not None:
        rows = rows.filter(year=year)
    hxl: dict[int, set[str]] = {}
    links = Project.sectors.through.objects.filter(project__in=projects)
    for project_id, code in links.values_list("project_id", "sector__groups__hxl_code"):
        if code:
            hxl.setdefault(project_id, set()).add(code)
    return [
        {
            "project_code": c.project.code,
            "title": c.project.title,
            "country_iso3": c.project.office_iso3,
            "programme_type": c.project.programme_type,
            "sector": " ".join(sorted(hxl.get(c.project_id, set()))),
            "donor": c.donor.name,
            "year": c.year,
            "amount_usd": float(c.amount_usd),
        }
        for c in rows.select_related("project", "donor").order_by(
            "project__code", "year", "donor__name"
        )
    ]


def project_detail(user: User, code: str) -> dict[str, Any]:
    """A visible project with its countries, sectors, money, history and the moves the user
    may make now (those the web offers as buttons: the service decides again)."""
    from opendtm.accounts.roles import can_portfolio
    from opendtm.portfolio.workflow import PROJECT_TRANSITIONS

    project = project_get(user, code)
    moves = [
        {"to": str(to), "verb": rule.move.verb, "reason_required": rule.move.reason_required}
        for (frm, to), rule in PROJECT_TRANSITIONS.items()
        if frm == project.status and can_portfolio(user, rule.action, project.office_iso3)
    ]
    return {
        "project": project,
        "countries": sorted(project.countries.values_list("iso3", flat=True)),
        "sectors": list(project.sectors.order_by("number").values_list("number", "name")),
        "contributions": list(
            project.contributions.select_related("donor").order_by("year", "donor__name")
        ),
        "expenditures": list(project.expenditures.order_by("year", "iso3")),
        "history": project_history(user, code),
        "moves": moves,
        "may_comment": can_portfolio(user, PortfolioAction.DRAFT, project.office_iso3)
        or can_portfolio(user, PortfolioAction.REVIEW, project.office_iso3),
    }
