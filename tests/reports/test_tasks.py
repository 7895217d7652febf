"""PDF reports asked for in the browser are rendered by the worker: queued once per reader,
report, language and data, reused while nothing changes, each reader's own, bounded, and
failed with its reason when the reader may no longer see the round."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from opendtm.accounts.models import OperationGrant
from opendtm.accounts.services import audit_record
from opendtm.core.errors import Conflict, NotFound
from opendtm.core.worker import tasks_run_pending
from opendtm.reports.choices import RenderState, ReportKind
from opendtm.reports.models import ReportRender
from opendtm.reports.queries import report_render_get
from opendtm.reports.tasks import STOPPED, renders_prune, report_basis, report_queue
from tests.figures.conftest import World
from tests.reports.conftest import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def queued_only(settings: Any) -> None:
    settings.OPENDTM_TASKS_INLINE = False


def _round_report(world: World, user: Any, number: int = 1) -> ReportRender:
    return report_queue(
        user=user, operation=world.operation, kind=ReportKind.ROUND, round_number=number
    )


@pytest.mark.pdf
def test_a_report_is_rendered_once_by_the_worker_and_reused(world: World, tmp_path: Path) -> None:
    render = _round_report(world, world.viewer)
    assert (render.state, render.requested_by, render.language) == ("queued", world.viewer, "en")
    assert render.basis == report_basis(world.operation)
    assert _round_report(world, world.viewer).pk == render.pk  # asked again while it waits
    assert DBTaskResult.objects.count() == 1

    tasks_run_pending()

    render.refresh_from_db()
    assert (render.state, render.name) == ("done", "typhoon-round-1.pdf")
    assert "IDP individuals 278" in " ".join(pdf_text(bytes(render.content), tmp_path).split())
    assert DBTaskResult.objects.get().return_value == (
        f"rendered typhoon-round-1.pdf ({len(render.content):,} bytes)"
    )
    assert _round_report(world, world.viewer).pk == render.pk
    assert DBTaskResult.objects.count() == 1


def test_a_change_to_the_operation_renders_anew(world: World) -> None:
    first = _round_report(world, world.viewer)
    tasks_run_pending()
    audit_record(
        actor=world.admin,
        action="site.update",
        obj=world.sites["S1"],
        operation=world.operation,
        summary="renamed S1",
    )
    second = _round_report(world, world.viewer)
    assert second.pk != first.pk and second.state == "queued"
    assert second.basis != first.basis


def test_each_reader_has_their_own_renders(world: World) -> None:
    mine = _round_report(world, world.analyst)
    theirs = _round_report(world, world.viewer)
    assert mine.pk != theirs.pk
    assert report_render_get(user=world.analyst, operation=world.operation, pk=mine.pk) == mine
    with pytest.raises(NotFound):
        report_render_get(user=world.viewer, operation=world.operation, pk=mine.pk)
    with pytest.raises(NotFound):
        report_render_get(user=None, operation=world.operation, pk=theirs.pk)


def test_a_report_the_reader_may_not_see_is_refused_before_anything_is_queued(
    world: World,
) -> None:
    with pytest.raises(NotFound):
        _round_report(world, world.viewer, number=2)
    with pytest.raises(NotFound):
        report_queue(
            user=world.viewer, operation=world.operation, kind=ReportKind.SITE, site_id="S9"
        )
    assert (ReportRender.objects.count(), DBTaskResult.objects.count()) == (0, 0)


def test_a_reader_has_at_most_so_many_renders_waiting(world: World, settings: Any) -> None:
    settings.OPENDTM_REPORT_PENDING_MAX = 2
    _round_report(world, world.analyst, 1)
    _round_report(world, world.analyst, 2)
    with pytest.raises(Conflict) as error:
        report_queue(
            user=world.analyst, operation=world.operation, kind=ReportKind.SITE, site_id="S2"
        )
    assert str(error.value) == (
        "2 of your reports are being prepared already. Wait until they are done, then ask again."
    )
    assert ReportRender.objects.count() == DBTaskResult.objects.count() == 2
    _round_report(world, world.viewer, 1)  # another reader's are their own
    assert ReportRender.objects.count() == 3


def test_a_render_whose_worker_died_is_failed_and_asked_again(world: World, settings: Any) -> None:
    stuck = _round_report(world, world.viewer)
    ReportRender.objects.filter(pk=stuck.pk).update(
        state=RenderState.RENDERING, created_at=timezone.now() - timedelta(seconds=601)
    )
    again = _round_report(world, world.viewer)
    stuck.refresh_from_db()
    assert (stuck.state, stuck.message) == ("failed", STOPPED)
    assert again.pk != stuck.pk and again.state == "queued"


def test_a_reader_who_lost_the_round_gets_the_reason_not_the_pdf(world: World) -> None:
    render = _round_report(world, world.analyst, 2)
    OperationGrant.objects.filter(user=world.analyst).delete()
    tasks_run_pending()
    render.refresh_from_db()
    assert (render.state, render.content) == ("failed", b"")
    assert render.message.startswith("Operation typhoon has no round 2.")
    assert DBTaskResult.objects.get().return_value == f"failed: {render.message}"


def test_old_renders_are_removed_by_the_worker(world: World, settings: Any) -> None:
    old, recent = _round_report(world, world.viewer), _round_report(world, world.analyst)
    ReportRender.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(seconds=86401)
    )
    assert renders_prune() == 1
    assert list(ReportRender.objects.values_list("pk", flat=True)) == [recent.pk]
