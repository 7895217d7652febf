"""API tokens: issued once, stored hashed, refused cleanly; `opendtm user token` and
`opendtm api schema`."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from django.test import Client

from opendtm.accounts.models import AuditEvent
from opendtm.api.models import ApiToken
from opendtm.api.queries import token_user
from opendtm.api.services import token_create
from opendtm.cli.api import openapi_text
from opendtm.cli.main import cli
from opendtm.core.errors import InvalidInput, NotFound, PermissionDenied
from tests.factories import SuperuserFactory, UserFactory


def test_token_is_stored_hashed_and_authenticates(db: Any) -> None:
    ana = UserFactory(username="ana")
    issued = token_create(username="ana", name="weekly", actor=ana)
    assert issued.secret.startswith("odtm_")
    assert len(issued.secret) > 40
    stored = ApiToken.objects.get()
    assert stored.digest == hashlib.sha256(issued.secret.encode()).hexdigest()
    assert issued.secret not in {stored.digest, stored.name}
    assert stored.last_used is None
    assert token_user(issued.secret) == ana
    stored.refresh_from_db()
    assert stored.last_used is not None
    event = AuditEvent.objects.get(action="api_token_create")
    assert (event.actor, event.summary) == (ana, "API token weekly issued to ana")
    response = Client(headers={"Authorization": f"Bearer {issued.secret}"}).get(
        "/api/v1/operations"
    )
    assert response.status_code == 200


def test_admin_issues_for_others(db: Any) -> None:
    UserFactory(username="ana")
    boss = SuperuserFactory(username="boss")
    assert token_user(token_create(username="ana", actor=boss).secret).username == "ana"


@pytest.mark.parametrize(
    ("username", "actor", "error", "message"),
    [
        ("nobody", "boss", NotFound, "No user 'nobody'."),
        ("ana", "vic", PermissionDenied, "vic may not issue API tokens for ana"),
        ("gone", "boss", InvalidInput, "User gone is deactivated"),
    ],
)
def test_refused_tokens_write_nothing(
    db: Any, username: str, actor: str, error: type[Exception], message: str
) -> None:
    users = {
        "boss": SuperuserFactory(username="boss"),
        "vic": UserFactory(username="vic"),
    }
    UserFactory(username="ana")
    UserFactory(username="gone", is_active=False)
    with pytest.raises(error, match=message):
        token_create(username=username, actor=users[actor])
    assert not ApiToken.objects.exists()
    assert not AuditEvent.objects.filter(action="api_token_create").exists()


def test_unknown_token_is_none(db: Any) -> None:
    assert token_user("odtm_nothing") is None


def test_cli_user_token(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENDTM_USER", "tester")
    UserFactory(username="ana")
    result = CliRunner().invoke(cli, ["user", "token", "ana", "--name", "reports"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.splitlines()[0]
    assert token_user(secret).username == "ana"
    assert ApiToken.objects.get().name == "reports"
    assert "it is not shown again" in result.stderr


def test_cli_user_token_unknown_user(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENDTM_USER", "tester")
    result = CliRunner().invoke(cli, ["user", "token", "nobody"])
    assert result.exit_code == 1
    assert result.stderr == (
        "error: No user 'nobody'. Create it first with `opendtm user create`.\n"
    )
    assert not ApiToken.objects.exists()


def test_cli_api_schema(tmp_path: Path) -> None:
    target = tmp_path / "openapi.json"
    result = CliRunner().invoke(cli, ["api", "schema", "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8") == openapi_text()
    printed = CliRunner().invoke(cli, ["api", "schema"])
    assert printed.stdout == openapi_text()
    missing = CliRunner().invoke(cli, ["api", "schema", "--output", str(tmp_path / "no" / "x")])
    assert missing.exit_code == 1
    assert "folder" in missing.stderr
