"""`opendtm user create|grant|list`: exact output lines, one `error:` line for bad input."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import CliRunner, Result
from django.contrib.auth import get_user_model

from opendtm.accounts.choices import Role
from opendtm.accounts.models import AuditEvent, OperationGrant
from opendtm.cli.main import cli
from tests.factories import OperationFactory, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()
Run = Callable[..., Result]


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch) -> Run:
    monkeypatch.setenv("OPENDTM_USER", "tester")

    def invoke(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(cli, list(args), input=input)

    return invoke


def ok(result: Result) -> list[str]:
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


def error(result: Result) -> str:
    assert result.exit_code != 0
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_create_grant_list_revoke(run: Run) -> None:
    OperationFactory(code="phl-ty")
    OperationFactory(code="hti-eq")
    assert ok(run("user", "create", "alice", "--password-stdin", input="s3cret pass\n")) == [
        "created user alice"
    ]
    assert User.objects.get(username="alice").check_password("s3cret pass")
    assert ok(run("user", "create", "boss", "--admin")) == [
        "created administrator boss (no password: it cannot log in to the web yet)"
    ]
    assert ok(run("user", "grant", "alice", "--operation", "PHL-TY", "--role", "Analyst")) == [
        "alice is analyst on phl-ty"
    ]
    assert ok(run("user", "grant", "alice", "--operation", "hti-eq", "--role", "viewer")) == [
        "alice is viewer on hti-eq"
    ]
    assert ok(run("user", "list")) == [
        "alice   user   active  hti-eq:viewer,phl-ty:analyst",
        "boss    admin  active  -",
        "tester  admin  active  -",
    ]
    assert ok(run("user", "grant", "alice", "--operation", "hti-eq", "--revoke")) == [
        "alice no longer has a role on hti-eq"
    ]
    assert list(OperationGrant.objects.values_list("operation__code", "role")) == [
        ("phl-ty", "analyst")
    ]
    tester = User.objects.get(username="tester")
    assert list(AuditEvent.objects.order_by("id").values_list("action", "actor")) == [
        ("user.create", tester.pk),
        ("user.create", tester.pk),
        ("grant.set", tester.pk),
        ("grant.set", tester.pk),
        ("grant.set", tester.pk),
    ]


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("user", "create", "taken"), None, "error: User 'taken' already exists."),
        (
            ("user", "create", "new", "--password-stdin"),
            "\n",
            "error: No password on standard input. Pipe it in, e.g. "
            "`printf '%s' \"$PASS\" | opendtm user create NAME --password-stdin`.",
        ),
        (
            ("user", "create", "two words"),
            None,
            "error: Username 'two words' has characters that are not allowed. "
            "Use letters, digits and @ . + - _ only.",
        ),
        (
            ("user", "grant", "taken", "--operation", "op-g", "--role", "owner"),
            None,
            "error: Role 'owner' is not one of the accepted values. "
            "Use one of: viewer, analyst, manager, admin.",
        ),
        (
            ("user", "grant", "taken", "--operation", "op-g"),
            None,
            "error: Give either --role or --revoke. "
            "--role viewer|analyst|manager|admin sets a role, --revoke takes it away.",
        ),
        (
            ("user", "grant", "taken", "--operation", "op-g", "--role", "viewer", "--revoke"),
            None,
            "error: Give either --role or --revoke. "
            "--role viewer|analyst|manager|admin sets a role, --revoke takes it away.",
        ),
        (
            ("user", "grant", "ghost", "--operation", "op-g", "--role", "viewer"),
            None,
            "error: No user 'ghost'. Create it with `opendtm user create`.",
        ),
        (
            ("user", "grant", "taken", "--operation", "nope", "--role", "viewer"),
            None,
            "error: No operation 'nope'. Known operations: op-g.",
        ),
        (
            ("user", "grant", "taken", "--operation", "op-g", "--revoke"),
            None,
            "error: taken has no role on operation op-g.",
        ),
    ],
)
def test_bad_input_writes_nothing(
    run: Run, args: tuple[str, ...], stdin: str | None, message: str
) -> None:
    OperationFactory(code="op-g")
    UserFactory(username="taken")
    ok(run("operation", "list"))  # creates the CLI account before counting
    before = (User.objects.count(), OperationGrant.objects.count(), AuditEvent.objects.count())
    assert error(run(*args, input=stdin)) == message
    after = (User.objects.count(), OperationGrant.objects.count(), AuditEvent.objects.count())
    assert after == before


def test_an_ordinary_account_may_not_manage_users(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    op = OperationFactory(code="op-g")
    OperationGrant.objects.create(user=UserFactory(username="mgr"), operation=op, role=Role.MANAGER)
    UserFactory(username="bob")
    monkeypatch.setenv("OPENDTM_USER", "mgr")
    result = run("user", "create", "eve")
    assert (result.exit_code, error(result)) == (
        3,
        "error: mgr may not create user accounts: only an instance administrator may. "
        "Ask an administrator (a user created with `opendtm user create --admin`).",
    )
    assert error(run("user", "list")).startswith("error: mgr may not list user accounts")
    assert error(run("user", "grant", "bob", "--operation", "op-g", "--role", "viewer")) == (
        "error: mgr may not edit the operation and its grants in operation op-g. "
        "Ask an admin of the operation for a role that allows it."
    )
    assert not User.objects.filter(username="eve").exists()
    assert OperationGrant.objects.count() == 1


def test_password_is_set_audited_and_never_shown(run: Run) -> None:
    user = UserFactory(username="field1")
    assert ok(
        run("user", "password", "field1", input="river stone lantern\nriver stone lantern\n")
    ) == ["New password: ", "Repeat for confirmation: ", "password of field1 set"]
    user.refresh_from_db()
    assert user.check_password("river stone lantern")
    event = AuditEvent.objects.get(action="user.password")
    assert (event.object_id, event.summary) == (str(user.pk), "set the password of field1")
    assert "river" not in str(event.changes)
    assert ok(run("user", "password", "field1", "--password-stdin", input="blue kettle morning\n"))
    user.refresh_from_db()
    assert user.check_password("blue kettle morning")


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (
            ("user", "password", "ghost", "--password-stdin"),
            "river stone lantern\n",
            "error: No user 'ghost'. List them with `opendtm user list`.",
        ),
        (
            ("user", "password", "field1", "--password-stdin"),
            "password1\n",
            "error: Password refused for field1: This password is too short. It must contain "
            "at least 10 characters. This password is too common. Choose a longer, less common "
            "password (a few words make a good one).",
        ),
        (
            ("user", "password", "field1", "--password-stdin"),
            "\n",
            "error: No password on standard input. Pipe it in, e.g. "
            "`printf '%s' \"$PASS\" | opendtm user password NAME --password-stdin`.",
        ),
    ],
)
def test_password_refusals_change_nothing(
    run: Run, args: tuple[str, ...], stdin: str, message: str
) -> None:
    user = UserFactory(username="field1")
    before = user.password
    assert error(run(*args, input=stdin)) == message
    user.refresh_from_db()
    assert user.password == before
    assert not AuditEvent.objects.filter(action="user.password").exists()


def test_deactivate_refuses_every_token_and_reactivate_undoes(run: Run) -> None:
    from django.test import Client

    from opendtm.api.services import token_create

    ana = UserFactory(username="ana")
    secret = token_create(username="ana", actor=ana).secret
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    assert client.get("/api/v1/operations").status_code == 200
    assert ok(run("user", "deactivate", "ana", "--reason", "left the mission")) == [
        "ana is deactivated"
    ]
    assert client.get("/api/v1/operations").status_code == 401
    assert ok(run("user", "deactivate", "ana", "--reactivate", "--reason", "back")) == [
        "ana is active"
    ]
    assert client.get("/api/v1/operations").status_code == 200
    events = AuditEvent.objects.filter(action__startswith="user.", object_id=str(ana.pk)).order_by(
        "pk"
    )
    assert [(e.action, e.actor.username, e.reason, e.changes) for e in events] == [
        ("user.deactivate", "tester", "left the mission", {"is_active": [True, False]}),
        ("user.activate", "tester", "back", {"is_active": [False, True]}),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("user", "deactivate", "ana", "--reason", " "),
            "error: A reason is required to deactivate or reactivate an account.",
        ),
        (("user", "deactivate", "nobody", "--reason", "x"), "error: No user 'nobody'."),
        (
            ("user", "deactivate", "tester", "--reason", "x"),
            "error: tester cannot deactivate their own account.",
        ),
    ],
)
def test_deactivate_refusals_change_nothing(run: Run, args: tuple[str, ...], message: str) -> None:
    UserFactory(username="ana")
    run("user", "list")  # the CLI's own account exists
    line = error(run(*args))
    assert line.startswith(message)
    assert User.objects.filter(is_active=False).count() == 0
    assert (
        not AuditEvent.objects.filter(action__startswith="user.")
        .exclude(action="user.create")
        .exists()
    )


def test_an_ordinary_account_may_not_deactivate(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    UserFactory(username="ana")
    UserFactory(username="vic")
    monkeypatch.setenv("OPENDTM_USER", "vic")
    assert "vic may not deactivate or reactivate user accounts" in error(
        run("user", "deactivate", "ana", "--reason", "x")
    )
    assert User.objects.get(username="ana").is_active
