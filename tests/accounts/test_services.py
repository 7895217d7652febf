"""Accounts writes: users and grants, each audited; a refused write leaves nothing behind."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from hypothesis import given
from hypothesis import strategies as st

from opendtm.accounts.choices import Role
from opendtm.accounts.models import AuditEvent, OperationGrant
from opendtm.accounts.services import grant_set, user_create, user_for_cli
from opendtm.core.choices import choice_parse
from opendtm.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from tests.factories import OperationFactory, SuperuserFactory, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_user_create_by_superuser_is_audited() -> None:
    root = SuperuserFactory(username="root")
    user = user_create(username=" alice ", password="s3cret horse", actor=root)
    assert user.username == "alice"
    assert user.check_password("s3cret horse")
    assert not user.is_superuser
    event = AuditEvent.objects.get(action="user.create")
    assert (event.actor, event.object_id, event.summary) == (
        root,
        str(user.pk),
        "created user alice",
    )


def test_user_create_admin_without_password() -> None:
    user = user_create(username="boss", is_admin=True, actor=SuperuserFactory())
    assert (user.is_superuser, user.is_staff, user.has_usable_password()) == (True, True, False)


@pytest.mark.parametrize(
    ("username", "password", "error", "message"),
    [
        ("", None, InvalidInput, "A username cannot be empty."),
        ("al ice", None, InvalidInput, "Username 'al ice' has characters that are not allowed."),
        ("taken", None, Conflict, "User 'taken' already exists."),
        ("new", "", InvalidInput, "The password is empty."),
    ],
)
def test_user_create_refused(
    username: str, password: str | None, error: type[Exception], message: str
) -> None:
    UserFactory(username="taken")
    root = SuperuserFactory()
    before = (User.objects.count(), AuditEvent.objects.count())
    with pytest.raises(error) as caught:
        user_create(username=username, password=password, actor=root)
    assert str(caught.value).startswith(message)
    assert (User.objects.count(), AuditEvent.objects.count()) == before


def test_user_create_needs_a_superuser() -> None:
    clerk = UserFactory()
    before = User.objects.count()
    with pytest.raises(PermissionDenied):
        user_create(username="eve", actor=clerk)
    assert User.objects.count() == before


def test_user_for_cli_is_a_local_superuser(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENDTM_USER", "field-laptop")
    user = user_for_cli()
    assert (user.username, user.is_superuser, user.has_usable_password()) == (
        "field-laptop",
        True,
        False,
    )
    assert user_for_cli().pk == user.pk


def test_user_for_cli_acts_as_an_existing_ordinary_account(monkeypatch: pytest.MonkeyPatch) -> None:
    UserFactory(username="clerk")
    monkeypatch.setenv("OPENDTM_USER", "clerk")
    assert user_for_cli().is_superuser is False


def test_grant_set_give_change_keep_revoke() -> None:
    op = OperationFactory(code="phl-ty")
    alice = UserFactory(username="alice")
    root = SuperuserFactory(username="root")

    grant = grant_set(username="alice", operation=op, role="Analyst", actor=root)
    assert grant is not None
    assert (grant.role, grant.granted_by) == (Role.ANALYST, root)
    grant_set(username="alice", operation=op, role=Role.MANAGER, actor=root)
    grant_set(username="alice", operation=op, role=Role.MANAGER, actor=root)  # no change
    assert OperationGrant.objects.get(user=alice, operation=op).role == Role.MANAGER
    assert grant_set(username="alice", operation=op, role=None, actor=root) is None
    assert not OperationGrant.objects.filter(user=alice).exists()

    events = list(AuditEvent.objects.filter(action="grant.set").order_by("id"))
    assert [(e.summary, e.changes, e.operation_id) for e in events] == [
        ("alice: no role -> analyst on phl-ty", {"role": [None, "analyst"]}, op.pk),
        ("alice: analyst -> manager on phl-ty", {"role": ["analyst", "manager"]}, op.pk),
        ("alice: manager -> no role on phl-ty", {"role": ["manager", None]}, op.pk),
    ]


def test_an_operation_admin_may_grant_there_only() -> None:
    mine, other = OperationFactory(), OperationFactory()
    boss = UserFactory()
    OperationGrant.objects.create(user=boss, operation=mine, role=Role.ADMIN)
    UserFactory(username="bob")
    grant_set(username="bob", operation=mine, role=Role.VIEWER, actor=boss)
    with pytest.raises(PermissionDenied):
        grant_set(username="bob", operation=other, role=Role.VIEWER, actor=boss)
    assert list(
        OperationGrant.objects.filter(user__username="bob").values_list("operation", flat=True)
    ) == [mine.pk]


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ANALYST, Role.MANAGER])
def test_below_admin_may_not_grant(role: Role) -> None:
    op = OperationFactory()
    actor = UserFactory()
    OperationGrant.objects.create(user=actor, operation=op, role=role)
    UserFactory(username="bob")
    before = (OperationGrant.objects.count(), AuditEvent.objects.count())
    with pytest.raises(PermissionDenied):
        grant_set(username="bob", operation=op, role=Role.ADMIN, actor=actor)
    assert (OperationGrant.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.parametrize(
    ("username", "role", "error", "message"),
    [
        ("ghost", "viewer", NotFound, "No user 'ghost'. Create it with `opendtm user create`."),
        (
            "bob",
            "owner",
            InvalidInput,
            "Role 'owner' is not one of the accepted values. "
            "Use one of: viewer, analyst, manager, admin.",
        ),
        ("bob", None, NotFound, "bob has no role on operation op-x."),
    ],
)
def test_grant_set_refused(
    username: str, role: str | None, error: type[Exception], message: str
) -> None:
    op = OperationFactory(code="op-x")
    UserFactory(username="bob")
    before = (OperationGrant.objects.count(), AuditEvent.objects.count())
    with pytest.raises(error) as caught:
        grant_set(username=username, operation=op, role=role, actor=SuperuserFactory())
    assert str(caught.value) == message
    assert (OperationGrant.objects.count(), AuditEvent.objects.count()) == before


@given(st.text(max_size=12))
def test_a_role_is_parsed_like_every_choice(text: str) -> None:
    if text.strip().lower() in {"viewer", "analyst", "manager", "admin"}:
        parsed = choice_parse(Role, text, field="role")
        assert (type(parsed), parsed) == (Role, text.strip().lower())
    else:
        with pytest.raises(InvalidInput) as caught:
            choice_parse(Role, text, field="role")
        assert caught.value.message == f"Role {text!r} is not one of the accepted values."
