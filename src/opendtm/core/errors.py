"""Errors meant for a person: one clear line saying what is wrong and what to do.

Services raise these; the CLI, web and API turn them into a message, never a traceback. Each
type carries its HTTP status and a stable code, so the web and the API answer an error alike
(`api.errors`, `web.errors`) and no view picks a status of its own.
"""

from __future__ import annotations


class OpenDTMError(Exception):
    """Base for every error a user can fix. `str()` is the message shown to them."""

    exit_code = 1
    http_status = 400
    code = "invalid_input"

    def __init__(self, message: str, *, hint: str = "") -> None:
        self.message = message
        self.hint = hint
        super().__init__(message)

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()


class NotFound(OpenDTMError):
    """The thing named does not exist (unknown operation, round, P-code, file)."""

    http_status = 404
    code = "not_found"


class InvalidInput(OpenDTMError):
    """The input is malformed or breaks a rule; nothing was written."""


class Conflict(OpenDTMError):
    """The request is valid but the current state refuses it (published round, duplicate code)."""

    http_status = 409
    code = "conflict"


class PermissionDenied(OpenDTMError):
    """The user's role on the operation does not allow the action."""

    exit_code = 3
    http_status = 403
    code = "permission_denied"


class Unavailable(OpenDTMError):
    """A piece of the machine the request needs is missing (a system library, a font): the
    message names it and how to install it."""

    exit_code = 69  # EX_UNAVAILABLE
    http_status = 503
    code = "unavailable"


def library_panic(exc: BaseException) -> bool:
    """Whether `exc` is a Rust library's panic on the data it was given (pyo3's PanicException,
    from Polars or fastexcel). It derives from BaseException, not Exception, so an `except
    Exception` lets it through as a traceback: every boundary where a library runs on a file's
    data checks for it too."""
    kind = type(exc)
    return kind.__name__ == "PanicException" and kind.__module__ == "pyo3_runtime"


def panic_text(exc: BaseException) -> str:
    """The first line of a panic's message, short."""
    lines = str(exc).strip().splitlines()
    return (lines[0] if lines else type(exc).__name__)[:200]
