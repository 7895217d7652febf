"""Login throttling's audit: every lockout django-axes decides (too many failed logins of one
account, or from one address) is an event of the audit log, like any other change of access."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model


def lockout_audit(*, username: str, ip_address: str) -> None:
    """Record the lockout: on the account when it exists, else on the attempt axes kept."""
    from axes.models import AccessAttempt

    from opendtm.accounts.services import audit_record

    user = get_user_model().objects.filter(username=username).first() if username else None
    target = user or AccessAttempt.objects.filter(ip_address=ip_address).order_by("-id").first()
    if target is None:
        return
    audit_record(
        actor=None,
        action="login.locked_out",
        obj=target,
        summary=f"logins refused for a while after repeated failures: account {username!r}, "
        f"address {ip_address}",
        changes={"username": username, "ip_address": ip_address},
    )


def _locked_out(sender: Any, request: Any, username: str, ip_address: str, **_: Any) -> None:
    lockout_audit(username=username or "", ip_address=ip_address or "")


def connect() -> None:
    from axes.signals import user_locked_out

    user_locked_out.connect(_locked_out, dispatch_uid="opendtm-lockout-audit")
