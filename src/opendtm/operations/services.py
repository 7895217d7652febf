"""Writes of operations and rounds. The site registry's writes are in `operations.sites`.

Every function is keyword-only, checks the actor's role first, writes in one transaction and
records an audit event: a refused call leaves nothing behind.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from opendtm.accounts.choices import Action
from opendtm.accounts.roles import authorize, authorize_superuser
from opendtm.accounts.services import audit_record
from opendtm.core.choices import choice_parse
from opendtm.core.errors import Conflict, InvalidInput
from opendtm.figures.choices import SnapshotTiming
from opendtm.gazetteer.countries import country_get
from opendtm.gazetteer.models import GazetteerVersion
from opendtm.operations.checks import (
    UNSET,
    Unset,
    date_check,
    iso,
    level_check,
    operation_code_clean,
    text_clean,
)
from opendtm.operations.choices import CrisisType, McofPhase, RoundStatus
from opendtm.operations.models import Operation, Round, RoundTransition
from opendtm.operations.queries import gazetteer_version_latest
from opendtm.operations.sites import (
    SiteRecord,
    site_register,
    site_status_change,
    site_update,
    sites_register_many,
)
from opendtm.operations.workflow import ROUND_TRANSITIONS, transition_find

__all__ = [
    "SiteRecord",
    "operation_create",
    "operation_gazetteer_adopt",
    "operation_update",
    "round_ensure_writable",
    "round_open",
    "round_publish",
    "round_reopen",
    "round_transition",
    "round_update",
    "round_validate",
    "site_register",
    "site_status_change",
    "site_update",
    "sites_register_many",
]

# --- operations ----------------------------------------------------------------------------


@transaction.atomic
def operation_create(
    *,
    code: str,
    name: str,
    country_iso3: str,
    crisis_type: str,
    start_date: date,
    mcof_phase: str,
    location_level: int,
    is_public: bool = False,
    actor: User,
) -> Operation:
    """Create an operation (instance administrators only).

    The country's most recently loaded gazetteer version, if any, becomes the version the
    operation codes places with.
    """
    authorize_superuser(actor, "create operations")
    cleaned_code = operation_code_clean(code)
    country = country_get(country_iso3)
    fields: dict[str, Any] = {
        "code": cleaned_code,
        "name": text_clean(name, field="operation name", max_length=200),
        "country_iso3": country.iso3,
        "crisis_type": choice_parse(CrisisType, crisis_type, field="crisis type"),
        "start_date": date_check(start_date, field="start date"),
        "mcof_phase": choice_parse(McofPhase, mcof_phase, field="MCOF phase"),
        "location_level": level_check(location_level),
        "is_public": bool(is_public),
    }
    if Operation.objects.filter(code=cleaned_code).exists():
        raise Conflict(
            f"An operation {cleaned_code!r} already exists.",
            hint="Choose another code, or see it with `opendtm operation show`.",
        )
    operation = Operation.objects.create(
        **fields,
        gazetteer_version=gazetteer_version_latest(country_iso3=country.iso3),
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="operation.create",
        obj=operation,
        operation=operation,
        summary=f"created operation {operation.code} ({country.iso3}, {operation.crisis_type})",
        changes={k: [None, iso(v) if isinstance(v, date) else v] for k, v in fields.items()},
    )
    return operation


@transaction.atomic
def operation_update(
    *,
    operation: Operation,
    actor: User,
    name: str | Unset = UNSET,
    mcof_phase: str | Unset = UNSET,
    is_public: bool | Unset = UNSET,
    end_date: date | Unset | None = UNSET,
    needs_rules: str | Unset = UNSET,
) -> Operation:
    """Change an operation's name, MCOF phase, visibility, end date or needs rule set version
    (operation admins). A new rule set version scores the rounds not yet published; a
    published round keeps the version it was published with.

    Only the arguments given are changed; a call that changes nothing writes nothing.
    """
    authorize(actor, Action.MANAGE_OPERATION, operation)
    wanted: dict[str, Any] = {}
    if not isinstance(name, Unset):
        wanted["name"] = text_clean(name, field="operation name", max_length=200)
    if not isinstance(mcof_phase, Unset):
        wanted["mcof_phase"] = choice_parse(McofPhase, mcof_phase, field="MCOF phase")
    if not isinstance(is_public, Unset):
        wanted["is_public"] = bool(is_public)
    if not isinstance(end_date, Unset):
        if end_date is not None:
            date_check(end_date, field="end date")
            if end_date < operation.start_date:
                raise InvalidInput(
                    f"End date {end_date} is before the operation's start {operation.start_date}."
                )
        wanted["end_date"] = end_date
    if not isinstance(needs_rules, Unset):
        from opendtm.needs.queries import ruleset_get  # needs reads operations

        wanted["needs_rules_version"] = ruleset_get(version=needs_rules).version
    changes = {
        field: [getattr(operation, field), value]
        for field, value in wanted.items()
        if getattr(operation, field) != value
    }
    if not changes:
        return operation
    for field, (_old, new) in changes.items():
        setattr(operation, field, new)
    operation.save(update_fields=[*changes, "updated_at"])
    audit_record(
        actor=actor,
        action="operation.update",
        obj=operation,
        operation=operation,
        summary=f"changed {', '.join(changes)} of operation {operation.code}",
        changes={
            f: [iso(o) if isinstance(o, date) else o, iso(n) if isinstance(n, date) else n]
            for f, (o, n) in changes.items()
        },
    )
    return operation


def _operation_gazetteer(operation: Operation, actor: User) -> GazetteerVersion:
    """The operation's gazetteer version; adopts the country's latest when it has none yet."""
    if operation.gazetteer_version_id is not None:
        version = operation.gazetteer_version
        assert version is not None
        return version
    latest = gazetteer_version_latest(country_iso3=operation.country_iso3)
    if latest is None:
        raise Conflict(
            f"Operation {operation.code} has no gazetteer: no gazetteer of "
            f"{operation.country_iso3} is loaded.",
            hint=f"Load one with `opendtm gazetteer load ... --country {operation.country_iso3}`.",
        )
    operation.gazetteer_version = latest
    operation.save(update_fields=["gazetteer_version", "updated_at"])
    audit_record(
        actor=actor,
        action="operation.gazetteer",
        obj=operation,
        operation=operation,
        summary=f"operation {operation.code} now codes places with gazetteer {latest}",
        changes={"gazetteer_version": [None, latest.pk]},
    )
    return latest


@transaction.atomic
def operation_gazetteer_adopt(
    *, operation: Operation, version: GazetteerVersion, actor: User, reason: str
) -> Operation:
    """Move an operation to a newer gazetteer version of its country (operation admins).

    Rounds published from then on are stamped with `version`, so their change since a round on
    the older version goes through the crosswalk. Published rounds keep their own version.
    Refused for a version of another country, one loaded before the operation's current one,
    and while a round is validated but not published: it was checked on the units of the older
    version, and stamping it with the newer one would leave unclear which its rows are coded
    on (publish it first, or reopen it, import it again and validate it after the move).
    Adopting the version the operation is already on changes nothing and writes nothing.
    """
    authorize(actor, Action.MANAGE_OPERATION, operation)
    why = (reason or "").strip()
    if not why:
        raise InvalidInput(
            f"To move operation {operation.code} to another gazetteer version give a reason.",
            hint="Add --reason TEXT.",
        )
    # Lock the operation row: publishing (round_transition) reads the version under this lock.
    current_id = (
        Operation.objects.select_for_update()
        .filter(pk=operation.pk)
        .values_list("gazetteer_version_id", flat=True)
        .get()
    )
    if version.country_iso3 != operation.country_iso3:
        raise Conflict(
            f"Gazetteer {version} is not of {operation.country_iso3}: operation "
            f"{operation.code} codes places in {operation.country_iso3}.",
            hint=f"See the versions of {operation.country_iso3} with `opendtm gazetteer list`.",
        )
    current = GazetteerVersion.objects.filter(pk=current_id).first() if current_id else None
    if current is not None and version.pk == current.pk:
        operation.gazetteer_version = current
        return operation
    if current is not None and version.pk < current.pk:
        raise Conflict(
            f"Gazetteer {version} was loaded before {current}, the version operation "
            f"{operation.code} is on: an operation only moves to a newer version.",
            hint="To go back to older units, load that file again under a new label and adopt it.",
        )
    validated = list(
        Round.objects.filter(operation=operation, status=RoundStatus.VALIDATED)
        .order_by("number")
        .values_list("number", flat=True)
    )
    if validated:
        numbers = ", ".join(str(n) for n in validated)
        which = (
            f"Round {numbers} of {operation.code} is"
            if len(validated) == 1
            else (f"Rounds {numbers} of {operation.code} are")
        )
        raise Conflict(
            f"{which} validated but not published: checked on gazetteer {current}, "
            f"published on {version} it would leave unclear which version its rows are "
            "coded on.",
            hint=f"Publish it first (`opendtm round publish --operation {operation.code} "
            f"--number {validated[0]}`), or reopen it, import it again and validate it after "
            "the move.",
        )
    operation.gazetteer_version = version
    operation.save(update_fields=["gazetteer_version", "updated_at"])
    audit_record(
        actor=actor,
        action="operation.gazetteer_adopt",
        obj=operation,
        operation=operation,
        summary=f"operation {operation.code} moved from gazetteer {current or 'none'} to {version}",
        reason=why,
        changes={"gazetteer_version": [current_id, version.pk]},
    )
    return operation


# --- rounds --------------------------------------------------------------------------------


def _round_name(round_: Round, operation: Operation) -> str:
    return f"Round {round_.number} of {operation.code}"


@transaction.atomic
def round_open(
    *, operation: Operation, start_date: date, number: int | None = None, actor: User
) -> Round:
    """Open the next round of an operation (number defaults to the last one + 1).

    Refused while another round of the operation is open (one open round at a time), for a
    number already used, and for a start date outside the operation or out of order with the
    starts of the neighbouring rounds.
    """
    authorize(actor, Action.MANAGE_ROUNDS, operation)
    # Lock the operation row so two openings cannot both see "no open round" (PostgreSQL).
    Operation.objects.select_for_update().filter(pk=operation.pk).values_list("pk").first()
    start = date_check(start_date, field="start date")
    if number is not None and (isinstance(number, bool) or not isinstance(number, int)):
        raise InvalidInput(f"Round number {number!r} is not a whole number.")
    if number is not None and number < 1:
        raise InvalidInput(f"Round number {number} is not 1 or more.")
    if start < operation.start_date:
        raise InvalidInput(
            f"Start date {start} is before the start of operation {operation.code} "
            f"({operation.start_date})."
        )
    if operation.end_date is not None and start > operation.end_date:
        raise InvalidInput(
            f"Start date {start} is after the end of operation {operation.code} "
            f"({operation.end_date})."
        )
    existing = list(
        Round.objects.filter(operation=operation).values_list("number", "status", "start_date")
    )
    still_open = [n for n, status, _ in existing if status == RoundStatus.OPEN]
    if still_open:
        raise Conflict(
            f"Round {still_open[0]} of {operation.code} is still open: "
            "an operation has one open round at a time.",
            hint=f"Validate it first: `opendtm round validate --operation {operation.code} "
            f"--number {still_open[0]}`.",
        )
    if number is None:
        number = max((n for n, _, _ in existing), default=0) + 1
    elif any(n == number for n, _, _ in existing):
        raise Conflict(
            f"Operation {operation.code} already has a round {number}.",
            hint="Leave out --number to open the next one.",
        )
    for other, _, other_start in existing:
        if (other < number and other_start > start) or (other > number and other_start < start):
            raise InvalidInput(
                f"Start date {start} of round {number} is out of order: round {other} "
                f"starts on {other_start}.",
                hint="Rounds are numbered in the order they start; check the date.",
            )
    round_ = Round.objects.create(
        operation=operation, number=number, start_date=start, created_by=actor
    )
    audit_record(
        actor=actor,
        action="round.open",
        obj=round_,
        operation=operation,
        summary=f"opened round {number} of {operation.code} starting {start}",
        changes={"status": [None, RoundStatus.OPEN.value], "start_date": [None, iso(start)]},
    )
    return round_


@transaction.atomic
def round_update(
    *,
    round: Round,
    actor: User,
    start_date: date | Unset = UNSET,
    end_date: date | Unset | None = UNSET,
) -> Round:
    """Change the dates of a round that is still open (a published one is read-only)."""
    operation = round.operation
    authorize(actor, Action.MANAGE_ROUNDS, operation)
    round_ensure_writable(round)
    start = round.start_date if isinstance(start_date, Unset) else start_date
    end = round.end_date if isinstance(end_date, Unset) else end_date
    date_check(start, field="start date")
    if end is not None:
        date_check(end, field="end date")
        if end < start:
            raise InvalidInput(f"End date {end} is before the round's start {start}.")
    changes = {
        f: [iso(getattr(round, f)), iso(v)]
        for f, v in (("start_date", start), ("end_date", end))
        if getattr(round, f) != v
    }
    if not changes:
        return round
    round.start_date, round.end_date = start, end
    round.save(update_fields=[*changes, "updated_at"])
    audit_record(
        actor=actor,
        action="round.update",
        obj=round,
        operation=operation,
        summary=f"changed {', '.join(changes)} of round {round.number} of {operation.code}",
        changes=changes,
    )
    return round


def round_ensure_writable(round_: Round) -> None:
    """Raise Conflict unless the round is open. Every service that writes into a round calls it.

    Reads the status afresh and, inside the caller's transaction, locks the round row
    (PostgreSQL), so a round cannot be published while a write into it is under way.
    """
    with transaction.atomic():
        status = (
            Round.objects.select_for_update()
            .filter(pk=round_.pk)
            .values_list("status", flat=True)
            .first()
        )
    round_.status = status or round_.status
    what = f"Round {round_.number} of {round_.operation.code}"
    if status == RoundStatus.PUBLISHED:
        raise Conflict(
            f"{what} is published and read-only.",
            hint="Published figures never change: record corrections in a later round.",
        )
    if status == RoundStatus.VALIDATED:
        raise Conflict(
            f"{what} is validated, so it takes no more changes.",
            hint=f"Reopen it first: `opendtm round reopen --operation {round_.operation.code} "
            f"--number {round_.number} --reason TEXT`.",
        )


@transaction.atomic
def round_transition(
    *,
    round: Round,
    to_status: str,
    actor: User,
    reason: str = "",
    snapshot: str = SnapshotTiming.NOW,
) -> Round:
    """Move a round through its workflow, as ROUND_TRANSITIONS allows, and log the move.

    Publishing stamps `published_at` and the gazetteer version the operation is on at that
    moment (`operation_gazetteer_adopt` moves it) on the round, and builds its snapshot in
    the same transaction (`snapshot="now"`) or queues the build in it (`"queued"`, the
    browser's: `figures.tasks`), so a round is never published without one or the other.
    Reopening needs a reason and is refused while another round of the operation is open.
    """
    operation = round.operation
    authorize(actor, Action.MANAGE_ROUNDS, operation)
    target = choice_parse(RoundStatus, to_status, field="round status")
    timing = choice_parse(SnapshotTiming, snapshot, field="snapshot timing")
    # The operation row first (as operation_gazetteer_adopt locks it), then the round: the
    # version read here is the one the operation is on now, not the one the caller loaded.
    operation.gazetteer_version_id, operation.needs_rules_version = (
        Operation.objects.select_for_update()
        .filter(pk=operation.pk)
        .values_list("gazetteer_version_id", "needs_rules_version")
        .get()
    )
    current = Round.objects.select_for_update().get(pk=round.pk)
    what = _round_name(current, operation)
    move = transition_find(ROUND_TRANSITIONS, RoundStatus(current.status), target, what=what)
    reason = (reason or "").strip()
    if move.reason_required and not reason:
        raise InvalidInput(
            f"To {move.verb} {what.lower()} give a reason.", hint="Add --reason TEXT."
        )
    if target == RoundStatus.OPEN:
        other = (
            Round.objects.filter(operation=operation, status=RoundStatus.OPEN)
            .exclude(pk=current.pk)
            .values_list("number", flat=True)
            .first()
        )
        if other is not None:
            raise Conflict(
                f"Round {other} of {operation.code} is open: "
                "an operation has one open round at a time.",
                hint=f"Validate round {other} first, then reopen round {current.number}.",
            )
    from_status = current.status
    current.status = target
    update_fields = ["status", "updated_at"]
    if target == RoundStatus.PUBLISHED:
        current.published_at = timezone.now()
        current.gazetteer_version = _operation_gazetteer(operation, actor)
        current.needs_rules_version = operation.needs_rules_version
        update_fields += ["published_at", "gazetteer_version", "needs_rules_version"]
    current.save(update_fields=update_fields)
    RoundTransition.objects.create(
        round=current, from_status=from_status, to_status=target, by=actor, reason=reason
    )
    changes: dict[str, Any] = {"status": [from_status, target.value]}
    if target == RoundStatus.PUBLISHED:
        changes["gazetteer_version"] = [None, current.gazetteer_version_id]
        changes["needs_rules_version"] = ["", current.needs_rules_version]
    audit_record(
        actor=actor,
        action=f"round.{move.verb}",
        obj=current,
        operation=operation,
        summary=f"{move.verb} round {current.number} of {operation.code}: "
        f"{from_status} -> {target}",
        reason=reason,
        changes=changes,
    )
    if target == RoundStatus.PUBLISHED:
        from opendtm.figures.services import figures_snapshot_build  # figures imports us
        from opendtm.figures.tasks import snapshot_queue

        current.operation = operation
        if timing == SnapshotTiming.QUEUED:
            snapshot_queue(round=current, actor=actor)
        else:
            figures_snapshot_build(round=current, actor=actor)
    for field in (
        "status",
        "published_at",
        "gazetteer_version_id",
        "needs_rules_version",
        "updated_at",
    ):
        setattr(round, field, getattr(current, field))
    return round


def round_validate(*, round: Round, actor: User, reason: str = "") -> Round:
    """open -> validated: the round's data are checked and complete."""
    return round_transition(
        round=round, to_status=RoundStatus.VALIDATED, actor=actor, reason=reason
    )


def round_publish(
    *, round: Round, actor: User, reason: str = "", snapshot: str = SnapshotTiming.NOW
) -> Round:
    """validated -> published: figures become visible to viewers (and the public) for good."""
    return round_transition(
        round=round, to_status=RoundStatus.PUBLISHED, actor=actor, reason=reason, snapshot=snapshot
    )


def round_reopen(*, round: Round, actor: User, reason: str) -> Round:
    """validated -> open, with a reason: the round takes changes again."""
    return round_transition(round=round, to_status=RoundStatus.OPEN, actor=actor, reason=reason)
