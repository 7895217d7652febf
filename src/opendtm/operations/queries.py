"""Reads of operations, rounds and sites. Every read of an operation starts from the restricted
queryset `operations_visible_to(user)`; rounds a user may not see are filtered the same way."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, TypedDict

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Q, QuerySet

from opendtm.accounts.choices import Action
from opendtm.accounts.queries import operations_visible_to
from opendtm.accounts.roles import can
from opendtm.core.errors import NotFound
from opendtm.gazetteer.models import MAX_LEVEL, AdminUnit, GazetteerVersion
from opendtm.gazetteer.queries import unit_resolve, units_resolve
from opendtm.operations.choices import RoundStatus, SiteStatus, SiteType, choice_parse
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
    """The operations a user may see, by code, each with `round_count`. One query."""
    return operations_visible_to(user).annotate(round_count=Count("rounds")).order_by("code")


def operation_get(*, user: AnyUser, code: str) -> Operation:
    """The operation with this code if the user may see it; NotFound listing the codes they may."""
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
    rounds = Round.objects.filter(operation=operation).annotate(
        transition_count=Count("transitions")
    )
    if not can(user, Action.VIEW_UNPUBLISHED, operation):
        rounds = rounds.filter(status=RoundStatus.PUBLISHED)
    return rounds.order_by("number")


def round_get(*, operation: Operation, number: int, user: AnyUser = None) -> Round:
    """Round `number` of the operation; NotFound listing the numbers there are.

    Reads made for a person pass `user=`, so an unpublished round stays hidden from those who
    may not see it. Services that have already authorized a write may leave it out.
    """
    rounds = Round.objects.filter(operation=operation)
    if user is not None and not can(user, Action.VIEW_UNPUBLISHED, operation):
        rounds = rounds.filter(status=RoundStatus.PUBLISHED)
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


def round_transitions(round_: Round) -> QuerySet[RoundTransition]:
    """The workflow history of a round, oldest first, with who made each move."""
    return RoundTransition.objects.filter(round=round_).select_related("by").order_by("at", "id")


# --- sites ---------------------------------------------------------------------------------


def sites_of(
    *,
    operation: Operation,
    status: str | None = None,
    site_type: str | None = None,
    admin_pcode: str | None = None,
) -> QuerySet[Site]:
    """The sites of an operation by site ID, with their admin unit, optionally filtered.

    `admin_pcode` keeps the sites in that unit or any unit below it (followed through the parent
    links, not the code's prefix, which is not hierarchical in every country's gazetteer).
    """
    sites = Site.objects.filter(operation=operation).select_related("admin_unit")
    if status:
        sites = sites.filter(status=choice_parse(SiteStatus, status, field="site status"))
    if site_type:
        sites = sites.filter(site_type=choice_parse(SiteType, site_type, field="site type"))
    if admin_pcode:
        unit = admin_unit_for_code(country_iso3=operation.country_iso3, code=admin_pcode)
        inside = Q(admin_unit=unit)
        path = "admin_unit"
        for _ in range(MAX_LEVEL):
            path += "__parent"
            inside |= Q(**{path: unit})
        sites = sites.filter(inside)
    return sites.order_by("site_id")


def site_get(*, operation: Operation, site_id: str) -> Site:
    """The site with this ID in the operation; NotFound saying how to list them."""
    site = (
        Site.objects.filter(operation=operation, site_id=(site_id or "").strip())
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


def site_history(site: Site) -> QuerySet[SiteStatusChange]:
    """The status changes of a site, oldest first, with who recorded each."""
    return SiteStatusChange.objects.filter(site=site).select_related("by").order_by("on", "id")


def site_counts_by_status(operation: Operation) -> dict[str, int]:
    """How many sites of the operation are in each status (every status present, 0 if none)."""
    counts = dict.fromkeys(SiteStatus.values, 0)
    rows = (
        Site.objects.filter(operation=operation)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    for status, n in rows:
        counts[status] = n
    return counts
