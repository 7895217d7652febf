"""Imports started in the browser, as jobs: the upload kept, its state moved by one table.

The upload is kept once per content in UPLOAD_ROOT/<sha256><ext>; each job has a folder
UPLOAD_ROOT/jobs/<token>/ for its validation report. The job itself (state, progress, who,
when) is an `ImportJob` row; every move of its state is looked up in `JOB_TRANSITIONS` and
logged (`ImportJobTransition`: who, when, why). The dry run and the import are run by the
worker (`ingest.tasks`, `opendtm worker`) through `ingest.services.import_commit`, the same
service as the CLI. A job whose worker died is failed by `jobs_sweep`; the files of finished
uploads are removed after OPENDTM_UPLOAD_KEEP_DAYS by `uploads_clean`.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import shutil
import socket
import zipfile
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from opendtm.accounts.choices import Action
from opendtm.accounts.roles import authorize
from opendtm.core.errors import InvalidInput, NotFound
from opendtm.core.worker import task_abandon, worker_alive
from opendtm.forms.workbook_check import workbook_archive_check
from opendtm.ingest.choices import JobState
from opendtm.ingest.models import ImportJob, ImportJobTransition
from opendtm.operations.models import Operation, Round
from opendtm.operations.services import round_ensure_writable
from opendtm.operations.workflow import Transition, transition_find

REPORT_NAME = "report.csv"
TOKEN_BYTES = 16
# What `secrets.token_urlsafe(TOKEN_BYTES)` makes: 22 characters of the URL-safe alphabet.
TOKEN = re.compile(r"[A-Za-z0-9_-]{22}")
S = JobState
# Every move a job's state may make; the worker's moves have no `by`.
JOB_TRANSITIONS: dict[tuple[JobState, JobState], Transition] = {
    (S.QUEUED, S.VALIDATING): Transition("validate"),
    (S.QUEUED, S.IMPORTING): Transition("import"),
    (S.QUEUED, S.FAILED): Transition("fail", reason_required=True),
    (S.QUEUED, S.CANCELLED): Transition("cancel"),
    (S.VALIDATING, S.VALIDATED): Transition("report"),
    (S.VALIDATING, S.FAILED): Transition("fail", reason_required=True),
    (S.VALIDATED, S.QUEUED): Transition("confirm"),
    (S.VALIDATED, S.CANCELLED): Transition("cancel"),
    (S.IMPORTING, S.IMPORTED): Transition("finish"),
    (S.IMPORTING, S.FAILED): Transition("fail", reason_required=True),
}
RUNNING = (S.VALIDATING, S.IMPORTING)
FINISHED = (S.FAILED, S.CANCELLED, S.IMPORTED)


def upload_root() -> Path:
    return Path(settings.UPLOAD_ROOT)


def jobs_root() -> Path:
    return upload_root() / "jobs"


def job_folder(job: ImportJob) -> Path:
    return jobs_root() / job.token


def job_report(job: ImportJob) -> Path:
    return job_folder(job) / REPORT_NAME


def worker_name() -> str:
    """This process as a job records its worker: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


def job_transition(
    job: ImportJob, *, to: JobState, by: User | None = None, reason: str = "", **fields: object
) -> ImportJob:
    """Move the job to `to` if the table allows it from the state it has in the database now
    (Conflict otherwise), setting `fields` with it, and log the move."""
    with transaction.atomic():
        current = ImportJob.objects.select_for_update().get(pk=job.pk)
        move = transition_find(
            JOB_TRANSITIONS, JobState(current.state), to, what=f"The upload {current.file_name}"
        )
        if move.reason_required and not reason:
            raise InvalidInput(f"To {move.verb} the upload {current.file_name} give a reason.")
        values: dict[str, object] = {"state": to, **fields}
        now = timezone.now()
        if to in RUNNING:
            values.setdefault("started_at", now)
            values.setdefault("heartbeat_at", now)
        if to in FINISHED or to == S.VALIDATED:
            values.setdefault("finished_at", now)
        if to == S.FAILED:
            values.setdefault("message", reason)
        for name, value in values.items():
            setattr(current, name, value)
        current.save(update_fields=[*values, "updated_at"])
        ImportJobTransition.objects.create(
            job=current, from_state=job.state, to_state=to, by=by, reason=reason
        )
    for name in ("state", *values, "updated_at"):
        setattr(job, name, getattr(current, name))
    return job


def upload_quota_check(*, operation: Operation, size: int) -> None:
    """Refuse an upload that would take the operation's kept uploads past its quota."""
    quota = int(settings.OPENDTM_UPLOAD_QUOTA_BYTES)
    held = ImportJob.objects.filter(operation=operation, files_removed_at__isnull=True)
    kept = sum(dict(held.values_list("sha256", "size")).values())  # a file kept once
    if kept + size > quota:
        raise InvalidInput(
            f"This upload ({size:,} bytes) would take the uploads kept for {operation.code} to "
            f"{kept + size:,} bytes, more than its quota of {quota:,} bytes.",
            hint="Ask an administrator to remove the files of finished uploads "
            "(`opendtm uploads clean --days 0`) or to raise OPENDTM_UPLOAD_QUOTA_BYTES.",
        )


def _archive_check(upload: UploadedFile) -> None:
    """A workbook's archive is checked before it is kept: its declared sizes, ratios and
    parts, read from its directory alone (nothing unpacked), so a zip bomb is refused in
    milliseconds. The whole check (`forms.workbook_check`) runs again in the worker."""
    name = Path(upload.name or "export").name
    stream = upload.file
    if stream is None:
        return
    stream.seek(0)
    head = stream.read(4)
    stream.seek(0)
    if head[:2] != b"PK":  # CSV, or a file the reader refuses later with its own words
        return
    try:
        with zipfile.ZipFile(stream) as archive:
            workbook_archive_check(archive, name)
    except zipfile.BadZipFile:
        raise InvalidInput(f"{name} is damaged or is not an Excel workbook.") from None
    finally:
        stream.seek(0)


def _store(upload: UploadedFile) -> tuple[Path, str]:
    """Keep the uploaded file as <sha256>/<its own name>; returns its path and digest."""
    root = upload_root()
    root.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    partial = root / f".{secrets.token_hex(8)}.part"
    with partial.open("wb") as out:
        for chunk in upload.chunks():
            digest.update(chunk)
            out.write(chunk)
    sha = digest.hexdigest()
    # Under its digest, in a folder, by its own name: the reader's messages and the batch name
    # the file the user chose, never the digest (issue 12).
    final = root / sha / file_name_kept(upload.name)
    final.parent.mkdir(exist_ok=True)
    partial.replace(final)
    return final, sha


def file_name_kept(name: str | None) -> str:
    """The uploaded file's own name, made safe as one file name (no folder, at most 200
    characters, keeping its extension)."""
    base = Path((name or "").replace("\\", "/")).name.strip().lstrip(".") or "export"
    base = "".join(c for c in base if c.isprintable() and c not in '/:*?"<>|')
    if len(base) > 200:
        suffix = Path(base).suffix[:10]
        base = base[: 200 - len(suffix)] + suffix
    return base or "export"


def job_create(
    *,
    operation: Operation,
    round: Round,
    form_id: str,
    upload: UploadedFile,
    actor: User,
    reason: str = "",
    clear_repeats: bool = False,
) -> ImportJob:
    """Check and keep an upload and queue its dry run. Refused before the file is kept: a
    round that takes no import, an operation over its upload quota, a workbook whose archive
    claims more than the limits."""
    authorize(actor, Action.IMPORT, operation)
    if round.operation_id != operation.pk:
        raise InvalidInput(f"Round {round.number} is not a round of operation {operation.code}.")
    round_ensure_writable(round)
    upload_quota_check(operation=operation, size=int(upload.size or 0))
    _archive_check(upload)
    stored, sha = _store(upload)
    job = ImportJob.objects.create(
        token=secrets.token_urlsafe(TOKEN_BYTES),
        operation=operation,
        round=round,
        form_id=form_id,
        file_name=Path(stored).name,
        stored=str(stored),
        sha256=sha,
        size=int(upload.size or 0),
        created_by=actor,
        reason=reason,
        clear_repeats=clear_repeats,
    )
    ImportJobTransition.objects.create(
        job=job, from_state="", to_state=S.QUEUED, by=actor, reason="uploaded"
    )
    return job


def job_get(token: str, *, operation: Operation, user: User) -> ImportJob:
    """The job of this token in this operation, if `user` started it or manages the operation;
    NotFound otherwise (a token never says whether it exists elsewhere)."""
    from opendtm.accounts.roles import can

    if not TOKEN.fullmatch(token):  # before the value reaches a query
        raise NotFound("No such upload.")
    job = (
        ImportJob.objects.select_related("round", "operation")
        .filter(token=token, operation=operation)
        .first()
    )
    if job is None:
        raise NotFound("No such upload.", hint="Upload the export again.")
    if job.created_by_id != user.pk and not can(user, Action.MANAGE_OPERATION, operation):
        raise NotFound("No such upload.")
    return job


def job_confirm(job: ImportJob, *, actor: User, reason: str | None = None) -> ImportJob:
    """The user confirms the dry run's report: the import is queued with the same file (and
    the reason given with the confirmation, if any: a correction's)."""
    if job.state != S.VALIDATED:
        raise InvalidInput("Only a validated upload can be imported.")
    if reason is not None and reason != job.reason:
        ImportJob.objects.filter(pk=job.pk).update(reason=reason)
        job.reason = reason
    return job_transition(job, to=S.QUEUED, by=actor, confirmed=True, reason="confirmed")


def job_cancel(job: ImportJob, *, actor: User) -> ImportJob:
    """Drop an upload that was not imported (its files go with the cleanup)."""
    return job_transition(job, to=S.CANCELLED, by=actor, reason="cancelled by the user")


def _worker_gone(job: ImportJob) -> bool:
    """Whether the job's worker ran on this machine and its process no longer exists."""
    return bool(job.worker) and not worker_alive(job.worker)


STOPPED = (
    "The worker running this upload stopped before it finished (it was killed or the machine "
    "restarted). Nothing was imported: the round is as it was."
)


def jobs_sweep() -> int:
    """Fail the running jobs whose worker died: heartbeat older than OPENDTM_JOB_STALE_SECONDS,
    or a worker process of this machine that no longer exists. Their import transaction rolled
    back with the process, so the round is as it was. Returns how many were failed."""
    stale = timezone.now() - timedelta(seconds=float(settings.OPENDTM_JOB_STALE_SECONDS))
    failed = 0
    for job in ImportJob.objects.filter(state__in=RUNNING):
        if not (job.heartbeat_at is None or job.heartbeat_at < stale or _worker_gone(job)):
            continue
        try:
            job_transition(job, to=S.FAILED, reason=STOPPED)
        except InvalidInput:
            continue
        except Exception:  # moved meanwhile by its own worker: not stale after all
            continue
        task_abandon(job.task_id, reason=STOPPED)
        failed += 1
    return failed


def uploads_clean(*, days: float | None = None) -> int:
    """Remove the files of uploads finished (failed, cancelled or imported) more than `days`
    ago (default OPENDTM_UPLOAD_KEEP_DAYS): the kept upload unless another job still holds
    it, and the job's folder (its report) unless it was imported. The jobs stay, marked.
    Returns how many jobs had their files removed."""
    keep = float(settings.OPENDTM_UPLOAD_KEEP_DAYS if days is None else days)
    if keep < 0:
        raise InvalidInput(f"--days {keep:g}: give 0 or more.")
    before = timezone.now() - timedelta(days=keep)
    done = ImportJob.objects.filter(
        state__in=FINISHED, files_removed_at__isnull=True, updated_at__lte=before
    )
    cleaned = 0
    for job in done:
        held = ImportJob.objects.filter(stored=job.stored, files_removed_at__isnull=True)
        if not held.exclude(pk__in=done.values("pk")).exists():  # no job kept still holds it
            Path(job.stored).unlink(missing_ok=True)
            with contextlib.suppress(OSError):  # its <sha256>/ folder, once empty
                Path(job.stored).parent.rmdir()
        if job.state != S.IMPORTED:
            shutil.rmtree(job_folder(job), ignore_errors=True)
        ImportJob.objects.filter(pk=job.pk).update(files_removed_at=timezone.now())
        cleaned += 1
    return cleaned
