"""How a page answers an error: the status each project error carries (`core.errors`, the
same the API answers with), rendered in the site's layout with its navigation.

`ErrorPageMiddleware` turns a project error that leaves a view into its page (a bad
parameter is a 400, never a 500); Django's own refusals (`Http404`, a bad request, a CSRF
failure, a crash) reach the same page through the handlers named in `opendtm.urls`. The
access gate (`web.access`) decides first whether an anonymous visitor is sent to log in.
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404
from django.utils.translation import gettext as _

from opendtm.core.errors import OpenDTMError

TEMPLATE = "web/error.html"


def _title(status: int) -> str:
    titles = {
        400: _("Bad request"),
        403: _("Not allowed"),
        404: _("Not found"),
        409: _("Not possible now"),
        500: _("Something went wrong"),
    }
    return titles.get(status, HTTPStatus(status).phrase)


def error_page(request: HttpRequest, status: int, message: str = "") -> HttpResponse:
    """The error page: what went wrong, in the layout (the operation's menu when the error
    happened inside one), with the way back."""
    context = {
        "status": status,
        "title": _title(status),
        "message": message,
        "operation": getattr(request, "operation", None),
    }
    return render(request, TEMPLATE, context, status=status)


NUL = "\x00"
NUL_MESSAGE = "A parameter holds a NUL character: no name, code or value can hold one."


def _holds_nul(request: HttpRequest) -> bool:
    """A NUL anywhere in the path or the parameters (PostgreSQL refuses it in any text, so it
    would fail in whichever query first met it)."""
    if NUL in request.path:
        return True
    given = [request.GET] + ([request.POST] if request.method == "POST" else [])
    return any(NUL in k or any(NUL in v for v in vs) for d in given for k, vs in d.lists())


class ErrorPageMiddleware:
    """A project error escaping a view becomes its page, with the error type's status; a
    request holding a NUL is refused before any view (the API's in its JSON error shape)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _holds_nul(request):
            if request.path.startswith(("/api/", "/v3/")):
                body = {"detail": NUL_MESSAGE, "code": "invalid_input"}
                return JsonResponse(body, status=400)
            return error_page(request, 400, NUL_MESSAGE)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OpenDTMError):
            return error_page(request, exception.http_status, str(exception))
        return None


def _said(exception: Exception | None) -> str:
    """A Django refusal's message, when it is one meant for a person (a URL that resolves to
    no page says nothing more than "not found")."""
    if exception is None or isinstance(exception, Resolver404):
        return ""
    text = exception.args[0] if exception.args else ""
    return text if isinstance(text, str) else ""


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_page(request, 400, _said(exception))


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_page(request, 403, _said(exception))


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    message = _said(exception) if isinstance(exception, Http404) else ""
    return error_page(request, 404, message)


def server_error(request: HttpRequest) -> HttpResponse:
    return error_page(request, 500, _("The error was logged. Try again, or go back."))
