"""Reads of operations, rounds and sites, always for a reader (`user`). Every read of an
operation starts from the restricted queryset `operations_visible_to(user)`, every read of
rounds from `Round.objects.visible_to(user, ...)`, and a site, its status and its history are
what the assessments in those rounds say (docs/figures.md, "A site's status")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, TypedDict

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from opendtm.accounts.choices import Action
from opendtm.accounts.queries import operations_visible_to, operations_where
from opendtm.accounts.roles import can
from opendtm.core.choices import choice_parse
from opendtm.core.errors import NotFound
from opendtm.gazetteer.models import AdminUnit, GazetteerVersion
from opendtm.gazetteer.queries import unit_or_below, unit_resolve, units_resolve
from opendtm.mobility.models import SiteAssessment
from opendtm.operations.choices import SiteStatus, SiteType
from opendtm.operations.models import Operation, Round, RoundTransition, Site, SiteStatusChange

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

AnyUser = AbstractBaseUser | AnonymousUser | None


class RoundCount(TypedDict):
    """Annotation added by `operation_list`."""

    round_count: int


class TransitionCount(TypedDict):
    """Annotation added by `rounds_of`."""

    transition_count: int


class MoveBy(TypedDict):
    """Annotation added by `round_transitions`."""

    by_name: str


class SiteState(TypedDict):
    """Annotations of every site read (`sites_of`, `site_get`): its status as its latest
    assessment in a round the reader may see reports it (`current_status`), that round's
    number (`status_round`, None when no such assessment reports one and the registry's
    recorded status stands), the date it was reported on (`status_on`) and, for a closed
    site, since when it is known closed (`current_closed_on`: `status_on`, or the registry's
    closing date when the status is the registry's)."""

    current_status: str
    status_round: int | None
    status_on: dt.date | None
    current_closed_on: dt.date | None


# --- gazetteer reads the operations need ---------------------------------------------------


def gazetteer_version_latest(*, country_iso3: str) -> GazetteerVersion | None:
    """The most recently loaded gazetteer version of a country, or None when none is loaded."""
    return (
        GazetteerVersion.objects.filter(country_iso3=country_iso3.upper())
        .order_by("-loaded_at", "-id")
        .first()
    )


def operations_behind_gazetteer(*, version: GazetteerVersion) -> list[str]:
    """The codes of the operations of `version`'s country on a version loaded before it, by
    code: they publish on their older version until `operation_gazetteer_adopt` moves them."""
    return list(
        Operation.objects.filter(
            country_iso3=version.country_iso3, gazetteer_version_id__lt=version.pk
        )
        .order_by("code")
        .values_list("code", flat=True)
    )


def admin_unit_for_code(*, country_iso3: str, code: str) -> AdminUnit:
    """The unit of a country a code leads to (its P-code in any case or spacing, with or
    without the country prefix, or an alternative code the gazetteer knows); NotFound if none.

    Retired units are returned too, so reads can still filter by them; writes refuse them.
    """
    unit = unit_resolve(country_iso3=country_iso3, code=code)
    if unit is None:
        raise NotFound(
            f"P-code {code!r} is not an admin unit of {country_iso3.upper()}.",
            hint="Check the code against the loaded gazetteer (`opendtm gazetteer`), "
            "or load the gazetteer of the country first.",
        )
    return unit


def admin_units_for_codes(*, country_iso3: str, codes: Iterable[str]) -> dict[str, AdminUnit]:
    """`admin_unit_for_code` for many codes in a constant number of queries: the codes (as
    given) that lead to a unit; callers report the codes missing from the answer."""
    found = units_resolve(country_iso3=country_iso3, codes=codes)
    return {code: unit for code, unit in found.items() if unit is not None}


# --- operations ----------------------------------------------------------------------------


def operation_list(*, user: AnyUser) -> QuerySet[WithAnnotations[Operation, RoundCount]]:
    """The operations a user may see, by code, each with `round_count`: the rounds the user
    may see (published ones only without VIEW_UNPUBLISHED). One query."""
    visible = (
        Round.objects.visible_to(user)
        .filter(operation=OuterRef("pk"))
        .order_by()
        .values("operation")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        operations_visible_to(user)
        .annotate(round_count=Coalesce(Subquery(visible), 0))
        .order_by("code")
    )


def operation_get(*, user: AnyUser, code: str) -> Operation:
    """The operation with this code if the user may see it; NotFound listing the codes they may.

    The answer is the same for an operation that does not exist and one the user may not
    see, so a refusal never tells that a private operation exists.
    """
    cleaned = (code or "").strip().lower()
    visible = operations_visible_to(user)
    operation = visible.select_related("gazetteer_version").filter(code=cleaned).first()
    if operation is None:
        known = list(visible.order_by("code").values_list("code", flat=True)[:20])
        raise NotFound(
            f"No operation {code!r}.",
            hint=(
                f"Known operations: {', '.join(known)}."
                if known
                else "There is none yet: create one with `opendtm operation create`."
            ),
        )
    return operation


# --- rounds --------------------------------------------------------------------------------


def rounds_of(
    *, operation: Operation, user: AnyUser
) -> QuerySet[WithAnnotations[Round, TransitionCount]]:
    """The rounds of an operation the user may see, by number, each with `transition_count`.

    Without VIEW_UNPUBLISHED (viewers, the public) only published rounds are listed.
    """
    rounds = Round.objects.visible_to(user, operation).annotate(
        transition_count=Count("transitions")
    )
    return rounds.order_by("number")


def round_get(*, operation: Operation, number: int, user: AnyUser) -> Round:
    """Round `number` of the operation if the user may see it; NotFound listing the numbers
    they may see. A service acting for a user reads the round for that user too."""
    rounds = Round.objects.visible_to(user, operation)
    found = rounds.filter(number=number).first()
    if found is None:
        numbers = [str(n) for n in rounds.order_by("number").values_list("number", flat=True)]
        raise NotFound(
            f"Operation {operation.code} has no round {number}.",
            hint=(
                f"Its rounds: {', '.join(numbers)}."
                if numbers
                else "It has no round yet: open one with `opendtm round open`."
            ),
        )
    found.operation = operation
    return found


def round_transitions(
    *, user: AnyUser, round_: Round
) -> QuerySet[WithAnnotations[RoundTransition, MoveBy]]:
    """The workflow history of a round, oldest first (none when the user may not see it).

    Each move carries `by_name`, the account that made it, for those who may see raw data
    (analysts and up) only; for everyone else it is "", so a page shown to the public or to a
    partner names no account.
    """
    operation = round_.operation
    moves = RoundTransition.objects.filter(
        round=round_, round__in=Round.objects.visible_to(user, operation).values("pk")
    ).order_by("at", "id")
    if can(user, Action.VIEW_RAW, operation):
        return moves.annotate(by_name=F("by__username"))
    return moves.annotate(by_name=Value(""))


# --- sites ---------------------------------------------------------------------------------


def _sites_read(
    *, user: AnyUser, operation: Operation
) -> QuerySet[WithAnnotations[Site, SiteState]]:
    """The sites of the operation the user may see, with their status as the user may see it.

    Without VIEW_UNPUBLISHED a site exists only once it has an assessment in a published
    round: a site an import registered into an open round is not listed to the public.
    """
    rounds = Round.objects.visible_to(user, operation).values("pk")
    assessed = SiteAssessment.objects.filter(site=OuterRef("pk"), round__in=rounds)
    reported = assessed.filter(site_status__in=SiteStatus.values).order_by("-round__number")
    on = Coalesce("assessment_date", "round__end_date", "round__start_date")
    insider = Q(operation__in=operations_where(user, Action.VIEW_UNPUBLISHED))
    sites = Site.objects.filter(Q(operation=operation) & (insider | Exists(assessed)))
    return sites.annotate(
        current_status=Coalesce(Subquery(reported.values("site_status")[:1]), F("status")),
        status_round=Subquery(reported.values("round__number")[:1]),
        status_on=Subquery(reported.annotate(on=on).values("on")[:1]),
    ).annotate(
        current_closed_on=Case(
            When(~Q(current_status=SiteStatus.CLOSED), then=Value(None)),
            When(status_round__isnull=True, then=F("closed_on")),
            default=F("status_on"),
            output_field=DateField(),
        )
    )


def sites_of(
    *,
    user: AnyUser,
    operation: Operation,
    status: str | None = None,
    site_type: str | None = None,
    admin_pcode: str | None = None,
) -> QuerySet[WithAnnotations[Site, SiteState]]:
    """The sites of an operation the user may see by site ID, with their admin unit and
    status (`SiteState`), optionally filtered. One query.

    `status` filters on the status shown (`current_status`), so a filter never disagrees with
    the list. `admin_pcode` keeps the sites in that unit or any unit below it (followed
    through the parent links, not the code's prefix, which is not hierarchical in every
    country's gazetteer).
    """
    sites = _sites_read(user=user, operation=operation).select_related("admin_unit")
    if status:
        sites = sites.filter(current_status=choice_parse(SiteStatus, status, field="site status"))
    if site_type:
        sites = sites.filter(site_type=choice_parse(SiteType, site_type, field="site type"))
    if admin_pcode:
        unit = admin_unit_for_code(country_iso3=operation.country_iso3, code=admin_pcode)
        sites = sites.filter(unit_or_below("admin_unit", unit))
    return sites.order_by("site_id")


def site_get(
    *, user: AnyUser, operation: Operation, site_id: str
) -> WithAnnotations[Site, SiteState]:
    """The site with this ID in the operation, if the user may see it, with its status
    (`SiteState`); NotFound saying how to list them (the same for a site hidden from the
    user as for one that does not exist)."""
    site = (
        _sites_read(user=user, operation=operation)
        .filter(site_id=(site_id or "").strip())
        .select_related("admin_unit")
        .first()
    )
    if site is None:
        raise NotFound(
            f"Operation {operation.code} has no site {site_id!r}.",
            hint=f"List them with `opendtm sites list --operation {operation.code}`.",
        )
    site.operation = operation
    return site


def site_history(*, user: AnyUser, site: Site) -> QuerySet[SiteStatusChange]:
    """The status changes recorded in the registry for a site, oldest first, with who
    recorded each: for those who may see unpublished rounds (the registry's own record is
    not bound to a published round). Others read a site's status round by round from its
    assessments (`figures.queries.figures_by_site`)."""
    changes = SiteStatusChange.objects.filter(site=site).select_related("by").order_by("on", "id")
    if not can(user, Action.VIEW_UNPUBLISHED, site.operation):
        return changes.none()
    return changes


def site_counts_by_status(*, user: AnyUser, operation: Operation) -> dict[str, int]:
    """How many of the sites the user may see are in each status, as `sites_of` shows it
    (every status present, 0 if none). One query."""
    counts = dict.fromkeys(SiteStatus.values, 0)
    rows = (
        _sites_read(user=user, operation=operation)
        .order_by()
        .values_list("current_status")
        .annotate(n=Count("id"))
    )
    for status, n in rows:
        counts[status] = n
    return counts
