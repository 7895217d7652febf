"""The role matrix: role -> actions on one operation. The only place access is decided.

Every view, endpoint and command asks `authorize()` (or `can()`); nothing else checks roles.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from opendtm.accounts.choices import Action, Role
from opendtm.core.errors import PermissionDenied

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    from opendtm.operations.models import Operation

_VIEWER = frozenset({Action.VIEW_PUBLISHED})
_ANALYST = _VIEWER | {Action.VIEW_UNPUBLISHED, Action.VIEW_RAW, Action.EXPORT}
_MANAGER = _ANALYST | {
    Action.IMPORT,
    Action.CORRECT,
    Action.MANAGE_ROUNDS,
    Action.MANAGE_SITES,
}
_ADMIN = _MANAGER | {Action.MANAGE_OPERATION}

ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.VIEWER: _VIEWER,
    Role.ANALYST: frozenset(_ANALYST),
    Role.MANAGER: frozenset(_MANAGER),
    Role.ADMIN: frozenset(_ADMIN),
}

# What anyone, logged in or not, may do on an operation marked public.
PUBLIC_ACTIONS = frozenset({Action.VIEW_PUBLISHED, Action.EXPORT})


def role_of(user: AbstractBaseUser | AnonymousUser | None, operation: Operation) -> Role | None:
    """The user's role on the operation, or None."""
    if user is None or not user.is_authenticated:
        return None
    from opendtm.accounts.models import OperationGrant

    role = (
        OperationGrant.objects.filter(user_id=user.pk, operation_id=operation.pk)
        .values_list("role", flat=True)
        .first()
    )
    return Role(role) if role else None


def can(
    user: AbstractBaseUser | AnonymousUser | None, action: Action, operation: Operation
) -> bool:
    """True when the user may perform the action on the operation."""
    if user is not None and user.is_authenticated and getattr(user, "is_superuser", False):
        return True
    if operation.is_public and action in PUBLIC_ACTIONS:
        return True
    role = role_of(user, operation)
    return role is not None and action in ROLE_ACTIONS[role]


def authorize(
    user: AbstractBaseUser | AnonymousUser | None, action: Action, operation: Operation
) -> None:
    """Raise PermissionDenied unless the user may perform the action on the operation."""
    if not can(user, action, operation):
        who = getattr(user, "username", None) or "anonymous"
        raise PermissionDenied(
            f"{who} may not {Action(action).label.lower()} in operation {operation.code}.",
            hint="Ask an admin of the operation for a role that allows it.",
        )
