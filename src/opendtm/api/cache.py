"""The response cache of published figures: answers of published rounds, kept as the bytes
sent, under a key that names everything the answer depends on.

Published figures never change once their snapshot is built, so the same question gets the
same bytes until the snapshot is rebuilt, the round reopened or republished, or a round's
dates edited. The key therefore holds, besides the question (every field of its
`figures.request.FiguresRequest`, the one shape the endpoint also answers) and the format, the
state of every published round the answer reads (number, dates, snapshot id, build time and
threshold) read fresh on every request with one query (`api.queries.round_states`): a
rebuild makes a new key, a reopened round has no snapshot and is not cached, and nothing stale
can be served. A `pcode` is keyed as given, with the country's latest gazetteer version (every
change of a gazetteer is a new version), so no unit is looked up to answer from the cache.
Entries are never invalidated, only left behind for the cache to cull. What the caller's
access changes about the answer (exact or suppressed values) is part of the key; who the caller
is otherwise is not, because a published round's answer is the same for everyone who may read
it.

Access is checked before the cache is read (`access.operation_for`, `access.request_user`): a
revoked token or a withdrawn role is refused at once. Unpublished rounds (computed live) and
answers larger than MAX_BODY are never stored. Why a cache per process: docs/decisions/0003.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_vary_headers
from ninja import Schema
from ninja.responses import NinjaJSONEncoder

from opendtm.accounts.choices import Action
from opendtm.accounts.roles import can
from opendtm.api.access import DTM_KEY_HEADER, request_user
from opendtm.api.queries import round_states
from opendtm.figures.choices import Grouping
from opendtm.figures.request import FiguresRequest
from opendtm.operations.choices import RoundStatus
from opendtm.operations.models import Operation

CACHE_ALIAS = "figures"
MAX_BODY = 256 * 1024  # bigger answers (whole-level downloads) are rare; they are not kept
KEPT_HEADERS = ("Content-Type", "Content-Disposition")
VARY = ("Authorization", DTM_KEY_HEADER)
_VERSION = "1"  # bump when the shape of answers changes without a snapshot rebuild

RoundState = tuple[Any, ...]
_PUBLISHED = "_opendtm_published_answer"


@dataclass(frozen=True)
class Stored:
    """An answer as sent: body, entity tag, and the headers that describe the body."""

    body: bytes
    etag: str
    headers: tuple[tuple[str, str], ...]


# --- serialising ------------------------------------------------------------------------------


def json_response(schema: type[Schema], data: dict[str, Any]) -> HttpResponse:
    """`data` checked against the endpoint's schema and rendered as django-ninja renders a
    returned dict, so a stored answer and a computed one are the same bytes."""
    dumped = schema.model_validate(data).model_dump()
    body = json.dumps(dumped, cls=NinjaJSONEncoder)
    return HttpResponse(body, content_type="application/json; charset=utf-8")


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _matches(request: HttpRequest, etag: str) -> bool:
    """If-None-Match holds the tag (weak comparison: GZipMiddleware weakens tags it sends)."""
    header = request.headers.get("If-None-Match", "")
    if not header:
        return False
    tags = {t.strip().removeprefix("W/") for t in header.split(",")}
    return "*" in tags or etag in tags


def _send(request: HttpRequest, stored: Stored) -> HttpResponse:
    if _matches(request, stored.etag):
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(stored.body)
        for name, value in stored.headers:
            response[name] = value
    response["ETag"] = stored.etag
    patch_vary_headers(response, VARY)
    return response


def _store(response: HttpResponse) -> Stored:
    body = response.content
    headers = tuple((n, response[n]) for n in KEPT_HEADERS if response.has_header(n))
    return Stored(body=body, etag=_etag(body), headers=headers)


def answer_replayable(request: HttpRequest) -> None:
    """Mark the request's answer as a kept published one (`api.replay` may replay it)."""
    setattr(request, _PUBLISHED, True)


def answer_is_published(request: HttpRequest) -> bool:
    """Whether the request was answered with a kept published answer."""
    return getattr(request, _PUBLISHED, False)


def cached_response(request: HttpRequest, key: str) -> HttpResponse | None:
    """The answer kept under `key` as it is sent (or its 304), None when none is kept. Call
    after the access check; the short path (`api.fastpath`) sends it as it is."""
    stored = caches[CACHE_ALIAS].get(key)
    if stored is None:
        return None
    answer_replayable(request)
    return _send(request, stored)


def figures_response(
    request: HttpRequest, key: str | None, produce: Callable[[], HttpResponse]
) -> HttpResponse:
    """The answer under `key` from the cache, else `produce()`d and kept (a 200 of at most
    MAX_BODY bytes). `key` None: computed every time, never kept. Either way the answer carries
    an ETag, and a request whose If-None-Match holds it gets 304 Not Modified."""
    if key is not None and (cached := cached_response(request, key)) is not None:
        return cached
    response = produce()
    if response.status_code != 200 or response.streaming:
        return response
    stored = _store(response)
    if key is not None and len(stored.body) <= MAX_BODY:
        caches[CACHE_ALIAS].set(key, stored)
        answer_replayable(request)
    return _send(request, stored)


def _key(parts: Iterable[Any]) -> str:
    digest = hashlib.sha256(repr(tuple(parts)).encode()).hexdigest()
    return f"figures:{_VERSION}:{digest}"


def round_state(row: Sequence[Any]) -> RoundState:
    """A round's number, status, dates and snapshot (id, build time, threshold), hashable,
    from a row of `api.queries.round_states`: what `figures_key` takes as `states`."""
    return tuple(v.isoformat() if isinstance(v, dt.date | dt.datetime) else v for v in row)


def _usable(state: RoundState, *, exact: bool) -> bool:
    """A published round whose snapshot answers the question (suppressed answers need the
    snapshot's threshold to be today's, else the figures are computed live)."""
    _n, status, _s, _e, snapshot, _b, threshold = state
    if status != RoundStatus.PUBLISHED or snapshot is None:
        return False
    return exact or threshold == settings.OPENDTM_SUPPRESSION_THRESHOLD


# --- keys -------------------------------------------------------------------------------------


def own_key(request: HttpRequest, figures: FiguresRequest, *, fmt: str) -> str | None:
    """The key of an own-API figures answer (`figures_key`), with the facts it needs read for
    this request: the rounds' states (one query), and the caller's role only when the answer
    depends on it. Call after `operation_for`: the caller may read the published figures."""
    operation = figures.operation
    rows = round_states(
        [operation.pk], gazetteer_of=operation.country_iso3 if figures.pcode else None
    )
    return figures_key(
        figures,
        fmt=fmt,
        states=[round_state(row[1:8]) for row in rows],
        gazetteer_id=rows[0][8] if figures.pcode and rows else None,
        unpublished=lambda: can(request_user(request), Action.VIEW_UNPUBLISHED, operation),
    )


def figures_key(
    figures: FiguresRequest,
    *,
    fmt: str,
    states: Sequence[RoundState],
    gazetteer_id: int | None,
    unpublished: Callable[[], bool],
) -> str | None:
    """The key of the answer to `figures` rendered as `fmt`, or None when it is not a
    published round's answer from its snapshot (then it is computed, and any refusal raised,
    by the endpoint itself).

    The one derivation of a figures key: every field of the request is part of it (a field
    added to `FiguresRequest` is keyed without a change here), with the states of the rounds
    the answer reads (`api.queries.round_states`, by number), the country's latest gazetteer
    version when a P-code is named, and the access facts: `unpublished()` says whether the
    caller may see unpublished rounds, asked only when the answer depends on it.
    """
    if figures.grouping == Grouping.ROUND:
        return None  # a time series reads every round the caller may see: not kept
    published = [r for r in states if r[1] == RoundStatus.PUBLISHED]
    number, exact = figures.round_number, figures.exact
    # The role matters for exact values, and for the default round when the latest round is
    # not published (then it is the default of those who may see it); not otherwise.
    needs_role = exact or (number is None and list(states[-1:]) != published[-1:])
    may_see = needs_role and unpublished()
    if exact and not may_see:
        return None  # refused by the figures query: exact values are for analysts
    if number is None:
        seen = states if may_see else published
        target = seen[-1] if seen else None
    else:
        target = next((r for r in states if r[0] == number), None)
    if target is None:
        return None
    # The round itself and the published rounds before it (the change is measured against
    # the latest of them) are the whole of what the answer reads.
    read = [r for r in published if r[0] <= target[0]]
    if target not in read or not all(_usable(r, exact=exact) for r in read):
        return None
    return _key(
        (
            "own",
            fmt,
            _request_parts(figures),
            target[0],
            None if exact else settings.OPENDTM_SUPPRESSION_THRESHOLD,
            gazetteer_id if figures.pcode else None,
            tuple(read),
        )
    )


def _request_parts(figures: FiguresRequest) -> tuple[tuple[str, Any], ...]:
    """Every field of the request, by name; the operation by what its answers depend on."""
    parts = []
    for field in fields(figures):
        value = getattr(figures, field.name)
        if isinstance(value, Operation):
            value = (value.pk, value.code, value.country_iso3, value.location_level)
        elif isinstance(value, dt.date):
            value = value.isoformat()
        parts.append((field.name, value))
    return tuple(parts)


def v3_key(
    request: HttpRequest,
    *,
    endpoint: str,
    operations: Sequence[Any],
    filters: Iterable[str],
) -> str | None:
    """The key of a DTM API v3 answer over these operations (the ones the requester may see),
    or None when one of their published rounds is not answered from its snapshot.

    v3 answers hold published, suppressed figures whoever asks, so they depend on the caller
    only through which operations they may see: callers seeing the same share entries.
    """
    rounds = [
        (row[0], *round_state(row[1:]))
        for row in round_states([o.pk for o in operations])
        if row[2] == RoundStatus.PUBLISHED
    ]
    if not all(_usable(r[1:], exact=False) for r in rounds):
        return None
    given = tuple((name, value) for name in filters if (value := request.GET.get(name, "").strip()))
    described = tuple(
        (o.pk, o.code, o.name, o.country_iso3, o.crisis_type, o.location_level) for o in operations
    )
    return _key(
        (
            "v3",
            endpoint,
            settings.OPENDTM_SUPPRESSION_THRESHOLD,
            given,
            described,
            tuple(rounds),
        )
    )
