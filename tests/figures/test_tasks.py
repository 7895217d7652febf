"""Snapshot builds on the task queue: a round published from the browser has its build queued
in the publishing transaction, its figures computed live (the same numbers) until the worker
builds it; the worker's sweep queues again a build whose worker died, never one that failed on
an error; a manager rebuilds."""

from __future__ import annotations

import socket
import subprocess
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from opendtm.core.errors import Conflict, PermissionDenied
from opendtm.core.worker import tasks_run_pending
from opendtm.figures.choices import BuildState, SnapshotTiming
from opendtm.figures.models import FigureSnapshot
from opendtm.figures.queries import figures_by_admin, figures_headline
from opendtm.figures.tasks import (
    STOPPED,
    TASK_PATH,
    snapshot_build_status,
    snapshot_build_task,
    snapshot_queue,
    snapshots_ensure,
)
from opendtm.operations.models import Round
from opendtm.operations.services import round_publish, round_validate
from tests.figures.conftest import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(world: World, settings: Any) -> Round:
    """Round 2 published as the browser publishes it: validated, then its build queued."""
    settings.OPENDTM_TASKS_INLINE = False
    round_ = world.rounds[2]
    round_validate(round=round_, actor=world.admin)
    return round_publish(round=round_, actor=world.admin, snapshot=SnapshotTiming.QUEUED)


def _figures(world: World, number: int) -> tuple[str, dict[str, Any], list[tuple[Any, ...]]]:
    """Where the round's figures are read from, its headline and its municipalities."""
    headline = figures_headline(user=world.viewer, operation=world.operation, round_number=number)
    rows = figures_by_admin(
        user=world.viewer, operation=world.operation, round_number=number, level=3
    )
    assert rows.provenance.source == headline.provenance.source
    return (
        headline.provenance.source,
        dict(headline.figures),
        rows.rows.select("pcode", "idp_hh", "idp_ind").rows(),
    )


def _tasks() -> list[tuple[str, list[Any]]]:
    return [
        (t.status, t.args_kwargs["args"])
        for t in DBTaskResult.objects.filter(task_path=TASK_PATH).order_by("enqueued_at")
    ]


def test_a_queued_publish_reads_live_until_the_worker_builds_the_same_figures(
    world: World, queued: Round
) -> None:
    assert queued.status == "published"
    assert not FigureSnapshot.objects.filter(round=queued).exists()
    assert _tasks() == [("READY", [queued.pk, world.admin.pk, False])]
    status = snapshot_build_status(queued)
    assert status is not None
    enqueued = DBTaskResult.objects.get().enqueued_at
    assert (status.state, status.since) == (BuildState.QUEUED, enqueued)
    source, *live = _figures(world, 2)
    assert source == "live"

    tasks_run_pending()

    snapshot = FigureSnapshot.objects.get(round=queued)
    assert snapshot.built_by == world.admin
    assert _figures(world, 2) == ("snapshot", *live)
    assert DBTaskResult.objects.get().return_value == f"built snapshot {snapshot.pk}"
    built = snapshot_build_status(queued)
    assert built is not None and (built.state, built.since) == (BuildState.BUILT, snapshot.built_at)


def test_a_publish_rolled_back_takes_its_queued_build_back(world: World, settings: Any) -> None:
    settings.OPENDTM_TASKS_INLINE = False
    round_ = world.rounds[2]
    round_validate(round=round_, actor=world.admin)
    with pytest.raises(RuntimeError), transaction.atomic():
        round_publish(round=round_, actor=world.admin, snapshot=SnapshotTiming.QUEUED)
        raise RuntimeError("the request failed after publishing")
    assert Round.objects.get(pk=round_.pk).status == "validated"
    assert _tasks() == []


def test_a_build_queued_twice_is_done_once(world: World, queued: Round) -> None:
    snapshot_build_task.enqueue(queued.pk, world.admin.pk, False)
    tasks_run_pending()
    results = sorted(DBTaskResult.objects.values_list("return_value", flat=True))
    snapshot = FigureSnapshot.objects.get(round=queued)
    assert results == [f"built snapshot {snapshot.pk}", "skipped: the snapshot is built"]


def test_only_a_manager_queues_only_a_published_rounds_build(world: World, settings: Any) -> None:
    settings.OPENDTM_TASKS_INLINE = False
    with pytest.raises(PermissionDenied):
        snapshot_queue(round=world.rounds[1], actor=world.analyst)
    with pytest.raises(Conflict) as error:
        snapshot_queue(round=world.rounds[2], actor=world.admin)
    assert str(error.value) == (
        "Round 2 of typhoon is open, not published: its figures are computed live and have no "
        "snapshot. Publish it first."
    )
    assert _tasks() == []
    assert snapshot_build_status(world.rounds[2]) is None


def test_a_rebuild_replaces_the_snapshot(world: World, settings: Any) -> None:
    settings.OPENDTM_TASKS_INLINE = False
    round1 = world.rounds[1]
    before = FigureSnapshot.objects.get(round=round1).pk
    figures = _figures(world, 1)
    snapshot_queue(round=round1, actor=world.admin, rebuild=True)
    building = snapshot_build_status(round1)
    assert building is not None and building.state == BuildState.QUEUED
    tasks_run_pending()
    after = FigureSnapshot.objects.get(round=round1).pk
    assert after != before
    assert _figures(world, 1) == figures


def test_a_build_that_failed_on_an_error_is_shown_and_not_retried(
    world: World, queued: Round
) -> None:
    DBTaskResult.objects.all().delete()
    snapshot_build_task.enqueue(queued.pk, 987654, False)  # an account that does not exist
    tasks_run_pending()
    failed = DBTaskResult.objects.get()
    assert failed.status == "FAILED"
    status = snapshot_build_status(queued)
    assert status is not None
    assert (status.state, status.since, status.message) == (
        BuildState.FAILED,
        failed.finished_at,
        "DoesNotExist",
    )
    assert snapshots_ensure() == 0
    assert DBTaskResult.objects.count() == 1
    assert not FigureSnapshot.objects.filter(round=queued).exists()


def test_the_sweep_queues_again_a_build_whose_worker_died(world: World, queued: Round) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()
    task = DBTaskResult.objects.get()
    task.claim(f"{socket.gethostname()}:{dead.pid}-abcdef")
    assert snapshot_build_status(queued).state == BuildState.BUILDING  # type: ignore[union-attr]
    assert snapshots_ensure() == 1
    task.refresh_from_db()
    assert (task.status, task.exception_class_path, task.traceback) == (
        "FAILED",
        "opendtm.core.worker.WorkerStopped",
        STOPPED,
    )
    assert _tasks() == [
        ("FAILED", [queued.pk, world.admin.pk, False]),
        ("READY", [queued.pk, world.admin.pk, False]),
    ]
    assert snapshots_ensure() == 0  # queued already
    tasks_run_pending()
    assert FigureSnapshot.objects.filter(round=queued).exists()


def test_the_sweep_leaves_a_live_worker_alone_until_its_build_is_stale(
    world: World, queued: Round, settings: Any
) -> None:
    task = DBTaskResult.objects.get()
    task.claim("other-host:12-abcdef")  # a worker on another machine: cannot be looked at
    assert snapshots_ensure() == 0
    settings.OPENDTM_SNAPSHOT_STALE_SECONDS = 60
    DBTaskResult.objects.filter(pk=task.pk).update(
        started_at=timezone.now() - timezone.timedelta(seconds=61)
    )
    assert snapshots_ensure() == 1
    assert [status for status, _ in _tasks()] == ["FAILED", "READY"]


def test_the_sweep_queues_a_published_round_left_without_snapshot_or_build(
    world: World, settings: Any
) -> None:
    settings.OPENDTM_TASKS_INLINE = False
    round1 = world.rounds[1]
    FigureSnapshot.objects.filter(round=round1).delete()
    assert snapshot_build_status(round1).state == BuildState.QUEUED  # type: ignore[union-attr]
    assert snapshots_ensure() == 1
    assert _tasks() == [("READY", [round1.pk, world.admin.pk, False])]
    tasks_run_pending()
    assert FigureSnapshot.objects.get(round=round1).built_by == world.admin
