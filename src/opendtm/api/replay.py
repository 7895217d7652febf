"""Published answers replayed as they were sent, while nothing they depend on has changed.

A published answer is the same bytes, headers included, for the same request until a round,
a snapshot, an operation, a gazetteer or the caller's access changes (`api.cache`). Even on
the short path (`api.fastpath`) a cached answer costs the caller's token, the operation and
the rounds read as model instances, the question parsed and validated, the key derived and
hashed, and the header-setting middleware run: about 0.7 ms of CPU, against 0.24 ms for a
constant answer (docs/performance.md, "API under load"). `AnswerReplayMiddleware`, first in
settings.MIDDLEWARE, keeps the final response of a published answer (status, every header,
body) under the request that got it: scheme, host (checked against ALLOWED_HOSTS first), path,
query string, and every request header an answer may vary on. The same request is answered
with those bytes after one query (`api.queries.answer_facts`) finds everything the answer and
its access depend on as it was read before the answer was made. Any difference (a revoked
token, a withdrawn role, a round published or its snapshot rebuilt, an operation made private,
a token whose `last_used` is due) sends the request down the normal path, which decides and
answers it, and keeps the new answer.

Facts are read before the answer is made, so a change made while it is made leaves the kept
facts stale and the answer is not replayed. Requests with a cookie (browser sessions: their
access comes from the session), with If-None-Match, or other than GET go the normal path; so
do answers that set a cookie or vary on a header the request key does not hold. Kept answers
are bounded in number and bytes per process; the oldest go first.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import Resolver404, get_resolver

from opendtm.api.access import DTM_KEY_HEADER, presented_token
from opendtm.api.cache import answer_is_published
from opendtm.api.errors import NotAuthenticated
from opendtm.api.fastpath import PREFIXES, cacheable_routes, route_cacheable
from opendtm.api.queries import answer_facts
from opendtm.api.services import token_digest

# The request headers a kept answer is told apart by: the credential, and those the answers
# vary on (language, compression). An answer varying on any other is not kept.
KEYED_HEADERS = ("Authorization", DTM_KEY_HEADER, "Accept-Language", "Accept-Encoding")
MAX_ENTRIES = 4096
MAX_BYTES = 64 << 20


@dataclass(frozen=True)
class Kept:
    """A response as it left the stack, and the facts read before it was made."""

    facts: tuple[Any, ...]
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


class _Kept:
    """The kept responses of this process, oldest first, within MAX_ENTRIES and MAX_BYTES."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, ...], Kept] = {}
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[str, ...]) -> Kept | None:
        return self._entries.get(key)

    def put(self, key: tuple[str, ...], kept: Kept) -> None:
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)
            self._entries[key] = kept
            self._bytes += len(kept.body)
            while self._entries and (len(self._entries) > MAX_ENTRIES or self._bytes > MAX_BYTES):
                oldest = next(iter(self._entries))
                self._bytes -= len(self._entries.pop(oldest).body)

    def drop(self, key: tuple[str, ...]) -> None:
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0


KEPT = _Kept()


def _digest(request: HttpRequest) -> str | None:
    """The stored form of the presented token (None for none; a malformed header gets no
    facts of a caller, and the normal path refuses it)."""
    try:
        token = presented_token(request)
    except NotAuthenticated:
        return None
    return token_digest(token) if token is not None else None


def _may_be_published(request: HttpRequest) -> bool:
    """Whether the path leads to a route whose answers the response cache keeps."""
    try:
        match = get_resolver(getattr(request, "urlconf", None)).resolve(request.path_info)
    except Resolver404:
        return False
    return route_cacheable(match.view_name)


def _replayable_headers(response: HttpResponseBase) -> bool:
    keyed = {h.lower() for h in KEYED_HEADERS}
    varied = {h.strip().lower() for h in response.headers.get("Vary", "").split(",")}
    return varied - {""} <= keyed | {"cookie"}


class AnswerReplayMiddleware:
    """Published answers replayed while their facts hold (module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        cacheable_routes()  # the routes registered (the URLconf loaded) before any request

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        meta = request.META
        if (
            request.method != "GET"
            or not request.path_info.startswith(PREFIXES)
            or meta.get("HTTP_COOKIE")
            or meta.get("HTTP_IF_NONE_MATCH")
        ):
            return self.get_response(request)
        try:
            host = request.get_host()  # ALLOWED_HOSTS, as CommonMiddleware checks it
        except DisallowedHost:
            return self.get_response(request)  # refused there
        if settings.SECURE_SSL_REDIRECT and not request.is_secure():
            return self.get_response(request)  # redirected by SecurityMiddleware
        key = (
            request.scheme,
            host,
            request.path_info,
            meta.get("QUERY_STRING", ""),
            *(request.headers.get(h, "\0") for h in KEYED_HEADERS),
        )
        kept = KEPT.get(key)
        if kept is None and not _may_be_published(request):
            return self.get_response(request)  # no answer of it is ever kept: no facts read
        facts = answer_facts(_digest(request))
        if kept is not None:
            if kept.facts == facts:
                replayed = HttpResponse(kept.body, status=kept.status)
                for name, value in kept.headers:
                    replayed.headers[name] = value
                return replayed
            KEPT.drop(key)
        response = self.get_response(request)
        if (
            answer_is_published(request)
            and isinstance(response, HttpResponse)
            and response.status_code == 200
            and not response.cookies
            and _replayable_headers(response)
        ):
            KEPT.put(
                key,
                Kept(
                    facts=facts,
                    status=response.status_code,
                    headers=tuple(response.headers.items()),
                    body=response.content,
                ),
            )
        return response
