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


def _cli(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


def test_cli_lists_and_revokes_tokens_at_once(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENDTM_USER", "tester")
    ana, vic = UserFactory(username="ana"), UserFactory(username="vic")
    weekly = token_create(username="ana", name="weekly", actor=ana)
    token_create(username="vic", actor=vic)
    client = Client(headers={"Authorization": f"Bearer {weekly.secret}"})
    assert client.get("/api/v1/operations").status_code == 200
    first, second = ApiToken.objects.order_by("pk")
    listed = _cli("user", "token", "--list")
    assert listed.exit_code == 0, listed.output
    lines = listed.stdout.splitlines()
    assert [line.split()[:4] for line in lines] == [
        [str(first.pk), f"{weekly.secret[:11]}…", "ana", "weekly"],
        [str(second.pk), f"{second.prefix}…", "vic", "-"],
    ]
    assert "last used" in lines[0] and "never used" in lines[1]
    only_vic = _cli("user", "token", "--list", "vic").stdout.splitlines()
    assert [line.split()[0] for line in only_vic] == [str(second.pk)]
    revoked = _cli("user", "token", "--revoke", str(first.pk), "--reason", "laptop lost")
    assert revoked.exit_code == 0, revoked.output
    assert revoked.stdout == f"revoked token {first.pk} (weekly) of ana\n"
    assert client.get("/api/v1/operations").status_code == 401  # the very next request
    assert list(ApiToken.objects.values_list("pk", flat=True)) == [second.pk]
    event = AuditEvent.objects.get(action="api_token_revoke")
    assert (event.actor.username, event.reason) == ("tester", "laptop lost")
    assert event.summary == "API token weekly of ana revoked"
    assert event.changes == {
        "user": ["ana", None],
        "name": ["weekly", None],
        "prefix": [weekly.secret[:11], None],
        "created": [first.created.isoformat(), None],
    }


def test_revoked_tokens_are_listed_from_the_audit_trail_to_whom_they_may_be_shown(
    db: Any,
) -> None:
    """A revoked token is deleted; its revocation stays visible to its owner and to instance
    administrators, not to another user."""
    from opendtm.api.queries import tokens_revoked_visible_to
    from opendtm.api.services import token_revoke

    ana, vic, boss = UserFactory(username="ana"), UserFactory(username="vic"), SuperuserFactory()
    issued = token_create(username="ana", name="laptop", actor=ana)
    assert issued.token.prefix == issued.secret[:11] and issued.secret.startswith("odtm_")
    token_revoke(token_id=issued.token.pk, actor=boss, reason="  lost  ")

    def seen(user: Any, username: str | None = None) -> list[tuple[str, str, str]]:
        return [
            (e.changes["user"][0], e.changes["prefix"][0], e.reason)
            for e in tokens_revoked_visible_to(user, username=username)
        ]

    assert seen(ana) == [("ana", issued.secret[:11], "lost")]
    assert seen(boss) == seen(ana) == seen(boss, "ana")
    assert seen(vic) == [] and seen(boss, "vic") == []


def test_a_user_lists_and_revokes_only_their_own_tokens(db: Any) -> None:
    from opendtm.api.queries import tokens_visible_to
    from opendtm.api.services import token_revoke

    ana, vic = UserFactory(username="ana"), UserFactory(username="vic")
    token_create(username="ana", actor=ana)
    theirs = token_create(username="vic", actor=vic).token
    assert [t.user.username for t in tokens_visible_to(ana)] == ["ana"]
    with pytest.raises(PermissionDenied, match="ana may not revoke API tokens of vic"):
        token_revoke(token_id=theirs.pk, actor=ana)
    with pytest.raises(NotFound, match="No API token 999"):
        token_revoke(token_id=999, actor=ana)
    assert ApiToken.objects.count() == 2
    assert not AuditEvent.objects.filter(action="api_token_revoke").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["user", "token"],
        ["user", "token", "ana", "--revoke", "1"],
        ["user", "token", "--list", "--revoke", "1"],
    ],
)
def test_cli_token_needs_exactly_one_thing_to_do(
    db: Any, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    monkeypatch.setenv("OPENDTM_USER", "tester")
    UserFactory(username="ana")
    token_create(username="ana", actor=SuperuserFactory(username="boss"))
    result = _cli(*args)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: Give USERNAME to issue a token, or --list")
    assert ApiToken.objects.count() == 1
