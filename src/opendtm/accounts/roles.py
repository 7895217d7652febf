"""The role matrix: role -> actions on one operation. The only place access is decided.

Every view, endpoint, command and writing service asks `authorize()` (or `can()`); nothing else
checks roles. Acts that belong to no single operation (creating an operation or a login account)
are for instance administrators (superusers) only: `authorize_superuser()`.
The matrix and its reasons are recorded in docs/decisions/0001-roles-and-round-workflow.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from opendtm.accounts.choices import Action, PortfolioAction, PortfolioRole, Role
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


# The regional project portfolio (docs/portfolio.md). A portfolio grant names a country office
# (ISO3) or, with no country, the whole region: a developer drafts and implements the projects
# of their office, a reviewer (regional emergency and post-crisis specialist) reviews and
# endorses, and imports what exists. Which move of a proposal needs which action:
# portfolio.workflow.PROJECT_TRANSITIONS.
PORTFOLIO_ROLE_ACTIONS: dict[PortfolioRole, frozenset[PortfolioAction]] = {
    PortfolioRole.VIEWER: frozenset({PortfolioAction.VIEW}),
    PortfolioRole.DEVELOPER: frozenset(
        {PortfolioAction.VIEW, PortfolioAction.DRAFT, PortfolioAction.IMPLEMENT}
    ),
    PortfolioRole.REVIEWER: frozenset(
        {PortfolioAction.VIEW, PortfolioAction.REVIEW, PortfolioAction.IMPORT}
    ),
}


def portfolio_scopes(
    user: AbstractBaseUser | AnonymousUser | None, action: PortfolioAction
) -> set[str] | None:
    """The country offices (ISO3) where the user may perform the action: None means every
    country (an administrator, or a grant for the whole region); an empty set, none."""
    if is_superuser(user):
        return None
    if not _is_active_user(user) or user is None or user.pk is None:
        return set()
    from opendtm.portfolio.models import PortfolioGrant

    scopes: set[str] = set()
    for role, country in PortfolioGrant.objects.filter(user_id=user.pk).values_list(
        "role", "country_iso3"
    ):
        if action in PORTFOLIO_ROLE_ACTIONS[PortfolioRole(role)]:
            if not country:
                return None
            scopes.add(country)
    return scopes


def can_portfolio(
    user: AbstractBaseUser | AnonymousUser | None, action: PortfolioAction, country_iso3: str
) -> bool:
    """True when the user may perform the action for the country office's projects."""
    scopes = portfolio_scopes(user, action)
    return scopes is None or country_iso3 in scopes


def authorize_portfolio(
    user: AbstractBaseUser | AnonymousUser | None, action: PortfolioAction, country_iso3: str
) -> None:
    """Raise PermissionDenied unless the user may perform the action for the country office
    (`country_iso3` "" asks for the whole region)."""
    allowed = portfolio_scopes(user, action) is None if not country_iso3 else None
    if allowed is None:
        allowed = can_portfolio(user, action, country_iso3)
    if not allowed:
        where = f"for country office {country_iso3}" if country_iso3 else "for the region"
        raise PermissionDenied(
            f"{_who(user)} may not {PortfolioAction(action).label.lower()} {where}.",
            hint="Ask an administrator for a portfolio role that allows it.",
        )
