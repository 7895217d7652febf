"""The worker of the task queue: claims the queued tasks (rows of the database, `django-tasks`
database backend) one at a time and runs them, on SQLite and PostgreSQL alike.

It is the backend's own worker (claiming with a lock, recording each result) with what OpenDTM
adds: housekeeping run on start and every HOUSEKEEPING_SECONDS (the caller's: failing the jobs
of dead workers, removing old uploads), an end when the process that started it is gone (the
worker `opendtm serve` starts beside the web), and `tasks_run_pending`, the same claiming and
running in this thread, for tests inside one transaction.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Sequence

from django.conf import settings
from django.db import close_old_connections
from django.db.utils import OperationalError
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker as QueueWorker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

log = logging.getLogger(__name__)
HOUSEKEEPING_SECONDS = 60.0
_current = threading.local()


def tasks_inline() -> bool:
    """Tests inside one transaction: whoever queues a task runs it at once, in this thread,
    through the worker's own function (`tasks_run_pending`)."""
    return bool(getattr(settings, "OPENDTM_TASKS_INLINE", False))


def worker_alive(worker_id: str) -> bool:
    """Whether the worker of this id may still be running: False only for a worker of this
    machine whose process is gone (one elsewhere cannot be looked at from here)."""
    host, _, rest = worker_id.rpartition(":")
    pid = rest.split("-", 1)[0]
    if host != socket.gethostname() or not pid.isdigit():
        return True
    if int(pid) == os.getpid():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process of that number
        return True
    return True


def task_abandon(task_id: str, *, reason: str) -> None:
    """Mark a task whose worker died as failed (the queue's own row stays `RUNNING`
    otherwise, since no process is left to finish it)."""
    if not task_id:
        return
    DBTaskResult.objects.filter(pk=task_id, status="RUNNING").update(
        status="FAILED",
        finished_at=timezone.now(),
        exception_class_path="opendtm.core.worker.WorkerStopped",
        traceback=reason,
    )


def current_task_id() -> str:
    """The id of the task this thread runs ('' outside a task)."""
    return str(getattr(_current, "task_id", ""))


class Worker(QueueWorker):
    """One worker process (or, for tests, one call): see the module docstring."""

    def __init__(
        self,
        *,
        interval: float = 1.0,
        batch: bool = False,
        housekeeping: Sequence[Callable[[], object]] = (),
        parent_pid: int | None = None,
        fresh_connections: bool = True,
        max_tasks: int | None = None,
    ) -> None:
        super().__init__(
            queue_names=["*"],
            interval=interval,
            batch=batch,
            backend_name="default",
            startup_delay=False,
            max_tasks=max_tasks,
            worker_id=f"{socket.gethostname()}:{os.getpid()}-{secrets.token_hex(6)}",
            excluded_queue_names=[],
        )
        self.housekeeping = list(housekeeping)
        self.parent_pid = parent_pid
        self.fresh_connections = fresh_connections  # False inside a test's transaction
        self.housekept = 0.0

    def housekeep(self, *, force: bool = False) -> None:
        if not self.housekeeping:
            return
        now = time.monotonic()
        if not force and now - self.housekept < HOUSEKEEPING_SECONDS:
            return
        self.housekept = now
        for chore in self.housekeeping:
            try:
                chore()
            except Exception:  # a chore that fails is logged; the tasks still run
                log.exception("worker housekeeping %s failed", getattr(chore, "__name__", chore))

    def orphaned(self) -> bool:
        return self.parent_pid is not None and os.getppid() != self.parent_pid

    def claim(self) -> tuple[DBTaskResult | None, bool]:
        """The next ready task, claimed for this worker, and whether the queue could be read
        (SQLite answers "locked" while another process writes: tried again later)."""
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        try:
            with exclusive_transaction(tasks.db):
                found = tasks.get_locked()
                if found is not None:
                    found.claim(self.worker_id)
            return found, True
        except OperationalError as exc:  # BEGIN itself may find the database locked
            if is_locked_database_exception(exc):
                return None, False
            raise

    def run(self) -> None:
        log.info("worker %s started", self.worker_id)
        self.housekeep(force=True)
        while self.running and not self.orphaned():
            if self.fresh_connections:
                close_old_connections()
            found, read = self.claim()
            if found is not None:
                self.run_task(found)
            elif self.batch and read:
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                return
            self.housekeep()
            if self.running and found is None:
                time.sleep(self.interval)

    def run_task(self, db_task_result: DBTaskResult) -> None:
        _current.task_id = str(db_task_result.id)
        try:
            super().run_task(db_task_result)
        finally:
            _current.task_id = ""


def tasks_run_pending() -> None:
    """Run every task ready now in this thread and connection, as the worker runs them."""
    Worker(batch=True, interval=0, fresh_connections=False).run()
