"""The pages: thin views that authorize (web.access), call the query layer, render.

Figures come from `figures.queries` only: a page's query string becomes a `FiguresRequest`
(`web.dashboard.figures_request`, the dashboard's filters) answered by `figures.answers`, as
the CLI's options and the API's parameters do; downloads go through `figures.exports`, the same
code as `opendtm figures --format ...`.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from opendtm.accounts.choices import Action
from opendtm.accounts.roles import can
from opendtm.core.errors import InvalidInput, NotFound
from opendtm.events.queries import events_alert_visible, events_of
from opendtm.figures.answers import figures_answer, figures_pages
from opendtm.figures.choices import ExportFormat, Grouping
from opendtm.figures.exports import export_write
from opendtm.figures.request import (
    DEFAULT_LEVEL,
)
from opendtm.figures.results import AdminFigures, TimeSeries
from opendtm.needs.queries import site_scores
from opendtm.operations.queries import operation_list, rounds_of, sites_of
from opendtm.reports.choices import ProfileTable
from opendtm.reports.queries import site_profile as site_profile_read
from opendtm.reports.queries import site_pyramid_values
from opendtm.web import charts
from opendtm.web.access import OperationRequest, operation_view
from opendtm.web.dashboard import (
    Filters,
    breakdown_context,
    dashboard_context,
    default_round,
    figures_request,
)
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


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The operations the user may see (anonymous: the public ones)."""
    return render(request, "web/home.html", {"operations": list(operation_list(user=request.user))})


@require_GET
@operation_view(Action.VIEW_PUBLISHED)
def dashboard(request: OperationRequest) -> HttpResponse:
    """Headline figures, map, trend, breakdown, sex and age, sites and top origins of one
    round, for the admin area and the sites the query string's filters keep
    (`web.dashboard`)."""
    operation, user = request.operation, request.user
    filters = Filters.read(request.GET)
    rounds = list(rounds_of(operation=operation, user=user))
    asked = filters.round_number
    number = asked if asked is not None else default_round(rounds)
    context: dict[str, Any] = {"operation": operation, "rounds": rounds, "number": number}
    if number is None:
        return render(request, "web/dashboard.html", context)
    context |= dashboard_context(user, operation, replace(filters, round_number=number))
    context |= {
        "may_export": can(user, Action.EXPORT, operation),
        "may_see_rounds": can(user, Action.VIEW_UNPUBLISHED, operation),
    }
    # Event tracking (analysts and up): a line under the headline and a layer of the map,
    # never added to the round's figures.
    alert = events_alert_visible(user=user, operation=operation)
    context["events_alert"] = alert
    if alert is not None:
        shown = events_of(user=user, operation=operation, since=alert.since)
        context["map"]["events"] = charts.events_layer(shown)
    return render(request, "web/dashboard.html", context)


@require_GET
@operation_view(Action.VIEW_PUBLISHED)
def breakdown(request: OperationRequest) -> HttpResponse:
    """The breakdown table at one level under a unit (HTMX partial of the dashboard)."""
    operation = request.operation
    asked = figures_request(request.GET, operation, Grouping.ADMIN, level=DEFAULT_LEVEL)
    answer = figures_answer(user=request.user, request=asked)
    assert isinstance(answer, AdminFigures)
    template = "web/_breakdown.html" if request.htmx else "web/breakdown.html"  # type: ignore[attr-defined]
    return render(
        request,
        template,
        {
            "operation": operation,
            "breakdown": breakdown_context(
                answer, operation.location_level, Filters.read(request.GET)
            ),
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
    level = 0 if grouping == Grouping.ORIGIN else DEFAULT_LEVEL
    asked = figures_request(request.GET, request.operation, grouping, level=level)
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
    latest visible assessment against their standards with the severity of each sector and
    the indicator behind it (`needs.queries.site_scores`), status history
    (`reports.queries`)."""
    profile = site_profile_read(user=request.user, operation=request.operation, site_id=site_id)
    scores = (
        site_scores(
            user=request.user,
            operation=request.operation,
            site_id=site_id,
            round_number=profile.indicator_round,
        )
        if profile.indicator_round is not None
        else None
    )
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
            "scores": scores,
            "tables": ProfileTable.choices,
            "may_export": can(request.user, Action.EXPORT, request.operation),
        },
    )
