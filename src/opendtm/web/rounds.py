"""Round pages: status and workflow moves, import history, the cleaning log, and imports
started in the browser (upload -> dry-run report -> confirm or cancel)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from opendtm.accounts.choices import Action
from opendtm.accounts.roles import can
from opendtm.core.errors import Conflict, InvalidInput
from opendtm.figures.choices import SnapshotTiming
from opendtm.figures.tasks import snapshot_build_status, snapshot_queue
from opendtm.ingest import jobs
from opendtm.ingest.cleaning_log import cleaning_log_as_csv, cleaning_log_rows
from opendtm.ingest.issues import ISSUE_COLUMNS
from opendtm.ingest.models import ImportJob
from opendtm.ingest.queries import batch_get, batches_of, cleaning_log, issues_of
from opendtm.ingest.report import (
    changes_read,
    report_as_xlsx,
    report_bytes,
    report_frame,
    report_page,
    report_rules,
)
from opendtm.ingest.services import correction_reason_check
from opendtm.ingest.tasks import job_enqueue
from opendtm.operations.choices import RoundStatus
from opendtm.operations.models import Round
from opendtm.operations.queries import round_get, round_transitions
from opendtm.operations.services import round_ensure_writable, round_transition
from opendtm.operations.workflow import ROUND_TRANSITIONS, moves_from
from opendtm.web.access import OperationRequest, operation_view
from opendtm.web.forms import ConfirmForm, IssueFilterForm, TransitionForm, UploadForm

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _round(request: OperationRequest, number: int) -> Round:
    return round_get(operation=request.operation, number=number, user=request.user)


@require_GET
@operation_view(Action.VIEW_PUBLISHED)
def round_page(request: OperationRequest, number: int) -> HttpResponse:
    """Status, workflow buttons (managers), import history, cleaning log (analysts and up)."""
    operation, user = request.operation, request.user
    round_ = _round(request, number)
    may_manage = can(user, Action.MANAGE_ROUNDS, operation)
    may_raw = can(user, Action.VIEW_RAW, operation)
    return render(
        request,
        "web/round.html",
        {
            "operation": operation,
            "round": round_,
            "transitions": list(round_transitions(user=user, round_=round_)),
            "moves": moves_from(ROUND_TRANSITIONS, RoundStatus(round_.status))
            if may_manage
            else [],
            "batches": list(batches_of(user=user, round_=round_).select_related("imported_by"))
            if may_raw
            else None,
            "log": list(cleaning_log(user=user, round_=round_)[:200]) if may_raw else None,
            "may_import": can(user, Action.IMPORT, operation) and round_.status == RoundStatus.OPEN,
            "transition_form": TransitionForm(),
            "figures_build": snapshot_build_status(round_),
            "may_manage": may_manage,
        },
    )


@require_POST
@operation_view(Action.MANAGE_ROUNDS)
def figures_rebuild(request: OperationRequest, number: int) -> HttpResponse:
    """Queue a rebuild of a published round's snapshot (after a failed build, or a change of
    the suppression threshold): the worker builds it; pages read the figures live meanwhile."""
    round_ = _round(request, number)
    try:
        snapshot_queue(round=round_, actor=request.user, rebuild=True)  # type: ignore[arg-type]
        messages.success(
            request, _("The figures of round %(n)s are queued to be built.") % {"n": number}
        )
    except Conflict as exc:
        messages.error(request, str(exc))
    return redirect("web:round", code=request.operation.code, number=number)


@require_POST
@operation_view(Action.MANAGE_ROUNDS)
def round_move(request: OperationRequest, number: int) -> HttpResponse:
    """Validate, publish or reopen (with a reason) through the workflow service. Publishing
    needs the confirmation of `manage_rounds.round_publish`'s page: without it the move is
    not made and the user is sent there."""
    round_ = _round(request, number)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid workflow move."))
    elif (
        form.cleaned_data["to_status"] == RoundStatus.PUBLISHED and not form.cleaned_data["confirm"]
    ):
        messages.error(
            request,
            _("Publishing cannot be undone: read what becomes public and confirm it first."),
        )
        return redirect("web:round-publish", code=request.operation.code, number=number)
    else:
        try:
            round_transition(
                round=round_,
                to_status=form.cleaned_data["to_status"],
                actor=request.user,  # type: ignore[arg-type]
                reason=form.cleaned_data["reason"],
                snapshot=SnapshotTiming.QUEUED,
            )
            messages.success(
                request,
                _("Round %(n)s is now %(s)s.") % {"n": number, "s": round_.get_status_display()},
            )
        except (Conflict, InvalidInput) as exc:
            messages.error(request, str(exc))
    return redirect("web:round", code=request.operation.code, number=number)


@require_GET
@operation_view(Action.VIEW_RAW)
def cleaning_log_csv(request: OperationRequest, number: int) -> HttpResponse:
    """The round's cleaning log as CSV (same columns as `opendtm cleaning-log --format csv`)."""
    round_ = _round(request, number)
    text = cleaning_log_as_csv(cleaning_log_rows(cleaning_log(user=request.user, round_=round_)))
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    name = f"{request.operation.code}-r{number}-cleaning-log.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@operation_view(Action.IMPORT)
def import_upload(request: OperationRequest, number: int) -> HttpResponse:
    """Upload an export; its dry run is queued at once and the job page shows its report. A
    refused upload (quota, a workbook's archive over the limits) is never kept. A round that
    takes no import (validated, published) offers no form: 409 before the upload is read."""
    round_ = _round(request, number)
    round_ensure_writable(round_)
    form = UploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            job = jobs.job_create(
                operation=request.operation,
                round=round_,
                form_id=form.cleaned_data["form_id"],
                upload=form.cleaned_data["file"],
                actor=request.user,  # type: ignore[arg-type]
                reason=form.cleaned_data["reason"],
                clear_repeats=form.cleaned_data["clear_repeats"],
            )
        except (Conflict, InvalidInput) as exc:  # a round that takes no import, the limits
            form.add_error("file", str(exc))
            status = exc.http_status
        else:
            job_enqueue(job)
            return redirect("web:import-job", code=request.operation.code, token=job.token)
    return render(
        request,
        "web/import_upload.html",
        {"operation": request.operation, "round": round_, "form": form},
        status=status,
    )


def _job(request: OperationRequest, token: str) -> ImportJob:
    return jobs.job_get(token, operation=request.operation, user=request.user)  # type: ignore[arg-type]


def _confirmable(job: ImportJob) -> bool:
    """A checked upload of which some row would be stored; one whose every row is rejected
    has nothing to confirm."""
    return job.state == "validated" and bool(job.summary.get("rows_accepted"))


@require_GET
@operation_view(Action.IMPORT)
def import_job(request: OperationRequest, token: str) -> HttpResponse:
    """The upload's state; while it runs, the status block polls itself (HTMX). Once checked:
    the values a correction would change, the confirmation, and the report a page at a time."""
    job = _job(request, token)
    report = jobs.job_report(job)
    form = IssueFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    shown = report_page(
        report,
        kind=filters.get("kind") or "",
        rule=filters.get("rule") or "",
        page=filters.get("page") or 1,
    )
    query = {k: v for k, v in request.GET.items() if k in ("kind", "rule") and v}
    context = {
        "operation": request.operation,
        "job": job,
        "report": shown,
        "page_query": urlencode(query),
        "rules": report_rules(report),
        "changes": list(changes_read(report).iter_rows(named=True))
        if job.state == "validated"
        else [],
        "confirmable": _confirmable(job),
        "confirm_form": ConfirmForm(initial={"reason": job.reason}),
        "filter_form": form,
        "status_url": reverse("web:import-job", args=[request.operation.code, job.token]),
    }
    if request.htmx:  # type: ignore[attr-defined]
        target = request.headers.get("HX-Target", "")
        if target == "issues":
            return render(request, "web/_issues.html", context)
        response = render(request, "web/_job_status.html", context)
        if not job.running:  # done: reload the whole page to show the report or the result
            response["HX-Refresh"] = "true"
        return response
    return render(request, "web/import_job.html", context)


def _attachment(content: bytes, fmt: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition_header(True, f"{name}.{fmt}")
    return response


def _stem(file_name: str) -> str:
    return file_name.rsplit(".", 1)[0] or "export"


@require_GET
@operation_view(Action.IMPORT)
def import_report(request: OperationRequest, token: str, fmt: str = "csv") -> FileResponse:
    """The validation report of the upload, as CSV or XLSX, named after the uploaded file."""
    job = _job(request, token)
    if fmt not in ("csv", "xlsx"):
        raise Http404("Unknown format.")
    report = jobs.job_report(job)
    if not report.exists():
        raise Http404("The report is not ready yet.")
    path = report if fmt == "csv" else report_as_xlsx(report)
    return FileResponse(  # streamed: a report may be long
        path.open("rb"),
        as_attachment=True,
        filename=f"{_stem(job.file_name)}.report.{fmt}",
        content_type=CONTENT_TYPES[fmt],
    )


@require_GET
@operation_view(Action.VIEW_RAW)
def batch_report(request: OperationRequest, batch_id: int, fmt: str) -> HttpResponse:
    """The report a committed import stored, as CSV or XLSX (the same columns as the file)."""
    if fmt not in ("csv", "xlsx"):
        raise Http404("Unknown format.")
    batch = batch_get(user=request.user, operation=request.operation, batch_id=batch_id)
    rows = issues_of(user=request.user, batch=batch).values_list(*ISSUE_COLUMNS)
    content = report_bytes(report_frame(rows), fmt)
    return _attachment(content, fmt, f"{_stem(batch.file_name)}.report")


@require_POST
@operation_view(Action.IMPORT)
def import_confirm(request: OperationRequest, token: str) -> HttpResponse:
    """Run the real import with the same stored file; a correction only with its reason."""
    job = _job(request, token)
    form = ConfirmForm(request.POST)
    # The page sends the reason box (filled with the upload's reason); a bare POST keeps that.
    reason = job.reason
    if "reason" in request.POST:
        reason = form.cleaned_data["reason"].strip() if form.is_valid() else ""
    if not _confirmable(job):
        messages.error(request, _("Only a checked upload with accepted rows can be imported."))
        return redirect("web:import-job", code=request.operation.code, token=job.token)
    try:
        correction_reason_check(changes=int(job.summary.get("changes_logged") or 0), reason=reason)
        round_ensure_writable(_round(request, job.round_number))
    except (InvalidInput, Conflict) as exc:
        messages.error(request, exc.message)
        return redirect("web:import-job", code=request.operation.code, token=job.token)
    job_enqueue(jobs.job_confirm(job, actor=request.user, reason=reason))  # type: ignore[arg-type]
    return redirect("web:import-job", code=request.operation.code, token=job.token)


@require_POST
@operation_view(Action.IMPORT)
def import_cancel(request: OperationRequest, token: str) -> HttpResponse:
    """Drop an upload that was not imported."""
    job = _job(request, token)
    if job.state == "validated":
        jobs.job_cancel(job, actor=request.user)  # type: ignore[arg-type]
        messages.info(request, _("The upload was cancelled: nothing was imported."))
    return redirect("web:round", code=request.operation.code, number=job.round_number)
