"""The PDF reports and a site profile's tables, downloaded from the site and round pages.

Thin: the role matrix (`operation_view`), then `reports.documents` or `reports.tables`, which
read everything for the acting user through the query layer, so a viewer's PDF holds only
published rounds and a round they may not see is a 404 here as on its page. The PDFs are
rendered by the worker (`reports.tasks`): the page waits for them.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from opendtm.accounts.choices import Action
from opendtm.figures.request import whole_number
from opendtm.reports.choices import ProfileTable, RenderState, ReportKind, TableFormat
from opendtm.reports.models import ReportRender
from opendtm.reports.queries import report_render_get, site_profile
from opendtm.reports.tables import profile_table_file, profile_table_name
from opendtm.reports.tasks import FAILED, STOPPED, report_queue
from opendtm.web.access import OperationRequest, operation_view

CONTENT_TYPES = {
    TableFormat.CSV: "text/csv; charset=utf-8",
    TableFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _attachment(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _pdf(request: OperationRequest, kind: ReportKind, **report: object) -> HttpResponse:
    """The PDF when its render is done; else a page that waits for the worker (202, reloading
    itself with `?render=<id>`, so it follows that render and does not queue another), or
    says why it failed. `?render=` names one of the reader's own renders."""
    asked = whole_number("render", request.GET.get("render"))
    if asked is None:
        found = report_queue(
            user=request.user,
            operation=request.operation,
            kind=kind,
            **report,  # type: ignore[arg-type]
        )
    else:
        found = report_render_get(user=request.user, operation=request.operation, pk=asked)
    if found.state == RenderState.DONE:
        return _attachment(bytes(found.content), "application/pdf", found.name)
    return _waiting(request, found)


def _waiting(request: OperationRequest, found: ReportRender) -> HttpResponse:
    query = request.GET.copy()
    query["render"] = str(found.pk)
    failed = found.state == RenderState.FAILED
    status = 202 if not failed else 503 if found.message in (STOPPED, FAILED) else 409
    return render(
        request,
        "web/report_wait.html",
        {
            "operation": request.operation,
            "report": found,
            "failed": failed,
            "follow": f"{request.path}?{query.urlencode()}",
            "again": request.path
            + (
                f"?round={found.round_number}"
                if found.kind == "site" and found.round_number
                else ""
            ),
        },
        status=status,
    )


@require_GET
@operation_view(Action.VIEW_PUBLISHED)
def site_pdf(request: OperationRequest, site_id: str) -> HttpResponse:
    """The site's profile as a PDF, as of `?round=N` (default: the latest the user may see)."""
    number = whole_number("round", request.GET.get("round"))
    return _pdf(request, ReportKind.SITE, site_id=site_id, round_number=number)


@require_GET
@operation_view(Action.VIEW_PUBLISHED)
def round_pdf(request: OperationRequest, number: int) -> HttpResponse:
    """The round report as a PDF."""
    return _pdf(request, ReportKind.ROUND, round_number=number)


@require_GET
@operation_view(Action.EXPORT)
def site_table(request: OperationRequest, site_id: str, table: str, fmt: str) -> HttpResponse:
    """One of the site profile's tables as CSV or XLSX (`reports.tables`)."""
    if table not in ProfileTable.values or fmt not in TableFormat.values:
        raise Http404("Unknown download.")
    which, kind = ProfileTable(table), TableFormat(fmt)
    profile = site_profile(user=request.user, operation=request.operation, site_id=site_id)
    return _attachment(
        profile_table_file(profile, which, kind),
        CONTENT_TYPES[kind],
        profile_table_name(profile, which, kind),
    )
