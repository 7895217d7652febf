"""Reads of the API app: who a presented token belongs to."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.utils import timezone

from opendtm.api.models import ApiToken
from opendtm.api.services import token_digest

# `last_used` is refreshed at most this often, so a busy script does not write on every call.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def token_user(secret: str) -> User | None:
    """The active user a token belongs to, or None for an unknown token or inactive user."""
    token = (
        ApiToken.objects.select_related("user").filter(digest=token_digest(secret.strip())).first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used is None or now - token.last_used > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)
    return token.user
