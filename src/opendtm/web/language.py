"""The language of the pages: the user's own choice (remembered in their account, so it
follows them to another device), else the language cookie of a visitor's choice, else the
browser's Accept-Language (Django's LocaleMiddleware), else English.

The choice is read once, at login, into the session (`language_at_login`), so no request pays
a query for it; `UserLanguageMiddleware`, after the authentication middleware, activates it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from opendtm.accounts.queries import user_language
from opendtm.accounts.services import language_check, user_language_set

SESSION_KEY = "opendtm_language"
API_PREFIXES = ("/api/", "/v3/")


def language_at_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """Put the user's chosen language in their new session (auth plumbing, not a domain rule:
    the session is the only place a request reads it from)."""
    if hasattr(request, "session"):
        request.session[SESSION_KEY] = user_language(user)


user_logged_in.connect(language_at_login, dispatch_uid="opendtm.web.language_at_login")


class UserLanguageMiddleware:
    """Activate the language a logged-in user chose (after LocaleMiddleware, which chose from
    the cookie and the browser, and after the authentication middleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # The pages only: the API answers in no language of its own and reads the session and
        # the user only where an endpoint needs them (its pinned query counts); without a
        # session cookie there is no logged-in user, and the session is not even looked at.
        chosen = None
        if (
            not request.path.startswith(API_PREFIXES)
            and settings.SESSION_COOKIE_NAME in request.COOKIES
            and request.user.is_authenticated
        ):
            chosen = request.session.get(SESSION_KEY)
        if chosen:
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen
        response = self.get_response(request)
        if chosen:
            response.headers["Content-Language"] = chosen
        return response


@require_POST
def language_choose(request: HttpRequest) -> HttpResponse:
    """The switcher: remember the language (in the account of a logged-in user, and in the
    language cookie) and go back to the page it was chosen on."""
    language = language_check((request.POST.get("language") or "").strip().lower())
    if request.user.is_authenticated:
        user_language_set(user=request.user, language=language)
        request.session[SESSION_KEY] = language
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = redirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response
