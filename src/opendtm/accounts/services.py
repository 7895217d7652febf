"""Writes for accounts: users, grants and audit events."""

from __future__ import annotations

import getpass
import os
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import models, transaction

from opendtm.accounts.choices import Action, Role
from opendtm.accounts.models import AuditEvent, OperationGrant
from opendtm.accounts.roles import authorize, authorize_superuser
from opendtm.core.choices import choice_parse
from opendtm.core.errors import Conflict, InvalidInput, NotFound

if TYPE_CHECKING:
    from opendtm.operations.models import Operation


def audit_record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model,
    summary: str,
    operation: Any = None,
    reason: str = "",
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the audit trail. Called by every service that writes."""
    return AuditEvent.objects.create(
        actor=actor,
        action=action,
        operation=operation,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        summary=summary,
        reason=reason,
        changes=changes or {},
    )


def user_for_cli() -> User:
    """The account the command line acts as: OPENDTM_USER, else the OS login.

    Whoever runs the CLI holds the database file already, so that account is a local
    administrator; it exists so that every change the CLI makes is still attributable.
    An OPENDTM_USER naming an existing ordinary account acts with that account's roles.
    """
    username = os.environ.get("OPENDTM_USER") or getpass.getuser() or "opendtm"
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=username, defaults={"is_superuser": True, "is_staff": True}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None = None,
    email: str = "",
    is_admin: bool = False,
    actor: User | None,
) -> User:
    """Create a login account (instance administrators only).

    Without a password the account cannot log in to the web until one is set, but it can
    still be named by OPENDTM_USER and hold roles.
    """
    authorize_superuser(actor, "create user accounts")
    user_model = get_user_model()
    username = (username or "").strip()
    if not username:
        raise InvalidInput("A username cannot be empty.")
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError:
        raise InvalidInput(
            f"Username {username!r} has characters that are not allowed.",
            hint="Use letters, digits and @ . + - _ only.",
        ) from None
    if len(username) > 150:
        raise InvalidInput(f"Username {username[:20]!r}... is longer than 150 characters.")
    if user_model.objects.filter(username=username).exists():
        raise Conflict(f"User {username!r} already exists.")
    if password is not None:
        _password_check(password, user_model(username=username, email=email))
    user = user_model.objects.create_user(
        username=username, email=email, password=password, is_superuser=is_admin, is_staff=is_admin
    )
    audit_record(
        actor=actor,
        action="user.create",
        obj=user,
        summary=f"created {'administrator' if is_admin else 'user'} {username}",
        changes={"is_superuser": [None, is_admin]},
    )
    return user


def _password_check(password: str, user: User) -> None:
    """Refuse an empty password or one Django's validators (settings) reject."""
    if not password:
        raise InvalidInput("The password is empty.", hint="Give a non-empty password.")
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise InvalidInput(
            f"Password refused for {user.username}: {' '.join(exc.messages)}",
            hint="Choose a longer, less common password (a few words make a good one).",
        ) from None


@transaction.atomic
def user_password_set(*, username: str, password: str, actor: User | None) -> User:
    """Set (or reset) a login account's password (instance administrators only).

    Django's password validators apply; the audit event says that it changed, never what to.
    """
    authorize_superuser(actor, "set passwords")
    found = get_user_model().objects.filter(username=(username or "").strip()).first()
    if found is None:
        raise NotFound(f"No user {username!r}.", hint="List them with `opendtm user list`.")
    _password_check(password, found)
    found.set_password(password)
    found.save(update_fields=["password"])
    audit_record(
        actor=actor,
        action="user.password",
        obj=found,
        summary=f"set the password of {found.username}",
        changes={"password": ["(hidden)", "(changed)"]},
    )
    return found


@transaction.atomic
def user_active_set(*, username: str, active: bool, actor: User | None, reason: str) -> User:
    """Deactivate a login account, or reactivate it (instance administrators only, with a
    reason). A deactivated account keeps its rows and its audit trail but can do nothing: it
    cannot log in, its roles grant nothing and its API tokens are refused from the next
    request on. An administrator cannot deactivate their own account (someone must remain)."""
    authorize_superuser(actor, "deactivate or reactivate user accounts")
    if not (reason or "").strip():
        raise InvalidInput(
            "A reason is required to deactivate or reactivate an account.",
            hint="Give it with --reason, e.g. --reason 'left the mission'.",
        )
    found = get_user_model().objects.filter(username=(username or "").strip()).first()
    if found is None:
        raise NotFound(f"No user {username!r}.", hint="List them with `opendtm user list`.")
    if not active and actor is not None and found.pk == actor.pk:
        raise Conflict(
            f"{found.username} cannot deactivate their own account.",
            hint="Ask another instance administrator to do it.",
        )
    if found.is_active == active:
        return found
    found.is_active = active
    found.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action="user.activate" if active else "user.deactivate",
        obj=found,
        summary=f"{'reactivated' if active else 'deactivated'} {found.username}",
        reason=reason.strip(),
        changes={"is_active": [not active, active]},
    )
    return found


@transaction.atomic
def grant_set(
    *, username: str, operation: Operation, role: Role | str | None, actor: User | None
) -> OperationGrant | None:
    """Give a user a role on an operation, change it, or (role=None) take it away.

    Needs MANAGE_OPERATION on the operation. Setting the role a user already holds writes
    nothing; taking away a role the user does not hold is NotFound.
    """
    authorize(actor, Action.MANAGE_OPERATION, operation)
    new_role = choice_parse(Role, role, field="role") if role is not None else None
    user_model = get_user_model()
    user = user_model.objects.filter(username=(username or "").strip()).first()
    if user is None:
        raise NotFound(f"No user {username!r}.", hint="Create it with `opendtm user create`.")
    grant = OperationGrant.objects.filter(user=user, operation=operation).first()
    before = Role(grant.role) if grant else None
    if new_role is None:
        if grant is None:
            raise NotFound(f"{user.username} has no role on operation {operation.code}.")
        grant.delete()
        result = None
    elif grant is not None and before == new_role:
        return grant
    elif grant is None:
        grant = OperationGrant.objects.create(
            user=user, operation=operation, role=new_role, granted_by=actor
        )
        result = grant
    else:
        grant.role = new_role
        grant.granted_by = actor
        grant.save(update_fields=["role", "granted_by", "granted_at"])
        result = grant
    audit_record(
        actor=actor,
        action="grant.set",
        obj=user,
        operation=operation,
        summary=(
            f"{user.username}: {before or 'no role'} -> {new_role or 'no role'} on {operation.code}"
        ),
        changes={"role": [before.value if before else None, new_role.value if new_role else None]},
    )
    return result


def language_check(language: str) -> str:
    """A language of the pages (a code of settings.LANGUAGES), else InvalidInput naming them."""
    from django.conf import settings

    codes = [code for code, _name in settings.LANGUAGES]
    if language not in codes:
        raise InvalidInput(
            f"language {language!r} is not one of the languages of OpenDTM.",
            hint=f"Choose one of: {', '.join(codes)}.",
        )
    return language


def user_language_set(*, user: User, language: str) -> str:
    """Remember the language `user` reads the pages in (a code of settings.LANGUAGES; "" to
    follow the browser again). Returns the code."""
    from opendtm.accounts.models import UserPreference

    if language:
        language_check(language)
    UserPreference.objects.update_or_create(user=user, defaults={"language": language})
    return language
