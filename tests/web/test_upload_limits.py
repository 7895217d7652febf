"""Uploads cannot take the server down: a zip-bomb workbook is refused by the page before it
is kept (one line, nothing stored, no job); a published round takes no upload; logins are
throttled per account and per address, each lockout audited."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from opendtm.accounts.models import AuditEvent
from opendtm.ingest.jobs import upload_root
from opendtm.ingest.models import ImportJob
from tests.cli.test_worker import BOMB_REFUSED, bomb_write
from tests.web.conftest import PASSWORD, WebWorld


@pytest.mark.slow
def test_the_zip_bomb_is_refused_before_it_is_kept(
    web_world: WebWorld, client: Client, tmp_path: Path
) -> None:
    client.force_login(web_world.users["manager"])  # type: ignore[arg-type]
    bomb = bomb_write(tmp_path / "bomb.xlsx")
    with bomb.open("rb") as handle:
        response = client.post(
            "/o/typhoon/rounds/2/import/", {"form_id": "dtm_site", "file": handle}
        )
    assert response.status_code == 400
    assert response.content.decode().count(BOMB_REFUSED.replace("'", "&#x27;")) == 1
    assert not upload_root().exists()
    assert ImportJob.objects.count() == 0


def test_a_published_round_takes_no_upload(web_world: WebWorld, client: Client) -> None:
    client.force_login(web_world.users["manager"])  # type: ignore[arg-type]
    response = client.post(
        "/o/typhoon/rounds/1/import/",
        {"form_id": "dtm_site", "file": SimpleUploadedFile("sites.csv", b"site_id\nS1\n")},
    )
    assert response.status_code == 409
    assert "Round 1 of typhoon is published" in response.content.decode()
    assert not upload_root().exists()
    assert ImportJob.objects.count() == 0


def _login(client: Client, username: str, password: str, address: str) -> int:
    response = client.post(
        "/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )
    return int(response.status_code)


def test_logins_are_throttled_per_account_and_per_address(
    web_world: WebWorld, settings: object
) -> None:
    client = Client()
    tries = [_login(client, "max", "wrong", f"10.0.0.{i}") for i in range(5)]
    assert tries == [200, 200, 200, 200, 429]  # the fifth failure locks
    # The account is locked from every address, even with its password; others are not.
    assert _login(client, "max", PASSWORD, "10.0.0.9") == 429
    assert _login(client, "ada", PASSWORD, "10.0.0.9") == 302
    events = AuditEvent.objects.filter(action="login.locked_out").order_by("id")
    assert [(e.object_type, e.changes) for e in events] == [  # the lockout, the login refused
        ("auth.user", {"username": "max", "ip_address": "10.0.0.4"}),
        ("auth.user", {"username": "max", "ip_address": "10.0.0.9"}),
    ]
    other = Client()
    tries = [_login(other, f"nobody{i}", "wrong", "10.0.1.1") for i in range(5)]
    assert tries == [200, 200, 200, 200, 429]
    assert _login(other, "nora", PASSWORD, "10.0.1.1") == 429  # the address is locked
    assert [(e.object_type, e.changes["username"]) for e in events.all()[2:]] == [
        ("axes.accessattempt", "nobody4"),
        ("auth.user", "nora"),
    ]
