"""Building a published round's snapshot on the task queue, out of the web request.

Publishing from the browser queues the build inside the publishing transaction: the queue is a
table of the same database, so a round is never published without its build queued, and a
rollback takes both back. Until the worker has built it, pages, exports and the API compute the
round's figures live with the same suppression (`figures.queries._source`): the same numbers,
only slower. The command line and the demo build it at once, in their own process.

A build the worker could not finish (killed, machine restarted) is queued again by the
worker's sweep (`snapshots_ensure`); a build that failed on an error is not retried in a loop:
the round page says so and a manager rebuilds (`opendtm figures --rebuild`, or the page's
button), after fixing the cause.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone
from django_tasks import task

from opendtm.accounts.choices import Action
from opendtm.accounts.roles import authorize
from opendtm.core.errors import Conflict
from opendtm.core.worker import task_abandon, tasks_inline, worker_alive
from opendtm.figures.choices import BuildState
from opendtm.figures.models import FigureSnapshot
from opendtm.operations.choices import RoundStatus
from opendtm.operations.models import Round, RoundTransition

TASK_PATH = "opendtm.figures.tasks.snapshot_build_task"
STOPPED = (
    "The worker building these figures stopped before it finished (it was killed or the "
    "machine restarted); the build was queued again."
)


def snapshot_build_run(round_pk: int, actor_pk: int, *, rebuild: bool = False) -> str:
    """Build the round's snapshot unless it has one already (a publish's build queued twice,
    or by the sweep, is done once); `rebuild` replaces it. The task's body."""
    from opendtm.figures.services import figures_snapshot_build

    round_ = Round.objects.select_related("operation").filter(pk=round_pk).first()
    if round_ is None:
        return "skipped: the round no longer exists"
    if round_.status != RoundStatus.PUBLISHED:
        return f"skipped: the round is {round_.status}"
    if not rebuild and FigureSnapshot.objects.filter(round=round_).exists():
        return "skipped: the snapshot is built"
    snapshot = figures_snapshot_build(round=round_, actor=User.objects.get(pk=actor_pk))
    return f"built snapshot {snapshot.pk}"


@task()
def snapshot_build_task(round_pk: int, actor_pk: int, rebuild: bool = False) -> str:
    """The queued build of a published round's figures (`snapshot_build_run`)."""
    return snapshot_build_run(round_pk, actor_pk, rebuild=rebuild)


def snapshot_queue(*, round: Round, actor: User, rebuild: bool = False) -> str:
    """Queue the build of a published round's snapshot (managers of the operation), in the
    caller's transaction; under OPENDTM_TASKS_INLINE run it at once. Returns the task's id.
    Publishing calls it for a round it is publishing (already marked published here)."""
    authorize(actor, Action.MANAGE_ROUNDS, round.operation)
    status = Round.objects.filter(pk=round.pk).values_list("status", flat=True).first()
    if status != RoundStatus.PUBLISHED:
        raise Conflict(
            f"Round {round.number} of {round.operation.code} is {status}, not published: its "
            "figures are computed live and have no snapshot.",
            hint="Publish it first.",
        )
    queued = snapshot_build_task.enqueue(round.pk, actor.pk, rebuild)
    if tasks_inline():
        from opendtm.core.worker import tasks_run_pending

        tasks_run_pending()
    return str(queued.id)


@dataclass(frozen=True)
class BuildStatus:
    """Where a published round's figures are read from, for its page."""

    state: BuildState
    since: datetime | None
    message: str = ""


def _tasks_of(round_pk: int) -> list[object]:
    from django_tasks_db.models import DBTaskResult

    found = DBTaskResult.objects.filter(task_path=TASK_PATH).order_by("-enqueued_at")
    return [t for t in found[:200] if (t.args_kwargs.get("args") or [None])[0] == round_pk]


def snapshot_build_status(round_: Round) -> BuildStatus | None:
    """The state of a published round's figures: built (when), queued or being built (since
    when), or failed (the error's kind; the worker's log has the rest). None for a round that
    is not published: its figures are always computed live."""
    if round_.status != RoundStatus.PUBLISHED:
        return None
    built = FigureSnapshot.objects.filter(round=round_).values_list("built_at", flat=True).first()
    tasks = _tasks_of(round_.pk)
    pending = [t for t in tasks if t.status in ("READY", "RUNNING")]  # type: ignore[attr-defined]
    if pending:
        latest = pending[0]
        running = latest.status == "RUNNING"  # type: ignore[attr-defined]
        return BuildStatus(
            BuildState.BUILDING if running else BuildState.QUEUED,
            latest.started_at if running else latest.enqueued_at,  # type: ignore[attr-defined]
        )
    if built is not None:
        return BuildStatus(BuildState.BUILT, built)
    if tasks and tasks[0].status == "FAILED":  # type: ignore[attr-defined]
        failed = tasks[0]  # on an error, or abandoned and not yet queued again by the sweep
        kind = failed.exception_class_path.rpartition(".")[2]  # type: ignore[attr-defined]
        return BuildStatus(BuildState.FAILED, failed.finished_at, kind)  # type: ignore[attr-defined]
    return BuildStatus(BuildState.QUEUED, round_.published_at)


def _failed_on_error(task: object) -> bool:
    """A build that failed on an error (not one abandoned because its worker died): retrying it
    in a loop would fail the same way."""
    return task.status == "FAILED" and not task.exception_class_path.endswith(  # type: ignore[attr-defined]
        ".WorkerStopped"
    )


def snapshots_ensure() -> int:
    """The worker's sweep: fail the builds whose worker died (or that ran longer than
    OPENDTM_SNAPSHOT_STALE_SECONDS) and queue again every published round without a snapshot
    and without a build queued or running, unless its last build failed on an error. Returns
    how many builds were queued."""
    stale = timezone.now() - timedelta(seconds=float(settings.OPENDTM_SNAPSHOT_STALE_SECONDS))
    queued = 0
    rounds = Round.objects.filter(status=RoundStatus.PUBLISHED, figure_snapshot__isnull=True)
    for round_ in rounds.select_related("operation"):
        tasks = _tasks_of(round_.pk)
        for t in tasks:
            if t.status == "RUNNING" and (  # type: ignore[attr-defined]
                (t.started_at and t.started_at < stale)  # type: ignore[attr-defined]
                or not all(worker_alive(w) for w in t.worker_ids)  # type: ignore[attr-defined]
            ):
                task_abandon(str(t.pk), reason=STOPPED)  # type: ignore[attr-defined]
                t.status = "ABANDONED"  # type: ignore[attr-defined]
        if any(t.status in ("READY", "RUNNING") for t in tasks):  # type: ignore[attr-defined]
            continue
        if tasks and _failed_on_error(tasks[0]):
            continue
        publisher = (
            RoundTransition.objects.filter(round=round_, to_status=RoundStatus.PUBLISHED)
            .order_by("-id")
            .values_list("by_id", flat=True)
            .first()
        )
        if publisher is None:
            continue
        snapshot_build_task.enqueue(round_.pk, publisher, False)
        queued += 1
    return queued
