"""Writes of the flow monitoring point registry: add, update, and the activity status.

A point is registered once per operation under a stable code; its status moves only as
FMP_TRANSITIONS allows, each move dated in its history (`models.FmpStatusChange`). Writes
need MANAGE_SITES (the right to edit an operation's registries).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, time
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max

from opendtm.accounts.choices import Action
from opendtm.accounts.roles import authorize
from opendtm.accounts.services import audit_record
from opendtm.core.choices import choice_parse
from opendtm.core.errors import Conflict, InvalidInput
from opendtm.flows.choices import BORDER_TYPES, WEEKDAYS, FmpStatus, FmpType
from opendtm.flows.models import FlowMonitoringPoint, FmpStatusChange
from opendtm.gazetteer.countries import country_get
from opendtm.gazetteer.models import AdminUnit
from opendtm.operations.checks import (
    UNSET,
    Unset,
    coordinates_check,
    date_check,
    iso,
    text_clean,
)
from opendtm.operations.models import Operation
from opendtm.operations.workflow import Transition, transition_find

FMP_TRANSITIONS: dict[tuple[FmpStatus, FmpStatus], Transition] = {
    (FmpStatus.ACTIVE, FmpStatus.INACTIVE): Transition("suspend", reason_required=True),
    (FmpStatus.ACTIVE, FmpStatus.CLOSED): Transition("close", reason_required=True),
    (FmpStatus.INACTIVE, FmpStatus.RESUMED): Transition("resume"),
    (FmpStatus.INACTIVE, FmpStatus.CLOSED): Transition("close", reason_required=True),
    (FmpStatus.RESUMED, FmpStatus.INACTIVE): Transition("suspend", reason_required=True),
    (FmpStatus.RESUMED, FmpStatus.CLOSED): Transition("close", reason_required=True),
    (FmpStatus.CLOSED, FmpStatus.RESUMED): Transition("reopen", reason_required=True),
}
_LIST_MAX = 50  # services or organisations listed in a point's profile


def days_parse(text: str) -> str:
    """Observation days as stored (ISO weekday digits, Monday = 1, in order) from "mon-sun",
    "mon,wed,fri", "mon-fri,sun" or the digits themselves ("12345")."""
    cleaned = (text or "").strip().lower().replace(" ", "")
    hint = "Give days as mon-sun, mon-fri, mon,wed,fri or ISO digits such as 12345."
    if cleaned.isdigit():
        days = {int(c) for c in cleaned}
        if not days or not days <= set(WEEKDAYS.values()):
            raise InvalidInput(f"Observation days {text!r} are not weekdays 1-7.", hint=hint)
        return "".join(str(d) for d in sorted(days))
    days = set()
    for part in filter(None, cleaned.split(",")):
        first, _, last = part.partition("-")
        if first not in WEEKDAYS or (last and last not in WEEKDAYS):
            raise InvalidInput(f"Observation days {text!r} name no weekday {part!r}.", hint=hint)
        start, end = WEEKDAYS[first], WEEKDAYS[last or first]
        if end < start:
            raise InvalidInput(f"Observation days {part!r} run backwards.", hint=hint)
        days.update(range(start, end + 1))
    if not days:
        raise InvalidInput("No observation day is given.", hint=hint)
    return "".join(str(d) for d in sorted(days))


def _unit_check(unit: AdminUnit, operation: Operation) -> AdminUnit:
    if unit.country_iso3 != operation.country_iso3:
        raise InvalidInput(
            f"admin unit {unit.pcode} is in {unit.country_iso3}, not in "
            f"{operation.country_iso3} where operation {operation.code} is."
        )
    if unit.retired_in_id is not None:
        raise InvalidInput(
            f"admin unit {unit.pcode} is retired from the gazetteer.",
            hint="Use the unit that replaced it.",
        )
    if unit.level < 1:
        raise InvalidInput(
            f"admin unit {unit.pcode} is the country itself.",
            hint="Give the unit the point lies in (admin level 1 or below).",
        )
    return unit


def _neighbour_check(fmp_type: str, neighbour: str, operation: Operation) -> str:
    """A border point names the country across the border (ISO3); other points name none."""
    text = (neighbour or "").strip()
    if fmp_type not in BORDER_TYPES:
        if text:
            raise InvalidInput(
                f"a neighbouring country is given for a point of type {fmp_type}, "
                "which is not at a border."
            )
        return ""
    if not text:
        raise InvalidInput(
            f"a point of type {fmp_type} is at a border: give the neighbouring country.",
            hint="Its ISO 3166 alpha-3 code, e.g. IRN.",
        )
    iso3 = country_get(text).iso3
    if iso3 == operation.country_iso3:
        raise InvalidInput(f"the neighbouring country {iso3} is the operation's own country.")
    return iso3


def _window_check(observed_from: time, observed_to: time) -> tuple[time, time]:
    for value in (observed_from, observed_to):
        if not isinstance(value, time):
            raise InvalidInput(f"observation hour {value!r} is not a time of day (HH:MM).")
    if observed_to <= observed_from:
        raise InvalidInput(
            f"the observation window {observed_from:%H:%M}-{observed_to:%H:%M} ends before it "
            "starts.",
            hint="Give the daily window in local time, e.g. 06:00-18:00.",
        )
    return observed_from, observed_to


def _names(values: Sequence[str], *, field: str) -> list[str]:
    cleaned = list(dict.fromkeys(" ".join(str(v).split()) for v in values if str(v).strip()))
    if len(cleaned) > _LIST_MAX or any(len(v) > 200 for v in cleaned):
        raise InvalidInput(f"the {field} list is too long (at most {_LIST_MAX} of 200 characters).")
    return cleaned


def _uncap(message: str) -> str:
    return message[:1].lower() + message[1:] if message[1:2].islower() else message


@transaction.atomic
def fmp_add(
    *,
    operation: Operation,
    code: str,
    name: str,
    fmp_type: str,
    admin_unit: AdminUnit,
    observed_from: time,
    observed_to: time,
    active_from: date,
    observation_days: str = "1234567",
    neighbour_iso3: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    exclusions: str = "",
    services: Sequence[str] = (),
    organisations: Sequence[str] = (),
    actor: User,
) -> FlowMonitoringPoint:
    """Register a flow monitoring point, active from `active_from` (the first entry of its
    status history). Managers and admins."""
    authorize(actor, Action.MANAGE_SITES, operation)
    cleaned = (code or "").strip()
    where = f"Point {cleaned!r}"
    try:
        if not cleaned or len(cleaned) > 64 or " " in cleaned:
            raise InvalidInput("the code is empty, has spaces or is over 64 characters.")
        kind = choice_parse(FmpType, fmp_type, field="point type")
        values: dict[str, Any] = {
            "name": text_clean(name, field="point name", max_length=200),
            "fmp_type": kind.value,
            "admin_unit": _unit_check(admin_unit, operation),
            "neighbour_iso3": _neighbour_check(kind, neighbour_iso3, operation),
            "observation_days": days_parse(observation_days),
            "exclusions": (exclusions or "").strip(),
            "services": _names(services, field="services"),
            "organisations": _names(organisations, field="organisations"),
        }
        values["latitude"], values["longitude"] = coordinates_check(latitude, longitude)
        values["observed_from"], values["observed_to"] = _window_check(observed_from, observed_to)
        when = date_check(active_from, field="active-from date")
    except InvalidInput as exc:
        raise InvalidInput(f"{where}: {_uncap(exc.message)}", hint=exc.hint) from None
    if FlowMonitoringPoint.objects.filter(operation=operation, code=cleaned).exists():
        raise Conflict(
            f"{where}: operation {operation.code} already has this point.",
            hint="Change a registered point with `fmp_update`.",
        )
    point = FlowMonitoringPoint.objects.create(
        operation=operation, code=cleaned, created_by=actor, status=FmpStatus.ACTIVE, **values
    )
    FmpStatusChange.objects.create(
        point=point,
        from_status="",
        to_status=FmpStatus.ACTIVE,
        on=when,
        by=actor,
        reason="registered",
    )
    audit_record(
        actor=actor,
        action="fmp.add",
        obj=point,
        operation=operation,
        summary=f"registered flow monitoring point {point.code} ({point.name}) in "
        f"{point.admin_unit.pcode}, active from {when}",
    )
    return point


def fmp_update(
    *,
    point: FlowMonitoringPoint,
    actor: User,
    name: str | Unset = UNSET,
    fmp_type: str | Unset = UNSET,
    admin_unit: AdminUnit | Unset = UNSET,
    neighbour_iso3: str | Unset = UNSET,
    latitude: float | Unset | None = UNSET,
    longitude: float | Unset | None = UNSET,
    observation_days: str | Unset = UNSET,
    observed_from: time | Unset = UNSET,
    observed_to: time | Unset = UNSET,
    exclusions: str | Unset = UNSET,
    services: Sequence[str] | Unset = UNSET,
    organisations: Sequence[str] | Unset = UNSET,
) -> FlowMonitoringPoint:
    """Change a point's descriptive fields (not its code, not its status); the changed ones go
    into the audit event."""
    operation = point.operation
    authorize(actor, Action.MANAGE_SITES, operation)
    wanted: dict[str, Any] = {}
    try:
        if not isinstance(name, Unset):
            wanted["name"] = text_clean(name, field="point name", max_length=200)
        kind = point.fmp_type
        if not isinstance(fmp_type, Unset):
            kind = wanted["fmp_type"] = choice_parse(FmpType, fmp_type, field="point type").value
        if not (isinstance(neighbour_iso3, Unset) and isinstance(fmp_type, Unset)):
            given = point.neighbour_iso3 if isinstance(neighbour_iso3, Unset) else neighbour_iso3
            wanted["neighbour_iso3"] = _neighbour_check(kind, given, operation)
        if not isinstance(admin_unit, Unset):
            wanted["admin_unit"] = _unit_check(admin_unit, operation)
        if not (isinstance(latitude, Unset) and isinstance(longitude, Unset)):
            wanted["latitude"], wanted["longitude"] = coordinates_check(
                point.latitude if isinstance(latitude, Unset) else latitude,
                point.longitude if isinstance(longitude, Unset) else longitude,
            )
        if not isinstance(observation_days, Unset):
            wanted["observation_days"] = days_parse(observation_days)
        if not (isinstance(observed_from, Unset) and isinstance(observed_to, Unset)):
            wanted["observed_from"], wanted["observed_to"] = _window_check(
                point.observed_from if isinstance(observed_from, Unset) else observed_from,
                point.observed_to if isinstance(observed_to, Unset) else observed_to,
            )
        if not isinstance(exclusions, Unset):
            wanted["exclusions"] = (exclusions or "").strip()
        if not isinstance(services, Unset):
            wanted["services"] = _names(services, field="services")
        if not isinstance(organisations, Unset):
            wanted["organisations"] = _names(organisations, field="organisations")
    except InvalidInput as exc:
        raise InvalidInput(f"Point {point.code!r}: {_uncap(exc.message)}", hint=exc.hint) from None

    def shown(value: Any) -> Any:
        if isinstance(value, AdminUnit):
            return value.pcode
        return value.isoformat() if isinstance(value, time) else value

    changes = {
        field: [shown(getattr(point, field)), shown(value)]
        for field, value in wanted.items()
        if getattr(point, field) != value
    }
    if not changes:
        return point
    for field in changes:
        setattr(point, field, wanted[field])
    point.save(update_fields=[*changes, "updated_at"])
    audit_record(
        actor=actor,
        action="fmp.update",
        obj=point,
        operation=operation,
        summary=f"changed {', '.join(changes)} of flow monitoring point {point.code}",
        changes=changes,
    )
    return point


@transaction.atomic
def fmp_status_set(
    *, point: FlowMonitoringPoint, to_status: str, on: date, reason: str = "", actor: User
) -> FlowMonitoringPoint:
    """Move a point's activity status as FMP_TRANSITIONS allows, dated and logged. A change
    cannot be dated before the previous one; it holds from its date on."""
    operation = point.operation
    authorize(actor, Action.MANAGE_SITES, operation)
    current = FlowMonitoringPoint.objects.select_for_update().get(pk=point.pk)
    what = f"Point {current.code} of {operation.code}"
    target = choice_parse(FmpStatus, to_status, field="point status")
    move = transition_find(FMP_TRANSITIONS, FmpStatus(current.status), target, what=what)
    reason = " ".join((reason or "").split())
    if move.reason_required and not reason:
        raise InvalidInput(
            f"{what}: going from {current.status} to {target} needs a reason.",
            hint="Add --reason TEXT.",
        )
    if len(reason) > 300:
        raise InvalidInput(f"{what}: the reason is longer than 300 characters.")
    when = date_check(on, field="date")
    last = FmpStatusChange.objects.filter(point=current).aggregate(last=Max("on"))["last"]
    if last is not None and when <= last:
        raise InvalidInput(
            f"{what}: date {when} is not after its last status change ({last}).",
            hint="Status changes are recorded in the order they happen, one a day at most.",
        )
    from_status = current.status
    current.status = target
    current.save(update_fields=["status", "updated_at"])
    FmpStatusChange.objects.create(
        point=current, from_status=from_status, to_status=target, on=when, by=actor, reason=reason
    )
    audit_record(
        actor=actor,
        action=f"fmp.{move.verb}",
        obj=current,
        operation=operation,
        summary=f"point {current.code}: {from_status} -> {target} on {when}",
        reason=reason,
        changes={"status": [from_status, target.value], "on": [None, iso(when)]},
    )
    point.status, point.updated_at = current.status, current.updated_at
    return point
