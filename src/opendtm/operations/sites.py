"""Writes of the site registry: register (one or many), update, and the site life cycle.

A site persists across rounds: it is registered once per operation under a stable site ID, and
its status moves only as SITE_TRANSITIONS allows, each move kept in its status history.
`opendtm.operations.services` re-exports these functions; import them from either.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date
from itertools import islice
from typing import Any

from django.contrib.auth.models import User
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from opendtm.accounts.choices import Action
from opendtm.accounts.roles import authorize
from opendtm.accounts.services import audit_record
from opendtm.core.bulk import rows_insert
from opendtm.core.choices import choice_parse
from opendtm.core.errors import Conflict, InvalidInput, NotFound
from opendtm.gazetteer.models import AdminUnit
from opendtm.operations.checks import (
    UNSET,
    Unset,
    coordinates_check,
    date_check,
    iso,
    text_clean,
)
from opendtm.operations.choices import SiteStatus, SiteType
from opendtm.operations.models import Operation, Site, SiteStatusChange
from opendtm.operations.queries import admin_units_for_codes
from opendtm.operations.workflow import SITE_TRANSITIONS, transition_find


@dataclass(frozen=True)
class SiteRecord:
    """One site to register. Give the admin unit by id or by P-code (`admin_pcode`).

    `source_row` is the caller's row number (file row for an import), used in messages.
    A mapping with these keys is accepted wherever a SiteRecord is.
    """

    site_id: str
    name: str
    site_type: str
    admin_unit_id: int | None = None
    admin_pcode: str = ""
    latitude: float | None = None
    longitude: float | None = None
    opened_on: date | None = None
    status: str = SiteStatus.OPEN
    closed_on: date | None = None
    closure_reason: str = ""
    source_row: int | None = None


_RECORD_FIELDS = frozenset(f.name for f in fields(SiteRecord))
_REQUIRED = ("site_id", "name", "site_type")
_SITE_TYPES = frozenset(SiteType.values)
_SITE_STATUSES = frozenset(SiteStatus.values)
# Records of a bulk registration checked and written at a time.
SITES_AT_A_TIME = 10_000


def _row_of(item: SiteRecord | Mapping[str, Any], index: int) -> Mapping[str, Any]:
    """The fields of a record or a mapping, checked for unknown and missing keys."""
    row: Mapping[str, Any] = item if isinstance(item, Mapping) else vars(item)
    unknown = row.keys() - _RECORD_FIELDS
    missing = [f for f in _REQUIRED if row.get(f) is None]
    if unknown or missing:
        problem = (
            f"unknown field(s) {', '.join(sorted(unknown))}"
            if unknown
            else f"missing {', '.join(missing)}"
        )
        raise InvalidInput(
            f"Row {row.get('source_row') or index}: {problem}.",
            hint=f"A site row has the fields {', '.join(f.name for f in fields(SiteRecord))}.",
        )
    return row


def _uncap(message: str) -> str:
    """A message continued after "Row 3, site 'S-1': " (keeps P-code, ID... as written)."""
    return message[:1].lower() + message[1:] if message[1:2].islower() else message


def _date_or_none(value: object, *, field: str) -> date | None:
    """An optional date. Not compared with the clock: imports and the demo carry dated facts
    whose results must not depend on the day they are run."""
    return None if value is None else date_check(value, field=field)


def _unit_check(unit: AdminUnit, operation: Operation) -> AdminUnit:
    """A site's admin unit: a current unit of the operation's country, below the country."""
    if unit.country_iso3 != operation.country_iso3:
        raise InvalidInput(
            f"admin unit {unit.pcode} is in {unit.country_iso3}, "
            f"not in {operation.country_iso3} where operation {operation.code} is.",
        )
    if unit.retired_in_id is not None:
        raise InvalidInput(
            f"admin unit {unit.pcode} is retired from the gazetteer.",
            hint="Use the unit that replaced it.",
        )
    if unit.level < 1:
        raise InvalidInput(
            f"admin unit {unit.pcode} is the country itself.",
            hint="Give the unit the site lies in (admin level 1 or below).",
        )
    return unit


def _site_values(
    row: Mapping[str, Any],
    *,
    operation: Operation,
    unit_for: Callable[[Mapping[str, Any]], AdminUnit],
) -> dict[str, Any]:
    """The checked column values of one site (by attribute name), or the first rule it breaks."""
    get = row.get
    site_id = str(get("site_id")).strip()
    if not site_id or len(site_id) > 64:
        raise InvalidInput(
            "the site ID is empty." if not site_id else "the site ID is over 64 characters."
        )
    status = str(get("status") or SiteStatus.OPEN).strip().lower()
    if status not in _SITE_STATUSES:
        choice_parse(SiteStatus, get("status"), field="site status")
    site_type = str(get("site_type")).strip().lower()
    if site_type not in _SITE_TYPES:
        choice_parse(SiteType, get("site_type"), field="site type")
    opened_on = _date_or_none(get("opened_on"), field="opening date")
    closed_on = _date_or_none(get("closed_on"), field="closing date")
    if (status == SiteStatus.CLOSED) != (closed_on is not None):
        raise InvalidInput(
            "a closing date is given for a site that is not closed."
            if closed_on
            else "a closed site needs its closing date."
        )
    if opened_on and closed_on and closed_on < opened_on:
        raise InvalidInput(f"closing date {closed_on} is before opening date {opened_on}.")
    latitude, longitude = coordinates_check(get("latitude"), get("longitude"))
    unit = _unit_check(unit_for(row), operation)
    return {
        "operation_id": operation.pk,
        "site_id": site_id,
        "name": text_clean(str(get("name")), field="site name", max_length=200),
        "site_type": site_type,
        "admin_unit_id": unit.pk,
        "latitude": latitude,
        "longitude": longitude,
        "opened_on": opened_on,
        "status": status,
        "closed_on": closed_on,
        "closure_reason": " ".join(str(get("closure_reason") or "").split())[:300],
    }


@dataclass
class _Seen:
    """What a registration has met so far, across its batches of records."""

    existing: set[str]  # the operation's site IDs before the registration
    rows: dict[str, int] = dataclasses.field(
        default_factory=dict
    )  # site ID -> the row first giving it


def _sites_build(
    *,
    operation: Operation,
    items: Sequence[SiteRecord | Mapping[str, Any]],
    single: bool,
    seen: _Seen,
    first_index: int = 1,
) -> list[dict[str, Any]]:
    """Check every record and return the column values of the new sites; the first bad
    record raises, naming its row (or, for one site, its ID).

    Queries do not grow with the records: the admin units they name are read in bulk before
    the records are checked one by one in memory.
    """
    rows = [_row_of(item, index) for index, item in enumerate(items, start=first_index)]
    ids = {r["admin_unit_id"] for r in rows if r.get("admin_unit_id") is not None}
    codes = {str(r["admin_pcode"]) for r in rows if r.get("admin_pcode")}
    by_id = {u.pk: u for u in AdminUnit.objects.filter(pk__in=ids)} if ids else {}
    by_code = (
        admin_units_for_codes(country_iso3=operation.country_iso3, codes=codes) if codes else {}
    )

    def unit_for(row: Mapping[str, Any]) -> AdminUnit:
        if row.get("admin_unit_id") is not None:
            unit = by_id.get(row["admin_unit_id"])
            if unit is None:
                raise NotFound(f"there is no admin unit with id {row['admin_unit_id']}.")
            return unit
        if row.get("admin_pcode"):
            unit = by_code.get(str(row["admin_pcode"]))
            if unit is None:
                raise NotFound(
                    f"P-code {row['admin_pcode']!r} is not an admin unit of "
                    f"{operation.country_iso3}.",
                    hint="Check the code against the loaded gazetteer.",
                )
            return unit
        raise InvalidInput("no admin unit is given.", hint="Give its P-code.")

    built = []
    for index, row in enumerate(rows, start=first_index):
        try:
            values = _site_values(row, operation=operation, unit_for=unit_for)
            site_id = values["site_id"]
            if site_id in seen.rows:
                raise InvalidInput(
                    f"the site ID is given twice (first in row {seen.rows[site_id]})."
                )
            if site_id in seen.existing:
                raise Conflict(
                    f"operation {operation.code} already has this site.",
                    hint="Change a registered site with `site_update`, not by registering it.",
                )
        except (InvalidInput, NotFound, Conflict) as exc:
            shown = repr(str(row.get("site_id")).strip())
            where = (
                f"Site {shown}" if single else f"Row {row.get('source_row') or index}, site {shown}"
            )
            raise type(exc)(f"{where}: {_uncap(exc.message)}", hint=exc.hint) from None
        seen.rows[site_id] = row.get("source_row") or index
        built.append(values)
    return built


def _seen_for(operation: Operation) -> _Seen:
    return _Seen(
        existing=set(
            Site.objects.filter(operation=operation).order_by().values_list("site_id", flat=True)
        )
    )


_SITE_COLUMNS = [f for f in Site._meta.concrete_fields if not f.primary_key]


def _sites_save(
    built: list[dict[str, Any]], *, operation: Operation, actor: User
) -> dict[str, int]:
    """Insert the sites and the first entry of each one's status history, one statement per
    table whatever the number of sites; return each new site's primary key by site ID.

    `built` gets the stamps (created at and by) added, as the rows were written."""
    ops = connection.ops
    now = timezone.now()
    today = timezone.localdate()
    columns = [f.attname for f in _SITE_COLUMNS]
    datetimes = {f.attname for f in _SITE_COLUMNS if isinstance(f, models.DateTimeField)}
    dates = {f.attname for f in _SITE_COLUMNS if isinstance(f, models.DateField)} - datetimes
    stamps = {"created_at": now, "updated_at": now, "created_by_id": actor.pk}
    for values in built:
        values.update(stamps)
    rows_insert(
        Site,
        columns,
        (
            [
                ops.adapt_datetimefield_value(values[c])
                if c in datetimes
                else ops.adapt_datefield_value(values[c])
                if c in dates
                else values[c]
                for c in columns
            ]
            for values in built
        ),
    )
    pks = dict(
        Site.objects.filter(operation=operation, site_id__in=[v["site_id"] for v in built])
        .order_by()
        .values_list("site_id", "pk")
    )
    db_now = ops.adapt_datetimefield_value(now)
    rows_insert(
        SiteStatusChange,
        ["site_id", "from_status", "to_status", "on", "at", "by_id", "reason"],
        (
            (
                pks[v["site_id"]],
                "",
                v["status"],
                ops.adapt_datefield_value(v["closed_on"] or v["opened_on"] or today),
                db_now,
                actor.pk,
                "registered",
            )
            for v in built
        ),
    )
    return {v["site_id"]: pks[v["site_id"]] for v in built}


def _site_instance(values: dict[str, Any], pk: int, operation: Operation) -> Site:
    """The model instance of a site just written, without reading it back."""
    columns = [f.attname for f in _SITE_COLUMNS]
    site = Site.from_db(connection.alias, ["id", *columns], [pk, *(values[c] for c in columns)])
    site.operation = operation
    return site


@transaction.atomic
def site_register(
    *,
    operation: Operation,
    site_id: str,
    name: str,
    site_type: str,
    admin_unit: AdminUnit,
    latitude: float | None = None,
    longitude: float | None = None,
    opened_on: date | None = None,
    status: str = SiteStatus.OPEN,
    actor: User,
) -> Site:
    """Register one site in the operation's registry (managers and admins)."""
    authorize(actor, Action.MANAGE_SITES, operation)
    record = SiteRecord(
        site_id=site_id,
        name=name,
        site_type=site_type,
        admin_unit_id=admin_unit.pk,
        latitude=latitude,
        longitude=longitude,
        opened_on=opened_on,
        status=status,
    )
    (values,) = _sites_build(
        operation=operation, items=[record], single=True, seen=_seen_for(operation)
    )
    pks = _sites_save([values], operation=operation, actor=actor)
    site = _site_instance(values, pks[values["site_id"]], operation)
    audit_record(
        actor=actor,
        action="site.register",
        obj=site,
        operation=operation,
        summary=f"registered site {site.site_id} ({site.name}) in {site.admin_unit.pcode}",
    )
    return site


@transaction.atomic
def sites_register_many(
    *,
    operation: Operation,
    records: Iterable[SiteRecord | Mapping[str, Any]],
    actor: User,
) -> dict[str, int]:
    """Register many sites in bulk writes (the import registers unknown sites this way);
    return each new site's primary key by site ID, in the order of the records.

    All or nothing: the first bad record raises, naming its row, and nothing is written.
    Records are checked and written SITES_AT_A_TIME at a time, so memory follows that number,
    not the number of records (a 100 MB export can bring 200,000 new sites), and a constant
    number of queries per batch; one audit event lists them all.
    """
    authorize(actor, Action.MANAGE_SITES, operation)
    registered: dict[str, int] = {}
    seen: _Seen | None = None
    records = iter(records)
    while batch := list(islice(records, SITES_AT_A_TIME)):
        seen = seen or _seen_for(operation)
        built = _sites_build(
            operation=operation,
            items=batch,
            single=False,
            seen=seen,
            first_index=len(registered) + 1,
        )
        registered.update(_sites_save(built, operation=operation, actor=actor))
    if not registered:
        return registered
    audit_record(
        actor=actor,
        action="site.register_many",
        obj=operation,
        operation=operation,
        summary=f"registered {len(registered)} sites in operation {operation.code}",
        changes={"site_ids": list(registered)},
    )
    return registered


def site_update(
    *,
    site: Site,
    actor: User,
    name: str | Unset = UNSET,
    site_type: str | Unset = UNSET,
    admin_unit: AdminUnit | Unset = UNSET,
    latitude: float | Unset | None = UNSET,
    longitude: float | Unset | None = UNSET,
    opened_on: date | Unset | None = UNSET,
) -> Site:
    """Change a site's descriptive fields; the changed ones go into the audit event.

    The site ID is stable and the status moves only through `site_status_change`.
    """
    operation = site.operation
    authorize(actor, Action.MANAGE_SITES, operation)
    where = f"Site {site.site_id!r}"
    wanted: dict[str, Any] = {}
    try:
        if not isinstance(name, Unset):
            wanted["name"] = text_clean(name, field="site name", max_length=200)
        if not isinstance(site_type, Unset):
            wanted["site_type"] = choice_parse(SiteType, site_type, field="site type")
        if not isinstance(admin_unit, Unset):
            wanted["admin_unit"] = _unit_check(admin_unit, operation)
        if not (isinstance(latitude, Unset) and isinstance(longitude, Unset)):
            wanted["latitude"], wanted["longitude"] = coordinates_check(
                site.latitude if isinstance(latitude, Unset) else latitude,
                site.longitude if isinstance(longitude, Unset) else longitude,
            )
        if not isinstance(opened_on, Unset):
            wanted["opened_on"] = _date_or_none(opened_on, field="opening date")
            if opened_on and site.closed_on and site.closed_on < opened_on:
                raise InvalidInput(
                    f"opening date {opened_on} is after its closing {site.closed_on}."
                )
    except InvalidInput as exc:
        raise InvalidInput(f"{where}: {_uncap(exc.message)}", hint=exc.hint) from None

    def shown(value: Any) -> Any:
        if isinstance(value, AdminUnit):
            return value.pcode
        return iso(value) if isinstance(value, date) else value

    changes = {
        field: [shown(getattr(site, field)), shown(value)]
        for field, value in wanted.items()
        if getattr(site, field) != value
    }
    if not changes:
        return site
    for field in changes:
        setattr(site, field, wanted[field])
    site.save(update_fields=[*changes, "updated_at"])
    audit_record(
        actor=actor,
        action="site.update",
        obj=site,
        operation=operation,
        summary=f"changed {', '.join(changes)} of site {site.site_id}",
        changes=changes,
    )
    return site


@transaction.atomic
def site_status_change(
    *, site: Site, to_status: str, on: date, reason: str = "", actor: User
) -> Site:
    """Move a site through its life cycle as SITE_TRANSITIONS allows, dated and logged.

    Closing records the closing date and reason on the site; reopening clears them (the
    history keeps them). A change cannot be dated before the previous one.
    """
    operation = site.operation
    authorize(actor, Action.MANAGE_SITES, operation)
    current = Site.objects.select_for_update().get(pk=site.pk)
    what = f"Site {current.site_id} of {operation.code}"
    target = choice_parse(SiteStatus, to_status, field="site status")
    move = transition_find(SITE_TRANSITIONS, SiteStatus(current.status), target, what=what)
    reason = " ".join((reason or "").split())
    if move.reason_required and not reason:
        raise InvalidInput(
            f"{what}: going from {current.status} to {target} needs a reason.",
            hint="Add --reason TEXT.",
        )
    if len(reason) > 300:
        raise InvalidInput(f"{what}: the reason is longer than 300 characters.")
    when = date_check(on, field="date")
    last = SiteStatusChange.objects.filter(site=current).aggregate(last=Max("on"))["last"]
    if last is not None and when < last:
        raise InvalidInput(
            f"{what}: date {when} is before its last status change ({last}).",
            hint="Status changes are recorded in the order they happen.",
        )
    from_status = current.status
    current.status = target
    update_fields = ["status", "updated_at"]
    if target == SiteStatus.CLOSED:
        current.closed_on, current.closure_reason = when, reason
        update_fields += ["closed_on", "closure_reason"]
    elif from_status == SiteStatus.CLOSED:
        current.closed_on, current.closure_reason = None, ""
        update_fields += ["closed_on", "closure_reason"]
    if target == SiteStatus.OPEN and current.opened_on is None:
        current.opened_on = when
        update_fields.append("opened_on")
    current.save(update_fields=update_fields)
    SiteStatusChange.objects.create(
        site=current, from_status=from_status, to_status=target, on=when, by=actor, reason=reason
    )
    audit_record(
        actor=actor,
        action=f"site.{move.verb}",
        obj=current,
        operation=operation,
        summary=f"site {current.site_id}: {from_status} -> {target} on {when}",
        reason=reason,
        changes={"status": [from_status, target.value], "on": [None, iso(when)]},
    )
    for field in ("status", "closed_on", "closure_reason", "opened_on", "updated_at"):
        setattr(site, field, getattr(current, field))
    return site
