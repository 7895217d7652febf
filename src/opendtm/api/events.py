"""Endpoints of event tracking: the events of an operation, and the alert since its last
published round. Thin: read through `events.queries`, under the same access rules as the
pages (events are not verified: the right to see unpublished figures, analysts and up)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Query, Router

from opendtm.api.access import operation_for, request_user
from opendtm.api.registry import Limit, Offset
from opendtm.api.schemas import EventPage
from opendtm.events.exports import NOT_A_ROUND, event_row
from opendtm.events.queries import events_alert, events_of

router = Router(tags=["events"])
SINCE = Query(None, description="Events dated on or after (YYYY-MM-DD).")


@router.get("/operations/{code}/events", response=EventPage, summary="Events of an operation")
def events(
    request: HttpRequest,
    code: str,
    since: dt.date | None = SINCE,
    alert: bool = Query(
        False, description="Only the events since the last published round (the alert)."
    ),
    limit: int = Limit,
    offset: int = Offset,
) -> dict[str, object]:
    """The operation's events, newest first: dated, never tied to a round, never summed into
    a round's figures. Needs the right to see unpublished figures."""
    operation = operation_for(request, code)
    user = request_user(request)
    headline = events_alert(user=user, operation=operation)
    day = since
    if alert and headline.since is not None:
        day = headline.since if day is None else max(day, headline.since)
    found = events_of(user=user, operation=operation, since=day)
    count = found.count()
    return {
        "count": count,
        "limit": limit,
        "offset": offset,
        "since": day,
        "last_published_round": headline.round_number,
        "headline": headline.headline(),
        "note": NOT_A_ROUND,
        "results": [event_row(e) for e in found[offset : offset + limit]],
    }
