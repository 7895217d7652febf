"""The PDF downloads wait for the worker: a page that reloads itself following its render,
the PDF once it is done, the reason when it failed, and no one else's render."""

from __future__ import annotations

from typing import Any

from django.test import Client

from opendtm.accounts.models import OperationGrant
from opendtm.core.worker import tasks_run_pending
from opendtm.reports.models import ReportRender
from tests.web.conftest import WebWorld


def _as(web_world: WebWorld, role: str) -> Client:
    client = Client()
    client.force_login(web_world.users[role])  # type: ignore[arg-type]
    return client


def test_the_round_report_waits_for_the_worker_then_downloads(
    web_world: WebWorld, settings: Any
) -> None:
    settings.OPENDTM_TASKS_INLINE = False
    viewer = _as(web_world, "viewer")
    waiting = viewer.get("/o/typhoon/rounds/1/report.pdf")
    render = ReportRender.objects.get()
    follow = f"/o/typhoon/rounds/1/report.pdf?render={render.pk}"
    assert waiting.status_code == 202
    page = waiting.content.decode()
    assert f'<meta http-equiv="refresh" content="2;url={follow}">' in page
    assert "The report is queued for the background worker." in page
    assert viewer.get(follow).status_code == 202
    assert ReportRender.objects.count() == 1

    tasks_run_pending()

    done = viewer.get(follow)
    assert (done.status_code, done["Content-Type"]) == (200, "application/pdf")
    assert done["Content-Disposition"] == 'attachment; filename="typhoon-round-1.pdf"'
    assert done.content.startswith(b"%PDF-")
    again = viewer.get("/o/typhoon/rounds/1/report.pdf")  # nothing changed: the same file
    assert (again.status_code, again.content) == (200, done.content)
    assert ReportRender.objects.count() == 1
    assert _as(web_world, "analyst").get(follow).status_code == 404  # the viewer's, not theirs


def test_a_site_profile_that_failed_says_why_and_offers_to_ask_again(
    web_world: WebWorld, settings: Any
) -> None:
    settings.OPENDTM_TASKS_INLINE = False
    analyst = _as(web_world, "analyst")
    assert analyst.get("/o/typhoon/sites/S2/profile.pdf?round=2").status_code == 202
    render = ReportRender.objects.get()
    OperationGrant.objects.filter(user=web_world.users["analyst"]).delete()
    tasks_run_pending()
    OperationGrant.objects.create(
        user=web_world.users["analyst"], operation=web_world.world.operation, role="analyst"
    )
    failed = analyst.get(f"/o/typhoon/sites/S2/profile.pdf?round=2&render={render.pk}")
    assert failed.status_code == 409
    page = failed.content.decode()
    assert "Operation typhoon has no site &#x27;S2&#x27;." in page
    assert 'id="report-again" href="/o/typhoon/sites/S2/profile.pdf?round=2"' in page
    assert "http-equiv" not in page
