"""How the API answers an error: one status per error type, decided in one place.

Services and queries raise `opendtm.core.errors` types; `error_status` maps them, and each API
(own API, DTM v3) renders the pair in its own envelope. Nothing else picks a status code.
"""

from __future__ import annotations

from http import HTTPStatus

from opendtm.core.errors import Conflict, InvalidInput, NotFound, OpenDTMError, PermissionDenied


class NotAuthenticated(OpenDTMError):
    """The data asked for needs a login or a token, and none (or an unknown token) was sent."""


# Most specific first; codes are stable strings scripts may test.
_STATUS: tuple[tuple[type[OpenDTMError], HTTPStatus, str], ...] = (
    (NotAuthenticated, HTTPStatus.UNAUTHORIZED, "not_authenticated"),
    (PermissionDenied, HTTPStatus.FORBIDDEN, "permission_denied"),
    (NotFound, HTTPStatus.NOT_FOUND, "not_found"),
    (InvalidInput, HTTPStatus.BAD_REQUEST, "invalid_input"),
    (Conflict, HTTPStatus.CONFLICT, "conflict"),
)


def error_status(exc: OpenDTMError) -> tuple[HTTPStatus, str]:
    """The HTTP status and the error code of an error meant for a person."""
    for kind, status, code in _STATUS:
        if isinstance(exc, kind):
            return status, code
    return HTTPStatus.BAD_REQUEST, "invalid_input"
