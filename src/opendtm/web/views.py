"""The pages: thin views that authorize (web.access), call the query layer, render.

Figures come from `figures.queries` only: a page's query string becomes a `FiguresRequest`
(`_figures_request`) answered by `figures.answers`, as the CLI's options and the API's
parameters do; downloads go through `figures.exports`, the same code as
`opendtm figures --format ...`.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from opendtm.accounts.choices import Action
from opendtm.accounts.roles import can
from opendtm.core.errors import InvalidInput, NotFound
from opendtm.figures import queries as fq
from opendtm.figures.answers import figures_answer, figures_pages
from opendtm.figures.choices import ExportFormat, Grouping
from opendtm.figures.exports import export_write
from opendtm.figures.request import (
    DEFAULT_LEVEL,
    DEFAULT_ORIGIN_LEVEL,
    FiguresRequest,
    whole_number,
)
from opendtm.figures.results import TimeSeries
from opendtm.gazetteer.outlines import outline_levels, unit_outlines
from opendtm.operations.queries import operation_list, rounds_of, sites_of
from opendtm.reports.choices import ProfileTable
from opendtm.reports.queries import site_profile as site_profile_read
from opendtm.reports.queries import site_pyramid_values
from opendtm.web import charts
from opendtm.web.access import OperationRequest, operation_view
from opendtm.web.forms import SiteFilterForm

SITES_PER_PAGE = 50
DOWNLOAD_FORMATS = {
    ExportFormat.CSV: ("text/csv; charset=utf-8", "csv"),
    ExportFormat.XLSX: (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
    ),
    ExportFormat.HXL: ("text/csv; charset=utf-8", "hxl.csv"),
    ExportFormat.JSON: ("application/json", "json"),
    ExportFormat.GEOJSON: ("application/geo+json", "geojson"),
}
KINDS = {
    "admin": Grouping.ADMIN,
    "site": Grouping.SITE,
    "origin": Grouping.ORIGIN,
    "series": Grouping.ROUND,
}


def _figures_request(
    request: OperationRequest, grouping: Grouping, *, level: int = DEFAULT_LEVEL
) -> FiguresRequest:
    """The figures question a page's query string asks: `round`, `level` (default `level`),
    `origin_level`, and the unit as `parent` (drill-down) or `pcode`."""
    query = request.GET
    return FiguresRequest(
        operation=request.operation,
        grouping=grouping,
        round_number=whole_number("round", query.get("round")),
        level=whole_number("level", query.get("level"), level),
        origin_level=whole_number("origin_level", query.get("origin_level"), DEFAULT_ORIGIN_LEVEL),
        pcode=query.get("parent") or query.get("pcode"),
    )


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The operations the user may see (anonymous: the public ones)."""
    return render(request, "web/home.html", {"operations": list(operation_list(user=request.user))})


def _round_choice(request: OperationRequest) -> tuple[list[Any], int | None]:
    rounds = list(rounds_of(operation=request.operation, user=request.user))
    asked = FiguresRequest(
        operation=request.operation,
        grouping=Grouping.HEADLINE,
        round_number=whole_number("round", request.GET.get("round")),
    )
    number = asked.round_number
    if number is None and rounds:
        number = fq.figures_default_round(user=request.user, operation=request.operation).number
    return rounds, number


@require_GET
@operation_view(Action.VIEW_PUBLISHED)
def dashboard(request: OperationRequest) -> HttpResponse:
    """Headline figures, map, trend, breakdown, sex and age, top origins of one round."""
    operation, user = request.operation, request.user
    rounds, number = _round_choice(request)
    context: dict[str, Any] = {"operation": operation, "rounds": rounds, "number": number}
    if number is None:
        return render(request, "web/dashboard.html", context)
    headline = fq.figures_headline(user=user, operation=operation, round_number=number)
    level = min(1, operation.location_level)
    breakdown = fq.figures_by_admin(
        user=user, operation=operation, round_number=number, level=level
    )
    map_level = operation.location_level
    units = fq.figures_by_admin(
        user=user, operation=operation, round_number=number, level=map_level
    )
    sites = fq.figures_by_site(user=user, operation=operation, round_number=number)
    areas = _choropleth(operation, [units, breakdown])
    country = fq.figures_by_admin(user=user, operation=operation, round_number=number, level=0)
    trend = None
    if country.rows.height:
        trend = fq.figures_time_series(
            user=user, operation=operation, pcode=country.rows.get_column("pcode")[0]
        )
    origins = fq.figures_origin_matrix(
        user=user, operation=operation, round_number=number, origin_level=2, destination_level=0
    )
    context |= {
        "headline": headline,
        "breakdown": _breakdown_context(breakdown, operation.location_level),
        "map": charts.map_data(units, sites, areas),
        "trend": charts.trend_data(trend) if trend is not None else None,
        "trend_query": f"pcode={trend.unit['pcode']}" if trend is not None else "",
        "pyramid": charts.headline_pyramid(headline),
        "origins": charts.origins_top(origins),
        "origin_query": f"round={number}&level=0&origin_level=2",
        "provenance": headline.provenance,
        "may_export": can(user, Action.EXPORT, operation),
        "may_see_rounds": can(user, Action.VIEW_UNPUBLISHED, operation),
    }
    return render(request, "web/dashboard.html", context)


CHOROPLETH_MAX_UNITS = 400
"""More outlines than this make a page too heavy for a field office's connection."""


def _choropleth(operation: Any, answers: list[Any]) -> dict[str, Any] | None:
    """The finest of the answers whose level has outlines in the gazetteer and that has at
    most CHOROPLETH_MAX_UNITS rows, drawn as a choropleth; None without outlines."""
    levels = outline_levels(operation.country_iso3)
    for answer in sorted(answers, key=lambda a: -a.level):
        if answer.level in levels and answer.rows.height <= CHOROPLETH_MAX_UNITS:
            outlines = unit_outlines(answer.rows.get_column("unit_id").to_list())
            return charts.choropleth_data(answer, outlines)
    return None


def _breakdown_context(answer: Any, finest: int) -> dict[str, Any]:
    return {
        "rows": list(answer.rows.iter_rows(named=True)),
        "level": answer.level,
        "within": answer.within,
        "totals": answer.totals,
        "drill": answer.level < finest,
        "next_level": answer.level + 1,
        "round": answer.provenance.round_number,
    }


@require_GET
@operation_view(Action.VIEW_PUBLISHED)
def breakdown(request: OperationRequest) -> HttpResponse:
    """The breakdown table at one level under a unit (HTMX partial of the dashboard)."""
    operation = request.operation
    answer = figures_answer(user=request.user, request=_figures_request(request, Grouping.ADMIN))
    template = "web/_breakdown.html" if request.htmx else "web/breakdown.html"  # type: ignore[attr-defined]
    return render(
        request,
        template,
        {
            "operation": operation,
            "breakdown": _breakdown_context(answer, operation.location_level),
            "may_export": can(request.user, Action.EXPORT, operation),
        },
    )


@require_GET
@operation_view(Action.EXPORT)
def download(request: OperationRequest, kind: str, fmt: str) -> HttpResponse:
    """A table as CSV, XLSX, HXL, JSON or GeoJSON, written by figures.exports."""
    if kind not in KINDS or fmt not in DOWNLOAD_FORMATS:
        raise Http404("Unknown download.")
    grouping = KINDS[kind]
    asked = _figures_request(request, grouping, level=0 if grouping == Grouping.ORIGIN else 1)
    pages = figures_pages(user=request.user, request=asked)
    first = next(pages)  # checks every parameter before anything is written
    buffer = io.BytesIO()

    def chained() -> Iterator[Any]:
        yield first
        yield from pages

    export_write(chained(), fmt, buffer)
    content_type, extension = DOWNLOAD_FORMATS[ExportFormat(fmt)]
    number = (
        (first.provenance[-1].round_number if first.provenance else "none")
        if isinstance(first, TimeSeries)
        else first.provenance.round_number
    )
    name = f"{request.operation.code}-r{number}-{kind}.{extension}"
    response = HttpResponse(buffer.getvalue(), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
@operation_view(Action.VIEW_PUBLISHED)
def site_list(request: OperationRequest) -> HttpResponse:
    """The site registry with filters (status, type, admin unit) and pagination."""
    operation = request.operation
    form = SiteFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    error = ""
    try:
        sites = sites_of(
            user=request.user,
            operation=operation,
            status=filters.get("status") or None,
            site_type=filters.get("site_type") or None,
            admin_pcode=filters.get("admin") or None,
        )
    except (InvalidInput, NotFound) as exc:
        error = str(exc)
        sites = sites_of(user=request.user, operation=operation).none()
    page = Paginator(sites, SITES_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    template = "web/_site_rows.html" if request.htmx else "web/sites.html"  # type: ignore[attr-defined]
    return render(
        request,
        template,
        {
            "operation": operation,
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "error": error,
            "may_export": can(request.user, Action.EXPORT, operation),
        },
    )


@require_GET
@operation_view(Action.VIEW_PUBLISHED)
def site_profile(request: OperationRequest, site_id: str) -> HttpResponse:
    """One site: population over the rounds the user may see, sex and age, priority needs,
    vulnerable persons, diseases, movements, site management, the sector indicators of its
    latest visible assessment against their standards, status history (`reports.queries`)."""
    profile = site_profile_read(user=request.user, operation=request.operation, site_id=site_id)
    history = profile.history
    values = site_pyramid_values(profile)
    return render(
        request,
        "web/site.html",
        {
            "operation": request.operation,
            "site": profile.site,
            "profile": profile,
            "history": history,
            "latest": profile.latest,
            "series": {
                "rounds": [f"R{h['round']}" for h in history],
                "ind": [h["ind"] for h in history],
                "hh": [h["hh"] for h in history],
            },
            "pyramid": charts.pyramid_data(values) if values else None,
            "status_history": profile.status_history,
            "indicators": profile.indicators,
            "indicator_round": profile.indicator_round,
            "indicator_rules": profile.indicator_rules,
            "tables": ProfileTable.choices,
            "may_export": can(request.user, Action.EXPORT, request.operation),
        },
    )
