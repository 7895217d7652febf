"""The submissions table of a round (one form at a time) and one submission's page: what was
received, where it stands (accepted, flagged, rejected) and why. Raw data: analysts and up.

Everything the table shows is chosen in the query string (a GET form), so a filtered, sorted
page can be bookmarked and shared; the query (`mobility.queries.submissions_of`) filters,
sorts and pages in SQL and refuses a bad parameter, which the page answers as a 400.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET

from opendtm.accounts.choices import Action
from opendtm.figures.request import whole_number
from opendtm.ingest.choices import SubmissionStatus
from opendtm.mobility.choices import AssessmentForm
from opendtm.mobility.queries import (
    SUBMISSION_SORTS,
    SUBMISSIONS_PER_PAGE,
    submission_get,
    submissions_of,
)
from opendtm.operations.queries import round_get
from opendtm.web.access import OperationRequest, operation_view

FILTERS = ("form", "status", "rule", "admin", "site")
PER_PAGE = SUBMISSIONS_PER_PAGE
COLUMNS = {
    "file": _("File"),
    "row": _("Row"),
    "submission": _("Submission ID"),
    "status": _("Status"),
    "unit": _("Admin unit"),
    "site": pgettext_lazy("displacement site", "Site"),
    "issues": _("Report lines"),
}
assert set(COLUMNS) == set(SUBMISSION_SORTS)


def _headers(sort: str, *, is_site: bool) -> list[dict[str, object]]:
    """The table's column headers: each a link sorting by it (again: the other way), the
    sorted one marked for screen readers."""
    headers = []
    for key, label in COLUMNS.items():
        if key == "site" and not is_site:
            continue
        aria = {key: "ascending", f"-{key}": "descending"}.get(sort, "")
        headers.append(
            {
                "label": label,
                "sort_to": f"-{key}" if sort == key else key,
                "aria": aria,
                "num": key in ("row", "issues"),
            }
        )
    return headers


@require_GET
@operation_view(Action.VIEW_RAW)
def submission_list(request: OperationRequest, number: int) -> HttpResponse:
    """The round's submissions of one form, filtered, sorted and paged as the URL says."""
    round_ = round_get(operation=request.operation, number=number, user=request.user)
    given = {name: request.GET.get(name, "").strip() for name in (*FILTERS, "sort")}
    form_id = given["form"] or AssessmentForm.BASELINE.value
    sort = given["sort"] or "file"
    page = submissions_of(
        user=request.user,
        round_=round_,
        form_id=form_id,
        status=given["status"],
        rule=given["rule"],
        admin_pcode=given["admin"],
        site_id=given["site"],
        sort=sort,
        page=whole_number("page", request.GET.get("page"), 1),
        per_page=PER_PAGE,
    )
    kept = {name: value for name, value in given.items() if value and name != "sort"}
    kept["form"] = form_id
    return render(
        request,
        "web/submissions.html",
        {
            "operation": request.operation,
            "round": round_,
            "page": page,
            "rows": [r | {"state_label": SubmissionStatus(r["state"]).label} for r in page.rows],
            "given": given | {"form": form_id},
            "forms": AssessmentForm.choices,
            "statuses": SubmissionStatus.choices,
            "is_site": form_id == AssessmentForm.SITE.value,
            "sort": sort,
            "headers": _headers(sort, is_site=form_id == AssessmentForm.SITE.value),
            "query": urlencode(kept),
        },
    )


@require_GET
@operation_view(Action.VIEW_RAW)
def submission_detail(request: OperationRequest, number: int, batch: int, row: int) -> HttpResponse:
    """One row of a batch: its values as received, its report lines, its batch and file."""
    round_ = round_get(operation=request.operation, number=number, user=request.user)
    found = submission_get(user=request.user, round_=round_, batch_id=batch, row=row)
    return render(
        request,
        "web/submission.html",
        {
            "operation": request.operation,
            "round": round_,
            "submission": found,
            "site": getattr(found.record, "site", None),
            "unit": getattr(found.record, "admin_unit", None)
            or getattr(found.record, "location", None),
        },
    )
