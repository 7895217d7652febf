"""The short path of cached answers: a published answer kept by the response cache
(`api.cache`) served without the parts of the stack that cannot change it.

A cached answer is a dictionary lookup, but through the whole stack it cost about 1 ms of CPU,
most of it in middleware that has nothing to do on an API GET (CSRF, messages, htmx,
WhiteNoise), in django-ninja's parameter parsing and its view machinery
(docs/performance.md, "Cached answers, short path"). `CachedAnswerMiddleware`, first in
settings.MIDDLEWARE, takes GET requests under /api/v1/ and /v3/, resolves the route and, for a
route registered here with `cacheable`, asks the route's key function for the key. That is the
same function the endpoint calls to key its answer, so the two cannot name different answers;
it checks access first (`access.operation_for`, `access.operations_readable`), so a refusal is
never served from the cache. A stored answer is sent through the middleware that set headers
on an answer (security, gzip, CSP, session's Vary, locale, common, clickjacking), the very
classes of settings.MIDDLEWARE, so its headers are the normal path's. Anything else (no such
route, not cacheable, a parameter in a form the key function does not read, a refusal, a miss)
goes down the normal stack with the request as it came, and is answered there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.locale import LocaleMiddleware
from django.urls import Resolver404, get_resolver
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.module_loading import import_string
from ninja import Schema
from pydantic import ValidationError

from opendtm.api.cache import cached_response
from opendtm.core.errors import OpenDTMError

KeyFunction = Callable[..., str | None]  # (request, **path kwargs) -> the cache key, or None
PREFIXES = ("/api/v1/", "/v3/")
# Middleware of settings.MIDDLEWARE the short path leaves out, and why no answer changes.
BYPASSED = {
    "whitenoise.middleware.WhiteNoiseMiddleware": "serves files under STATIC_URL only",
    "django.middleware.csrf.CsrfViewMiddleware": (
        "refuses unsafe methods only, and sets its cookie only for a page that asked a token"
    ),
    "django.contrib.messages.middleware.MessageMiddleware": "an API answer adds no message",
    "django_htmx.middleware.HtmxMiddleware": "reads htmx request headers for the pages",
}

_ROUTES: dict[str, KeyFunction] = {}


def cacheable(view_name: str) -> Callable[[KeyFunction], KeyFunction]:
    """Register `key_of` as the key function of the route named `view_name` (namespace
    included, as `reverse` takes it). The endpoint keys its answer with the same function."""

    def register(key_of: KeyFunction) -> KeyFunction:
        _ROUTES[view_name] = key_of
        return key_of

    return register


def route_cacheable(view_name: str) -> bool:
    """Whether the route named `view_name` keys its answers for the response cache."""
    return view_name in _ROUTES


def cacheable_routes() -> dict[str, KeyFunction]:
    """The registered routes, by view name (loads the URLconf, which registers them)."""
    get_resolver()._populate()
    return dict(_ROUTES)


# --- parameters ---------------------------------------------------------------------------


def query_read(request: HttpRequest, schema: type[Schema]) -> Schema | None:
    """The query string read into an endpoint's query schema, as django-ninja reads it (the
    same pydantic model), or None when a parameter is given twice or empty, or does not
    validate: django-ninja answers those itself (a 422, or an answer computed every time), so
    a key never names another question than the endpoint answers."""
    values: dict[str, str] = {}
    for name in request.GET:
        given = request.GET.getlist(name)
        if len(given) != 1 or not given[0]:
            return None
        values[name] = given[0]
    try:
        return schema.model_validate(values)
    except ValidationError:
        return None


# --- the middleware -----------------------------------------------------------------------


class _NotHere(HttpResponse):
    """What the short path's inner step answers when the normal stack must answer."""


class _PathlessLocale(LocaleMiddleware):
    """Django's LocaleMiddleware where no URL pattern names a language (`i18n_patterns`;
    checked when the short path is built): the language comes from the request (cookie,
    Accept-Language) and the path plays no part, so it is not looked up. Django looks it up
    twice a request, and a path that names no language is not memoised: a tenth of a hit's
    CPU. Same headers, same active language."""

    def process_request(self, request: HttpRequest) -> None:
        translation.activate(translation.get_language_from_request(request, check_path=False))
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


class CachedAnswerMiddleware:
    """Cached answers of registered routes without the rest of the stack (module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.short = self._chain()

    def _chain(self) -> Callable[[HttpRequest], Any]:
        """The middleware after this one in settings.MIDDLEWARE, less BYPASSED, around the
        lookup: built as Django builds its handler, so errors and headers come out alike."""
        path = f"{type(self).__module__}.{type(self).__name__}"
        after = settings.MIDDLEWARE[settings.MIDDLEWARE.index(path) + 1 :]
        pathless = not any(is_language_prefix_patterns_used(settings.ROOT_URLCONF))
        handler = convert_exception_to_response(self._answer)
        for name in reversed([m for m in after if m not in BYPASSED]):
            middleware = import_string(name)
            if middleware is LocaleMiddleware and pathless:
                middleware = _PathlessLocale
            handler = convert_exception_to_response(middleware(handler))
        return handler

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "GET" or not request.path_info.startswith(PREFIXES):
            return self.get_response(request)
        before = set(request.__dict__)
        response = self.short(request)
        if not isinstance(response, _NotHere):
            return response
        for name in set(request.__dict__) - before:  # the normal stack gets the request as it came
            del request.__dict__[name]
        return self.get_response(request)

    def _answer(self, request: HttpRequest) -> HttpResponse:
        try:
            match = get_resolver(getattr(request, "urlconf", None)).resolve(request.path_info)
        except Resolver404:
            return _NotHere()
        key_of = _ROUTES.get(match.view_name)
        if key_of is None:
            return _NotHere()
        try:
            key = key_of(request, **match.kwargs)
        except OpenDTMError:
            return _NotHere()  # refused: the endpoint refuses it again, in its own words
        response = cached_response(request, key) if key is not None else None
        return response if response is not None else _NotHere()
