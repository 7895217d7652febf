"""PDF reports asked for in the browser, rendered by the worker out of the request.

A page asks (`report_queue`); the same request is answered at once by a render already done
for the same reader, report, language and data (`report_basis`), or waits (the page reloads)
while the worker renders it. Rendering a round report takes seconds of CPU: on the queue it
takes one worker's turn, not a web process, and a reader has at most
OPENDTM_REPORT_PENDING_MAX renders waiting. The command line renders at once, in its own
process (`opendtm report`).

A render is the reader's: it is read through the query layer as them when the worker runs
it, so it holds what they may see then; the visibility of the round and the site is checked
when it is asked for, so a report they may not see is a 404 before anything is queued.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django_tasks import task

from opendtm.accounts.models import AuditEvent
from opendtm.core.errors import Conflict, OpenDTMError
from opendtm.core.worker import tasks_inline
from opendtm.figures.models import FigureSnapshot
from opendtm.ingest.models import CleaningLogEntry, ImportBatch
from opendtm.operations.models import Operation, RoundTransition
from opendtm.operations.queries import AnyUser, round_get, site_get
from opendtm.reports.choices import RenderState, ReportKind
from opendtm.reports.models import ReportRender
from opendtm.reports.queries import report_reader

log = logging.getLogger(__name__)
PENDING = (RenderState.QUEUED, RenderState.RENDERING)
STOPPED = "The worker rendering this report stopped before it finished; ask for it again."
FAILED = "The report could not be rendered (the worker's log says why); ask for it again."


def report_basis(operation: Operation) -> str:
    """The operation's data as of now, as the latest row of each thing a report reads that
    changes: audited changes, imports, corrections, workflow moves, snapshots. A render made
    on the same basis holds the same figures; any change makes the next request render anew."""
    latest = [
        AuditEvent.objects.filter(operation=operation).aggregate(m=Max("id"))["m"],
        ImportBatch.objects.filter(operation=operation).aggregate(m=Max("id"))["m"],
        CleaningLogEntry.objects.filter(round__operation=operation).aggregate(m=Max("id"))["m"],
        RoundTransition.objects.filter(round__operation=operation).aggregate(m=Max("id"))["m"],
        FigureSnapshot.objects.filter(round__operation=operation).aggregate(m=Max("id"))["m"],
    ]
    return "/".join(str(n or 0) for n in latest)


def report_queue(
    *,
    user: AnyUser,
    operation: Operation,
    kind: ReportKind,
    round_number: int | None = None,
    site_id: str = "",
) -> ReportRender:
    """The render of this report for this reader: one done on the same basis, one waiting, or
    a new one queued (under OPENDTM_TASKS_INLINE, rendered at once). NotFound for a round or a
    site the reader may not see; Conflict when they already have too many waiting;
    Unavailable (naming the package) on a machine without the renderer's libraries, before
    anything is queued."""
    from opendtm.reports.rendering import renderer_check

    renderer_check()
    if round_number is not None:
        round_get(operation=operation, number=round_number, user=user)
    if kind == ReportKind.SITE:
        site_id = site_get(user=user, operation=operation, site_id=site_id).site_id
    reader = report_reader(user)
    stale = timezone.now() - timedelta(seconds=float(settings.OPENDTM_REPORT_STALE_SECONDS))
    with transaction.atomic():
        mine = ReportRender.objects.filter(operation=operation, requested_by=reader)
        mine.filter(state__in=PENDING, created_at__lt=stale).update(
            state=RenderState.FAILED, message=STOPPED, finished_at=timezone.now()
        )
        key = {
            "kind": kind,
            "round_number": round_number,
            "site_id": site_id,
            "language": translation.get_language() or settings.LANGUAGE_CODE,
            "basis": report_basis(operation),
        }
        same = mine.filter(**key).exclude(state=RenderState.FAILED)
        found = same.order_by("-created_at").first()
        if found is not None:
            return found
        waiting = mine.filter(state__in=PENDING).count()
        if waiting >= settings.OPENDTM_REPORT_PENDING_MAX:
            raise Conflict(
                f"{waiting} of your reports are being prepared already.",
                hint="Wait until they are done, then ask again.",
            )
        render = ReportRender.objects.create(operation=operation, requested_by=reader, **key)
        render.task_id = str(report_render_task.enqueue(render.pk).id)
        render.save(update_fields=["task_id"])
    if tasks_inline():
        from opendtm.core.worker import tasks_run_pending

        tasks_run_pending()
        render.refresh_from_db()
    return render


def report_render_run(render_pk: int) -> str:
    """Render the PDF as its reader, in its language, and keep it (the task's body). A
    refusal of the query layer (the round was reopened meanwhile) is the render's message."""
    from opendtm.reports.documents import round_report_pdf, site_profile_pdf

    render = ReportRender.objects.select_related("operation", "requested_by").filter(pk=render_pk)
    found = render.first()
    if found is None or found.state != RenderState.QUEUED:
        return "skipped: no render waiting"
    render.update(state=RenderState.RENDERING)
    user = found.requested_by or AnonymousUser()
    try:
        with translation.override(found.language):
            if found.kind == ReportKind.ROUND:
                assert found.round_number is not None
                document = round_report_pdf(
                    user=user, operation=found.operation, round_number=found.round_number
                )
            else:
                document = site_profile_pdf(
                    user=user,
                    operation=found.operation,
                    site_id=found.site_id,
                    round_number=found.round_number,
                )
    except OpenDTMError as exc:
        render.update(state=RenderState.FAILED, message=str(exc), finished_at=timezone.now())
        return f"failed: {exc}"
    except Exception:
        log.exception("report render %s failed", render_pk)
        render.update(state=RenderState.FAILED, message=FAILED, finished_at=timezone.now())
        raise
    render.update(
        state=RenderState.DONE,
        name=document.name,
        content=document.content,
        finished_at=timezone.now(),
    )
    return f"rendered {document.name} ({len(document.content):,} bytes)"


@task()
def report_render_task(render_pk: int) -> str:
    """The queued render of a PDF report (`report_render_run`)."""
    return report_render_run(render_pk)


def renders_prune() -> int:
    """The worker's sweep: remove the renders older than OPENDTM_REPORT_KEEP_SECONDS (a PDF
        is kept for the reader to download again, not for ever; one still waiting by then lost its
    worker long ago). Returns how many went."""
    before = timezone.now() - timedelta(seconds=float(settings.OPENDTM_REPORT_KEEP_SECONDS))
    removed, _ = ReportRender.objects.filter(created_at__lt=before).delete()
    return removed
