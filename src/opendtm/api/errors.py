"""How the API answers an error: the status and code each error type carries
(`core.errors`), the same the web pages answer with (`web.errors`).

Services and queries raise `opendtm.core.errors` types; each API (own API, DTM v3) renders the
pair in its own envelope. Nothing else picks a status code.
"""

from __future__ import annotations

from http import HTTPStatus

from opendtm.core.errors import OpenDTMError


class NotAuthenticated(OpenDTMError):
    """The data asked for needs a login or a token, and none (or an unknown token) was sent."""

    http_status = 401
    code = "not_authenticated"


def error_status(exc: OpenDTMError) -> tuple[HTTPStatus, str]:
    """The HTTP status and the error code of an error meant for a person."""
    return HTTPStatus(exc.http_status), exc.code
