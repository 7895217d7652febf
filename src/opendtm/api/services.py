"""Writes of the API app: issuing tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction

from opendtm.accounts.roles import authorize_superuser
from opendtm.accounts.services import audit_record
from opendtm.api.models import ApiToken
from opendtm.core.errors import InvalidInput, NotFound

TOKEN_PREFIX = "odtm_"
# How much of a token is kept in clear to recognise it by in lists: the fixed "odtm_" and 6
# random characters (36 bits) of its 43 (256 bits), so what is left to guess is still 220 bits.
SHOWN_LENGTH = len(TOKEN_PREFIX) + 6


def token_digest(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    """A new token and the secret itself, which is never stored and never shown again."""

    token: ApiToken
    secret: str


@transaction.atomic
def token_create(*, username: str, name: str = "", actor: User | None) -> IssuedToken:
    """Issue a token for an active user; the secret is returned once. A user may issue their
    own tokens; issuing one for someone else is for instance administrators."""
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise NotFound(f"No user {username!r}.", hint="Create it first with `opendtm user create`.")
    if actor is None or actor.pk != user.pk:
        authorize_superuser(actor, f"issue API tokens for {username}")
    if not user.is_active:
        raise InvalidInput(
            f"User {username} is deactivated: a token of theirs would grant nothing.",
            hint="Reactivate the account first.",
        )
    if len(name) > 100:
        raise InvalidInput(f"Token name is {len(name)} characters long; the limit is 100.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, digest=token_digest(secret), prefix=secret[:SHOWN_LENGTH]
    )
    audit_record(
        actor=actor,
        action="api_token_create",
        obj=token,
        summary=f"API token {name or token.pk} issued to {user.username}",
    )
    return IssuedToken(token=token, secret=secret)


@transaction.atomic
def token_revoke(*, token_id: int, actor: User | None, reason: str = "") -> ApiToken:
    """Revoke a token at once: it is deleted, so the next request with it is refused (the
    audit trail keeps who revoked which token of whom, and why: its `changes` hold the token's
    owner, name, prefix and creation, which `api.queries.tokens_revoked_visible_to` lists).
    A user may revoke their own tokens; revoking someone else's is for instance
    administrators."""
    token = ApiToken.objects.select_related("user").filter(pk=token_id).first()
    if token is None:
        raise NotFound(
            f"No API token {token_id}.", hint="List the tokens with `opendtm user token --list`."
        )
    if actor is None or actor.pk != token.user_id:
        authorize_superuser(actor, f"revoke API tokens of {token.user.username}")
    audit_record(
        actor=actor,
        action="api_token_revoke",
        obj=token,
        summary=f"API token {token.name or token.pk} of {token.user.username} revoked",
        reason=(reason or "").strip(),
        changes={
            "user": [token.user.username, None],
            "name": [token.name, None],
            "prefix": [token.prefix, None],
            "created": [token.created.isoformat(), None],
        },
    )
    token.delete()
    return token
