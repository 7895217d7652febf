"""Reads for accounts: which operations a user may see, users and their grants.

`operations_visible_to` is the restricted queryset every read of operations starts from, so a
page, an endpoint or a command can never list an operation its user may not see.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db.models import Prefetch, Q, QuerySet

from opendtm.accounts.choices import Action
from opendtm.accounts.models import OperationGrant
from opendtm.accounts.roles import PUBLIC_ACTIONS, is_superuser, roles_allowing

if TYPE_CHECKING:
    from opendtm.operations.models import Operation


def operations_visible_to(user: AbstractBaseUser | AnonymousUser | None) -> QuerySet[Operation]:
    """Superuser: every operation; others: those they hold a role on plus the public ones.

    Anonymous and deactivated users see the public operations only. One query, no duplicates
    (the grant test is a subquery, not a join).
    """
    from opendtm.operations.models import Operation

    operations = Operation.objects.all()
    if is_superuser(user):
        return operations
    public = Q(is_public=True)
    if user is None or not user.is_authenticated or not getattr(user, "is_active", False):
        return operations.filter(public)
    granted = OperationGrant.objects.filter(user_id=user.pk).values("operation_id")
    return operations.filter(public | Q(pk__in=granted))


def operations_where(
    user: AbstractBaseUser | AnonymousUser | None, action: Action
) -> QuerySet[Operation]:
    """The operations on which the user may perform `action`, as `accounts.roles.can`
    decides it one operation at a time, in one query (usable as a subquery)."""
    from opendtm.operations.models import Operation

    operations = Operation.objects.all()
    if is_superuser(user):
        return operations
    allowed = Q(is_public=True) if action in PUBLIC_ACTIONS else Q(pk__in=[])
    if user is None or not user.is_authenticated or not getattr(user, "is_active", False):
        return operations.filter(allowed)
    granted = OperationGrant.objects.filter(
        user_id=user.pk, role__in=roles_allowing(action)
    ).values("operation_id")
    return operations.filter(allowed | Q(pk__in=granted))


def users_with_grants() -> QuerySet[User]:
    """Every login account by username, with its grants (and their operations) prefetched."""
    grants = OperationGrant.objects.select_related("operation").order_by("operation__code")
    return (
        get_user_model()
        .objects.order_by("username")
        .prefetch_related(Prefetch("grants", queryset=grants))
    )


def grants_of(operation: Operation) -> QuerySet[OperationGrant]:
    """The roles held on one operation, by username."""
    return (
        OperationGrant.objects.filter(operation=operation)
        .select_related("user")
        .order_by("user__username")
    )


def user_get(*, username: str) -> User:
    """One login account with its grants (prefetched); NotFound if there is none. The caller
    has authorized the reader (instance administrators only: `authorize_superuser`)."""
    from opendtm.core.errors import NotFound

    found = users_with_grants().filter(username=(username or "").strip()).first()
    if found is None:
        raise NotFound(f"No user {username!r}.", hint="See the accounts at /manage/users/.")
    return found


def user_language(user: User) -> str:
    """The language `user` chose for the pages ("" when none: the browser's is used)."""
    from opendtm.accounts.models import UserPreference

    found = UserPreference.objects.filter(user=user).values_list("language", flat=True).first()
    return found or ""
