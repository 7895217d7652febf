"""Imports started in the browser as jobs on the task queue, run by the worker's own function
in this process (`core.worker.tasks_run_pending`): the moves of the transition table with who
and why, the import slots, the sweep of jobs whose worker died, the upload quota and the
cleanup of old uploads."""

from __future__ import annotations

import os
import socket
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from opendtm.core.errors import Conflict, InvalidInput
from opendtm.core.worker import tasks_run_pending
from opendtm.ingest import jobs
from opendtm.ingest.models import ImportBatch, ImportJob
from opendtm.ingest.tasks import job_enqueue
from tests.web.conftest import WebWorld, web_world  # noqa: F401  (the same operation and users)

MESSY = Path(__file__).resolve().parent / "fixtures" / "sites_messy.csv"


@pytest.fixture
def queued(web_world: WebWorld, settings: Any) -> Any:  # noqa: F811
    """A function making a job of the messy site export, queued (not run) like the page's."""
    settings.OPENDTM_TASKS_INLINE = False
    world = web_world.world
    text = MESSY.read_text().replace("0102801", "0100101").replace("PH01028", "PH01001")

    def make(name: str = "sites round 2.csv", data: bytes | None = None) -> ImportJob:
        job = jobs.job_create(
            operation=world.operation,
            round=world.rounds[2],
            form_id="dtm_site",
            upload=SimpleUploadedFile(name, data if data is not None else text.encode()),
            actor=web_world.users["manager"],  # type: ignore[arg-type]
        )
        return job_enqueue(job)

    return make


def _moves(job: ImportJob) -> list[tuple[str, str, str | None]]:
    return [
        (t.from_state, t.to_state, t.by.username if t.by else None)
        for t in job.transitions.select_related("by")
    ]


def test_the_worker_runs_the_dry_run_then_the_confirmed_import(queued: Any) -> None:
    job = queued()
    assert (job.state, job.rows_read) == ("queued", 0)
    before = ImportBatch.objects.count()
    tasks_run_pending()
    job.refresh_from_db()
    assert (job.state, job.rows_read, job.rows_checked, job.rows_stored) == ("validated", 6, 6, 0)
    assert job.summary["rows_read"] == 6 and job.summary["rows_rejected"] == 3
    assert jobs.job_report(job).exists()
    assert ImportBatch.objects.count() == before
    job_enqueue(jobs.job_confirm(job, actor=job.created_by))
    assert job.state == "queued"
    tasks_run_pending()
    job.refresh_from_db()
    assert (job.state, job.rows_stored) == ("imported", 3)
    assert job.batch is not None and job.batch.rows_new == 3
    assert ImportBatch.objects.count() == before + 1
    assert _moves(job) == [
        ("", "queued", "max"),
        ("queued", "validating", None),
        ("validating", "validated", None),
        ("validated", "queued", "max"),
        ("queued", "importing", None),
        ("importing", "imported", None),
    ]
    assert list(DBTaskResult.objects.values_list("status", flat=True)) == [
        "SUCCESSFUL",
        "SUCCESSFUL",
    ]


def test_a_move_outside_the_table_is_refused(queued: Any) -> None:
    job = queued()
    with pytest.raises(Conflict) as error:
        jobs.job_transition(job, to=jobs.JobState.IMPORTED)
    assert str(error.value) == (
        "The upload sites round 2.csv is queued and cannot become imported. From queued it can "
        "become: cancelled, failed, importing, validating."
    )
    with pytest.raises(InvalidInput) as refused:
        jobs.job_confirm(job, actor=job.created_by)
    assert str(refused.value) == "Only a validated upload can be imported."
    job.refresh_from_db()
    assert (job.state, job.transitions.count()) == ("queued", 1)


def _running_elsewhere(job: ImportJob, *, beat_seconds_ago: float, worker: str) -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        state="importing",
        worker=worker,
        heartbeat_at=timezone.now() - timedelta(seconds=beat_seconds_ago),
    )


def test_a_job_waits_while_every_import_slot_is_taken(queued: Any, settings: Any) -> None:
    settings.OPENDTM_IMPORTS_AT_ONCE = 1
    busy, waiting = queued("busy.csv"), queued()
    _running_elsewhere(busy, beat_seconds_ago=1, worker=f"{socket.gethostname()}:{os.getpid()}")
    DBTaskResult.objects.filter(pk=busy.task_id).delete()
    tasks_run_pending()
    waiting.refresh_from_db()
    assert (waiting.state, waiting.transitions.count()) == ("queued", 1)
    again = DBTaskResult.objects.get(pk=waiting.task_id)  # queued again, a little later
    assert again.status == "READY" and again.run_after > timezone.now()
    assert DBTaskResult.objects.exclude(pk=again.pk).get().return_value == (
        "deferred: every import slot is taken"
    )


def test_the_sweep_fails_the_jobs_whose_worker_died(queued: Any, settings: Any) -> None:
    settings.OPENDTM_JOB_STALE_SECONDS = 60
    dead = subprocess.Popen(["true"])
    dead.wait()
    here, silent, alive = queued("here.csv"), queued("silent.csv"), queued("alive.csv")
    _running_elsewhere(here, beat_seconds_ago=1, worker=f"{socket.gethostname()}:{dead.pid}")
    _running_elsewhere(silent, beat_seconds_ago=61, worker="other-host:12")
    _running_elsewhere(alive, beat_seconds_ago=1, worker="other-host:13")
    DBTaskResult.objects.filter(pk=here.task_id).update(status="RUNNING")
    assert jobs.jobs_sweep() == 2
    for job in (here, silent, alive):
        job.refresh_from_db()
    assert (here.state, here.message) == ("failed", jobs.STOPPED)
    assert (silent.state, alive.state) == ("failed", "importing")
    assert _moves(here)[-1] == ("importing", "failed", None)
    task = DBTaskResult.objects.get(pk=here.task_id)
    assert (task.status, task.traceback) == ("FAILED", jobs.STOPPED)


def test_an_upload_over_the_quota_is_refused_unkept(queued: Any, settings: Any) -> None:
    first = queued()
    settings.OPENDTM_UPLOAD_QUOTA_BYTES = first.size + 10
    kept = sorted(p.name for p in jobs.upload_root().iterdir())
    with pytest.raises(InvalidInput) as error:
        queued("again.csv", b"x" * 11)
    assert str(error.value) == (
        f"This upload (11 bytes) would take the uploads kept for typhoon to {first.size + 11:,} "
        f"bytes, more than its quota of {first.size + 10:,} bytes. Ask an administrator to "
        "remove the files of finished uploads (`opendtm uploads clean --days 0`) or to raise "
        "OPENDTM_UPLOAD_QUOTA_BYTES."
    )
    assert sorted(p.name for p in jobs.upload_root().iterdir()) == kept
    assert ImportJob.objects.count() == 1
    jobs.uploads_clean(days=0)  # only finished uploads' files go: this one is still queued
    with pytest.raises(InvalidInput):
        queued("again.csv", b"x" * 11)
    jobs.job_cancel(first, actor=first.created_by)
    assert jobs.uploads_clean(days=0) == 1
    assert queued("again.csv", b"x" * 11).size == 11


def test_the_cleanup_removes_old_finished_uploads_only(queued: Any) -> None:
    # `same`: the same file under the same name, kept once (uploads/<sha256>/old.csv)
    old, same, recent = queued("old.csv"), queued("old.csv"), queued("recent.csv", b"a,b\n")
    tasks_run_pending()
    for job in (old, same):
        job.refresh_from_db()
        jobs.job_cancel(job, actor=job.created_by)
    recent.refresh_from_db()
    assert recent.state == "failed"  # a CSV of no form
    ImportJob.objects.filter(pk__in=[old.pk]).update(updated_at=timezone.now() - timedelta(8))
    assert jobs.uploads_clean(days=7) == 1
    assert Path(old.stored).exists()  # `same` holds the same file and is not old yet
    assert not jobs.job_folder(old).exists() and jobs.job_folder(same).exists()
    ImportJob.objects.filter(pk=same.pk).update(updated_at=timezone.now() - timedelta(8))
    assert jobs.uploads_clean(days=7) == 1
    assert not Path(old.stored).exists() and Path(recent.stored).exists()
    assert list(
        ImportJob.objects.filter(files_removed_at__isnull=True).values_list("pk", flat=True)
    ) == [recent.pk]
    with pytest.raises(InvalidInput):
        jobs.uploads_clean(days=-1)
