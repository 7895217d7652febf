"""The management pages do what the CLI does, through the same services: operations, rounds
and the publication's confirmation, roles, accounts, API tokens and the XLSForms.

The operation (tests/figures/conftest.py) has round 1 published and round 2 open.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import openpyxl
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from opendtm.accounts.models import AuditEvent, OperationGrant
from opendtm.api.models import ApiToken
from opendtm.core.worker import tasks_run_pending
from opendtm.figures.exports import number
from opendtm.figures.models import FigureSnapshot
from opendtm.figures.queries import figures_headline
from opendtm.forms.services import form_export
from opendtm.operations.models import Operation, Round
from opendtm.operations.services import round_validate
from tests.web.conftest import WebWorld


def _as(web_world: WebWorld, role: str) -> Client:
    client = Client()
    client.force_login(web_world.users[role])  # type: ignore[arg-type]
    return client


def _round2(web_world: WebWorld) -> Round:
    return Round.objects.get(operation=web_world.world.operation, number=2)


def test_publishing_asks_for_confirmation_and_says_what_becomes_public(
    web_world: WebWorld,
) -> None:
    manager = web_world.users["manager"]
    round_validate(round=_round2(web_world), actor=manager)  # type: ignore[arg-type]
    client = _as(web_world, "manager")
    page = client.get("/o/typhoon/rounds/2/").content.decode()
    assert 'href="/o/typhoon/rounds/2/publish/"' in page  # a link to the step, not a button
    assert 'value="published"' not in page

    unconfirmed = client.post("/o/typhoon/rounds/2/move/", {"to_status": "published"})
    assert unconfirmed["Location"] == "/o/typhoon/rounds/2/publish/"
    assert _round2(web_world).status == "validated"
    published = AuditEvent.objects.filter(action="round.publish")
    assert not published.filter(object_id=str(_round2(web_world).pk)).exists()

    confirm = client.get("/o/typhoon/rounds/2/publish/").content.decode()
    assert "Publishing cannot be undone." in confirm
    assert "This operation is private: its 1 viewer, besides its analysts" in confirm
    assert "/api/v1/operations/typhoon/figures/…?round=2" in confirm
    assert "counts below 5 are hidden" in confirm
    headline = figures_headline(user=manager, operation=web_world.world.operation, round_number=2)
    shown = dict(re.findall(r'data-measure="(\w+)">([^<]*)<', confirm))
    assert shown == {
        name: number(headline.figures[name], hidden=headline.figures[name] is None)
        for name in ("idp_ind", "idp_hh", "returnee_idp_ind", "sites", "site_ind", "locations")
    }
    Operation.objects.filter(pk=web_world.world.operation.pk).update(is_public=True)
    public = client.get("/o/typhoon/rounds/2/publish/").content.decode()
    assert "This operation is public: anyone, without logging in, will see" in public

    done = client.post(
        "/o/typhoon/rounds/2/move/",
        {"to_status": "published", "confirm": "on", "reason": "weekly release"},
    )
    assert done["Location"] == "/o/typhoon/rounds/2/"
    round2 = _round2(web_world)
    assert round2.status == "published"
    assert FigureSnapshot.objects.filter(round=round2).exists()
    event = published.get(object_id=str(round2.pk))
    assert (event.actor, event.reason) == (manager, "weekly release")


def test_a_round_published_in_the_browser_has_its_figures_built_by_the_worker(
    web_world: WebWorld, settings: Any
) -> None:
    """The publication queues the snapshot's build; the round page says where its figures are
    read from, and a manager (not a viewer) queues a rebuild."""
    settings.OPENDTM_TASKS_INLINE = False
    manager, viewer = _as(web_world, "manager"), _as(web_world, "viewer")
    round_validate(round=_round2(web_world), actor=web_world.users["manager"])  # type: ignore[arg-type]
    manager.post(
        "/o/typhoon/rounds/2/move/",
        {"to_status": "published", "confirm": "on", "reason": "weekly release"},
    )
    round2 = _round2(web_world)
    assert (round2.status, FigureSnapshot.objects.filter(round=round2).count()) == ("published", 0)
    page = manager.get("/o/typhoon/rounds/2/").content.decode()
    assert "the snapshot is queued for the background worker; until then they are computed" in page
    assert 'id="figures-rebuild"' not in page

    tasks_run_pending()
    built = FigureSnapshot.objects.get(round=round2)
    page = manager.get("/o/typhoon/rounds/2/").content.decode()
    stamp = timezone.localtime(built.built_at).strftime("%Y-%m-%d %H:%M")
    assert f"read from the snapshot built at {stamp}." in page
    assert 'id="figures-rebuild"' in page
    assert 'id="figures-rebuild"' not in viewer.get("/o/typhoon/rounds/2/").content.decode()

    assert viewer.post("/o/typhoon/rounds/2/figures/rebuild/").status_code == 403
    assert DBTaskResult.objects.filter(status="READY").count() == 0
    done = manager.post("/o/typhoon/rounds/2/figures/rebuild/")
    assert done["Location"] == "/o/typhoon/rounds/2/"
    assert DBTaskResult.objects.get(status="READY").args_kwargs["args"] == [
        round2.pk,
        web_world.users["manager"].pk,
        True,
    ]
    tasks_run_pending()
    assert FigureSnapshot.objects.get(round=round2).pk != built.pk


def test_the_confirmation_page_of_a_round_that_cannot_be_published_says_why(
    web_world: WebWorld,
) -> None:
    response = _as(web_world, "manager").get("/o/typhoon/rounds/2/publish/")
    assert response.status_code == 409
    assert "Round 2 of typhoon is open and cannot become published." in response.content.decode()
    assert _round2(web_world).status == "open"


def test_rounds_are_listed_and_opened_with_the_services_refusals_shown(
    web_world: WebWorld,
) -> None:
    client = _as(web_world, "manager")
    page = client.get("/o/typhoon/rounds/").content.decode()
    assert re.findall(r'<tr data-round="(\d+)">', page) == ["1", "2"]
    assert 'href="/o/typhoon/forms/dtm_site.xlsx"' in page
    still_open = client.post("/o/typhoon/rounds/open/", {"start_date": "2026-12-01"})
    assert still_open.status_code == 409
    assert "Round 2 of typhoon is still open" in still_open.content.decode()
    assert Round.objects.filter(operation=web_world.world.operation).count() == 2
    client.post("/o/typhoon/rounds/2/move/", {"to_status": "validated"})
    assert _round2(web_world).status == "validated"
    no_reason = client.post("/o/typhoon/rounds/2/move/", {"to_status": "open"}, follow=True)
    assert "To reopen round 2 of typhoon give a reason." in no_reason.content.decode()
    assert _round2(web_world).status == "validated"
    client.post("/o/typhoon/rounds/2/move/", {"to_status": "open", "reason": "late forms"})
    assert _round2(web_world).status == "open"
    client.post("/o/typhoon/rounds/2/move/", {"to_status": "validated"})
    opened = client.post("/o/typhoon/rounds/open/", {"start_date": "2026-12-01"})
    assert opened["Location"] == "/o/typhoon/rounds/3/"
    round3 = Round.objects.get(operation=web_world.world.operation, number=3)
    assert (round3.status, str(round3.start_date)) == ("open", "2026-12-01")
    viewer_page = _as(web_world, "viewer").get("/o/typhoon/rounds/").content.decode()
    assert re.findall(r'<tr data-round="(\d+)">', viewer_page) == ["1"]
    assert 'id="round-open"' not in viewer_page and "forms/dtm_site.xlsx" not in viewer_page


def test_an_operation_is_created_and_edited(web_world: WebWorld) -> None:
    boss = _as(web_world, "superuser")
    data = {
        "code": "PHL-Flood",
        "name": "Luzon floods",
        "country": "PHL",
        "crisis_type": "flood",
        "start_date": "2026-08-01",
        "mcof_phase": "during",
        "location_level": "2",
    }
    created = boss.post("/manage/operations/new/", data)
    assert created["Location"] == "/o/phl-flood/settings/"
    operation = Operation.objects.get(code="phl-flood")
    assert (operation.name, operation.location_level, operation.is_public) == (
        "Luzon floods",
        2,
        False,
    )
    again = boss.post("/manage/operations/new/", data)
    assert again.status_code == 409
    assert "An operation &#x27;phl-flood&#x27; already exists." in again.content.decode()
    assert Operation.objects.filter(code="phl-flood").count() == 1

    admin = _as(web_world, "admin")
    before = AuditEvent.objects.count()
    early = admin.post(
        "/o/typhoon/settings/",
        {"name": "Typhoon", "mcof_phase": "after", "end_date": "2000-01-01", "is_public": "on"},
    )
    assert early.status_code == 400
    assert "is before the operation&#x27;s start" in early.content.decode()
    assert AuditEvent.objects.count() == before
    saved = admin.post(
        "/o/typhoon/settings/",
        {"name": "Typhoon Odette", "mcof_phase": "after", "end_date": "", "is_public": "on"},
    )
    assert saved["Location"] == "/o/typhoon/settings/"
    typhoon = Operation.objects.get(code="typhoon")
    assert (typhoon.name, typhoon.mcof_phase, typhoon.is_public) == (
        "Typhoon Odette",
        "after",
        True,
    )
    event = AuditEvent.objects.get(action="operation.update")
    assert event.actor == web_world.users["admin"]


def test_roles_are_given_changed_and_taken_away(web_world: WebWorld) -> None:
    admin = _as(web_world, "admin")
    operation = web_world.world.operation

    def role_of(username: str) -> str | None:
        grant = OperationGrant.objects.filter(user__username=username, operation=operation)
        return grant.values_list("role", flat=True).first()

    assert (
        admin.post("/o/typhoon/people/", {"username": "nora", "role": "viewer"}).status_code == 302
    )
    assert role_of("nora") == "viewer"
    assert (
        admin.post("/o/typhoon/people/", {"username": "nora", "role": "analyst"}).status_code == 302
    )
    assert role_of("nora") == "analyst"
    page = admin.get("/o/typhoon/people/").content.decode()
    assert '<tr data-user="nora"><td>nora</td><td class="role">Analyst</td>' in page
    assert admin.post("/o/typhoon/people/", {"username": "nora", "role": "none"}).status_code == 302
    assert role_of("nora") is None
    missing = admin.post("/o/typhoon/people/", {"username": "ghost", "role": "viewer"})
    assert missing.status_code == 404
    assert "No user &#x27;ghost&#x27;." in missing.content.decode()
    assert [
        e.changes["role"] for e in AuditEvent.objects.filter(action="grant.set").order_by("id")
    ] == [
        [None, "viewer"],
        ["viewer", "analyst"],
        ["analyst", None],
    ]


def test_accounts_are_created_deactivated_and_given_a_password(web_world: WebWorld) -> None:
    boss = _as(web_world, "superuser")
    created = boss.post("/manage/users/", {"username": "lea", "email": "lea@example.org"})
    assert created["Location"] == "/manage/users/lea/"
    weak = boss.post("/manage/users/", {"username": "leo", "password": "123"})
    assert weak.status_code == 400
    assert "Password refused for leo" in weak.content.decode()
    assert not web_world.users["superuser"].__class__.objects.filter(username="leo").exists()

    no_reason = boss.post("/manage/users/lea/active/", {"active": "0", "reason": ""})
    assert no_reason.status_code == 400
    lea = web_world.users["superuser"].__class__.objects.get(username="lea")
    assert lea.is_active
    boss.post("/manage/users/lea/active/", {"active": "0", "reason": "left the mission"})
    lea.refresh_from_db()
    assert not lea.is_active
    page = boss.get("/manage/users/lea/").content.decode()
    assert '<dd id="account-state">deactivated</dd>' in page
    assert "Reactivate the account" in page
    event = AuditEvent.objects.get(action="user.deactivate")
    assert event.reason == "left the mission"
    own = boss.post("/manage/users/boss/active/", {"active": "0", "reason": "test"})
    assert own.status_code == 409
    assert "boss cannot deactivate their own account." in own.content.decode()
    boss.post("/manage/users/lea/password/", {"password": "a long and unusual pass phrase"})
    lea.refresh_from_db()
    assert lea.check_password("a long and unusual pass phrase")


def test_a_token_is_shown_once_listed_by_prefix_and_revoked_at_once(
    web_world: WebWorld,
) -> None:
    analyst = _as(web_world, "analyst")
    issued = analyst.post("/account/tokens/", {"name": "weekly script"})
    assert issued.status_code == 200
    assert "no-store" in issued["Cache-Control"]
    html = issued.content.decode()
    secret = re.search(r'id="token-secret" value="(odtm_[^"]+)"', html).group(1)  # type: ignore[union-attr]
    token = ApiToken.objects.get(user=web_world.users["analyst"])
    assert token.prefix == secret[:11] and token.name == "weekly script"
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    assert api.get("/api/v1/operations").status_code == 200

    listing = analyst.get("/account/tokens/").content.decode()
    assert secret not in listing  # shown once, never again
    row = re.search(rf'<tr data-token="{token.pk}">(.*?)</tr>', listing, re.S).group(1)  # type: ignore[union-attr]
    cells = re.findall(r"<td>(.*?)</td>", row, re.S)
    assert cells[:3] == [
        f"<code>{secret[:11]}…</code>",
        web_world.users["analyst"].username,
        "weekly script",
    ]  # type: ignore[union-attr]

    other = analyst.post("/account/tokens/", {"name": "x", "username": "max"})
    assert other.status_code == 403
    assert ApiToken.objects.count() == 1

    viewer = _as(web_world, "viewer")
    assert viewer.post(f"/account/tokens/{token.pk}/revoke/", {"reason": "x"}).status_code == 403
    assert ApiToken.objects.filter(pk=token.pk).exists()

    revoked = analyst.post(f"/account/tokens/{token.pk}/revoke/", {"reason": "laptop lost"})
    assert revoked["Location"] == "/account/tokens/"
    assert api.get("/api/v1/operations").status_code == 401
    after = analyst.get("/account/tokens/").content.decode()
    revoked_rows = re.search(r'id="revoked-list">.*?<tbody>(.*?)</tbody>', after, re.S).group(1)  # type: ignore[union-attr]
    assert f"<code>{secret[:11]}…</code>" in revoked_rows and "laptop lost" in revoked_rows
    assert f'data-token="{token.pk}"' not in after


def test_the_xlsform_is_the_one_forms_export_writes(web_world: WebWorld, tmp_path: Path) -> None:
    response = _as(web_world, "manager").get("/o/typhoon/forms/dtm_site.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="dtm_site.xlsx"'
    written = form_export(
        form_id="dtm_site", directory=tmp_path, operation=web_world.world.operation
    )

    def cells(book: Any) -> dict[str, list[tuple[Any, ...]]]:
        return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book}

    served = openpyxl.load_workbook(io.BytesIO(response.content))
    assert cells(served) == cells(openpyxl.load_workbook(written))
    assert _as(web_world, "manager").get("/o/typhoon/forms/nosuch.xlsx").status_code == 404
