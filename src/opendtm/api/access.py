"""Who is asking, and which operation they may read: the API's side of the role rules.

A request is made by its session user (the web), or by the owner of the token in
`Authorization: Bearer <token>` (or `Ocp-Apim-Subscription-Key: <token>` for DTM API v3
clients). An unknown token is refused (401) rather than treated as anonymous, so a typo in a
script fails loudly. Access itself is decided by `accounts.roles` only.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import HttpRequest

from opendtm.accounts.choices import Action
from opendtm.accounts.queries import operations_visible_to
from opendtm.accounts.roles import can
from opendtm.api.errors import NotAuthenticated
from opendtm.api.queries import operation_by_code, operations_all, token_user
from opendtm.operations.models import Operation
from opendtm.operations.queries import operation_get

AnyUser = AbstractBaseUser | AnonymousUser
DTM_KEY_HEADER = "Ocp-Apim-Subscription-Key"
_CACHE = "_opendtm_api_user"
_OPERATIONS = "_opendtm_api_operations"


def presented_token(request: HttpRequest) -> str | None:
    """The token a request presents (Bearer, else the DTM v3 key header), None for none; a
    malformed Authorization header is refused."""
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthenticated(
                "The Authorization header must be 'Bearer <token>'.",
                hint="Issue a token with `opendtm user token USERNAME`.",
            )
        return token.strip()
    key = request.headers.get(DTM_KEY_HEADER, "")
    return key.strip() or None


def request_user(request: HttpRequest) -> AnyUser:
    """The user a request acts for: a token's owner, else the session user (maybe anonymous)."""
    cached: AnyUser | None = getattr(request, _CACHE, None)
    if cached is not None:
        return cached
    token = presented_token(request)
    user: AnyUser
    if token is not None:
        owner = token_user(token)
        if owner is None:
            raise NotAuthenticated(
                "The API token is unknown or its user is deactivated.",
                hint="Issue a new one with `opendtm user token USERNAME`.",
            )
        user = owner
    else:
        user = getattr(request, "user", None) or AnonymousUser()
    setattr(request, _CACHE, user)
    return user


def operation_for(request: HttpRequest, code: str) -> Operation:
    """The operation `code` if the requester may read its published figures.

    An operation the requester may not see answers 404 exactly as one that does not exist,
    to the anonymous and to a logged-in user without a role alike (as the web does), so an
    answer never tells that a private operation exists. Checked once per request: the answer
    is kept on the request.
    """
    known: dict[str, Operation] = request.__dict__.setdefault(_OPERATIONS, {})
    if code not in known:
        # The common case in one cheap query; anything else (no such operation, no access)
        # takes the full path, which raises the same NotFound for both.
        found = operation_by_code((code or "").strip().lower())
        if found is None or not can(request_user(request), Action.VIEW_PUBLISHED, found):
            found = operation_get(user=request_user(request), code=code)
        known[code] = found
    return known[code]


def operations_readable(request: HttpRequest) -> list[Operation]:
    """The operations whose published figures the requester may read, by id.

    Decided by `accounts.roles.can` on one cheap read of all operations when that needs no
    role (the anonymous, or only public operations); otherwise by the canonical
    `accounts.queries.operations_visible_to` (one query however many operations).
    """
    user = request_user(request)
    everything = operations_all()
    if user.is_authenticated and any(not o.is_public for o in everything):
        return list(operations_visible_to(user).order_by("pk"))
    return [o for o in everything if can(user, Action.VIEW_PUBLISHED, o)]
