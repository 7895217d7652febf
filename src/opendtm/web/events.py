"""An operation's events in the browser: the alert (new events since the last published round)
and the list, their CSV and HXL downloads, and the short form a focal point reports one event
with, through the same service and rules as an import (`events.services.event_report`).

Events are not verified and never a round figure: seeing them takes the right to see
unpublished figures (analysts and up), reporting one the right to import (managers and up).
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from opendtm.accounts.choices import Action
from opendtm.accounts.roles import can
from opendtm.core.errors import InvalidInput
from opendtm.events.exports import export_write
from opendtm.events.queries import events_alert, events_of
from opendtm.events.services import event_report
from opendtm.web.access import OperationRequest, operation_view
from opendtm.web.forms import EventReportForm, form_refused

DOWNLOADS = {"csv": "text/csv; charset=utf-8", "hxl": "text/csv; charset=utf-8"}


def _since(request: OperationRequest) -> tuple[dt.date | None, bool]:
    """The first day shown (`?since=YYYY-MM-DD`, else the alert's), and whether all are."""
    if request.GET.get("all") == "1":
        return None, True
    text = request.GET.get("since", "").strip()
    if text:
        try:
            return dt.date.fromisoformat(text), False
        except ValueError:
            raise InvalidInput(
                f"since {text!r} is not a date in the form YYYY-MM-DD.", hint="e.g. 2026-11-20"
            ) from None
    return events_alert(user=request.user, operation=request.operation).since, False


def _page(request: OperationRequest, form: EventReportForm | None, status: int) -> HttpResponse:
    operation, user = request.operation, request.user
    since, everything = _since(request)
    alert = events_alert(user=user, operation=operation)
    events = list(events_of(user=user, operation=operation, since=since))
    context: dict[str, Any] = {
        "operation": operation,
        "alert": alert,
        "since": since,
        "everything": everything,
        "events": events,
        "form": form if can(user, Action.IMPORT, operation) else None,
        "query": request.GET.urlencode(),
    }
    return render(request, "web/events.html", context, status=status)


@require_GET
@operation_view(Action.VIEW_UNPUBLISHED)
def event_list(request: OperationRequest) -> HttpResponse:
    """The alert and the events (since the last published round, or `?since=`, or `?all=1`);
    a bad `since` is a 400 page (`web.errors`)."""
    return _page(request, EventReportForm(), 200)


@require_POST
@operation_view(Action.IMPORT)
def event_new(request: OperationRequest) -> HttpResponse:
    """Record one event from the form; a refused answer shows every reason beside the form."""
    form = EventReportForm(request.POST)
    if not form.is_valid():
        return _page(request, form, 400)
    answers = {
        k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in form.cleaned_data.items()
    }
    try:
        event = event_report(
            operation=request.operation,
            answers=answers,
            actor=request.user,  # type: ignore[arg-type]
        )
    except InvalidInput as exc:
        return _page(request, form, form_refused(form, exc))
    messages.success(
        request,
        _("Event recorded: %(type)s on %(date)s, %(n)s individuals (not verified).")
        % {
            "type": event.get_event_type_display(),
            "date": event.event_date,
            "n": event.displaced_ind,
        },
    )
    return redirect("web:events", code=request.operation.code)


@require_GET
@operation_view(Action.VIEW_UNPUBLISHED)
def event_download(request: OperationRequest, fmt: str) -> HttpResponse:
    """The events shown on the page as CSV or HXL (the tags of the dtm_ett form)."""
    if fmt not in DOWNLOADS:
        raise Http404("Unknown download.")
    since, _all = _since(request)
    out = io.StringIO()
    export_write(events_of(user=request.user, operation=request.operation, since=since), fmt, out)
    response = HttpResponse(out.getvalue(), content_type=DOWNLOADS[fmt])
    name = f"{request.operation.code}-events.{'csv' if fmt == 'csv' else 'hxl.csv'}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
