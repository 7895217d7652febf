"""Reads of event tracking, always given the acting user.

Events are alerts, not verified and never a round figure: seeing them takes the right to see
unpublished figures (`Action.VIEW_UNPUBLISHED`: analysts and up), on a public operation too.
The alert is the events since the last published round of the operation (dated after its data
collection: `_alert_since`); with no published round, every event of the operation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, QuerySet, Sum
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from opendtm.accounts.choices import Action
from opendtm.accounts.roles import authorize, can
from opendtm.events.models import Event, EventConfirmation
from opendtm.operations.choices import RoundStatus
from opendtm.operations.models import Operation, Round
from opendtm.operations.queries import AnyUser


def events_of(
    *, user: AnyUser, operation: Operation, since: dt.date | None = None
) -> QuerySet[Event]:
    """The operation's events (on or after `since`, by event date), newest first."""
    authorize(user, Action.VIEW_UNPUBLISHED, operation)
    events = (
        Event.objects.filter(operation=operation)
        .select_related("admin_unit", "from_unit", "from_site", "to_unit", "to_site")
        .prefetch_related("confirmations__round")
    )
    if since is not None:
        events = events.filter(event_date__gte=since)
    return events.order_by("-event_date", "submission_id")


def event_get(*, user: AnyUser, operation: Operation, submission_id: str) -> Event:
    from opendtm.core.errors import NotFound

    event = events_of(user=user, operation=operation).filter(submission_id=submission_id).first()
    if event is None:
        raise NotFound(f"Operation {operation.code} has no event {submission_id!r}.")
    return event


def _last_published_round(*, operation: Operation) -> Round | None:
    """The operation's published round with the latest number, if any."""
    return (
        Round.objects.filter(operation=operation, status=RoundStatus.PUBLISHED)
        .order_by("-number")
        .first()
    )


@dataclass(frozen=True)
class EventAlert:
    """Events since the last published round: how many, how many individuals displaced (a
    sum of reported figures, counted or estimated, never added to a round), and from when."""

    operation: str
    round_number: int | None  # the last published round; None: no round published yet
    since: dt.date | None  # events dated on or after this day (the round's publication)
    events: int
    individuals: int
    estimated: int  # of which events whose figures are estimated

    def headline(self) -> str:
        """ "event tracking since round 3, not verified: 2 events, 1,240 individuals"."""
        counted = ngettext("%(n)s event", "%(n)s events", self.events) % {
            "n": number_format(self.events, force_grouping=True)
        }
        people = ngettext("%(n)s individual", "%(n)s individuals", self.individuals) % {
            "n": number_format(self.individuals, force_grouping=True)
        }
        if self.round_number is None:
            return _("event tracking, not verified: %(events)s, %(people)s") % {
                "events": counted,
                "people": people,
            }
        return _("event tracking since round %(round)s, not verified: %(events)s, %(people)s") % {
            "round": self.round_number,
            "events": counted,
            "people": people,
        }


def _alert_since(round_: Round | None) -> dt.date | None:
    """The first day the round could not have counted: the day after its data collection ended
    (its end date), else its start date; None without a round."""
    if round_ is None:
        return None
    if round_.end_date is not None:
        return round_.end_date + dt.timedelta(days=1)
    return round_.start_date


def events_alert(*, user: AnyUser, operation: Operation) -> EventAlert:
    """The alert: the events dated after the last published round's data collection."""
    published = _last_published_round(operation=operation)
    return _alert(
        user=user, operation=operation, since=_alert_since(published), round_number=published
    )


def _alert(
    *, user: AnyUser, operation: Operation, since: dt.date | None, round_number: Round | None
) -> EventAlert:
    events = events_of(user=user, operation=operation, since=since)
    totals = events.aggregate(n=Count("id"), ind=Sum("displaced_ind"))
    estimated = events.filter(count_method="estimated").count()
    return EventAlert(
        operation=operation.code,
        round_number=round_number.number if round_number is not None else None,
        since=since,
        events=totals["n"] or 0,
        individuals=totals["ind"] or 0,
        estimated=estimated,
    )


def events_alert_visible(*, user: AnyUser, operation: Operation) -> EventAlert | None:
    """The alert for a page any reader of the operation sees (the dashboard): None for a user
    who may not see events, and when there is no event since the last published round."""
    if not can(user, Action.VIEW_UNPUBLISHED, operation):
        return None
    alert = events_alert(user=user, operation=operation)
    return alert if alert.events else None


def confirmations_of(*, user: AnyUser, event: Event) -> QuerySet[EventConfirmation]:
    authorize(user, Action.VIEW_UNPUBLISHED, event.operation)
    return event.confirmations.select_related("round", "location", "confirmed_by").order_by(
        "round__number", "location__pcode"
    )
