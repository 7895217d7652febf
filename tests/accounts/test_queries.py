"""Which operations a user may see: the restricted queryset every read starts from."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from opendtm.accounts.choices import Role
from opendtm.accounts.models import OperationGrant
from opendtm.accounts.queries import grants_of, operations_visible_to, users_with_grants
from opendtm.operations.models import Operation
from tests.factories import OperationFactory, SuperuserFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> dict[str, Any]:
    """Two public and three private operations; alice holds roles on two private ones."""
    for code, public in (
        ("pub-a", True),
        ("pub-b", True),
        ("priv-a", False),
        ("priv-b", False),
        ("priv-c", False),
    ):
        OperationFactory(code=code, is_public=public)
    alice = UserFactory(username="alice")
    for code, role in (("priv-a", Role.VIEWER), ("pub-a", Role.MANAGER), ("priv-b", Role.ADMIN)):
        OperationGrant.objects.create(
            user=alice, operation=Operation.objects.get(code=code), role=role
        )
    return {"alice": alice}


def _codes(user: Any) -> list[str]:
    return sorted(operations_visible_to(user).values_list("code", flat=True))


def test_superuser_sees_everything(world: dict[str, Any]) -> None:
    assert _codes(SuperuserFactory()) == ["priv-a", "priv-b", "priv-c", "pub-a", "pub-b"]


def test_user_sees_granted_and_public_once_each(world: dict[str, Any]) -> None:
    assert _codes(world["alice"]) == ["priv-a", "priv-b", "pub-a", "pub-b"]
    # a grant on a public operation does not list it twice
    assert operations_visible_to(world["alice"]).count() == 4


@pytest.mark.parametrize(
    "who",
    [lambda: AnonymousUser(), lambda: None, lambda: UserFactory(), lambda: _deactivated()],
    ids=["anonymous", "none", "no-role", "deactivated"],
)
def test_others_see_public_only(world: dict[str, Any], who: Callable[[], Any]) -> None:
    assert _codes(who()) == ["pub-a", "pub-b"]


def _deactivated() -> Any:
    user = UserFactory(is_active=False)
    OperationGrant.objects.create(
        user=user,
        operation=Operation.objects.get(code="priv-c"),
        role=Role.ADMIN,
    )
    return user


def test_listing_is_one_query(world: dict[str, Any], django_assert_num_queries: Any) -> None:
    for n in range(20):
        OperationFactory(code=f"more-{n:02d}", is_public=n % 2 == 0)
    alice = world["alice"]
    with django_assert_num_queries(1):
        rows = [(op.code, op.is_public) for op in operations_visible_to(alice)]
    assert len(rows) == 4 + 10


def test_users_with_grants_two_queries(
    world: dict[str, Any], django_assert_num_queries: Any
) -> None:
    UserFactory(username="bob")
    with django_assert_num_queries(2):
        listing = [
            (u.username, [(g.operation.code, g.role) for g in u.grants.all()])
            for u in users_with_grants()
        ]
    assert listing == [
        ("alice", [("priv-a", "viewer"), ("priv-b", "admin"), ("pub-a", "manager")]),
        ("bob", []),
    ]


def test_grants_of(world: dict[str, Any]) -> None:
    op = Operation.objects.get(code="priv-b")
    assert [(g.user.username, g.role) for g in grants_of(op)] == [("alice", "admin")]
