"""Imports started in the browser: the uploaded file, its job state and the background run.

The file is kept as OPENDTM_HOME/uploads/<sha256>/<its own name> (the same file uploaded
twice under one name is kept once); each upload gets a job folder uploads/jobs/<token>/ with
`state.json` (what the page polls) and the validation report. The dry run and the real import
run in a background thread through `ingest.services.import_commit` (the same service as the
CLI), so a long import shows progress instead of a frozen page.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import close_old_connections, connection

from opendtm.core.errors import NotFound, OpenDTMError, library_panic, panic_text

REPORT_NAME = "report.csv"
TOKEN_BYTES = 16
# What `secrets.token_urlsafe(TOKEN_BYTES)` makes: 22 characters of the URL-safe alphabet.
TOKEN = re.compile(r"[A-Za-z0-9_-]{22}")


@dataclass
class UploadJob:
    """One upload and where its dry run and import stand (saved as state.json)."""

    token: str
    operation: str
    round_number: int
    form_id: str
    file_name: str
    sha256: str
    stored: str
    user_id: int
    reason: str = ""
    clear_repeats: bool = False  # the stored origins the file brings none for may go
    state: str = "validating"  # validating, validated, importing, imported, cancelled, failed
    message: str = ""
    summary: dict[str, Any] = field(default_factory=dict)
    batch_id: int | None = None

    @property
    def folder(self) -> Path:
        return jobs_root() / self.token

    @property
    def report(self) -> Path:
        return self.folder / REPORT_NAME

    @property
    def running(self) -> bool:
        return self.state in {"validating", "importing"}

    def save(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.folder / "state.json.part"
        partial.write_text(json.dumps(asdict(self)))
        partial.replace(self.folder / "state.json")


def upload_root() -> Path:
    return Path(settings.UPLOAD_ROOT)


def jobs_root() -> Path:
    return upload_root() / "jobs"


def upload_store(upload: UploadedFile) -> tuple[Path, str]:
    """Keep the uploaded file under its SHA-256; returns its path and digest."""
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
    operation: str,
    round_number: int,
    form_id: str,
    upload: UploadedFile,
    user_id: int,
    reason: str,
    clear_repeats: bool = False,
) -> UploadJob:
    stored, sha = upload_store(upload)
    job = UploadJob(
        token=secrets.token_urlsafe(TOKEN_BYTES),
        operation=operation,
        round_number=round_number,
        form_id=form_id,
        file_name=Path(stored).name,
        sha256=sha,
        stored=str(stored),
        user_id=user_id,
        reason=reason,
        clear_repeats=clear_repeats,
    )
    job.save()
    return job


def job_get(token: str, *, operation: str) -> UploadJob:
    """The job of this token in this operation; NotFound otherwise."""
    if not TOKEN.fullmatch(token):  # before the name reaches the file system
        raise NotFound("No such upload.")
    path = jobs_root() / token / "state.json"
    if not path.exists():
        raise NotFound("No such upload.", hint="Upload the export again.")
    job = UploadJob(**json.loads(path.read_text()))
    if job.operation != operation:
        raise NotFound("No such upload.")
    return job


def _run(job: UploadJob, *, dry_run: bool, thread: bool) -> None:
    """Run the import service for the job and record the outcome in its state."""
    from django.contrib.auth import get_user_model

    from opendtm.ingest.services import import_commit
    from opendtm.operations.models import Operation
    from opendtm.operations.queries import round_get

    if thread:
        close_old_connections()
    try:
        actor = get_user_model().objects.get(pk=job.user_id)
        operation = Operation.objects.get(code=job.operation)
        round_ = round_get(operation=operation, number=job.round_number, user=actor)
        result = import_commit(
            operation=operation,
            round=round_,
            form_id=job.form_id,
            path=Path(job.stored),
            dry_run=dry_run,
            reason=job.reason,
            clear_repeats=job.clear_repeats,
            actor=actor,
            report_path=job.report,
        )
        job.summary = {
            "rows_read": result.rows_read,
            "rows_accepted": result.rows_accepted,
            "rows_rejected": result.rows_rejected,
            "rows_flagged": result.rows_flagged,
            "rows_new": result.rows_new,
            "rows_replaced": result.rows_replaced,
            "rows_unchanged": result.rows_unchanged,
            "sites_registered": result.sites_registered,
            "changes_logged": result.changes_logged,
            "already_imported": result.already_imported,
            "repeats_removed": result.repeats_removed,
            "looks_like": result.looks_like,
        }
        job.batch_id = result.batch.pk if result.batch is not None else None
        job.state = "validated" if dry_run else "imported"
        job.message = ""
    except OpenDTMError as exc:
        job.state = "failed"
        job.message = str(exc)
    except Exception as exc:  # shown on the page rather than lost in a thread
        job.state = "failed"
        job.message = f"Internal error: {type(exc).__name__}: {exc}"
    except BaseException as exc:  # a Rust library's panic is not an Exception
        if not library_panic(exc):
            raise
        job.state = "failed"
        job.message = f"Internal error: a library OpenDTM uses failed ({panic_text(exc)})."
    finally:
        job.save()
        if thread:
            connection.close()


def job_start(job: UploadJob, *, dry_run: bool) -> None:
    """Start the dry run (or the real import) in a background thread; with the setting
    OPENDTM_WEB_IMPORT_INLINE (tests inside one transaction) run it in this thread instead."""
    job.state = "validating" if dry_run else "importing"
    job.save()
    if getattr(settings, "OPENDTM_WEB_IMPORT_INLINE", False):
        _run(job, dry_run=dry_run, thread=False)
        return
    threading.Thread(
        target=_run,
        args=(job,),
        kwargs={"dry_run": dry_run, "thread": True},
        daemon=True,
        name="opendtm-import",
    ).start()


def job_cancel(job: UploadJob) -> None:
    """Forget an upload that was not imported (the stored file stays: other jobs may use it)."""
    job.state = "cancelled"
    job.save()
