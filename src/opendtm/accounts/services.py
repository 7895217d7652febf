"""Writes for accounts: users, grants and audit events."""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import models, transaction

from opendtm.accounts.choices import Role
from opendtm.accounts.models import AuditEvent, OperationGrant
from opendtm.core.errors import InvalidInput, NotFound


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
    """Create a login account."""
    user_model = get_user_model()
    username = username.strip()
    if not username:
        raise InvalidInput("A username cannot be empty.")
    if user_model.objects.filter(username=username).exists():
        raise InvalidInput(f"User {username!r} already exists.")
    user = user_model.objects.create_user(
        username=username, email=email, password=password, is_superuser=is_admin, is_staff=is_admin
    )
    audit_record(actor=actor, action="user.create", obj=user, summary=f"created user {username}")
    return user


@transaction.atomic
def grant_set(*, username: str, operation: Any, role: Role | None, actor: User | None) -> None:
    """Give a user a role on an operation, change it, or (role=None) take it away."""
    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first()
    if user is None:
        raise NotFound(f"No user {username!r}.", hint="Create it with `opendtm user create`.")
    before = (
        OperationGrant.objects.filter(user=user, operation=operation)
        .values_list("role", flat=True)
        .first()
    )
    if role is None:
        OperationGrant.objects.filter(user=user, operation=operation).delete()
    else:
        OperationGrant.objects.update_or_create(
            user=user, operation=operation, defaults={"role": role, "granted_by": actor}
        )
    audit_record(
        actor=actor,
        action="grant.set",
        obj=user,
        operation=operation,
        summary=f"{username}: {before or 'no role'} -> {role or 'no role'} on {operation.code}",
        changes={"role": [before, role]},
    )
