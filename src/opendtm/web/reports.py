"""The PDF reports and a site profile's tables, downloaded from the site and round pages.

Thin: the role matrix (`operation_view`), then `reports.documents` or `reports.tables`, which
read everything for the acting user through the query layer, so a viewer's PDF holds only
published rounds and a round they may not see is a 404 here as on its page.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from opendtm.accounts.choices import Action
from opendtm.figures.request import whole_number
from opendtm.reports.choices import ProfileTable, TableFormat
from opendtm.reports.documents import Document, round_report_pdf, site_profile_pdf
from opendtm.reports.queries import site_profile
from opendtm.reports.tables import profile_table_file, profile_table_name
from opendtm.web.access import OperationRequest, operation_view

CONTENT_TYPES = {
    TableFormat.CSV: "text/csv; charset=utf-8",
    TableFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _attachment(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _pdf(document: Document) -> HttpResponse:
    return _attachment(document.content, "application/pdf", document.name)


@require_GET
@operation_view(Action.VIEW_PUBLISHED)
def site_pdf(request: OperationRequest, site_id: str) -> HttpResponse:
    """The site's profile as a PDF, as of `?round=N` (default: the latest the user may see)."""
    number = whole_number("round", request.GET.get("round"))
    return _pdf(
        site_profile_pdf(
            user=request.user, operation=request.operation, site_id=site_id, round_number=number
        )
    )


@require_GET
@operation_view(Action.VIEW_PUBLISHED)
def round_pdf(request: OperationRequest, number: int) -> HttpResponse:
    """The round report as a PDF."""
    return _pdf(
        round_report_pdf(user=request.user, operation=request.operation, round_number=number)
    )


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
