"""The role matrix, checked cell by cell against a table written here (not derived from roles.py).

Columns: the nine actions. Rows: who asks, on a private and on a public operation.
Y = allowed, . = refused.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from opendtm.accounts.choices import Action, Role
from opendtm.accounts.models import OperationGrant
from opendtm.accounts.roles import authorize, authorize_superuser, can, role_of
from opendtm.core.errors import PermissionDenied
from opendtm.operations.models import Operation
from tests.factories import OperationFactory, SuperuserFactory, UserFactory

COLUMNS = (
    "view_published",
    "view_unpublished",
    "view_raw",
    "export",
    "import",
    "correct",
    "manage_rounds",
    "manage_sites",
    "manage_operation",
)

#                          pub unp raw exp imp cor rnd sit op
MATRIX = """
anonymous     private       .   .   .   .   .   .   .   .   .
anonymous     public        Y   .   .   Y   .   .   .   .   .
no_role       private       .   .   .   .   .   .   .   .   .
no_role       public        Y   .   .   Y   .   .   .   .   .
viewer        private       Y   .   .   Y   .   .   .   .   .
viewer        public        Y   .   .   Y   .   .   .   .   .
analyst       private       Y   Y   Y   Y   .   .   .   .   .
analyst       public        Y   Y   Y   Y   .   .   .   .   .
manager       private       Y   Y   Y   Y   Y   Y   Y   Y   .
manager       public        Y   Y   Y   Y   Y   Y   Y   Y   .
admin         private       Y   Y   Y   Y   Y   Y   Y   Y   Y
admin         public        Y   Y   Y   Y   Y   Y   Y   Y   Y
superuser     private       Y   Y   Y   Y   Y   Y   Y   Y   Y
superuser     public        Y   Y   Y   Y   Y   Y   Y   Y   Y
inactive_adm  private       .   .   .   .   .   .   .   .   .
inactive_adm  public        Y   .   .   Y   .   .   .   .   .
"""


def _cells() -> list[tuple[str, str, str, bool]]:
    cells = []
    for line in MATRIX.strip().splitlines():
        who, visibility, *marks = line.split()
        assert len(marks) == len(COLUMNS), line
        for action, mark in zip(COLUMNS, marks, strict=True):
            cells.append((who, visibility, action, mark == "Y"))
    return cells


CELLS = _cells()


def test_the_table_covers_every_action_and_role() -> None:
    assert set(COLUMNS) == set(Action.values)
    whos = {who for who, *_ in CELLS}
    assert {r.value for r in Role} <= whos
    assert len(CELLS) == 16 * 9


def _who(who: str, operation: Operation) -> AbstractBaseUser | AnonymousUser:
    if who == "anonymous":
        return AnonymousUser()
    if who == "superuser":
        return SuperuserFactory()
    if who == "inactive_adm":
        user = UserFactory(is_active=False)
        OperationGrant.objects.create(user=user, operation=operation, role=Role.ADMIN)
        return user
    user = UserFactory()
    if who != "no_role":
        OperationGrant.objects.create(user=user, operation=operation, role=who)
    return user


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "visibility", "action", "expected"), CELLS)
def test_matrix_cell(who: str, visibility: str, action: str, expected: bool) -> None:
    operation = OperationFactory(is_public=visibility == "public")
    OperationFactory(is_public=False)  # another operation, where nobody holds a role
    user = _who(who, operation)
    assert can(user, Action(action), operation) is expected
    if expected:
        authorize(user, Action(action), operation)
    else:
        with pytest.raises(PermissionDenied):
            authorize(user, Action(action), operation)


@pytest.mark.django_db
def test_a_role_on_one_operation_gives_nothing_on_another() -> None:
    mine, other = OperationFactory(), OperationFactory()
    user = UserFactory()
    OperationGrant.objects.create(user=user, operation=mine, role=Role.ADMIN)
    assert [a for a in Action if can(user, a, other)] == []
    assert role_of(user, mine) == Role.ADMIN
    assert role_of(user, other) is None


@pytest.mark.django_db
def test_none_is_anonymous() -> None:
    operation = OperationFactory(is_public=True)
    assert [a.value for a in Action if can(None, a, operation)] == ["view_published", "export"]


@pytest.mark.django_db
def test_permission_denied_message_names_who_what_and_where() -> None:
    operation = OperationFactory(code="phl-ty")
    user = UserFactory(username="bob")
    OperationGrant.objects.create(user=user, operation=operation, role=Role.ANALYST)
    with pytest.raises(PermissionDenied) as caught:
        authorize(user, Action.MANAGE_ROUNDS, operation)
    assert str(caught.value) == (
        "bob may not open, validate and publish rounds in operation phl-ty. "
        "Ask an admin of the operation for a role that allows it."
    )
    assert caught.value.exit_code == 3


@pytest.mark.django_db
def test_authorize_superuser() -> None:
    authorize_superuser(SuperuserFactory(), "create operations")
    for user in (UserFactory(), AnonymousUser(), None, SuperuserFactory(is_active=False)):
        with pytest.raises(PermissionDenied) as caught:
            authorize_superuser(user, "create operations")
        assert "may not create operations: only an instance administrator may." in str(caught.value)
