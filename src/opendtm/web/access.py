"""The one gate every page passes: the operation named in the URL, then the role matrix.

`operation_view(action)` looks the operation up among those the user may see
(`operations.queries.operation_get`) and asks `accounts.roles.authorize` for the action; the
view gets the operation as `request.operation`. Refusals: an anonymous visitor is sent to the
login page; a logged-in user gets 404 for an operation they may not see (its existence is not
revealed) and 403 for an action their role does not allow.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from opendtm.accounts.choices import Action
from opendtm.accounts.roles import authorize
from opendtm.core.errors import NotFound, OpenDTMError, PermissionDenied
from opendtm.operations.models import Operation
from opendtm.operations.queries import operation_get

View = Callable[..., HttpResponseBase]


class OperationRequest(HttpRequest):
    """A request that passed `operation_view`: it carries the operation."""

    operation: Operation


def _refuse(request: HttpRequest, exc: OpenDTMError, status: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if status == 404:
        raise Http404(str(exc))
    return render(request, "web/error.html", {"message": str(exc)}, status=status)


def operation_view(action: Action) -> Callable[[View], View]:
    """Decorate a view taking `code=` from the URL: authorize `action` on that operation."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, code: str, **kwargs: Any) -> HttpResponseBase:
            try:
                operation = operation_get(user=request.user, code=code)
            except NotFound as exc:
                return _refuse(request, exc, 404)
            try:
                authorize(request.user, action, operation)
            except PermissionDenied as exc:
                return _refuse(request, exc, 403)
            typed = cast(OperationRequest, request)
            typed.operation = operation
            try:
                return view(typed, **kwargs)
            except NotFound as exc:
                if not request.user.is_authenticated:
                    return redirect_to_login(request.get_full_path())
                raise Http404(str(exc)) from None
            except PermissionDenied as exc:
                return _refuse(request, exc, 403)

        return wrapper

    return decorator
