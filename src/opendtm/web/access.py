"""The one gate every page passes: the operation named in the URL, then the role matrix.

`operation_view(action)` looks the operation up among those the user may see
(`operations.queries.operation_get`) and asks `accounts.roles.authorize` for the action; the
view gets the operation as `request.operation`. `superuser_view(doing)` gates the acts that
belong to no single operation (`accounts.roles.authorize_superuser`), `account_view` the pages
of one's own account (any logged-in user; the services decide the rest). Refusals: an
anonymous visitor is sent to the login page; a logged-in user gets 404 for an operation they
may not see (its existence is not revealed) and 403 for an action their role does not allow,
as pages of `web.errors`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from opendtm.accounts.choices import Action
from opendtm.accounts.roles import authorize, authorize_superuser
from opendtm.core.errors import NotFound, OpenDTMError, PermissionDenied
from opendtm.operations.models import Operation
from opendtm.operations.queries import operation_get

View = Callable[..., HttpResponseBase]


class OperationRequest(HttpRequest):
    """A request that passed `operation_view`: it carries the operation."""

    operation: Operation


def _refused(request: HttpRequest, exc: OpenDTMError) -> HttpResponseBase:
    """An anonymous visitor refused is sent to log in; anyone else gets the error's own page
    (`web.errors`: 404, 403)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    raise exc


def operation_view(action: Action) -> Callable[[View], View]:
    """Decorate a view taking `code=` from the URL: authorize `action` on that operation."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, code: str, **kwargs: Any) -> HttpResponseBase:
            try:
                operation = operation_get(user=request.user, code=code)
                authorize(request.user, action, operation)
                typed = cast(OperationRequest, request)
                typed.operation = operation
                return view(typed, **kwargs)
            except (NotFound, PermissionDenied) as exc:
                return _refused(request, exc)

        return wrapper

    return decorator


def superuser_view(doing: str) -> Callable[[View], View]:
    """Decorate a view of an act for instance administrators only; `doing` completes
    "may not ...", e.g. "manage user accounts"."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, **kwargs: Any) -> HttpResponseBase:
            try:
                authorize_superuser(request.user, doing)
            except PermissionDenied as exc:
                return _refused(request, exc)
            return view(request, **kwargs)

        return wrapper

    return decorator


def account_view(view: View) -> View:
    """Decorate a view of the logged-in user's own account: an anonymous visitor logs in
    first, a deactivated account is refused."""

    @wraps(view)
    def wrapper(request: HttpRequest, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated or not request.user.is_active:
            return _refused(request, PermissionDenied("A deactivated account can do nothing."))
        return view(request, **kwargs)

    return wrapper
