"""The role matrix: role -> actions on one operation. The only place access is decided.

Every view, endpoint, command and writing service asks `authorize()` (or `can()`); nothing else
checks roles. Acts that belong to no single operation (creating an operation or a login account)
are for instance administrators (superusers) only: `authorize_superuser()`.
The matrix and its reasons are recorded in docs/decisions/0001-roles-and-round-workflow.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from opendtm.accounts.choices import Action, Role
from opendtm.core.errors import PermissionDenied

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    from opendtm.operations.models import Operation

# A viewer reads, and downloads, published figures only (a partner on a private operation).
_VIEWER = frozenset({Action.VIEW_PUBLISHED, Action.EXPORT})
_ANALYST = _VIEWER | {Action.VIEW_UNPUBLISHED, Action.VIEW_RAW}
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

# What anyone, logged in or not, may do on an operation marked public. EXPORT means "download
# what you may see": without VIEW_UNPUBLISHED that is published figures only.
PUBLIC_ACTIONS = frozenset({Action.VIEW_PUBLISHED, Action.EXPORT})


def roles_allowing(action: Action) -> frozenset[Role]:
    """The roles whose holders may perform the action (for queries that decide in SQL)."""
    return frozenset(role for role, actions in ROLE_ACTIONS.items() if action in actions)


def _is_active_user(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    """Logged in and not deactivated: a deactivated account keeps no role."""
    return user is not None and user.is_authenticated and getattr(user, "is_active", False)


def is_superuser(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    """An active instance administrator: may do everything on every operation."""
    return _is_active_user(user) and bool(getattr(user, "is_superuser", False))


def role_of(user: AbstractBaseUser | AnonymousUser | None, operation: Operation) -> Role | None:
    """The user's role on the operation, or None (anonymous and deactivated users have none)."""
    if not _is_active_user(user) or user is None or user.pk is None:
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
    if is_superuser(user):
        return True
    if operation.is_public and action in PUBLIC_ACTIONS:
        return True
    role = role_of(user, operation)
    return role is not None and action in ROLE_ACTIONS[role]


def _who(user: AbstractBaseUser | AnonymousUser | None) -> str:
    return getattr(user, "username", None) or "anonymous"


def authorize(
    user: AbstractBaseUser | AnonymousUser | None, action: Action, operation: Operation
) -> None:
    """Raise PermissionDenied unless the user may perform the action on the operation."""
    if not can(user, action, operation):
        raise PermissionDenied(
            f"{_who(user)} may not {Action(action).label.lower()} in operation {operation.code}.",
            hint="Ask an admin of the operation for a role that allows it.",
        )


def authorize_superuser(user: AbstractBaseUser | AnonymousUser | None, doing: str) -> None:
    """Raise PermissionDenied unless the user is an instance administrator.

    `doing` completes "may not ...", e.g. "create operations".
    """
    if not is_superuser(user):
        raise PermissionDenied(
            f"{_who(user)} may not {doing}: only an instance administrator may.",
            hint="Ask an administrator (a user created with `opendtm user create --admin`).",
        )
