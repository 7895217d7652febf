"""The import's tasks on the queue (Django's tasks framework, `django-tasks` backport, database
backend): the dry run and the import of a browser upload, run by `opendtm worker`.

A task takes one of OPENDTM_IMPORTS_AT_ONCE slots (the jobs validating or importing, over every
worker) or is queued again a little later; while it runs, a thread renews the job's heartbeat
and writes its progress through a connection of its own, so another worker's sweep can tell a
running job from one whose worker died (`ingest.jobs.jobs_sweep`).
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone
from django_tasks import task

from opendtm.core.errors import OpenDTMError, library_panic, panic_text
from opendtm.core.worker import tasks_inline
from opendtm.ingest.choices import JobState
from opendtm.ingest.jobs import RUNNING, job_report, job_transition, jobs_sweep, worker_name
from opendtm.ingest.models import ImportJob

log = logging.getLogger(__name__)
SLOT_LOCK = 0x0D7A1  # PostgreSQL advisory lock serialising the taking of import slots
STAGES = {"read": "rows_read", "checked": "rows_checked", "stored": "rows_stored"}


class Heartbeat:
    """The running job's heartbeat and progress, written every OPENDTM_JOB_HEARTBEAT_SECONDS
    by a thread with its own database connection (the import's transaction is not its own)."""

    def __init__(self, job: ImportJob) -> None:
        self.job_pk = job.pk
        self.counts: dict[str, int] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._beat, name="opendtm-heartbeat", daemon=True)

    def __call__(self, stage: str, rows: int) -> None:
        """The import's progress (`ingest.services.Progress`): kept here, written at once
        when no transaction holds this thread's connection, else by the thread."""
        self.counts[STAGES[stage]] = rows
        if not connection.in_atomic_block or tasks_inline():
            ImportJob.objects.filter(pk=self.job_pk).update(
                heartbeat_at=timezone.now(), **self.counts
            )

    def __enter__(self) -> Heartbeat:
        if not tasks_inline():
            self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        if self.thread.is_alive():
            self.thread.join(timeout=30)

    def _beat(self) -> None:
        every = float(settings.OPENDTM_JOB_HEARTBEAT_SECONDS)
        try:
            while not self.stop.wait(every):
                try:
                    ImportJob.objects.filter(pk=self.job_pk, state__in=RUNNING).update(
                        heartbeat_at=timezone.now(), **self.counts
                    )
                except Exception as exc:  # locked by the import (SQLite): the next beat
                    log.debug("heartbeat of job %s not written: %s", self.job_pk, exc)
                    close_old_connections()
        finally:
            connection.close()


def _slot_take(job: ImportJob, *, task_id: str) -> bool:
    """Move the queued job to validating or importing if fewer than OPENDTM_IMPORTS_AT_ONCE
    jobs run; the count and the move are one serialised step (an advisory lock on PostgreSQL,
    SQLite's single writer), so two workers never both take the last slot."""
    target = JobState.IMPORTING if job.confirmed else JobState.VALIDATING
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SLOT_LOCK])
        running = ImportJob.objects.filter(state__in=RUNNING).count()
        if running >= max(int(settings.OPENDTM_IMPORTS_AT_ONCE), 1):
            return False
        job_transition(job, to=target, worker=worker_name(), task_id=task_id)
    return True


def _summary(result: object) -> dict[str, object]:
    names = [
        "rows_read", "rows_accepted", "rows_rejected", "rows_flagged", "rows_new",
        "rows_replaced", "rows_unchanged", "sites_registered", "changes_logged",
        "already_imported", "repeats_removed", "looks_like",
    ]  # fmt: skip
    return {name: getattr(result, name) for name in names}


def job_run(job_pk: int, *, task_id: str = "") -> str:
    """Run the queued job's dry run (or, once confirmed, its import) and record the outcome;
    the body of the task `import_job_task`. Returns what happened, for the task's result."""
    from opendtm.ingest.services import import_commit

    job = ImportJob.objects.select_related("round", "operation", "created_by").get(pk=job_pk)
    if job.state != JobState.QUEUED:
        return f"skipped: the job is {job.state}"
    jobs_sweep()  # a slot held by a dead worker is freed first
    if not _slot_take(job, task_id=task_id):
        later = timezone.now() + timedelta(seconds=float(settings.OPENDTM_JOB_HEARTBEAT_SECONDS))
        again = import_job_task.using(run_after=later).enqueue(job.pk)
        ImportJob.objects.filter(pk=job.pk).update(task_id=str(again.id))
        return "deferred: every import slot is taken"
    dry_run = not job.confirmed
    beat = Heartbeat(job)
    try:
        with beat:
            result = import_commit(
                operation=job.operation,
                round=job.round,
                form_id=job.form_id,
                path=Path(job.stored),
                dry_run=dry_run,
                reason=job.reason,
                clear_repeats=job.clear_repeats,
                actor=job.created_by,
                report_path=job_report(job),
                progress=beat,
            )
    except OpenDTMError as exc:
        return _failed(job, str(exc))
    except Exception as exc:  # shown on the page rather than lost in the worker's log
        log.exception("import job %s failed", job.pk)
        return _failed(job, f"Internal error: {type(exc).__name__}: {exc}")
    except BaseException as exc:  # a Rust library's panic is not an Exception
        if not library_panic(exc):
            raise
        return _failed(job, f"Internal error: a library OpenDTM uses failed ({panic_text(exc)}).")
    job_transition(
        job,
        to=JobState.VALIDATED if dry_run else JobState.IMPORTED,
        message="",
        heartbeat_at=timezone.now(),
        summary=_summary(result),
        batch=result.batch,
        rows_read=result.rows_read,
        rows_checked=result.rows_read,
        rows_stored=0 if dry_run else result.rows_new + result.rows_replaced,
    )
    return str(job.state)


def _failed(job: ImportJob, message: str) -> str:
    job_transition(job, to=JobState.FAILED, reason=message)
    return "failed"


@task()
def import_job_task(job_pk: int) -> str:
    """The queued dry run or import of one upload (`job_run`)."""
    from opendtm.core.worker import current_task_id

    return job_run(job_pk, task_id=current_task_id())


def job_enqueue(job: ImportJob) -> ImportJob:
    """Queue the job's next run; under OPENDTM_TASKS_INLINE run it at once here."""
    queued = import_job_task.enqueue(job.pk)
    ImportJob.objects.filter(pk=job.pk).update(task_id=str(queued.id))
    job.task_id = str(queued.id)
    if tasks_inline():
        from opendtm.core.worker import tasks_run_pending

        tasks_run_pending()
        job.refresh_from_db()
    return job
